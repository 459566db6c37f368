from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AutoInvoiceCommon

ACCEPTANCE_LOGGER = "odoo.addons.auto_invoice.models.sale_order_acceptance_invoice"  # its outcome


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

    def test_nothing_invoiceable_is_recorded_and_needs_a_new_signature(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "No items are available to invoice")

        with self.assertRaisesRegex(UserError, "was signed by Ada Lovelace"), self.env.cr.savepoint():
            order.order_line.with_user(self.salesman).product_uom_qty = 2.0  # not what the customer signed
        self.env.invalidate_all()
        action = order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertEqual(action["params"]["type"], "warning", "the retry says why it still fails")
        self.assertFailedKeepingAcceptance(order, "No items are available to invoice")

    def test_missing_sales_journal_then_retry(self):
        journals = self.env["account.journal"].search(
            [
                ("type", "=", "sale"),
                ("company_id", "=", self.env.company.id),
            ]
        )
        journals.active = False
        order = self._create_quotation()
        self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "journal")

        journals.active = True
        action = order.with_user(self.salesman).action_auto_invoice_retry()

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(action["res_id"], invoice.id, "the retry opens the new invoice")
        self.assertFalse(order.activity_ids, "the failure activity is closed once the invoice exists")

    def test_error_in_another_module_then_retry(self):
        order = self._create_quotation()
        with (
            patch.object(self.registry["sale.order"], "_prepare_invoice", side_effect=KeyError("l10n_xx_field")),
            self.assertLogs(ACCEPTANCE_LOGGER, level="ERROR") as logs,
        ):
            self._sign_in_backend(order)
        self.assertFailedKeepingAcceptance(order, "l10n_xx_field")
        self.assertIn("Traceback", logs.output[0], "a programming error is logged as an error, with its traceback")

        order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertInvoicedOnce(order)

    def test_retry_that_fails_again_reports_the_new_reason(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(order)
        with (
            patch.object(self.registry["sale.order"], "_prepare_invoice", side_effect=ValueError("still broken")),
            self.assertLogs(ACCEPTANCE_LOGGER, level="ERROR"),
        ):
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

    def test_business_errors_are_warnings(self):
        order = self._create_quotation(lines=[(self.service, 0.0)])
        with self.assertLogs(ACCEPTANCE_LOGGER, level="WARNING") as logs:
            self._sign_in_backend(order)
        self.assertEqual([record.levelname for record in logs.records], ["WARNING"])

    def test_error_after_the_invoice_is_created_keeps_no_half_invoice(self):
        order = self._create_quotation()
        with (
            patch.object(self.registry["sale.order.acceptance"], "_notify_created", side_effect=TypeError("boom")),
            self.assertLogs(ACCEPTANCE_LOGGER, level="ERROR"),
        ):
            self._sign_in_backend(order)

        self.assertFailedKeepingAcceptance(order, "boom")
        self.assertFalse(self.env["account.move"].search([("invoice_origin", "=", order.name)]), "rolled back whole")

    def test_cancelled_draft_invoice_can_be_created_again(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id

        invoice.button_cancel()

        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertFalse(order.auto_invoice_id, "no link to a cancelled invoice")
        self.assertIn("was cancelled", order.auto_invoice_error)
        new_invoice = order.with_user(self.salesman).action_auto_invoice_retry()
        self.assertNotEqual(self.assertInvoicedOnce(order), invoice)
        self.assertEqual(new_invoice["res_id"], order.auto_invoice_id.id)

    def test_cancelled_invoice_set_back_to_draft_is_the_invoice_again(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.button_cancel()

        invoice.button_draft()

        self.assertEqual(self.assertInvoicedOnce(order), invoice)

    def test_deleted_draft_invoice_can_be_created_again(self):
        order = self._create_quotation()
        self._sign_in_backend(order)

        order.auto_invoice_id.unlink()

        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertIn("was deleted", order.auto_invoice_error)
        order.with_user(self.salesman).action_auto_invoice_retry()
        self.assertInvoicedOnce(order)

    def test_deleted_activity_types_do_not_break_the_flow(self):
        self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed").unlink()
        self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review").unlink()
        failing = self._create_quotation(lines=[(self.service, 0.0)])
        working = self._create_quotation()

        self._sign_in_backend(failing)
        self._sign_in_backend(working)

        self.assertEqual(failing.auto_invoice_state, "failed")
        self.assertTrue(failing.signature, "the failure path itself never loses the signature")
        self.assertTrue(self._find_note(failing, "No items are available to invoice"))
        self.assertInvoicedOnce(working)

    def test_failure_activity_never_goes_to_a_portal_user(self):
        portal_user = self._create_portal_user("ai_portal_creator", self.customer)
        order = self._create_quotation(lines=[(self.service, 0.0)], user_id=False, team_id=False)
        # An order created from the portal: its creator is the customer (create_uid is not writable by the ORM).
        self.env.cr.execute("UPDATE sale_order SET create_uid = %s WHERE id = %s", [portal_user.id, order.id])
        self.env.invalidate_all()

        self._sign_in_backend(order)

        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertFalse(order.activity_ids.user_id.filtered(lambda user: not user._is_internal()))
        self.assertFalse(order.activity_ids, "no internal user follows the order: the failure shows in its filter")

    def test_pending_writes_of_others_are_not_invoicing_failures(self):
        order = self._create_quotation(require_payment=True)
        self._sign_in_backend(order)
        order.action_confirm()  # the acceptance is invoiced at confirmation
        order.auto_invoice_id.unlink()
        self.assertEqual(order.auto_invoice_state, "failed")

        with (
            self.assertRaises(psycopg2.IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.customer.name = False  # another module's write, refused by the database when flushed
            order._auto_invoice_create()

        self.env.invalidate_all()
        self.assertIn("was deleted", order.auto_invoice_error, "not recorded as an invoicing failure")
