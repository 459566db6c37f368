from odoo import api, models

from ..owned_context import own, owned_value
from ..wizard.mail_compose_message import BRANDED_LAYOUT

# Context key of _send_mail: the layout of the branded template being sent (an owned value: a client never names one).
MAIL_LAYOUT = "auto_invoice_mail_layout"


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        # Odoo takes the layout from _get_mail_layout(), which knows no template: a branded template brings its own.
        if mail_template and mail_template.email_layout_xmlid == BRANDED_LAYOUT:
            self = self.with_context(**own(MAIL_LAYOUT, BRANDED_LAYOUT))  # noqa: PLW0642
        return super()._send_mail(move, mail_template, **kwargs)

    @api.model
    def _get_mail_layout(self):
        return owned_value(self.env, MAIL_LAYOUT) or super()._get_mail_layout()

    @api.model
    def _link_invoice_documents(self, invoices_data):
        # The last moment before the PDF is kept (and then sent): every other module has changed it already (an
        # e-invoice embedded in it, for one); once sealed, a change would break the seal.
        # The file kept is the file sent (and downloaded from the portal): the register of issued files knows it.
        for invoice, invoice_data in invoices_data.items():
            values = invoice_data.get("pdf_attachment_values")
            if not (values and values.get("raw")):
                continue
            pdf = values["raw"]
            if invoice._auto_invoice_seals_pdf():
                values["raw"] = invoice._auto_invoice_seal_pdf(pdf)
            if invoice.is_sale_document():
                self.env["auto_invoice.issued.file"]._issue(
                    "invoice", invoice, values["raw"], "invoice", sealed=values["raw"] != pdf
                )
        return super()._link_invoice_documents(invoices_data)
