from odoo.fields import Command
from odoo.tests import tagged

from .test_signed_content import SignedContentCommon


@tagged("post_install", "-at_install")
class TestAutoInvoiceBillsWhatWasSigned(SignedContentCommon):
    """The acceptance is the source of its invoice: whenever the invoice is made (Retry Invoice here; the background
    job in auto_invoice_queue), it bills the signed lines, for whom they were signed, never a line added since."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_journals = cls.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", cls.env.company.id)]
        )

    def _signed_then_failed(self, **values):
        """A quotation signed while no sales journal is active: confirmed, its invoice failed."""
        self.sales_journals.active = False
        order = self._signed_order(**values)
        self.assertEqual((order.state, order.auto_invoice_state), ("sale", "failed"))
        self.sales_journals.active = True
        return order

    def _signed_total(self, order):
        return float(order.auto_invoice_acceptance_id._signed_content()["amount_total"])

    def test_retry_bills_the_signed_lines_not_a_line_added_since(self):
        order = self._signed_then_failed(lines=[(self.service, 1.0)], auto_invoice_after="post")
        signed_total = order.amount_total
        # A section and a line of it added to the confirmed order after the signature, before the retry.
        order.write(
            {
                "order_line": [
                    Command.create({"display_type": "line_section", "name": "Extras"}),
                    Command.create({"product_id": self.service.id, "product_uom_qty": 0.6, "name": "Extra design"}),
                ]
            }
        )
        self.assertGreater(order.amount_total, signed_total)

        order.with_user(self.salesman).action_auto_invoice_retry()

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "posted", "posted by its policy: what was signed, and nothing else")
        self.assertAlmostEqual(invoice.amount_total, signed_total, places=2)
        self.assertNotIn("Extras", invoice.invoice_line_ids.mapped("name"), "no section left empty")
        self.assertNotIn("Extra design", invoice.invoice_line_ids.mapped("name"))
        self.assertFalse(invoice.auto_invoice_differences, "it bills what was signed")
        extra = order.order_line.filtered(lambda line: line.name == "Extra design")
        self.assertAlmostEqual(extra.qty_to_invoice, 0.6, msg="the added line stays for Odoo's own invoicing")

        billed_by_hand = order._create_invoices()

        billed_lines = billed_by_hand.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        self.assertEqual(billed_lines.sale_line_ids, extra, "Odoo bills what was added, once")

    def test_retry_of_a_deposit_bills_the_share_of_the_signed_total(self):
        order = self._signed_then_failed(
            lines=[(self.service, 1.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        signed_total = self._signed_total(order)
        self._add_line_as_salesman(order)

        order.with_user(self.salesman).action_auto_invoice_retry()

        deposit = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(
            deposit.amount_total, round(signed_total * 0.3, 2), places=2, msg="30 % of what was signed"
        )

    def test_reviewer_is_told_of_the_lines_added_after_signing(self):
        order = self._signed_then_failed(lines=[(self.service, 2.0)])
        expense = self.assertPasses(lambda: self._add_expense_line(order))

        order.with_user(self.salesman).action_auto_invoice_retry()

        invoice = order.auto_invoice_id
        self.assertNotIn(expense, invoice.invoice_line_ids.sale_line_ids)
        self.assertFalse(invoice.auto_invoice_differences)
        self.assertEqual(invoice.auto_invoice_added_lines, "Taxi ride")

    def test_who_is_billed_is_signed_content(self):
        order = self._signed_order(require_payment=True)
        other_company = self.env["res.partner"].create({"name": "Never Signed Inc", "is_company": True})
        fiscal_position = self.env["account.fiscal.position"].create({"name": "Export"})

        for what, change in {
            "the invoice address": lambda: order.with_user(self.salesman).write(
                {"partner_invoice_id": other_company.id}
            ),
            "the fiscal position": lambda: order.with_user(self.salesman).write(
                {"fiscal_position_id": fiscal_position.id}
            ),
        }.items():
            with self.subTest(what):
                self.assertRefused(change, what)
        self.assertEqual(order.partner_invoice_id, self.invoice_address)

    def test_invoice_goes_to_whom_the_customer_signed_for(self):
        order = self._signed_then_failed(lines=[(self.service, 1.0)])
        signed = order.auto_invoice_acceptance_id._signed_content()
        # Behind the ORM, and so behind the lock: the acceptance, not the order, says who is billed.
        other_company = self.env["res.partner"].create({"name": "Never Signed Inc", "is_company": True})
        self.env.cr.execute(
            "UPDATE sale_order SET partner_invoice_id = %s, payment_term_id = NULL WHERE id = %s",
            [other_company.id, order.id],
        )
        order.invalidate_recordset()

        order.with_user(self.salesman).action_auto_invoice_retry()

        invoice = self.assertInvoicedOnce(order)

        self.assertRecordValues(
            invoice,
            [
                {
                    "partner_id": signed["partner_invoice_id"],
                    "fiscal_position_id": signed["fiscal_position_id"],
                    "invoice_payment_term_id": signed["payment_term_id"],
                }
            ],
        )

    def test_the_billing_context_of_another_orders_acceptance_changes_nothing(self):
        signed = self._signed_order(lines=[(self.service, 1.0)])
        order = self._create_quotation(lines=[(self.service, 3.0)], partner_invoice_id=self.customer.id)
        order.action_confirm()

        invoice = order.with_context(**signed.auto_invoice_acceptance_id._billing_context())._create_invoices()

        self.assertEqual(invoice.partner_id, self.customer, "this order's own invoice address")
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0, "this order's own lines")
