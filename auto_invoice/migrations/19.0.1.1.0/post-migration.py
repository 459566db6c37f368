import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, split_every, sql

_logger = logging.getLogger(__name__)

BATCH_SIZE = 1000  # orders read at a time


def migrate(cr, version):
    """19.0.1.0.0 kept the acceptance in columns of sale_order: give those orders an acceptance record."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    create_for_legacy_orders(env)
    # auto_invoice_state kept its column, so the upgrade did not recompute it: it is now read from the acceptance.
    order_model = env["sale.order"].with_context(active_test=False)
    field = order_model._fields["auto_invoice_state"]
    for ids in split_every(BATCH_SIZE, order_model._search([("auto_invoice_state", "!=", False)]), list):
        orders = order_model.browse(ids)
        env.add_to_compute(field, orders)
        orders.flush_recordset()
        env.invalidate_all()  # one batch of orders in memory at a time
    for column in ("auto_invoice_id", "auto_invoice_error"):  # now read from the acceptance
        cr.execute(SQL("ALTER TABLE sale_order DROP COLUMN IF EXISTS %s", SQL.identifier(column)))


def create_for_legacy_orders(env, batch_size=BATCH_SIZE):
    """Give every order signed before acceptances existed (19.0.1.0.0) an acceptance built from what it has.

    No channel, IP or user agent: they were not recorded. The order's former `auto_invoice_*` columns, when still in
    the table, give the outcome and the invoice. The database selects the signed orders without acceptance; they are
    read `batch_size` at a time, the cache emptied after each batch, whatever the size of the database.

    :return: the orders that got one
    """
    acceptance_model = env["sale.order.acceptance"].sudo()
    order_model = env["sale.order"].sudo().with_context(active_test=False)
    order_ids = list(order_model._search([("signature", "!=", False), ("acceptance_ids", "=", False)], order="id"))
    legacy = sql.column_exists(env.cr, "sale_order", "auto_invoice_id")
    for batch_ids in split_every(batch_size, order_ids, list):
        outcomes = dict.fromkeys(batch_ids, (None, None, None))
        if legacy:
            rows = env.execute_query(
                SQL(
                    "SELECT id, auto_invoice_id, auto_invoice_state, auto_invoice_error FROM sale_order"
                    " WHERE id = ANY(%s)",
                    batch_ids,
                )
            )
            outcomes.update({order_id: tuple(rest) for order_id, *rest in rows})
        orders = order_model.browse(batch_ids)
        acceptances = acceptance_model.create([_legacy_values(order, outcomes[order.id][1:]) for order in orders])
        for acceptance, order in zip(acceptances, orders, strict=True):
            if invoice_id := outcomes[order.id][0]:
                acceptance._link_invoice(env["account.move"].browse(invoice_id).exists())
        env.invalidate_all()  # flushes, then frees the batch's records
    _logger.info("auto_invoice: %s acceptance(s) recorded for orders signed before this version", len(order_ids))
    return env["sale.order"].browse(order_ids)


def _legacy_values(order, outcome):
    """The values of the acceptance of `order`, signed before acceptances existed, with its former outcome."""
    env = order.env
    state, error = outcome
    return {
        **env["sale.order.acceptance"]._content_values(order),
        "order_id": order.id,
        "partner_id": order.partner_id.id,
        "signer_name": order.signed_by or env._("(not recorded)"),
        "signer_partner_id": order.partner_id.id,
        "signed_on": order.signed_on or order.write_date,
        "signature": order.signature,
        "auto_invoice": bool(state),
        "state": state or "done",
        "error": error,
    }
