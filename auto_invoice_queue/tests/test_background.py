import hashlib
from unittest.mock import patch

from lxml import etree

from odoo.tests import tagged

from odoo.addons.auto_invoice.tests.common import OnlinePaymentCommon, pdf_text, pdfsig
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import BackgroundCommon


@tagged("post_install", "-at_install")
class TestBackgroundInvoicing(BackgroundCommon):
    """The signature, the jobs it enqueues and what they make."""

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
