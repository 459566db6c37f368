import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import AutoInvoiceCommon, pdf_text

# A real browser's user agent, long enough to wrap on the certificate.
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36 Edg/131.0.2903.86 AutoInvoiceCertificateTest/2.0"
)


@tagged("post_install", "-at_install")
class TestAutoInvoiceCertificate(AutoInvoiceCommon, HttpCase):
    """An HttpCase: wkhtmltopdf fetches the report's assets from the running Odoo server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write({"name": "Brightline Studio", "primary_color": "#0B5394"})

    def _certificate_text(self, acceptance):
        """The text layer of the certificate rendered by wkhtmltopdf, each run of blanks and line breaks one space."""
        self.assertTrue(acceptance.with_context(force_report_rendering=True)._attach_certificate())
        certificate = acceptance.certificate_id.raw
        self.assertTrue(certificate.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
        return re.sub(r"\s+", " ", pdf_text(certificate))

    def _when(self, value, tz="UTC"):
        return f"on {self._formatted_datetime(value, tz)} ({tz})"

    def assertNoTechnicalNames(self, text):
        self.assertNotIn("auto_invoice", text, "no module name")
        self.assertNotIn("public user", text.lower(), "the anonymous session is said in plain words")

    def test_certificate_is_a_real_pdf_whose_text_holds_the_evidence(self):
        order = self._create_quotation()
        order.with_context(force_report_rendering=True).with_user(self.salesman).write(
            {
                "signature": self.signature,
                "signed_by": "Ada Lovelace",
            }
        )
        acceptance = order.acceptance_ids
        text = self._certificate_text(acceptance)

        self.assertTrue(acceptance.document_id.raw.startswith(b"%PDF-"), "the signed quotation is kept as a PDF")
        for evidence in (
            acceptance.name,
            order.name,
            "Ada Lovelace",
            acceptance.document_sha256,
            acceptance.content_sha256,
            f"Recorded at (UTC) {acceptance.signed_on:%Y-%m-%dT%H:%M:%SZ}",
        ):
            with self.subTest(evidence=evidence):
                self.assertIn(evidence, text)
        invoice = self.assertInvoicedOnce(order)
        copies = invoice.message_ids.attachment_ids.filtered(
            lambda attachment: attachment.raw == acceptance.certificate_id.raw
        )
        self.assertTrue(copies, "the auto-invoice carries the certificate")

    def test_portal_certificate_says_each_fact_in_plain_words(self):
        order = self._create_quotation()
        self._accept_on_portal(order, USER_AGENT)
        acceptance = order.acceptance_ids

        text = self._certificate_text(acceptance)

        self.assertIn("Brightline Studio", text, "branded with the company's header")
        for sentence in (
            "Certificate of Acceptance",
            f"The quotation {order.name} from Brightline Studio",
            "Signed by Ada Lovelace for Ada Customer",
            self._when(acceptance.signed_on),
            "from IP address 127.0.0.1",
            "through the customer portal, from the link sent to the customer",
            "What the signer agreed to",
            acceptance.consent_text,
            "Technical evidence",
            "No one signed in (the quotation's link)",
            acceptance.document_id.name,
        ):
            with self.subTest(sentence=sentence):
                self.assertIn(re.sub(r"\s+", " ", sentence), text)
        self.assertNoTechnicalNames(text)
        words = text.split(" ")
        for value in (acceptance.document_sha256, acceptance.content_sha256, *USER_AGENT.split(" ")):
            with self.subTest(value=value):
                self.assertIn(value, words, "whole: wrapped between words, never inside one")

    def test_offline_certificate_says_who_recorded_it_and_how_it_was_accepted(self):
        order = self._created_days_ago(self._create_quotation())
        accepted_on = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=3)
        self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
            {"order_id": order.id, "signer_name": "Ada Lovelace", "accepted_on": accepted_on, "method": "phone"}
        ).action_record()
        acceptance = order.acceptance_ids

        text = self._certificate_text(acceptance)

        self.assertIn(f"Accepted by Ada Lovelace for Ada Customer {self._when(accepted_on)}", text)
        self.assertIn(f"recorded by {self.salesman.name} after acceptance by phone", text)
        self.assertNoTechnicalNames(text)

    def test_signed_quotation_and_certificate_state_the_same_instant_in_one_format(self):
        # The customer's time zone and formats: the signed quotation (branded) and the certificate say the same.
        self.env.company.auto_invoice_report_design = "auto_invoice"
        self.customer.tz = "Europe/Bucharest"
        order = self._create_quotation()
        order.with_context(force_report_rendering=True).with_user(self.salesman).write(
            {"signature": self.signature, "signed_by": "Ada Lovelace"}
        )
        acceptance = order.acceptance_ids
        when = self._when(acceptance.signed_on, tz="Europe/Bucharest")

        quotation = re.sub(r"\s+", " ", pdf_text(acceptance.document_id.raw))
        certificate = self._certificate_text(acceptance)

        self.assertIn(f"Accepted by Ada Lovelace {when}", quotation)
        self.assertEqual(certificate.count(when), 1, "the certificate states the time of acceptance once")
        self.assertIn(f"Recorded at (UTC) {acceptance.signed_on:%Y-%m-%dT%H:%M:%SZ}", certificate)
