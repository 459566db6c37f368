import datetime
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, HttpCase, tagged
from odoo.tests.common import freeze_time
from odoo.tools import format_date

from .common import PORTAL_USER_AGENT, AutoInvoiceCommon, pdf_text

SIGNED_AT = "2030-03-04 23:57:00"  # day 1, three minutes before midnight
REVIEWED_AT = "2030-03-06 00:05:00"  # day 3, just after midnight
DAY_1, DAY_2, DAY_3 = (fields.Date.to_date(day) for day in ("2030-03-04", "2030-03-05", "2030-03-06"))


@tagged("post_install", "-at_install")
class TestReviewDates(AutoInvoiceCommon, HttpCase):
    """A draft made at the signature waits for its review: whenever it is posted, it is dated that day and is due as
    its payment terms say from that day, never overdue on arrival; what a person set on the draft is kept. Its preview
    is the invoice, never the certificate of acceptance beside it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_report_design = "auto_invoice"  # its PDF says "Please pay ... by <due date>"

    # --- helpers ----------------------------------------------------------------------------------------------------

    def _signed_on_day_1(self, **values):
        """A quotation signed on day 1 at 23:57: its automatic invoice, a draft made that day."""
        with freeze_time(SIGNED_AT):
            order = self._create_quotation(lines=[(self.service, 2.0)], **values)
            self._sign_in_backend(order)
            self.env.flush_all()  # stored computes (the draft's due date) run at the flush: on that day
        invoice = order.auto_invoice_id
        self.assertEqual(invoice.state, "draft")
        return invoice

    def _confirm_and_send_on_day_3(self, invoice):
        with freeze_time(REVIEWED_AT):
            invoice.with_user(self.billing_user).action_auto_invoice_send()
            self.env.flush_all()
        self.assertEqual(invoice.state, "posted")

    def _deposit_values(self):
        return {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0}

    def assertDated(self, invoice, invoice_date, due_date):
        self.assertRecordValues(invoice, [{"invoice_date": invoice_date, "invoice_date_due": due_date}])
        receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(set(receivable.mapped("date_maturity")), {due_date}, "the journal items say the same")
        self.assertGreaterEqual(invoice.invoice_date_due, invoice.invoice_date, "never overdue on arrival")

    def assertPdfSaysDue(self, invoice, due_date):
        """The invoice's PDF, as the customer gets it, asks for payment by `due_date`, not by the signature's day."""
        text = pdf_text(self._render_pdf(invoice))
        self.assertIn(f"by {format_date(self.env, due_date)}.", text)
        self.assertNotIn(f"by {format_date(self.env, DAY_1)}.", text)
        self.assertIn(format_date(self.env, invoice.invoice_date), text)

    # --- 1. the dates of a reviewed draft ---------------------------------------------------------------------------

    def test_draft_without_payment_terms_is_due_the_day_it_is_confirmed_and_sent(self):
        invoice = self._signed_on_day_1(payment_term_id=False)
        self.assertEqual(invoice.invoice_date_due, DAY_1, "a draft without terms is due the day it was made")

        self._confirm_and_send_on_day_3(invoice)

        self.assertDated(invoice, DAY_3, DAY_3)
        self.assertPdfSaysDue(invoice, DAY_3)

    def test_draft_with_payment_terms_is_due_from_the_day_it_is_confirmed_and_sent(self):
        invoice = self._signed_on_day_1()
        self.assertEqual(invoice.invoice_payment_term_id, self.payment_term, "30 days")

        self._confirm_and_send_on_day_3(invoice)

        self.assertDated(invoice, DAY_3, DAY_3 + datetime.timedelta(days=30))
        self.assertPdfSaysDue(invoice, DAY_3 + datetime.timedelta(days=30))

    def test_deposit_without_payment_terms_is_due_the_day_it_is_confirmed_and_sent(self):
        deposit = self._signed_on_day_1(payment_term_id=False, **self._deposit_values())
        self.assertTrue(deposit._is_downpayment())

        self._confirm_and_send_on_day_3(deposit)

        self.assertDated(deposit, DAY_3, DAY_3)
        self.assertPdfSaysDue(deposit, DAY_3)

    def test_deposit_with_payment_terms_is_due_from_the_day_it_is_confirmed_and_sent(self):
        deposit = self._signed_on_day_1(**self._deposit_values())
        self.assertTrue(deposit._is_downpayment())

        self._confirm_and_send_on_day_3(deposit)

        self.assertDated(deposit, DAY_3, DAY_3 + datetime.timedelta(days=30))
        self.assertPdfSaysDue(deposit, DAY_3 + datetime.timedelta(days=30))

    def test_odoo_confirm_button_dates_the_draft_that_day_too(self):
        invoice = self._signed_on_day_1(payment_term_id=False)

        with freeze_time(REVIEWED_AT):
            invoice.with_user(self.billing_user).action_post()
            self.env.flush_all()

        self.assertDated(invoice, DAY_3, DAY_3)

    def test_invoice_of_an_online_payment_waiting_for_review_is_dated_when_posted(self):
        # What the acceptance invoices of an online payment beyond its deposit (payment_transaction.py): also a draft
        # that waits for review, though not linked to the acceptance as its own invoice.
        deposit = self._signed_on_day_1(payment_term_id=False, **self._deposit_values())
        with freeze_time(SIGNED_AT):
            payment_invoice = deposit.sudo().auto_invoice_acceptance_id._bill_payment(100.0).with_env(self.env)
            self.env.flush_all()
        self.assertEqual(payment_invoice.state, "draft")
        self.assertFalse(payment_invoice.auto_invoice_acceptance_id)

        with freeze_time(REVIEWED_AT):
            payment_invoice.action_post()  # by an accountant (a down payment: Odoo rewrites the order's line)

        self.assertDated(payment_invoice, DAY_3, DAY_3)

    def test_dates_a_person_set_on_the_draft_are_kept(self):
        invoice = self._signed_on_day_1(payment_term_id=False)
        with freeze_time("2030-03-05 10:00:00"), Form(invoice.with_user(self.billing_user)) as form:
            form.invoice_date = DAY_2
            form.invoice_date_due = DAY_2 + datetime.timedelta(days=14)

        self._confirm_and_send_on_day_3(invoice)

        self.assertDated(invoice, DAY_2, DAY_2 + datetime.timedelta(days=14))

    def test_due_date_a_person_set_on_the_draft_is_kept(self):
        invoice = self._signed_on_day_1(payment_term_id=False)
        with freeze_time("2030-03-05 10:00:00"), Form(invoice.with_user(self.billing_user)) as form:
            form.invoice_date_due = DAY_1 + datetime.timedelta(days=20)

        with freeze_time(REVIEWED_AT):
            invoice.with_user(self.billing_user).action_post()

        self.assertDated(invoice, DAY_3, DAY_1 + datetime.timedelta(days=20))

    def test_invoice_date_a_person_set_on_the_draft_is_kept_and_due_from_it(self):
        invoice = self._signed_on_day_1(payment_term_id=False)
        with freeze_time("2030-03-05 10:00:00"), Form(invoice.with_user(self.billing_user)) as form:
            form.invoice_date = DAY_2

        with freeze_time(REVIEWED_AT):
            invoice.with_user(self.billing_user).action_post()

        self.assertDated(invoice, DAY_2, DAY_2)

    def test_draft_saved_by_a_person_without_changing_its_dates_is_dated_when_posted(self):
        # The form sends the due date with every save (force_save): saving is not setting it by hand.
        invoice = self._signed_on_day_1(payment_term_id=False)
        with freeze_time("2030-03-05 10:00:00"), Form(invoice.with_user(self.billing_user)) as form:
            form.ref = "PO-4712"

        self._confirm_and_send_on_day_3(invoice)

        self.assertDated(invoice, DAY_3, DAY_3)

    def test_invoice_made_by_hand_keeps_odoo_dating(self):
        # Not a draft of an acceptance: Odoo's own dating, unchanged.
        invoice = self._signed_on_day_1(payment_term_id=False)
        with freeze_time(SIGNED_AT):
            manual = invoice.copy()
            self.env.flush_all()

        with freeze_time(REVIEWED_AT):
            manual.action_post()

        self.assertRecordValues(manual, [{"invoice_date": DAY_3, "invoice_date_due": DAY_1}])

    # --- 2. the reviewer's preview ----------------------------------------------------------------------------------

    def _previewed(self, invoice):
        """The attachment the invoice form's preview shows, as Odoo's web client picks it when it opens the form
        (mail's chatter/web/thread_model_patch.js, fetchThreadData): the record's main attachment; when it has none,
        the newest PDF or image among the thread's attachments (those of the record, and those of its messages that
        belong to it), which it then registers as the main one."""
        self.authenticate(self.billing_user.login, self.billing_user.login)
        thread = {"thread_model": invoice._name, "thread_id": invoice.id}
        data = self.make_jsonrpc_request(
            "/mail/data", {"fetch_params": [["mail.thread", {**thread, "request_list": ["attachments"]}]]}
        )
        messages = self.make_jsonrpc_request("/mail/thread/messages", {**thread, "fetch_params": {"limit": 30}})
        attachments = {
            values["id"]: values for store in (data, messages["data"]) for values in store.get("ir.attachment", [])
        }
        (record,) = [
            values
            for values in data["mail.thread"]
            if values["id"] == invoice.id and values.get("model") == invoice._name
        ]
        if record.get("message_main_attachment_id"):
            return self.env["ir.attachment"].browse(record["message_main_attachment_id"])
        in_thread = set(record.get("attachments", [])) | {
            values["id"]
            for values in attachments.values()
            if values.get("thread") == {"id": invoice.id, "model": invoice._name}
        }
        shown = sorted(
            (
                attachment_id
                for attachment_id in in_thread
                if attachments[attachment_id]["mimetype"] == "application/pdf"
                or attachments[attachment_id]["mimetype"].startswith("image/")
            ),
            reverse=True,
        )
        if not shown:
            return self.env["ir.attachment"]
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/ir.attachment/register_as_main_attachment",
            {"model": "ir.attachment", "method": "register_as_main_attachment", "args": [shown[0]], "kwargs": {}},
        )
        return self.env["ir.attachment"].browse(shown[0])

    def _signed_on_portal(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        self._accept_on_portal(order, PORTAL_USER_AGENT)
        invoice = order.auto_invoice_id
        self.assertEqual(invoice.state, "draft")
        return order, invoice

    def assertPreviewIsNotTheCertificate(self, invoice, acceptance):
        self.assertTrue(acceptance.certificate_id, "the certificate exists")
        certificates = invoice.message_ids.attachment_ids.filtered(
            lambda attachment: attachment.checksum == acceptance.certificate_id.checksum
        )
        self.assertTrue(certificates, "the reviewer has the certificate at hand in the invoice's chatter")
        for _opening in range(2):  # the web client registers what it shows: the second opening shows the same
            previewed = self._previewed(invoice)
            self.assertFalse(previewed, "nothing to preview before the invoice's PDF exists; never the certificate")
            self.assertNotIn(invoice.message_main_attachment_id, certificates)

    def test_preview_of_a_draft_signed_on_the_portal_is_never_the_certificate(self):
        order, invoice = self._signed_on_portal()

        self.assertTrue(order.acceptance_ids._attach_certificate())

        self.assertPreviewIsNotTheCertificate(invoice, order.acceptance_ids)

    def test_preview_is_never_the_certificate_the_cron_attaches(self):
        order, invoice = self._signed_on_portal()

        # The cron commits after each acceptance, which a test may not do.
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")):
            self.env["sale.order.acceptance"]._cron_attach_certificates()

        self.assertPreviewIsNotTheCertificate(invoice, order.acceptance_ids)

    def test_preview_after_confirm_and_send_is_the_invoice_pdf(self):
        order, invoice = self._signed_on_portal()
        self.assertTrue(order.acceptance_ids._attach_certificate())
        self._previewed(invoice)  # the reviewer opens the draft

        invoice.with_user(self.billing_user).with_context(force_report_rendering=True).action_auto_invoice_send()

        pdf = invoice.invoice_pdf_report_id
        self.assertTrue(pdf.raw.startswith(b"%PDF-"))
        self.assertEqual(invoice.message_main_attachment_id, pdf)
        self.assertEqual(self._previewed(invoice), pdf)
