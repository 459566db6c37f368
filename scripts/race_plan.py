#!/usr/bin/env python3
"""Race check of the payment schedule: two workers of the installments' cron run at the same moment, each in its own
transaction (Odoo's cron lock lets one worker run a cron at a time; here both run its method, the worst case: two
servers, or a person's Invoice Next Installment Now meanwhile), and each installment is invoiced once.

Runs inside Odoo (its registry, real PostgreSQL transactions committed by each worker), on a database where
auto_invoice_invoice_plan is installed: make test runs it on the database of its pass with sale_invoice_plan, after
Odoo's own test run (scripts/test.sh). Creates --orders quotations of two lines with a 30/40/30 schedule (today, in
30 and in 60 days), signs them, then releases the two workers with the clock at the second installment's day. An
order passes when it then has exactly one live invoice for installment 1 and one for installment 2, and nothing
else. Exit code 0 when every order passes, 1 otherwise.
"""

import argparse
import os
import sys
import threading
from datetime import date, timedelta

from freezegun import freeze_time

sys.path.insert(0, os.environ.get("ODOO_SRC", "/opt/odoo/19.0"))  # as odoo-bin, which sits there, finds Odoo

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.fields import Command  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402

SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="  # 1x1 PNG


def create_signed_orders(registry, count, today):
    """`count` quotations with a 30/40/30 schedule, signed today (committed); returns their ids."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.auto_invoice_on_signature = True
        tax = env["account.tax"].create({"name": f"Race VAT {today}", "amount": 21.0, "type_tax_use": "sale"})
        product = env["product.product"].create(
            {
                "name": "Race design",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1234.56,
                "taxes_id": [Command.set(tax.ids)],
            }
        )
        partner = env["res.partner"].create({"name": "Race Customer", "email": "race@customer.example.com"})
        orders = env["sale.order"]
        for _index in range(count):
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "require_signature": True,
                    "require_payment": False,
                    "validity_date": today + timedelta(days=90),
                    "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 3})],
                    "use_invoice_plan": True,
                    "invoice_plan_ids": [
                        Command.create(
                            {"installment": n + 1, "plan_date": today + timedelta(days=30 * n), "percent": share}
                        )
                        for n, share in enumerate((30, 40, 30))
                    ],
                }
            )
            order.action_quotation_sent()
            order.write({"signature": SIGNATURE, "signed_by": "Ada Race"})
            orders |= order
        return orders.ids


def run_cron_twice_at_once(registry):
    """Two workers of the installments' cron released by a barrier; returns the errors they raised."""
    barrier, errors = threading.Barrier(2), []

    def worker():
        barrier.wait()
        try:
            with registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["sale.order"]._cron_auto_invoice_installments()
        except Exception as exc:  # noqa: BLE001 - reported, then counted as a failure
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def installments_invoiced(registry, order_ids):
    """{order name: sorted installment numbers of its live invoices}."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = {}
        for order in env["sale.order"].browse(order_ids):
            live = order.invoice_ids.filtered(lambda move: move.state != "cancel")
            result[order.name] = sorted(
                int(part.split(":")[1]) if part else -1 for part in live.mapped(lambda move: move.auto_invoice_part)
            )
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("odoo_options", nargs=argparse.REMAINDER, help="Odoo's options (connection, addons path)")
    args = parser.parse_args()
    options = [option for option in args.odoo_options if option != "--"]
    odoo.tools.config.parse_config([*options, "-d", args.db])
    registry = Registry(args.db)
    today = date.today()
    order_ids = create_signed_orders(registry, args.orders, today)
    with freeze_time(f"{today + timedelta(days=30)} 06:00:00"):
        errors = run_cron_twice_at_once(registry)
    invoiced = installments_invoiced(registry, order_ids)
    wrong = {name: numbers for name, numbers in invoiced.items() if numbers != [1, 2]}
    print(
        f"race_plan: {len(order_ids)} orders, two cron workers at once on the second installment's day: "
        f"{len(order_ids) - len(wrong)} with installments 1 and 2 invoiced once each; errors: {errors or 'none'}"
    )
    for name, numbers in wrong.items():
        print(f"race_plan: FAILED {name}: invoices of installments {numbers}")
    sys.exit(1 if wrong or errors else 0)


if __name__ == "__main__":
    main()
