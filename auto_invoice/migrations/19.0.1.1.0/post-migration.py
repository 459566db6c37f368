from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    """19.0.1.0.0 kept the acceptance in columns of sale_order: give those orders an acceptance record."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sale.order.acceptance"]._create_for_legacy_orders()
    # auto_invoice_state kept its column, so the upgrade did not recompute it: it is now read from the acceptance.
    orders = env["sale.order"].with_context(active_test=False).search([("auto_invoice_state", "!=", False)])
    env.add_to_compute(orders._fields["auto_invoice_state"], orders)
    orders.flush_recordset()
    for column in ("auto_invoice_id", "auto_invoice_error"):  # now read from the acceptance
        cr.execute(SQL("ALTER TABLE sale_order DROP COLUMN IF EXISTS %s", SQL.identifier(column)))
