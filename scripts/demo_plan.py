"""The demo's steps for a quotation with a payment schedule (make demo DEMO_ARGS="--plan 30,40,30").

The salesperson gives the quotation OCA's invoice plan (auto_invoice_invoice_plan is installed with
sale_invoice_plan): installment 1 today, the next ones a month apart. The customer signs the schedule with the
quotation (its signed PDF says it); the signature invoices the first installment. Then the clock moves: the server's
own cron of the installments runs in a process of its own whose clock is each next installment's day (Odoo's shell,
freezegun), and each run invoices that day's installment. The demo prints every invoice and checks that they add up
to the signed total to the cent. Without --plan nothing here runs.
"""

import os
import shlex
import subprocess
from datetime import date, timedelta

from demo_issued import pdf_text
from odoo_client import OdooError

# What the shell runs: the installments' cron, as the scheduler runs it (its own cursor, committed), on a given day.
CRON_ON_DAY = """
from freezegun import freeze_time
with freeze_time("{day} 06:00:00"):
    env.ref("auto_invoice_invoice_plan.ir_cron_auto_invoice_installments").method_direct_trigger()
env.cr.commit()
"""
DAYS_APART = 30


def add_plan_arguments(parser):
    parser.add_argument(
        "--plan",
        metavar="SHARES",
        type=lambda value: [float(share) for share in value.split(",")],
        help="a payment schedule of these shares (percent, comma-separated: 30,40,30), the first installment at "
        "signature and the next ones 30 days apart (OCA's invoice plan; scripts/demo.sh installs "
        "auto_invoice_invoice_plan)",
    )


class PlanSteps:
    def init_plan(self, args):
        self.plan = args.plan or []
        self.plan_days = [date.today() + timedelta(days=DAYS_APART * n) for n in range(len(self.plan))]

    def add_plan(self):
        if not self.plan:
            return
        if abs(sum(self.plan) - 100) > 0.001:
            raise OdooError(f"--plan {self.plan}: the shares add up to {sum(self.plan)} %, not 100 %")
        lines = [
            (0, 0, {"installment": number, "plan_date": day.isoformat(), "percent": share})
            for number, (share, day) in enumerate(zip(self.plan, self.plan_days, strict=True), start=1)
        ]
        self.sales.rpc("sale.order", "write", [self.order_id], {"use_invoice_plan": True, "invoice_plan_ids": lines})
        schedule = ", ".join(f"{share:g} % on {day}" for share, day in zip(self.plan, self.plan_days, strict=True))
        self.log(f"b2. {self.names.salesperson} gives {self.order_name} a payment schedule (OCA's plan): {schedule}")

    def check_plan_documents(self):
        """The signed quotation states the schedule, and the signature invoiced the first installment only."""
        if not self.plan:
            return
        text = " ".join(pdf_text((self.out / "signed_quotation.pdf").read_bytes()).split())
        if "Payment schedule" not in text:
            raise OdooError("the signed quotation's PDF does not state the payment schedule")
        consent = self.rpc(
            "sale.order.acceptance", "search_read", [("order_id", "=", self.order_id)], fields=["consent_text"]
        )[0]["consent_text"]
        invoices = self.plan_invoices()
        if len(invoices) != 1:
            raise OdooError(f"the signature made {len(invoices)} invoices, expected the first installment only")
        self.log(
            f"d5. the signed quotation's PDF states the payment schedule; the consent signed says: "
            f"'{consent.split('. ', 1)[1] if '. ' in consent else consent}'"
        )
        self.log(f"d6. at signature: {self.describe(invoices[0])}")

    def run_plan_days(self):
        """Move the clock to each later installment's day and let the cron invoice it."""
        if not self.plan:
            return
        for number, day in enumerate(self.plan_days[1:], start=2):
            self.run_installments_cron(day)
            invoices = self.plan_invoices()
            if len(invoices) != number:
                raise OdooError(f"after the cron of {day}, {len(invoices)} installment invoices, expected {number}")
            self.log(f"i{number}. the clock moved to {day}, the server's cron ran: {self.describe(invoices[-1])}")
        order = self.read_one("sale.order", self.order_id, ["amount_total", "currency_id"])
        total = round(sum(invoice["amount_total"] for invoice in self.plan_invoices()), 2)
        if abs(total - order["amount_total"]) > 0.001:
            raise OdooError(f"the installments bill {total:,.2f}, the signed total is {order['amount_total']:,.2f}")
        self.log(
            f"i. the {len(self.plan)} installments add up to {total:,.2f} {order['currency_id'][1]}, the signed total"
        )

    def run_installments_cron(self, day):
        command = shlex.split(os.environ["DEMO_ODOO_SHELL"]) + ["-d", self.client.db, "--no-http"]
        result = subprocess.run(
            command, input=CRON_ON_DAY.format(day=day.isoformat()), text=True, capture_output=True, check=False
        )
        if result.returncode:
            raise OdooError(f"the installments' cron of {day} failed: {result.stderr[-2000:]}")

    def plan_invoices(self):
        return self.rpc(
            "account.move",
            "search_read",
            [("invoice_line_ids.sale_line_ids.order_id", "=", self.order_id), ("auto_invoice_part", "!=", False)],
            fields=["name", "state", "amount_untaxed", "amount_total", "auto_invoice_part", "currency_id"],
            order="id",
        )

    def describe(self, invoice):
        number = invoice["auto_invoice_part"].split(":")[1]
        return (
            f"installment {number}: invoice {invoice['name'] or '(no number yet)'} ({invoice['state']}), "
            f"{invoice['amount_untaxed']:,.2f} untaxed, {invoice['amount_total']:,.2f} {invoice['currency_id'][1]}"
        )
