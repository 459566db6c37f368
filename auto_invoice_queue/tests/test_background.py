import hashlib
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import LockError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.tests.common import AutoInvoiceCommon, OnlinePaymentCommon, pdf_text, pdfsig
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models.ir_actions_report import SIGNED_COPIES
from ..models.sale_order import CONFIRMATION_MAIL_DEFERRED

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Background/1.0"


@tagged("post_install", "-at_install")
class TestBackgroundInvoicing(AutoInvoiceCommon, HttpCase):
    """Background mode: the signing request records the acceptance and enqueues its job; the job, performed apart,
    completes the signed copy, the confirmation email and the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True

    def _sign(self, order, **params):
        return self._accept_on_portal(order, USER_AGENT, **params)

    def _sign_trapped(self, order):
        """Sign `order` on the portal with its jobs trapped (enqueued, not performed); counts the PDFs rendered."""
        report_model = type(self.env["ir.actions.report"])
        with (
            trap_jobs() as trap,
            patch.object(
                report_model, "_render_qweb_pdf", autospec=True, side_effect=report_model._render_qweb_pdf
            ) as render,
        ):
            result = self._sign(order)
        self.assertNotIn("error", result)
        return trap, render.call_count

    def _perform(self, trap):
        """Perform the trapped jobs as queue_job's runner does, each in an environment of its own: here the test's
        cursor, with the user of the request that enqueued it (that request's cursor is closed); PDFs by wkhtmltopdf,
        not the HTML that Odoo's tests render by default."""
        for job in trap.enqueued_jobs:
            env = job.recordset.env
            job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
                force_report_rendering=True
            )
        trap.perform_enqueued_jobs()

    def _perform_one(self, trap, method_name):
        """Perform only the trapped job of `method_name`, as `_perform` does; returns its result."""
        (job,) = [job for job in trap.enqueued_jobs if job.method_name == method_name]
        trap.enqueued_jobs.remove(job)
        env = job.recordset.env
        job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
            force_report_rendering=True
        )
        return job.perform()

    def _signed_messages(self, order):
        return order.message_ids.filtered(lambda message: "Order signed by" in (message.body or ""))

    def _confirmation_messages(self, order):
        subject = self.env.ref("auto_invoice.mail_template_order_confirmed")._render_field("subject", order.ids)
        return order.message_ids.filtered(lambda message: message.subject == subject[order.id])

    def test_signing_request_records_the_acceptance_and_enqueues_its_two_jobs(self):
        order = self._create_quotation()
        trap, renders = self._sign_trapped(order)

        acceptance = order.auto_invoice_acceptance_id
        trap.assert_jobs_count(2)
        trap.assert_enqueued_job(
            acceptance._job_complete,
            properties={
                "channel": "root.auto_invoice",
                "identity_key": f"auto_invoice.acceptance.{acceptance.id}",
                "priority": 10,
            },
        )
        trap.assert_enqueued_job(
            acceptance._job_complete_signing,
            properties={
                "channel": "root.auto_invoice",
                "identity_key": f"auto_invoice.acceptance.{acceptance.id}.signing",
                "priority": 20,  # after the invoices waiting in the channel
            },
        )
        self.assertEqual(renders, 0, "no PDF is rendered in the customer's signing request")
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            acceptance,
            [{"state": "pending", "channel": "portal", "signer_name": "Ada Lovelace", "document_id": False}],
        )
        self.assertTrue(acceptance.signature, "the signature is kept by the request itself")
        self.assertTrue(acceptance.content_sha256 and acceptance.ip_address)
        self.assertFalse(order.invoice_ids, "the invoice is the job's")
        self.assertEqual(
            order.auto_invoice_confirmation_template_id, self.env.ref("auto_invoice.mail_template_order_confirmed")
        )
        self.assertFalse(order.pending_email_template_id, "not in the queue of Odoo's deferred order emails")
        self.assertFalse(self._confirmation_messages(order))
        self.assertFalse(self._signed_messages(order))

    def test_signature_reaches_the_order_row_before_the_acceptance(self):
        """A second signing request of the same order must conflict on the order's row (Odoo retries it, then it is
        refused as already signed), not on the acceptance's unique index, which answered the customer with Odoo's
        error and its traceback (make stress: two submissions at once in background mode)."""
        order = self._create_quotation()
        acceptance_model = type(self.env["sale.order.acceptance"])
        seen = []

        def create_for_order(model, order_arg, *args, **kwargs):
            model.env.cr.execute("SELECT signed_by FROM sale_order WHERE id = %s", [order_arg.id])  # no flush
            seen.append(model.env.cr.fetchone()[0])
            return create_for_order.original(model, order_arg, *args, **kwargs)

        create_for_order.original = acceptance_model._create_for_order
        with trap_jobs(), patch.object(acceptance_model, "_create_for_order", create_for_order):
            self.assertNotIn("error", self._sign(order))

        self.assertEqual(seen, ["Ada Lovelace"], "the order's row is written before the acceptance is inserted")

    def test_job_completes_the_signed_copy_the_confirmation_and_the_invoice(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id

        self._perform(trap)

        document = acceptance.document_id
        self.assertTrue(document.raw.startswith(b"%PDF"))
        self.assertEqual(acceptance.document_sha256, hashlib.sha256(document.raw).hexdigest())
        message = self._signed_messages(order)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, order.partner_id, "from the customer, as Odoo's route posts it")
        self.assertEqual(message.attachment_ids.raw, document.raw, "the copy posted is the one hashed")
        confirmation = self._confirmation_messages(order)
        self.assertEqual(len(confirmation), 1)
        certificate = acceptance.certificate_id
        self.assertIn(f"Certificate of Acceptance\n{acceptance.name}", pdf_text(certificate.raw), "rendered by the job")
        self.assertEqual(len(confirmation.attachment_ids), 2)
        self.assertIn(certificate, confirmation.attachment_ids, "the email sends the certificate of acceptance")
        self.assertEqual((confirmation.attachment_ids - certificate).raw, document.raw, "and the PDF kept and hashed")
        self.assertFalse(order.auto_invoice_confirmation_template_id)
        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.activity_ids.user_id, self.salesman, "the salesperson is asked to review it")

    def test_job_seals_the_signed_copy_and_the_certificate(self):
        self.env.company.auto_invoice_seal = True
        self.env.company.sudo()._auto_invoice_generate_seal()
        order = self._create_quotation()
        trap, renders = self._sign_trapped(order)
        self.assertEqual(renders, 0, "the signing request renders and seals nothing")
        acceptance = order.auto_invoice_acceptance_id

        self._perform(trap)

        document, certificate = acceptance.document_id.raw, acceptance.certificate_id.raw
        for label, pdf in (("signed copy", document), ("certificate", certificate)):
            with self.subTest(document=label):
                verdict = pdfsig(pdf)
                self.assertIn("Signature is Valid.", verdict)
                self.assertIn("Total document signed", verdict)
        self.assertEqual(acceptance.document_sha256, hashlib.sha256(document).hexdigest())
        self.assertEqual(acceptance.certificate_sha256, hashlib.sha256(certificate).hexdigest())
        self.assertEqual(self._signed_messages(order).attachment_ids.raw, document, "the copy posted is the sealed one")
        confirmation = self._confirmation_messages(order)
        self.assertIn(certificate, confirmation.attachment_ids.mapped("raw"), "the email sends the sealed certificate")

    def test_job_run_twice_makes_nothing_more(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        self._perform(trap)
        invoice, document = order.auto_invoice_id, acceptance.document_id

        # a retry, or a job re-queued after its worker died
        results = [acceptance._job_complete(), acceptance._job_complete_signing()]

        self.assertEqual(results, ["nothing left to do", "nothing left to do"])
        self.assertEqual(self.assertInvoicedOnce(order), invoice)
        self.assertEqual(acceptance.document_id, document)
        self.assertEqual(len(self._signed_messages(order)), 1)
        self.assertEqual(len(self._confirmation_messages(order)), 1)

    def test_a_second_job_is_not_queued_while_the_first_waits(self):
        order = self._create_quotation()
        self._sign(order)  # not trapped: the job is stored in queue_job's table
        acceptance = order.auto_invoice_acceptance_id

        acceptance._enqueue_completion()
        acceptance._enqueue_signing()
        order._auto_invoice_schedule()

        keys = [f"auto_invoice.acceptance.{acceptance.id}", f"auto_invoice.acceptance.{acceptance.id}.signing"]
        jobs = self.env["queue.job"].sudo().search([("identity_key", "in", keys)], order="priority")
        self.assertRecordValues(
            jobs,
            [
                {"state": "pending", "channel": "root.auto_invoice", "max_retries": 8, "identity_key": keys[0]},
                {"state": "pending", "channel": "root.auto_invoice", "max_retries": 8, "identity_key": keys[1]},
            ],
        )

    def test_invoice_job_renders_no_pdf_and_the_signed_copy_follows(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id
        report_model = type(self.env["ir.actions.report"])

        with patch.object(
            report_model, "_render_qweb_pdf", autospec=True, side_effect=report_model._render_qweb_pdf
        ) as render:
            result = self._perform_one(trap, "_job_complete")

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(result, f"invoice {invoice.name or invoice.id}")
        self.assertEqual(render.call_count, 0, "a batch of acceptances has its invoices before its PDFs")
        self.assertFalse(acceptance.document_id)
        self.assertFalse(self._confirmation_messages(order))

        self.assertEqual(
            self._perform_one(trap, "_job_complete_signing"), "signed document, certificate, confirmation email"
        )

        self.assertEqual(acceptance.document_sha256, hashlib.sha256(acceptance.document_id.raw).hexdigest())
        self.assertEqual(len(self._signed_messages(order)), 1)
        attachments = self._confirmation_messages(order).attachment_ids
        self.assertEqual(len(attachments), 2)
        self.assertIn(acceptance.certificate_id, attachments, "the certificate of acceptance")
        self.assertEqual((attachments - acceptance.certificate_id).raw, acceptance.document_id.raw, "the signed copy")
        self.assertEqual(self.assertInvoicedOnce(order), invoice)

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

    def test_certificate_waits_for_the_signed_copy(self):
        order = self._create_quotation()
        trap, _renders = self._sign_trapped(order)
        acceptance = order.auto_invoice_acceptance_id

        cron = self.env.ref("auto_invoice.ir_cron_acceptance_certificate").sudo()
        cron.method_direct_trigger()
        self.assertFalse(acceptance.certificate_id, "no certificate before the document it names")

        self._perform(trap)
        cron.method_direct_trigger()
        self.assertTrue(acceptance.certificate_id)

    def test_post_and_send_policy_in_the_job(self):
        order = self._create_quotation(lines=[(self.service, 1.0)], auto_invoice_after="send")
        trap, _renders = self._sign_trapped(order)

        self._perform_one(trap, "_job_complete")

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        confirmation = self._confirmation_messages(order)
        self.assertEqual(len(confirmation), 1, "an emailed invoice comes after the order's confirmation")
        sent_invoice = invoice.message_ids.filtered("attachment_ids").sorted("id")[:1]
        self.assertLess(confirmation.id, sent_invoice.id)
        self.assertEqual(self._perform_one(trap, "_job_complete_signing"), "nothing left to do")
        self.assertEqual(len(self._signed_messages(order)), 1)

    def test_backend_signature_renders_its_copy_in_the_job(self):
        order = self._create_quotation()

        with trap_jobs() as trap:
            self._sign_in_backend(order)

        acceptance = order.auto_invoice_acceptance_id
        self.assertEqual(acceptance.channel, "api", "an ORM write outside any request")
        self.assertFalse(acceptance.document_id)
        self.assertFalse(self._confirmation_messages(order), "its confirmation email is the job's too")
        self._perform(trap)
        self.assertTrue(acceptance.document_id)
        self.assertEqual(len(self._confirmation_messages(order)), 1)
        self.assertFalse(self._signed_messages(order), "Odoo posts the signed copy for a portal signature only")
        self.assertInvoicedOnce(order)

    def test_synchronous_mode_stays_the_default(self):
        company = self.env["res.company"].create({"name": "Synchronous Ltd"})
        self.assertFalse(company.auto_invoice_background)
        self.env.company.auto_invoice_background = False
        order = self._create_quotation()

        with trap_jobs() as trap:
            self._sign(order)

        trap.assert_jobs_count(0)
        self.assertTrue(order.auto_invoice_acceptance_id.document_id)
        self.assertInvoicedOnce(order)

    def test_setting_in_settings(self):
        self.env.company.auto_invoice_background = False
        self.env["res.config.settings"].create({"auto_invoice_background": True}).execute()
        self.assertTrue(self.env.company.auto_invoice_background)

    def test_setting_says_it_in_business_words_and_the_channel_to_developers_only(self):
        arch = etree.fromstring(self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"])
        (setting,) = arch.xpath("//setting[@id='auto_invoice_background']")
        field_help = self.env["res.company"]._fields["auto_invoice_background"].help

        for said in (setting.get("help"), field_help):
            self.assertIn("background workers a few seconds after the signature", said)
            self.assertNotIn("channel", said)
        (channel,) = setting.xpath(".//*[contains(., 'root.auto_invoice')]")[:1]
        self.assertEqual(channel.get("invisible"), "1", "outside developer mode, not shown")


@tagged("post_install", "-at_install")
class TestBackgroundPayment(OnlinePaymentCommon):
    """A signed quotation waiting for its online payment: the payment's confirmation enqueues the invoice's job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True

    def test_acceptance_waiting_for_its_payment_is_invoiced_by_the_confirmation_job(self):
        with trap_jobs() as trap:
            order = self._signed_quotation_to_pay(1.0)
        trap.assert_jobs_count(1, only=order.auto_invoice_acceptance_id._job_complete_signing)  # its signed copy only
        trap.perform_enqueued_jobs()
        self.assertTrue(order.auto_invoice_acceptance_id.document_id)
        self.assertFalse(order.invoice_ids)

        with trap_jobs() as trap:
            self._pay(order, order.amount_total)

        self.assertEqual(order.state, "sale")
        trap.assert_jobs_count(1)
        self.assertFalse(order.invoice_ids, "enqueued by the confirmation, not performed yet")
        trap.perform_enqueued_jobs()
        self.assertInvoicedOnce(order)
