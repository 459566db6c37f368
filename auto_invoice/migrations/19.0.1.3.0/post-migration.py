from odoo import SUPERUSER_ID, api

TEMPLATES = (
    "auto_invoice.mail_template_quotation_sign",
    "auto_invoice.mail_template_order_confirmed",
    "auto_invoice.mail_template_invoice",
)
CUSTOMER_LANG = "{{ object.partner_id.lang }}"


def migrate(cr, version):
    """The emails are noupdate (users tune them): those 19.0.1.2.0 sent in the sender's language, because they had
    no language, now speak the customer's. A language someone set is left alone."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in TEMPLATES:
        template = env.ref(xmlid, raise_if_not_found=False)
        if template and not template.lang:
            template.lang = CUSTOMER_LANG
