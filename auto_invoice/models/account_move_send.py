from odoo import api, models

from ..wizard.mail_compose_message import BRANDED_LAYOUT


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        # Odoo takes the layout from _get_mail_layout(), which knows no template: a branded template brings its own.
        if mail_template and mail_template.email_layout_xmlid == BRANDED_LAYOUT:
            self = self.with_context(auto_invoice_mail_layout=BRANDED_LAYOUT)  # noqa: PLW0642
        return super()._send_mail(move, mail_template, **kwargs)

    @api.model
    def _get_mail_layout(self):
        return self.env.context.get("auto_invoice_mail_layout") or super()._get_mail_layout()
