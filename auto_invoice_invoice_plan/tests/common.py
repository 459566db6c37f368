from datetime import date, timedelta

from odoo.fields import Command
from odoo.tests import HttpCase
from odoo.tests.common import freeze_time

from odoo.addons.auto_invoice.tests.common import OnlinePaymentCommon

# The day of the signature in these tests, and the days of the next installments.
SIGNED_ON = date(2027, 1, 15)
SECOND_ON = date(2027, 2, 15)
THIRD_ON = date(2027, 3, 15)


class InvoicePlanCommon(OnlinePaymentCommon, HttpCase):
    """A quotation of two lines under two VAT rates (21 % and 9 %: 5,555.53 untaxed, 900.00 of VAT), with a 30/40/30
    payment schedule: the first installment on the day of the signature, the next ones a month apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vat_21 = cls.env["account.tax"].create({"name": "VAT 21%", "amount": 21.0, "type_tax_use": "sale"})
        cls.vat_9 = cls.env["account.tax"].create({"name": "VAT 9%", "amount": 9.0, "type_tax_use": "sale"})
        cls.design = cls._create_product(
            name="Brand design", type="service", invoice_policy="order", lst_price=3333.33, taxes_id=cls.vat_21.ids
        )
        cls.print_run = cls._create_product(
            name="Print run", type="service", invoice_policy="order", lst_price=1111.10, taxes_id=cls.vat_9.ids
        )
        cls.env.company.auto_invoice_on_signature = True

    def _planned_quotation(self, shares=(30, 40, 30), advance=None, **values):
        """The quotation with its schedule: `shares` (percent) as installments 1, 2, 3 dated SIGNED_ON, SECOND_ON,
        THIRD_ON; with `advance` (percent), an advance first (installment 0)."""
        values.setdefault("fiscal_position_id", False)
        values.setdefault("validity_date", THIRD_ON)
        order = self._create_quotation(lines=[(self.design, 1.0), (self.print_run, 2.0)], **values)
        days = [SIGNED_ON, SECOND_ON, THIRD_ON, THIRD_ON + timedelta(days=31)]
        plans = [
            Command.create({"installment": number, "plan_date": days[number - 1], "percent": share})
            for number, share in enumerate(shares, start=1)
        ]
        if advance:
            plans.insert(
                0,
                Command.create(
                    {"installment": 0, "plan_date": SIGNED_ON, "invoice_type": "advance", "percent": advance}
                ),
            )
        order.write({"use_invoice_plan": True, "invoice_plan_ids": plans})
        return order

    def _sign(self, order, user=None):
        """The customer signs `order` (in the backend, as the salesperson records it) on SIGNED_ON."""
        with freeze_time(f"{SIGNED_ON} 10:00:00"):
            self._sign_in_backend(order, user=user)
        return order

    def _run_cron(self, day):
        """The daily cron of the installments, as the server runs it on `day`."""
        with freeze_time(f"{day} 06:00:00"):
            self.env.ref("auto_invoice_invoice_plan.ir_cron_auto_invoice_installments").method_direct_trigger()

    def _schedule_invoices(self, order):
        """The invoices of `order`'s schedule, by installment number."""
        invoices = order.invoice_ids.filtered(lambda move: move.auto_invoice_part and move.state != "cancel")
        return {int(move.auto_invoice_part.split(":")[1]): move for move in invoices}

    def assertAddsUpToTheSignedQuotation(self, order, invoices):
        """`invoices` bill the signed quotation to the cent: untaxed, taxes and total."""
        currency = order.currency_id
        for field in ("amount_untaxed", "amount_tax", "amount_total"):
            with self.subTest(field=field):
                self.assertEqual(
                    currency.round(sum(invoices.mapped(field))), currency.round(order[field]), "to the cent"
                )
