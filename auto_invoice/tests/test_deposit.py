from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import AutoInvoiceCommon, OnlinePaymentCommon

ACCEPTANCE_LOGGER = "odoo.addons.auto_invoice.models.sale_order_acceptance_invoice"  # its outcome


class DepositCommon(AutoInvoiceCommon):
    """One acceptance never bills more than the customer accepted, whatever was invoiced before it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Who invoices orders by hand: billing rights, and every salesperson's orders.
        cls.accountant = new_test_user(
            cls.env,
            login="ai_accountant",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            company_id=cls.env.company.id,
        )

    def _deposit_quotation(self, percentage=30.0, lines=None, **values):
        return self._create_quotation(
            lines=lines or [(self.service, 2.0)],
            auto_invoice_amount="percentage",
            auto_invoice_deposit_percentage=percentage,
            **values,
        )

    def _reset_to_quotation(self, order):
        order.action_cancel()  # as a manager: cancelling takes billing rights when a draft invoice is open
        order.with_user(self.salesman).action_draft()

    def _deposit_signed_twice(self, service_qty=None):
        """A 30 % deposit quotation signed, its deposit posted, reset to quotation (the service's quantity then set to
        `service_qty`, when given) and signed again."""
        order = self._deposit_quotation()
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id
        deposit.action_post()
        self._reset_to_quotation(order)
        if service_qty is not None:
            order.order_line.filtered(lambda line: line.product_id == self.service).product_uom_qty = service_qty
        self._sign_in_backend(order)
        return order, deposit

    def _live_invoices(self, order):
        return order.invoice_ids.filtered(lambda move: move.state != "cancel")

    def _billed(self, order):
        """What the order's live invoices bill in all, net of credit notes."""
        return sum(-move.direction_sign * move.amount_total for move in self._live_invoices(order))

    def _invoice_by_hand(self, order, **values):
        """What an accountant does: Create Invoice > Regular invoice (or a down payment, with `values`)."""
        before = order.invoice_ids
        self.env["sale.advance.payment.inv"].with_user(self.accountant).with_context(
            active_model="sale.order", active_ids=order.ids
        ).create({"advance_payment_method": "delivered", **values}).create_invoices()
        return order.invoice_ids - before

    def assertNothingBilledAgain(self, order, invoices):
        """The current acceptance is done, without an invoice of its own, and says why in the chatter."""
        self.assertEqual(self._live_invoices(order), invoices, "no new invoice")
        self.assertEqual(order.auto_invoice_state, "done", "the acceptance is done: nothing left to bill")
        self.assertFalse(order.auto_invoice_id)
        self.assertFalse(order.auto_invoice_error)
        self.assertTrue(self._find_note(order, "already invoiced"), "the chatter says why nothing was billed")
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed")
        self.assertFalse(order.activity_ids.filtered(lambda act: act.activity_type_id == failure_type))


@tagged("post_install", "-at_install")
class TestAutoInvoiceDeposit(DepositCommon):
    # --- 2: signing again after a reset ---------------------------------------------------------------------------

    def test_signing_again_bills_no_second_deposit(self):
        order, deposit = self._deposit_signed_twice()

        self.assertNothingBilledAgain(order, deposit)
        self.assertAlmostEqual(self._billed(order), order.amount_total * 0.3, places=2, msg="30 %, not 60 %")

    def test_billing_user_confirms_and_sends_a_deposit_of_another_salespersons_order(self):
        # Posting a down payment makes Odoo rewrite its line on the order, which this user may not write.
        order = self._deposit_quotation()
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id
        down_payment_line = order.order_line.filtered(lambda line: line.is_downpayment and not line.display_type)
        draft_description = down_payment_line.name

        deposit.with_user(self.billing_user).action_auto_invoice_send()

        self.assertEqual(deposit.state, "posted")
        self.assertTrue(deposit.is_move_sent, "posted and sent")
        self.assertNotEqual(down_payment_line.name, draft_description, "Odoo's description of a posted down payment")

    def test_billing_user_cancels_and_resets_a_posted_deposit(self):
        order = self._deposit_quotation()
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id
        deposit.with_user(self.billing_user).action_auto_invoice_send()

        deposit.with_user(self.billing_user).button_draft()
        deposit.with_user(self.billing_user).button_cancel()

        self.assertEqual(deposit.state, "cancel")

    def test_cancelling_the_deposit_an_acceptance_relied_on_lets_it_be_retried(self):
        order, deposit = self._deposit_signed_twice()
        self.assertNothingBilledAgain(order, deposit)

        deposit.button_draft()
        deposit.button_cancel()

        self.assertEqual(order.auto_invoice_state, "failed", "the acceptance's deposit is no longer billed")
        self.assertIn("was cancelled", order.auto_invoice_error)
        order.with_user(self.salesman).action_auto_invoice_retry()
        self.assertAlmostEqual(self.assertInvoicedOnce(order).amount_total, order.amount_total * 0.3, places=2)

    def test_signing_again_for_more_bills_only_the_rest_of_the_deposit(self):
        order, first = self._deposit_signed_twice(service_qty=4.0)

        second = order.auto_invoice_id
        self.assertTrue(second and second != first)
        self.assertAlmostEqual(second.amount_total, order.amount_total * 0.3 - first.amount_total, places=2)
        self.assertAlmostEqual(self._billed(order), order.amount_total * 0.3, places=2, msg="30 % of the new total")

    def test_signing_again_after_a_full_invoice_bills_no_deposit(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.action_post()
        self._reset_to_quotation(order)
        order.with_user(self.salesman).write(
            {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0}
        )

        self._sign_in_backend(order)

        self.assertNothingBilledAgain(order, invoice)

    def test_credit_noted_deposit_is_billed_again(self):
        # Guards the deduction: a deposit cancelled by a credit note no longer counts.
        order = self._deposit_quotation()
        self._sign_in_backend(order)
        first = order.auto_invoice_id
        first.action_post()
        credit_note = first._reverse_moves()
        credit_note.action_post()
        self._reset_to_quotation(order)

        self._sign_in_backend(order)

        second = order.auto_invoice_id
        self.assertNotIn(second, first | credit_note)
        self.assertAlmostEqual(second.amount_total, order.amount_total * 0.3, places=2)
        self.assertAlmostEqual(self._billed(order), order.amount_total * 0.3, places=2)

    def test_cancelled_deposit_does_not_count(self):
        order = self._deposit_quotation()
        self._sign_in_backend(order)
        first = order.auto_invoice_id
        self._reset_to_quotation(order)  # cancels the draft deposit
        self.assertEqual(first.state, "cancel")

        self._sign_in_backend(order)

        self.assertAlmostEqual(order.auto_invoice_id.amount_total, order.amount_total * 0.3, places=2)

    # --- 3: Retry Invoice after an invoice made by hand ------------------------------------------------------------

    def _failed_deposit_order(self, lines=None):
        journals = self.env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", self.env.company.id)])
        journals.active = False
        order = self._create_quotation(
            lines=lines or [(self.service, 2.0)],
            auto_invoice_amount="percentage",
            auto_invoice_deposit_percentage=30.0,
        )
        with mute_logger(ACCEPTANCE_LOGGER):
            self._sign_in_backend(order)
        self.assertEqual(order.auto_invoice_state, "failed")
        journals.active = True
        return order

    def test_retry_after_a_full_invoice_by_hand_bills_nothing(self):
        order = self._failed_deposit_order()
        manual = self._invoice_by_hand(order)
        self.assertAlmostEqual(manual.amount_total, order.amount_total, places=2)

        action = order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertNothingBilledAgain(order, manual)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("already invoiced", action["params"]["message"])

    def test_retry_after_a_partial_invoice_by_hand_bills_at_most_the_rest(self):
        order = self._failed_deposit_order()
        manual = self._invoice_by_hand(order)
        manual.invoice_line_ids.quantity = 1.5  # the accountant bills 75 % of the order
        left = order.amount_total - manual.amount_total
        self.assertLess(left, order.amount_total * 0.3, "less is left than the deposit asks")

        order.with_user(self.salesman).action_auto_invoice_retry()

        deposit = order.auto_invoice_id
        self.assertAlmostEqual(deposit.amount_total, left, places=2)
        self.assertAlmostEqual(self._billed(order), order.amount_total, places=2, msg="never more than the order")

    def test_retry_after_a_down_payment_by_hand_bills_only_the_rest_of_the_deposit(self):
        order = self._failed_deposit_order()
        manual = self._invoice_by_hand(order, advance_payment_method="percentage", amount=20.0)

        order.with_user(self.salesman).action_auto_invoice_retry()

        deposit = order.auto_invoice_id
        self.assertNotEqual(deposit, manual)
        self.assertAlmostEqual(self._billed(order), order.amount_total * 0.3, places=2, msg="30 % in all")

    # --- 5: a fixed deposit never exceeds the order -------------------------------------------------------------------

    def _fixed_deposit_quotation(self, amount=500.0):
        return self._create_quotation(
            lines=[(self.service, 1.0)], auto_invoice_amount="fixed", auto_invoice_deposit_amount=amount
        )

    def test_discount_button_cannot_bring_the_total_under_the_deposit(self):
        order = self._fixed_deposit_quotation()
        wizard = (
            self.env["sale.order.discount"]
            .with_user(self.salesman)
            .create({"sale_order_id": order.id, "discount_type": "sol_discount", "discount_percentage": 0.9})
        )
        with self.assertRaisesRegex(ValidationError, "more than the quotation's total"), self.env.cr.savepoint():
            wizard.action_apply_discount()
            self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(order.order_line.discount, 0.0, "nothing changed")

    def test_lower_price_by_rpc_cannot_bring_the_total_under_the_deposit(self):
        order = self._fixed_deposit_quotation()
        with self.assertRaisesRegex(ValidationError, "more than the quotation's total"), self.env.cr.savepoint():
            order.order_line.with_user(self.salesman).write({"price_unit": 100.0})
            self.env.flush_all()

    def test_signature_refused_when_the_deposit_exceeds_the_total(self):
        order = self._fixed_deposit_quotation()
        order.order_line.product_uom_qty = 0.0  # a quotation being prepared: its total is 0

        self.assertIn("more than the quotation's total", order._auto_invoice_signature_refusal())
        with self.assertRaisesRegex(UserError, "more than the quotation's total"):
            self._sign_in_backend(order)

        self.assertFalse(order.signature, "refused before anything is written")
        self.assertFalse(order.acceptance_ids)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.state, "sent")

    def test_fixed_deposit_equal_to_the_total_is_accepted(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])
        order.write({"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": order.amount_total})

        self.assertFalse(order._auto_invoice_signature_refusal())
        self._sign_in_backend(order)

        self.assertAlmostEqual(self.assertInvoicedOnce(order).amount_total, order.amount_total, places=2)

    # --- 12: a company's fixed deposit follows the quotation's currency ---------------------------------------------

    def test_company_fixed_deposit_is_converted_to_the_quotation_currency(self):
        other_currency = self.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": other_currency.id})
        self.env.company.write({"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": 100.0})
        order = self._create_quotation()
        self.assertEqual(order.currency_id, self.env.company.currency_id)
        self.assertEqual(order.auto_invoice_deposit_amount, 100.0)

        order.with_user(self.salesman).write({"pricelist_id": pricelist.id})

        self.assertEqual(order.currency_id, other_currency)
        self.assertAlmostEqual(order.auto_invoice_deposit_amount, 200.0, places=2, msg="100 in company currency")

    def test_quotation_policy_survives_a_currency_change(self):
        other_currency = self.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": other_currency.id})
        order = self._create_quotation(auto_invoice_after="post")
        order.with_user(self.salesman).write({"auto_invoice_amount": "percentage"})

        order.with_user(self.salesman).write({"pricelist_id": pricelist.id})

        self.assertRecordValues(order, [{"auto_invoice_amount": "percentage", "auto_invoice_after": "post"}])

    # --- sibling: a cancelled invoice is not "invoiced up front" --------------------------------------------------

    def test_cancelled_invoice_is_not_invoiced_up_front(self):
        order = self._create_quotation(lines=[(self.service, 1.0), (self.delivered_product, 3.0)])
        self._sign_in_backend(order)
        router = order.order_line.filtered(lambda line: line.product_id == self.delivered_product)
        self.assertEqual(router.qty_to_invoice, 0.0)

        order.auto_invoice_id.button_cancel()

        self.assertEqual(router.qty_to_invoice, 0.0, "not delivered, and no longer invoiced up front")
        self.assertFalse(router._auto_invoice_invoiced_up_front())


@tagged("post_install", "-at_install")
class TestAutoInvoiceDepositPayment(DepositCommon, OnlinePaymentCommon):
    """10: an online payment above the deposit is invoiced as paid."""

    def _signed_deposit_quotation_to_pay(self, prepayment, lines=None):
        order = self._deposit_quotation(
            lines=lines, require_payment=True, prepayment_percent=prepayment, auto_invoice_after="post"
        )
        self._sign_in_backend(order)
        self.assertEqual((order.state, order.auto_invoice_state), ("sent", "pending"))
        return order

    def test_paid_in_full_under_a_deposit_policy_invoices_the_whole_quotation(self):
        order = self._signed_deposit_quotation_to_pay(0.3, lines=[(self.service, 2.0), (self.delivered_product, 3.0)])

        self._pay(order, order.amount_total)

        invoice = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(invoice.amount_total, order.amount_total, places=2, msg="what was paid")
        self.assertFalse(order.order_line.filtered("is_downpayment"), "a regular invoice, not a down payment")
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(
            order.order_line.mapped("qty_to_invoice"), [0.0, 0.0], "no credit note for goods not delivered"
        )
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the whole payment is applied")

    def test_paid_more_than_the_deposit_invoices_what_was_paid(self):
        order = self._signed_deposit_quotation_to_pay(0.3)
        paid = order.currency_id.round(order.amount_total * 0.5)

        self._pay(order, paid)

        invoice = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(invoice.amount_total, paid, places=2)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
