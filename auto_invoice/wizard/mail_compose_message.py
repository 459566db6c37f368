from odoo import api, models

# The notification layout of the branded emails (data/mail_template_branded.xml): the card inside carries the button,
# the title and the company's contacts, so that the layout adds none of them.
BRANDED_LAYOUT = "auto_invoice.mail_notification_branded"


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    @api.model_create_multi
    def create(self, vals_list):
        # Sale's senders pass their own layout (the Send wizard as a default, the confirmation email explicitly), and
        # it wins over the template's: a branded template keeps its layout, or its button and contacts come twice.
        for vals in vals_list:
            template_id = vals.get("template_id", self.env.context.get("default_template_id"))
            template = self.env["mail.template"].browse(template_id).exists() if template_id else None
            if template and template.email_layout_xmlid == BRANDED_LAYOUT:
                vals["email_layout_xmlid"] = BRANDED_LAYOUT
        return super().create(vals_list)
