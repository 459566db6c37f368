from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AutoInvoiceCommon


@tagged("post_install", "-at_install")
class TestAutoInvoiceFailure(AutoInvoiceCommon):
    def assertFailedKeepingAcceptance(self, order, reason):
        self.assertTrue(order.signature, "the signature is never lost")
        self.assertEqual(order.state, "sale", "the confirmation stays")
        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertIn(reason, order.auto_invoice_error)
        self.assertFalse(order.invoice_ids.filtered(lambda move: move.state != "cancel"))
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed")
        activity = order.activity_ids.filtered(lambda act: act.activity_type_id == failure_type)
        self.assertEqual(activity.user_id, self.salesman, "the salesperson is told")
        self.assertTrue(self._find_note(order, reason), "the chatter says why")

    def test_nothing_invoiceable_then_retry(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "No items are available to invoice")

        order.order_line.with_user(self.salesman).product_uom_qty = 2.0
        action = order.with_user(self.salesman).action_auto_invoice_retry()

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.invoice_line_ids.quantity, 2.0)
        self.assertEqual(action["res_id"], invoice.id, "the retry opens the new invoice")
        self.assertFalse(order.activity_ids, "the failure activity is closed once the invoice exists")

    def test_missing_sales_journal_then_retry(self):
        journals = self.env["account.journal"].search([
            ("type", "=", "sale"), ("company_id", "=", self.env.company.id),
        ])
        journals.active = False
        order = self._create_quotation()
        self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "journal")

        journals.active = True
        order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertInvoicedOnce(order)

    def test_error_in_another_module_then_retry(self):
        order = self._create_quotation()
        with patch.object(self.registry["sale.order"], "_prepare_invoice", side_effect=KeyError("l10n_xx_field")):
            self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "l10n_xx_field")

        order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertInvoicedOnce(order)

    def test_retry_that_fails_again_reports_the_new_reason(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        with patch.object(self.registry["sale.order"], "_prepare_invoice", side_effect=ValueError("still broken")):
            action = order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("still broken", action["params"]["message"])
        self.assertFailedKeepingAcceptance(order, "still broken")
        self.assertEqual(len(order.activity_ids), 1, "one open failure activity, not one per attempt")

    def test_retry_refused_unless_failed(self):
        order = self._create_quotation()
        self._sign_in_backend(order)

        with self.assertRaisesRegex(UserError, "Only confirmed orders whose automatic invoice failed"):
            order.with_user(self.salesman).action_auto_invoice_retry()
        self.assertInvoicedOnce(order)

    def test_failed_retry_after_cancellation_is_refused(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        order.with_user(self.salesman).action_cancel()

        with self.assertRaisesRegex(UserError, "Only confirmed orders"):
            order.with_user(self.salesman).action_auto_invoice_retry()
        self.assertFalse(order.invoice_ids)

    def test_reset_to_quotation_voids_a_failed_acceptance(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        order.with_user(self.salesman).action_cancel()
        order.with_user(self.salesman).action_draft()

        self.assertFalse(order.auto_invoice_state, "no retry of an acceptance whose signature was cleared")
        self.assertFalse(order.activity_ids)
        order.order_line.product_uom_qty = 1.0
        order.with_user(self.salesman).action_confirm()
        self.assertFalse(order.invoice_ids, "confirming by hand is not an acceptance")
