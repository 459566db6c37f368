import hashlib
from unittest.mock import patch

from odoo.exceptions import LockError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.auto_invoice.tests.common import pdf_text
from odoo.addons.queue_job.exception import RetryableJobError

from ..models.ir_actions_report import SIGNED_COPIES
from ..models.sale_order import CONFIRMATION_MAIL_DEFERRED
from .common import BackgroundCommon


@tagged("post_install", "-at_install")
class TestBackgroundFailures(BackgroundCommon):
    """Jobs that fail, are retried, given up, or find their order changed before they run."""

    def test_locked_order_is_retried_later(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id

        with (
            patch.object(type(order), "lock_for_update", side_effect=LockError("locked")),
            self.assertRaises(RetryableJobError),
        ):
            acceptance._job_complete()

        self.assertFalse(order.invoice_ids)
        self.assertEqual(acceptance.state, "pending")
        self._perform(trap)
        self.assertInvoicedOnce(order)

    def test_invoice_failure_in_the_job_takes_the_failure_path(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        self.env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", order.company_id.id)]).write(
            {"active": False}
        )

        self._perform(trap)

        acceptance = order.auto_invoice_acceptance_id
        self.assertEqual(acceptance.state, "failed")
        self.assertTrue(acceptance.document_id, "the signed copy is kept whatever the invoice does")
        self.assertIn(
            self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed"), order.activity_ids.activity_type_id
        )

    def test_job_given_up_fails_visibly_and_retry_completes_it(self):
        order = self._create_quotation()
        self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        job_function = self.env.ref("auto_invoice_queue.job_function_acceptance_complete").sudo()
        self.assertEqual(job_function.on_fail_method, "_job_failed")

        getattr(acceptance, job_function.on_fail_method)(exc_name="MemoryError", exc_message="worker out of memory")

        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertIn("worker out of memory", order.auto_invoice_error)
        self.assertIn(
            self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed"), order.activity_ids.activity_type_id
        )

        order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertInvoicedOnce(order)
        self.assertEqual(acceptance.document_sha256, hashlib.sha256(acceptance.document_id.raw).hexdigest())
        self.assertEqual(len(self._signed_messages(order)), 1)
        self.assertEqual(len(self._confirmation_messages(order)), 1)

    def test_signed_copy_job_given_up_is_told_on_the_order(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        self._perform_one(trap, "_job_complete")
        job_function = self.env.ref("auto_invoice_queue.job_function_acceptance_signing").sudo()
        self.assertEqual(job_function.on_fail_method, "_job_signing_failed")

        with self.assertLogs("odoo.addons.auto_invoice_queue", "WARNING"):
            getattr(acceptance, job_function.on_fail_method)(exc_name="MemoryError", exc_message="out of memory")

        self.assertTrue(self._find_note(order, "The signed copy could not be completed"))
        self.assertEqual(order.auto_invoice_state, "done", "the invoice made by its own job stays")
        self.assertTrue(acceptance.signature, "the signature and its evidence are kept")
        self._perform_one(trap, "_job_complete_signing")  # requeued from queue_job's Jobs
        self.assertTrue(acceptance.document_id)

    def test_order_reset_before_its_jobs_run_is_not_invoiced_and_signs_again_once(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        first = order.auto_invoice_acceptance_id
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()  # back to a quotation before the runner took the jobs
        self.assertEqual(first.state, "void")

        self._perform(trap)

        self.assertFalse(order.invoice_ids)
        self.assertFalse(first.document_id, "no PDF of what the order became, as the copy of what was signed")
        self.assertTrue(first.signature, "the voided signature is kept")
        trap, _renders = self._sign_trapped(order)
        self._perform(trap)
        invoice = self.assertInvoicedOnce(order)
        second = order.auto_invoice_acceptance_id
        self.assertNotEqual(second, first)
        self.assertEqual(second.invoice_ids, invoice)
        self.assertTrue(second.document_id)

    def test_line_added_before_the_invoice_job_is_not_billed(self):
        for amount in ("full", "deposit"):
            with self.subTest(amount=amount):
                deposit = {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0}
                order = self._create_quotation(
                    lines=[(self.service, 1.0)], auto_invoice_after="post", **(deposit if amount == "deposit" else {})
                )
                trap, _renders = self._sign_trapped(order)
                signed_total = order.amount_total
                order.write({"order_line": [Command.create({"product_id": self.service.id, "product_uom_qty": 0.6})]})

                self._perform(trap)

                invoice = self.assertInvoicedOnce(order)
                self.assertEqual(invoice.state, "posted")
                share = 1.0 if amount == "full" else 0.3
                self.assertAlmostEqual(invoice.amount_total, order.currency_id.round(signed_total * share), places=2)

    def test_order_cancelled_before_its_jobs_run_gets_no_confirmation_nor_copy(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        order.with_context(disable_cancel_warning=True).action_cancel()

        self._perform(trap)

        self.assertFalse(self._confirmation_messages(order), "no 'your order is confirmed' for a cancelled order")
        self.assertFalse(acceptance.document_id, "no PDF of the cancelled order as the copy of what was signed")
        self.assertFalse(order.auto_invoice_confirmation_template_id)
        self.assertFalse(order.invoice_ids)
        self.assertTrue(acceptance.signature and acceptance.content_sha256, "the signature and its evidence stay")

    def test_odoo_deferred_order_emails_do_not_send_the_confirmation_before_its_signed_copy(self):
        self.env["ir.config_parameter"].sudo().set_param("sale.async_emails", True)
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)

        with self.enter_registry_test_mode():  # Odoo's cron, before the job
            self.env.ref("sale.send_pending_emails_cron").method_direct_trigger()

        self.assertFalse(self._confirmation_messages(order))
        self._perform(trap)
        confirmation = self._confirmation_messages(order)
        self.assertEqual(len(confirmation), 1)
        acceptance = order.auto_invoice_acceptance_id
        self.assertEqual(len(confirmation.attachment_ids), 2)
        self.assertIn(acceptance.certificate_id, confirmation.attachment_ids, "with the certificate of acceptance")
        self.assertIn(acceptance.document_id.raw, confirmation.attachment_ids.mapped("raw"), "and the signed copy")

    def test_background_context_keys_from_a_client_change_nothing(self):
        # A quotation confirmed by hand with the background mode's keys: its confirmation email leaves now, with the
        # quotation rendered afresh, not another order's signed copy named by the key.
        signed = self._create_quotation()
        trap, _renders = self._sign_trapped(signed)
        self._perform(trap)
        order = self._create_quotation()
        keys = {CONFIRMATION_MAIL_DEFERRED: True, SIGNED_COPIES: signed.auto_invoice_acceptance_id.document_id.ids}

        order.with_user(self.salesman).with_context(
            force_report_rendering=True, send_email=True, **keys
        ).action_confirm()

        subject = order._get_confirmation_template()._render_field("subject", order.ids)[order.id]
        confirmation = order.message_ids.filtered(lambda message: message.subject == subject)
        self.assertEqual(len(confirmation), 1, "not deferred: the order has no signature")
        self.assertFalse(order.auto_invoice_confirmation_template_id)
        self.assertIn(order.name, pdf_text(confirmation.attachment_ids.raw))
        self.assertNotIn(signed.name, pdf_text(confirmation.attachment_ids.raw))

    def test_certificate_downloaded_before_the_signed_copy_is_said_to_be_on_its_way(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        url = order.get_portal_url(suffix="/certificate")

        page = self.url_open(url)

        self.assertNotEqual(page.headers.get("Content-Type"), "application/pdf", "no certificate without its document")
        self.assertIn("The certificate of acceptance is being prepared", page.text)
        self._perform(trap)
        acceptance.with_context(force_report_rendering=True)._attach_certificate()
        download = self.url_open(url)
        self.assertEqual(download.content, acceptance.certificate_id.raw, "the certificate as recorded")
        self.assertIn(acceptance.document_sha256, pdf_text(download.content))

    def test_invoice_job_cancelled_or_deleted_in_queue_job_fails_visibly_and_retry_invoices(self):
        for how in ("cancelled", "set to done", "deleted"):
            with self.subTest(how=how):
                order = self._create_quotation()
                self._sign(order)  # not trapped: the jobs are stored in queue_job's table
                acceptance = order.auto_invoice_acceptance_id
                job = (
                    self.env["queue.job"]
                    .sudo()
                    .search([("identity_key", "=", f"auto_invoice.acceptance.{acceptance.id}")])
                )
                {"cancelled": job.button_cancelled, "set to done": job.button_done, "deleted": job.unlink}[how]()

                self.assertEqual(order.auto_invoice_state, "failed", "not waiting for a job that never comes")
                self.assertIn(how, order.auto_invoice_error)
                order.with_user(self.salesman).action_auto_invoice_retry()
                self.assertInvoicedOnce(order)
