from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def _column_exists(cr, table, column):
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (table, column),
    )
    return bool(cr.fetchone())


def migrate(cr, version):
    """The hashes that acceptances and invoices kept in their own columns enter the register of issued files, which the
    verification page reads from now on: every file issued before still checks out. Idempotent."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    register = env["auto_invoice.issued.file"]
    values = []
    for column, kind in (("document_sha256", "signed_quotation"), ("certificate_sha256", "certificate")):
        if not _column_exists(cr, "sale_order_acceptance", column):
            continue
        cr.execute(
            SQL(
                "SELECT id, %s FROM sale_order_acceptance WHERE %s IS NOT NULL",
                SQL.identifier(column),
                SQL.identifier(column),
            )
        )
        for acceptance_id, sha256 in cr.fetchall():
            acceptance = env["sale.order.acceptance"].browse(acceptance_id)
            if register.search_count([("kind", "=", kind), ("acceptance_id", "=", acceptance_id)]):
                continue
            issued_on = (
                acceptance.certificate_id.create_date if kind == "certificate" else None
            ) or acceptance.signed_on
            void = acceptance.state == "void"
            values.append(
                {
                    **acceptance._auto_invoice_issued_values(kind),
                    "kind": kind,
                    "sha256": sha256,
                    "channel": "migration",
                    "issued_on": issued_on,
                    "state": "withdrawn" if void else "current",
                    "state_date": acceptance.write_date if void else False,
                }
            )
    if _column_exists(cr, "account_move", "auto_invoice_pdf_sha256"):
        cr.execute("SELECT id, auto_invoice_pdf_sha256 FROM account_move WHERE auto_invoice_pdf_sha256 IS NOT NULL")
        for move_id, sha256 in cr.fetchall():
            move = env["account.move"].browse(move_id)
            if register.search_count([("kind", "=", "invoice"), ("move_id", "=", move_id), ("sha256", "=", sha256)]):
                continue
            state = (
                "cancelled" if move.state == "cancel" else "credited" if move.payment_state == "reversed" else "current"
            )
            values.append(
                {
                    **move._auto_invoice_issued_values("invoice"),
                    "kind": "invoice",
                    "sha256": sha256,
                    "sealed": True,  # the column kept the sealed invoices only
                    "channel": "migration",
                    "issued_on": move.invoice_pdf_report_id.create_date or move.write_date,
                    "state": state,
                    "state_date": move.write_date if state != "current" else False,
                }
            )
    register.create(values)
