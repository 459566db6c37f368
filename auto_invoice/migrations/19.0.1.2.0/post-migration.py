from odoo import SUPERUSER_ID, api

BRANDED_LAYOUT = "auto_invoice.mail_notification_branded"
TEMPLATES = (
    "auto_invoice.mail_template_quotation_sign",
    "auto_invoice.mail_template_sign_reminder",
    "auto_invoice.mail_template_invoice",
)
# The layouts 19.0.1.1.0 sent these emails with: Odoo's, around the card, with a second button and contacts twice.
PREVIOUS_LAYOUTS = (False, "", "mail.mail_notification_light", "mail.mail_notification_layout")


def migrate(cr, version):
    """The emails are noupdate (users tune them), so an update keeps their body: give the ones still in Odoo's layout
    the addon's single-card layout, and leave a layout someone chose alone."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in TEMPLATES:
        template = env.ref(xmlid, raise_if_not_found=False)
        if template and template.email_layout_xmlid in PREVIOUS_LAYOUTS:
            template.email_layout_xmlid = BRANDED_LAYOUT
