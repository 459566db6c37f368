from datetime import timedelta

from odoo import api, fields, models

# How many checks one address may ask for in RATE_WINDOW; the system parameter RATE_LIMIT_PARAM changes it.
RATE_LIMIT = 20
RATE_WINDOW = timedelta(minutes=1)
RATE_LIMIT_PARAM = "auto_invoice.verification_rate_limit"


class AutoInvoiceVerificationCheck(models.Model):
    """One check asked on the public verification page, by address: what rate-limits the page across the server's
    workers. Nothing of the file or the reference is kept. No access right for any group: the page writes in sudo."""

    _name = "auto_invoice.verification.check"
    _description = "Document Verification Check"
    _log_access = False

    ip_address = fields.Char(string="IP Address", required=True, index=True)
    checked_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _allow(self, ip_address):
        """Whether `ip_address` may check one more document now; the check is counted when it may."""
        limit = int(self.env["ir.config_parameter"].sudo().get_param(RATE_LIMIT_PARAM, RATE_LIMIT))
        since = fields.Datetime.now() - RATE_WINDOW
        checks = self.sudo().search_count([("ip_address", "=", ip_address), ("checked_at", ">=", since)], limit=limit)
        if checks >= limit:
            return False
        self.sudo().create({"ip_address": ip_address})
        return True

    @api.autovacuum
    def _gc_checks(self):
        self.sudo().search([("checked_at", "<", fields.Datetime.now() - RATE_WINDOW)]).unlink()
