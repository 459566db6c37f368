from odoo import api, models

from odoo.addons.auto_invoice.owned_context import owned_value

# Context key of account.move._auto_invoice_send: SPV gets the invoice from a job of its own, after the email (an owned
# value: a billing user's Send never skips SPV by sending the key).
SPV_LATER = "auto_invoice_spv_later"


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_extra_edis(self, move):
        # EXTENDS account: an automatic invoice is emailed first and submitted to SPV in its own job
        # (account.move._auto_invoice_send).
        edis = super()._get_default_extra_edis(move)
        if owned_value(self.env, SPV_LATER):
            edis.discard("ro_edi")
        return edis

    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        # EXTENDS l10n_ro_edi: whoever submits an invoice to SPV (this module's job, Odoo's Send), its last answer
        # stays on the invoice, where the salesperson sees it.
        res = super()._call_web_service_after_invoice_pdf_render(invoices_data)
        for invoice, invoice_data in invoices_data.items():
            if "ro_edi" not in invoice_data["extra_edis"]:
                continue
            error = invoice_data.get("error")
            # In sudo: Odoo's Send runs as the billing user, who may not write the field (account.move.write).
            invoice.sudo().auto_invoice_spv_error = self._format_error_text(error) if error else False
        return res
