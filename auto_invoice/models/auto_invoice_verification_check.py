import ipaddress
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import config

_logger = logging.getLogger(__name__)
_PROXY_WARNED = set()  # once per server process, not once per visitor

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
    def _client_key(self, ip_address):
        """What the limit counts by for `ip_address`: the address itself for IPv4; its /64 network for IPv6, which a
        single subscriber holds whole (a client rotating its IPv6 address inside it is one client)."""
        try:
            address = ipaddress.ip_address((ip_address or "").strip())
        except ValueError:
            return (ip_address or "")[:64]
        if address.version == 6 and address.ipv4_mapped:
            return str(address.ipv4_mapped)
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)

    @api.model
    def _warn_shared_address(self, ip_address, forwarded_for):
        """Behind a reverse proxy, Odoo sees the visitor's address only with proxy_mode: without it, every visitor
        has the proxy's address, and shares one limit. Said in the server's log (the forwarded header itself is not
        trusted: any client can send one)."""
        if _PROXY_WARNED or not forwarded_for or config.get("proxy_mode"):
            return
        try:
            behind_proxy = ipaddress.ip_address(ip_address).is_loopback or ipaddress.ip_address(ip_address).is_private
        except ValueError:
            return
        if behind_proxy:
            _PROXY_WARNED.add(ip_address)
            _logger.warning(
                "The verification page is reached through a reverse proxy but Odoo runs without proxy_mode: every "
                "visitor has the proxy's address %s and they all share one rate limit. Start Odoo with --proxy-mode.",
                ip_address,
            )

    @api.model
    def _allow(self, ip_address):
        """Whether `ip_address` may check one more document now; the check is counted when it may."""
        ip_address = self._client_key(ip_address)
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
