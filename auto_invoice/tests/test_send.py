from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import AutoInvoiceCommon


@tagged("post_install", "-at_install")
class TestAutoInvoiceSend(AutoInvoiceCommon, HttpCase, MockEmail):
    """An HttpCase: wkhtmltopdf fetches the report's assets from the running Odoo server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._create_quotation()
        cls.order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        cls.invoice = cls.order.auto_invoice_id

    def test_confirm_and_send_posts_renders_pdf_and_emails_it(self):
        invoice = self.invoice.with_user(self.billing_user).with_context(force_report_rendering=True)
        with self.mock_mail_gateway():
            invoice.action_auto_invoice_send()

        self.assertEqual(self.invoice.state, "posted")
        self.assertTrue(self.invoice.is_move_sent)
        pdf = self.invoice.invoice_pdf_report_id
        self.assertTrue(pdf.raw.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
        sent = [mail for mail in self._mails if self.invoice_address.email in str(mail["email_to"])]
        self.assertEqual(len(sent), 1, "one email to the invoice address")
        attachments = {name: content for name, content, _mimetype in sent[0]["attachments"]}
        self.assertIn(pdf.name, attachments)
        self.assertTrue(attachments[pdf.name].startswith(b"%PDF-"), "the email carries the PDF")
        self.assertIn(self.invoice.name, sent[0]["subject"])
        self.assertFalse(self.invoice.activity_ids, "the review activity is done")

    def test_salesperson_cannot_confirm_and_send(self):
        with self.assertRaisesRegex(AccessError, "billing rights"):
            self.invoice.with_user(self.salesman).action_auto_invoice_send()
        self.assertEqual(self.invoice.state, "draft")

    def test_customer_without_email_gets_clear_error_and_nothing_is_posted(self):
        self.invoice_address.email = False
        with self.assertRaisesRegex(UserError, "Ada Accounts has no email address"):
            self.invoice.with_user(self.billing_user).action_auto_invoice_send()
        self.assertEqual(self.invoice.state, "draft")
        self.assertFalse(self.invoice.is_move_sent)

    def test_only_automatic_invoices(self):
        manual = self.invoice.copy()
        with self.assertRaisesRegex(UserError, "was not created from an accepted quotation"):
            manual.with_user(self.billing_user).action_auto_invoice_send()
        self.assertEqual(manual.state, "draft")

    def test_second_click_sends_nothing_more(self):
        invoice = self.invoice.with_user(self.billing_user)
        with self.mock_mail_gateway():
            invoice.action_auto_invoice_send()
            with self.assertRaisesRegex(UserError, "is already confirmed"):
                invoice.action_auto_invoice_send()

        self.assertEqual(len([mail for mail in self._mails if self.invoice_address.email in str(mail["email_to"])]), 1)
