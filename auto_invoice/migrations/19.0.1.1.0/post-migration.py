from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, split_every

from odoo.addons.auto_invoice.models.sale_order_acceptance import LEGACY_BATCH_SIZE


def migrate(cr, version):
    """19.0.1.0.0 kept the acceptance in columns of sale_order: give those orders an acceptance record."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sale.order.acceptance"]._create_for_legacy_orders()
    # auto_invoice_state kept its column, so the upgrade did not recompute it: it is now read from the acceptance.
    order_model = env["sale.order"].with_context(active_test=False)
    field = order_model._fields["auto_invoice_state"]
    for ids in split_every(LEGACY_BATCH_SIZE, order_model._search([("auto_invoice_state", "!=", False)]), list):
        orders = order_model.browse(ids)
        env.add_to_compute(field, orders)
        orders.flush_recordset()
        env.invalidate_all()  # one batch of orders in memory at a time
    for column in ("auto_invoice_id", "auto_invoice_error"):  # now read from the acceptance
        cr.execute(SQL("ALTER TABLE sale_order DROP COLUMN IF EXISTS %s", SQL.identifier(column)))
