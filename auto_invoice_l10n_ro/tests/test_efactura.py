from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SPV_FUNCTIONS, FakeSpv, RomanianCommon

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) e-Factura test"


@tagged("post_install", "-at_install")
class TestEfactura(RomanianCommon, HttpCase, MockEmail):
    """Confirm & Send and the Post and Send policy reach SPV once, through Odoo's own extra EDI `ro_edi`, with SPV
    patched where Odoo's own tests patch it. An HttpCase: wkhtmltopdf fetches the report's assets from the server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("auto_invoice_l10n_ro.ir_cron_spv_submit")
        cls.error_type = cls.env.ref("auto_invoice_l10n_ro.mail_activity_type_spv_error")

    def _signed_draft(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        return order, order.auto_invoice_id

    def _confirm_and_send(self, invoice):
        with self.mock_mail_gateway():
            invoice.with_user(self.billing_user).with_context(force_report_rendering=True).action_auto_invoice_send()
        return [mail for mail in self._mails if self.invoice_address.email in str(mail["email_to"])]

    def _run_job(self, spv):
        with patch(SPV_FUNCTIONS + "_request_ciusro_send_invoice", side_effect=spv.send_invoice):
            self.cron.sudo().method_direct_trigger()
        self.env.invalidate_all()

    def test_confirm_and_send_emails_then_submits_once(self):
        order, invoice = self._signed_draft()
        spv = FakeSpv()
        with patch(SPV_FUNCTIONS + "_request_ciusro_send_invoice", side_effect=spv.send_invoice):
            sent = self._confirm_and_send(invoice)
        self.assertEqual(spv.received, [], "SPV is never called inside the click")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(len(sent), 1)
        names = [name for name, _content, _mimetype in sent[0]["attachments"]]
        self.assertIn(invoice.invoice_pdf_report_id.name, names)
        self.assertIn(invoice.ubl_cii_xml_id.name, names, "the customer gets the CIUS-RO XML with the PDF")
        self.assertTrue(invoice.auto_invoice_spv_pending)
        self.assertEqual(order.auto_invoice_spv_state, "to_send")

        self._run_job(spv)
        self.assertEqual(len(spv.received), 1)
        self.assertTrue(spv.received[0]["is_b2b"])
        self.assertEqual(spv.received[0]["xml"], invoice.ubl_cii_xml_id.raw, "SPV gets the XML the customer got")
        self.assertCiusRo(spv.received[0]["xml"], invoice)
        self.assertEqual(invoice.l10n_ro_edi_state, "invoice_sent")
        self.assertEqual(invoice.l10n_ro_edi_index, "5019882651")
        self.assertFalse(invoice.auto_invoice_spv_pending)
        self.assertEqual(order.auto_invoice_spv_state, "invoice_sent")

        self._run_job(spv)
        with self.assertRaisesRegex(UserError, "never sent twice"):
            invoice.with_user(self.billing_user).action_auto_invoice_spv_resend()
        self.assertEqual(len(spv.received), 1, "one submission for one invoice")

    def test_post_and_send_policy_submits_after_the_signature(self):
        order = self._create_quotation(auto_invoice_after="send")
        spv = FakeSpv()
        with (
            patch(SPV_FUNCTIONS + "_request_ciusro_send_invoice", side_effect=spv.send_invoice),
            self.mock_mail_gateway(),
        ):
            self._accept_on_portal(order, USER_AGENT)
        self.env.invalidate_all()
        invoice = order.auto_invoice_id
        self.assertEqual(spv.received, [], "the customer's signing request never waits for SPV")
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertTrue(invoice.auto_invoice_spv_pending)

        self._run_job(spv)
        self.assertEqual(len(spv.received), 1)
        self.assertCiusRo(spv.received[0]["xml"], invoice)
        self.assertEqual(order.auto_invoice_spv_state, "invoice_sent")

    def test_spv_error_keeps_the_invoice_posted_tells_the_salesperson_and_resends_once(self):
        order, invoice = self._signed_draft()
        self._confirm_and_send(invoice)
        refused = FakeSpv({"error": "E: Eroare validare: BR-RO-010 cardinalitatea codului fiscal"})
        self._run_job(refused)

        self.assertEqual(len(refused.received), 1)
        self.assertEqual(invoice.state, "posted", "an SPV error never unposts the invoice")
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(invoice.l10n_ro_edi_state)
        self.assertIn("BR-RO-010", invoice.auto_invoice_spv_error)
        self.assertEqual(order.auto_invoice_spv_state, "error")
        activity = invoice.activity_ids.filtered(lambda act: act.activity_type_id == self.error_type)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("BR-RO-010", activity.note)

        invoice.with_user(self.billing_user).action_auto_invoice_spv_resend()
        with self.assertRaisesRegex(UserError, "on its way to SPV already"):
            invoice.with_user(self.billing_user).action_auto_invoice_spv_resend()  # a double click
        accepted = FakeSpv()
        self._run_job(accepted)
        self._run_job(accepted)
        self.assertEqual(len(accepted.received), 1, "the resent e-Factura reaches SPV once")
        self.assertEqual(invoice.l10n_ro_edi_state, "invoice_sent")
        self.assertFalse(invoice.auto_invoice_spv_error)
        self.assertEqual(order.auto_invoice_spv_state, "invoice_sent")

    def test_timeout_without_index_is_never_submitted_again(self):
        order, invoice = self._signed_draft()
        self._confirm_and_send(invoice)
        timeout = FakeSpv({"key_loading": False})  # what the request function answers to a timeout on upload
        self._run_job(timeout)

        self.assertEqual(len(timeout.received), 1)
        self.assertEqual(invoice.l10n_ro_edi_state, "invoice_not_indexed")
        self.assertFalse(invoice.auto_invoice_spv_error)
        self.assertEqual(order.auto_invoice_spv_state, "invoice_not_indexed")
        with self.assertRaisesRegex(UserError, "never sent twice"):
            invoice.with_user(self.billing_user).action_auto_invoice_spv_resend()
        self._run_job(timeout)
        self.assertEqual(len(timeout.received), 1)

    def test_missing_token_is_said_before_anything_is_posted(self):
        self.env.company.l10n_ro_edi_access_token = False
        order, invoice = self._signed_draft()
        with self.assertRaisesRegex(UserError, "no ANAF access token"):
            self._confirm_and_send(invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.is_move_sent)

        by_policy = self._create_quotation(auto_invoice_after="send")
        with self.mock_mail_gateway():
            self._accept_on_portal(by_policy, USER_AGENT)
        self.env.invalidate_all()
        self.assertEqual(by_policy.auto_invoice_state, "failed")
        self.assertIn("ANAF", by_policy.acceptance_ids.error)  # in the language of the signing request
        self.assertEqual(by_policy.auto_invoice_id.state, "draft", "nothing is posted without a way to SPV")
        self.assertFalse(by_policy.auto_invoice_id.is_move_sent)

    def test_resend_needs_billing_rights(self):
        _order, invoice = self._signed_draft()
        self._confirm_and_send(invoice)
        self._run_job(FakeSpv({"error": "E: SPV indisponibil"}))
        with self.assertRaisesRegex(UserError, "billing rights"):
            invoice.with_user(self.salesman).action_auto_invoice_spv_resend()
        self.assertFalse(invoice.auto_invoice_spv_pending)

    def test_the_customer_never_reads_spv_answers(self):
        _order, invoice = self._signed_draft()
        self._confirm_and_send(invoice)
        self._run_job(FakeSpv({"error": "E: eroare internă SPV"}))
        portal = self._create_portal_user("ro_portal", self.customer)
        self.assertTrue(invoice.with_user(portal).read(["name"]), "the customer reads their invoice")
        for field in ("auto_invoice_spv_error", "auto_invoice_spv_pending"):
            with self.assertRaises(AccessError):
                invoice.with_user(portal).read([field])
