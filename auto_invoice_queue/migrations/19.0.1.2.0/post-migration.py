from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """19.0.1.1.0 deferred the confirmation email of a background signature in Odoo's own `pending_email_template_id`,
    which Odoo's cron of deferred order emails sends without the signed copy: the confirmations still waiting for
    their acceptance's signed copy move to the field of the acceptance's job."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    orders = env["sale.order"].search(
        [
            ("pending_email_template_id", "!=", False),
            ("auto_invoice_acceptance_id.document_id", "=", False),
            ("company_id.auto_invoice_background", "=", True),
        ]
    )
    for order in orders:
        order.auto_invoice_confirmation_template_id = order.pending_email_template_id
    orders.pending_email_template_id = False
