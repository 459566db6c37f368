import re

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_date

from .common import pdf_text
from .test_deposit import DepositCommon

FULL_INTRO = "This invoice bills the quotation you signed."
DEPOSIT_INTRO = "This invoice bills the deposit on your quotation."
FINAL_INTRO = "This invoice bills the rest of your quotation, less your deposits."


@tagged("post_install", "-at_install")
class TestAutoInvoiceDepositInvoicePdf(DepositCommon, HttpCase):
    """A deposit invoice and the final invoice after it say what they bill, in both designs: real PDFs read with
    pdftotext."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", "primary_color": "#0B5394", "secondary_color": "#E69138"})
        # The intros, as an administrator writes them in Settings.
        cls.env["res.config.settings"].create(
            {
                "auto_invoice_invoice_intro": f"<p>{FULL_INTRO}</p>",
                "auto_invoice_invoice_intro_deposit": f"<p>{DEPOSIT_INTRO}</p>",
                "auto_invoice_invoice_intro_final": f"<p>{FINAL_INTRO}</p>",
            }
        ).execute()
        # Billing rights only: the summary reads the sale orders, which this user may not read, in sudo.
        cls.invoicing_user = new_test_user(
            cls.env, login="ai_invoicing_only", groups="account.group_account_invoice", company_id=cls.company.id
        )
        cls.order = cls._create_quotation(
            lines=[(cls.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        cls.order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        cls.deposit = cls.order.auto_invoice_id
        cls.deposit.action_post()
        cls.final = cls.order._create_invoices(final=True)
        cls.final.action_post()
        cls.texts = {}  # _set_up_text(): the text of the deposit and final invoices in each design

    def _pdf_text(self, invoice, design):
        self.company.auto_invoice_report_design = design
        return pdf_text(self._render_pdf(invoice, user=self.invoicing_user))

    def _set_up_text(self, invoice, design):
        """The text of the deposit or the final invoice as the class set them up, in `design`: rendered by the first
        test that reads it, read by the others (a test that changes what they print calls _pdf_text)."""
        if (invoice, design) not in self.texts:
            self.texts[invoice, design] = self._pdf_text(invoice, design)
        return self.texts[invoice, design]

    def assertRow(self, text, label, amount):
        """A line of the PDF holds `label` and ends with `amount`, as a summary row prints them."""
        money = self._money(amount, self.order.currency_id)
        rows = [line for line in text.splitlines() if label in line]
        self.assertTrue(
            any(line.rstrip().endswith(money) for line in rows), f"{label!r} with {money} on its line, in {rows}"
        )

    def test_deposit_invoice_says_what_it_bills(self):
        quotation_total = self.order.amount_total
        self.assertAlmostEqual(self.deposit.amount_total, quotation_total * 0.3, places=2)
        for design in ("auto_invoice", "standard"):
            with self.subTest(design=design):
                text = self._set_up_text(self.deposit, design)

                self.assertIn(f"Deposit Invoice {self.deposit.name}", text)
                self.assertIn(f"Deposit on quotation {self.order.name}", text)
                self.assertIn("Deposit of 30%", text, "the invoice's line says deposit too")
                self.assertNotIn("own payment", text.replace("\n", " "), "one word for a deposit")
                self.assertRow(text, "Quotation total", quotation_total)
                self.assertRow(text, "This deposit", self.deposit.amount_total)
                self.assertRow(text, "Left to pay after this deposit", quotation_total - self.deposit.amount_total)
                self.assertNotIn("Deposit invoiced before", text, "the first deposit")
                self.assertNotIn("Final Invoice", text)

    def test_signed_quotation_states_the_deposit_agreed(self):
        money = self.order.currency_id
        deposit, total = self._money(self.deposit.amount_total, money), self._money(self.order.amount_total, money)
        for design in ("auto_invoice", "standard"):
            with self.subTest(design=design):
                self.company.auto_invoice_report_design = design
                order = self.order.with_context(force_report_rendering=True)
                text = pdf_text(order._auto_invoice_render_quotation_pdf()).replace("\n", " ")
                self.assertIn(f"Deposit invoiced at signature: {deposit} (30% of {total})", re.sub(" +", " ", text))

    def test_final_invoice_lists_the_deposits_it_deducts(self):
        deposit_date = format_date(self.env, self.deposit.invoice_date)
        for design in ("auto_invoice", "standard"):
            with self.subTest(design=design):
                text = self._set_up_text(self.final, design)

                self.assertIn(f"Final Invoice {self.final.name}", text)
                self.assertIn(f"Balance of quotation {self.order.name}, less the deposits invoiced", text)
                self.assertRow(text, "Quotation total", self.order.amount_total)
                self.assertRow(text, f"Deposit invoice {self.deposit.name}", self.deposit.amount_total)
                lines = [line.strip() for line in text.splitlines()]
                row = next(index for index, line in enumerate(lines) if f"Deposit invoice {self.deposit.name}" in line)
                self.assertEqual(lines[row + 1], f"of {deposit_date}", "its date right under it")
                self.assertRow(text, "Deposits deducted", self.deposit.amount_total)
                self.assertNotIn("Deposit Invoice", text)

    def test_intro_fits_what_the_invoice_bills(self):
        full = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(full)
        for invoice, intro in (
            (full.auto_invoice_id, FULL_INTRO),
            (self.deposit, DEPOSIT_INTRO),
            (self.final, FINAL_INTRO),
        ):
            with self.subTest(kind=invoice._auto_invoice_billing_kind()):
                if invoice == full.auto_invoice_id:
                    text = self._pdf_text(invoice, "auto_invoice")
                else:
                    text = self._set_up_text(invoice, "auto_invoice")
                self.assertIn(intro, text)
                others = {FULL_INTRO, DEPOSIT_INTRO, FINAL_INTRO} - {intro}
                self.assertFalse([other for other in others if other in text], "one intro, the one of its kind")

    def test_your_reference_is_the_customers_own(self):
        text = self._set_up_text(self.final, "auto_invoice")
        self.assertIn("Your Reference", text)
        self.assertIn(self.order.client_order_ref, text)

        order = self._create_quotation(lines=[(self.service, 1.0)], client_order_ref=False)
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        self.assertEqual(invoice.ref, order.name, "Odoo's reference when the customer gave none: the quotation")

        text = self._pdf_text(invoice, "auto_invoice")

        self.assertNotIn("Your Reference", text)
        self.assertEqual(len(re.findall(re.escape(order.name), text)), 2, "the quotation, and its acceptance")

    def test_acceptance_date_in_the_customers_formats_and_time_zone(self):
        self.customer.tz = "Europe/Brussels"  # the invoice goes to a contact of theirs without a time zone
        signed_on = self._formatted_datetime(self.order.acceptance_ids.signed_on, "Europe/Brussels")

        text = self._pdf_text(self.deposit, "auto_invoice")

        self.assertIn(f"Accepted by Ada Lovelace on {signed_on} (Europe/Brussels)", text)
        self.assertIn(format_date(self.env, self.deposit.invoice_date), text, "the invoice date, in the same format")
        self.assertNotRegex(text, r"\d{4}-\d{2}-\d{2}", "one date format on the page, the language's")


@tagged("post_install", "-at_install")
class TestAutoInvoiceDepositSummary(DepositCommon):
    """account.move._auto_invoice_deposit_summary(): the figures both designs print."""

    def test_second_deposit_counts_the_first_and_not_a_credit_noted_one(self):
        order, first = self._deposit_signed_twice(service_qty=4.0)
        second = order.auto_invoice_id

        summary = second._auto_invoice_deposit_summary()

        self.assertEqual(summary["kind"], "deposit")
        self.assertEqual(summary["quotations"], order.name)
        self.assertAlmostEqual(summary["quotation_total"], order.amount_total, places=2)
        self.assertEqual(
            summary["deposits"], [{"name": first.name, "date": first.invoice_date, "amount": first.amount_total}]
        )
        self.assertAlmostEqual(summary["this_deposit"], second.amount_total, places=2)
        self.assertAlmostEqual(summary["left"], order.amount_total - first.amount_total - second.amount_total, places=2)
        self.assertEqual(first._auto_invoice_deposit_summary()["deposits"], [], "the first was invoiced first")

        first._reverse_moves().action_post()
        self.assertEqual(second._auto_invoice_deposit_summary()["deposits"], [], "credit-noted: no longer a deposit")

    def test_full_invoice_and_credit_note_have_no_summary(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.action_post()
        self.assertEqual(invoice._auto_invoice_deposit_summary(), {"kind": "full"})

        deposit_order = self._deposit_quotation()
        self._sign_in_backend(deposit_order)
        deposit = deposit_order.auto_invoice_id
        deposit.action_post()
        credit_note = deposit._reverse_moves()
        self.assertEqual(credit_note._auto_invoice_deposit_summary(), {"kind": "full"}, "a credit note, not a deposit")

    def test_customer_reference_leaves_out_the_quotation_number(self):
        order = self._create_quotation(lines=[(self.service, 1.0)], client_order_ref=False)
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        self.assertEqual(invoice._auto_invoice_customer_reference(), "")

        invoice.ref = f"{order.name}, PO-99"  # an invoice of several orders, one with the customer's reference
        self.assertEqual(invoice._auto_invoice_customer_reference(), "PO-99")
