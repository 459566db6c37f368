import itertools
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

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


@tagged("post_install", "-at_install")
class TestAutoInvoiceLaterPayments(OnlinePaymentCommon):
    """Payments that come after the automatic invoice: each ends matched with an invoice of its order, as Odoo's
    Automatic Invoice matches them without the addon (the control of each case: the same flow, the feature off)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", True)

    def _prepaid_30_then_rest(self, **values):
        order = self._create_quotation(
            lines=[(self.service, 2.0)],
            require_payment=True,
            prepayment_percent=0.3,
            auto_invoice_after="post",
            **values,
        )
        self._sign_in_backend(order)
        first = self._pay(order, order.currency_id.round(order.amount_total * 0.3))
        rest = self._pay(order, order.amount_total - first.amount)  # the order's payment link, once confirmed
        return order, first, rest

    def test_rest_paid_online_after_a_prepaid_posted_invoice_is_matched(self):
        order, first, rest = self._prepaid_30_then_rest()

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "posted")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "paid in full, the invoice says so")
        self.assertPaymentMatched(invoice, first)
        self.assertPaymentMatched(invoice, rest)
        self.assertEqual(self._posted_total(order), order.amount_total, "billed once")

    def test_control_rest_paid_online_without_invoice_on_signature(self):
        order, first, rest = self._prepaid_30_then_rest(auto_invoice_on_signature=False)

        self.assertEqual(order.state, "sale")
        self.assertEqual(self._posted_total(order), order.amount_total, "Odoo invoices each payment")
        self.assertEveryPaymentMatched(order)

    def _deposit_posted_then_paid_in_full(self, **values):
        order = self._create_quotation(
            lines=[(self.service, 2.0)],
            auto_invoice_amount="percentage",
            auto_invoice_deposit_percentage=30.0,
            auto_invoice_after="post",
            **values,
        )
        self._sign_in_backend(order)
        return order

    def test_whole_order_paid_online_after_a_posted_deposit_is_invoiced_and_matched(self):
        order = self._deposit_posted_then_paid_in_full()
        deposit = order.auto_invoice_id
        self.assertEqual(deposit.state, "posted")

        payment = self._pay(order, order.amount_total)

        final = order.invoice_ids - deposit
        self.assertEqual(len(final), 1, "the rest, as Odoo's final invoice")
        self.assertEqual(final.state, "posted", "under the acceptance's policy")
        self.assertAlmostEqual(final.amount_total, order.amount_total - deposit.amount_total, places=2)
        self.assertEqual(self._posted_total(order), order.amount_total)
        for invoice in deposit | final:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertPaymentMatched(invoice, payment)
        self.assertEveryPaymentMatched(order)

    def test_control_whole_order_paid_online_after_a_deposit_without_invoice_on_signature(self):
        order = self._deposit_posted_then_paid_in_full(auto_invoice_on_signature=False)
        order.action_confirm()
        wizard = self.env["sale.advance.payment.inv"].with_context(active_model="sale.order", active_ids=order.ids)
        wizard.create({"advance_payment_method": "percentage", "amount": 30.0}).create_invoices()
        order.invoice_ids.action_post()

        self._pay(order, order.amount_total)

        final = order.invoice_ids.filtered(lambda move: not move._is_downpayment())
        self.assertEqual(self._posted_total(order), order.amount_total, "Odoo invoices the rest")
        self.assertIn(final.payment_state, ("paid", "in_payment"), "and matches the payment with it")

    def test_payment_beyond_a_reviewed_deposit_waits_for_review(self):
        order = self._create_quotation(
            lines=[(self.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id

        self._pay(order, order.amount_total)

        final = order.invoice_ids - deposit
        self.assertEqual((deposit | final).mapped("state"), ["draft", "draft"], "a person reviews both")
        review = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review")
        self.assertEqual(final.activity_ids.activity_type_id, review)
        self.assertEqual(final.activity_ids.user_id, self.salesman)

        deposit.with_user(self.accountant).action_auto_invoice_send()
        final.with_user(self.accountant).action_post()

        self.assertEqual(self._posted_total(order), order.amount_total)
        self.assertEveryPaymentMatched(order)

    def test_without_automatic_invoice_the_rest_is_matched_when_invoiced(self):
        self._set_automatic_invoice(False)
        order = self._deposit_posted_then_paid_in_full()
        deposit = order.auto_invoice_id

        self._pay(order, order.amount_total)

        self.assertEqual(order.invoice_ids, deposit, "Odoo invoices no payment without Automatic Invoice")
        self.assertIn(deposit.payment_state, ("paid", "in_payment"), "the deposit is matched at once")
        final = order.with_user(self.accountant)._create_invoices(final=True)
        final.with_user(self.accountant).action_post()  # the accountant invoices the rest, after the delivery

        self.assertIn(final.payment_state, ("paid", "in_payment"))
        self.assertEveryPaymentMatched(order)

    def test_a_match_refused_by_another_module_never_undoes_the_posting(self):
        order = self._create_quotation(lines=[(self.service, 2.0)], require_payment=True, prepayment_percent=0.3)
        self._sign_in_backend(order)
        self._pay(order, order.currency_id.round(order.amount_total * 0.3))
        invoice = order.auto_invoice_id

        with (
            patch.object(type(invoice), "js_assign_outstanding_line", side_effect=UserError("The period is locked.")),
            mute_logger("odoo.addons.auto_invoice.models.sale_order_payment"),
        ):
            invoice.with_user(self.billing_user).action_auto_invoice_send()

        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertTrue(self._find_note(order, "could not be matched"), "a person is told, to match it by hand")

    def test_a_refund_is_not_linked_to_the_invoice_it_does_not_pay(self):
        order = self._signed_quotation_to_pay(0.3)
        first = self._pay(order, order.currency_id.round(order.amount_total * 0.3))
        refund = self._create_transaction(
            flow="redirect",
            operation="refund",
            sale_order_ids=[order.id],
            source_transaction_id=first.id,
            state="done",
            amount=-10.0,
            currency_id=order.currency_id.id,
            partner_id=order.partner_id.id,
            reference=f"{order.name}-refund",
        )
        invoice = order.auto_invoice_id

        invoice.with_user(self.billing_user).action_auto_invoice_send()

        self.assertNotIn(refund, invoice.transaction_ids, "a refund pays no invoice")
        self.assertEqual(invoice.transaction_ids, first)
        self.assertPaymentMatched(invoice, first)


@tagged("post_install", "-at_install")
class TestAutoInvoicePaymentMatrix(OnlinePaymentCommon):
    """Every policy, amount and prepayment, paid at once, in two parts, or after the invoice was posted (Confirm &
    Send, Odoo's Confirm), with Odoo's Automatic Invoice: the posted invoices bill what was signed, once, and every
    done payment ends matched with an invoice of its order. One setup, one subtest per case; each quotation is signed
    once and paid in each pattern from that signature, rolled back in between."""

    AFTER = ("draft", "post", "send")
    AMOUNTS = ("full", "deposit")
    PREPAYMENTS = (0.0, 0.3, 1.0)
    PATTERNS = ("at_once", "two_parts", "after_confirm_and_send", "after_odoo_confirm")

    def _quotation(self, after, amount, prepayment):
        values = {"lines": [(self.service, 1.0), (self.delivered_product, 2.0)], "auto_invoice_after": after}
        if amount == "deposit":
            values.update(auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0)
        if prepayment:
            values.update(require_payment=True, prepayment_percent=prepayment)
        order = self._create_quotation(**values)
        self._sign_in_backend(order)
        return order

    def _post_drafts(self, order, confirm_and_send=True):
        """What a billing user does with the drafts of `order`: Confirm & Send an automatic one, Confirm the others.

        :return: the invoices posted
        """
        drafts = order.invoice_ids.filtered(lambda move: move.state == "draft")
        for invoice in drafts.with_user(self.accountant):
            if confirm_and_send and invoice.is_auto_invoice:
                invoice.action_auto_invoice_send()
            else:
                invoice.action_post()
        return drafts

    def _pay_rest(self, order):
        if rest := order.currency_id.round(order.amount_total - order.amount_paid):
            self._pay(order, rest)

    @contextmanager
    def _rolled_back(self):
        """What runs inside is undone after, as if it never happened: the next pattern pays the quotation as signed."""
        savepoint = self.env.cr.savepoint()
        try:
            yield
            self.env.cr.flush()  # and the checks Odoo makes before a commit, as after a request
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)

    def _run(self, order, after, prepayment, pattern):
        """The customer pays the signed quotation `order` in `pattern`; the reviewer posts what is left in draft."""
        total, currency = order.amount_total, order.currency_id
        reviewed = self.env["account.move"]
        if pattern == "at_once":
            self._pay(order, total)
        elif pattern == "two_parts":
            self._pay(order, currency.round(total * max(prepayment, 0.5)))
            self._pay_rest(order)
        else:
            if prepayment:
                self._pay(order, currency.round(total * prepayment))
            reviewed = self._post_drafts(order, confirm_and_send=pattern == "after_confirm_and_send")
            self._pay_rest(order)
        if after == "draft":
            posted = order.invoice_ids.filtered(lambda move: move.state == "posted")
            self.assertLessEqual(posted, reviewed, "nothing posted that the policy says a person reviews")
        self._post_drafts(order)  # the reviewer, at last
        return order

    def test_every_payment_ends_matched_and_nothing_is_billed_twice(self):
        self._set_automatic_invoice(True)
        for after, amount, prepayment in itertools.product(self.AFTER, self.AMOUNTS, self.PREPAYMENTS):
            signed = self._quotation(after, amount, prepayment)
            for pattern in self.PATTERNS:
                with (
                    self.subTest(after=after, amount=amount, prepayment=prepayment, pattern=pattern),
                    self._rolled_back(),
                ):
                    order = self._run(signed, after, prepayment, pattern)

                    self.assertEqual(order.state, "sale")
                    self.assertEqual(self._posted_total(order), order.amount_total, "what was signed, billed once")
                    self.assertEqual(order.amount_paid, order.amount_total)
                    self.assertEveryPaymentMatched(order)
