from odoo.tests import tagged

from .common import OnlinePaymentCommon


@tagged("post_install", "-at_install")
class TestAutoInvoiceOnlinePayment(OnlinePaymentCommon):
    """A real payment transaction, post-processed by Odoo (sale + account_payment), never action_confirm."""

    def test_prepayment_then_reviewed_draft_is_matched_when_sent(self):
        for automatic_invoice in (False, True):
            with self.subTest(automatic_invoice=automatic_invoice):
                self._set_automatic_invoice(automatic_invoice)
                order = self._signed_quotation_to_pay(0.3)
                paid = order.currency_id.round(order.amount_total * 0.3)

                transaction = self._pay(order, paid)

                self.assertEqual(order.state, "sale", "the payment confirmed the order")
                invoice = self.assertInvoicedOnce(order)  # no down payment invoice on top of it
                self.assertEqual(invoice.amount_total, order.amount_total)
                self.assertEqual(invoice.state, "draft", "not posted behind the reviewer's back")
                self.assertTrue(transaction.payment_id, "Odoo recorded the payment")

                invoice.with_user(self.billing_user).action_auto_invoice_send()

                self.assertEqual(invoice.payment_state, "partial")
                self.assertAlmostEqual(invoice.amount_residual, order.amount_total - paid, places=2)
                self.assertPaymentMatched(invoice, transaction)
                self.assertIn(transaction, invoice.transaction_ids)

    def test_full_payment_with_post_policy_ends_paid(self):
        for automatic_invoice in (False, True):
            with self.subTest(automatic_invoice=automatic_invoice):
                self._set_automatic_invoice(automatic_invoice)
                order = self._signed_quotation_to_pay(1.0, auto_invoice_after="post")

                transaction = self._pay(order, order.amount_total)

                invoice = self.assertInvoicedOnce(order)
                self.assertEqual(invoice.state, "posted")
                self.assertIn(invoice.payment_state, ("paid", "in_payment"))
                self.assertPaymentMatched(invoice, transaction)

    def test_deposit_policy_with_matching_prepayment(self):
        self._set_automatic_invoice(True)
        order = self._signed_quotation_to_pay(
            0.3, auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0, auto_invoice_after="post"
        )

        transaction = self._pay(order, order.currency_id.round(order.amount_total * 0.3))

        deposit = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(deposit.amount_total, order.amount_total * 0.3, places=2)
        self.assertIn(deposit.payment_state, ("paid", "in_payment"), "the prepayment pays the deposit invoice")
        self.assertPaymentMatched(deposit, transaction)
