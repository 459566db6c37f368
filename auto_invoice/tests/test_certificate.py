import subprocess

from odoo.tests import HttpCase, tagged

from .common import AutoInvoiceCommon


def pdf_text(pdf):
    """The text layer of a PDF, as pdftotext (poppler-utils) reads it."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


@tagged("post_install", "-at_install")
class TestAutoInvoiceCertificate(AutoInvoiceCommon, HttpCase):
    """An HttpCase: wkhtmltopdf fetches the report's assets from the running Odoo server."""

    def test_certificate_is_a_real_pdf_whose_text_holds_the_evidence(self):
        order = self._create_quotation()
        order.with_context(force_report_rendering=True).with_user(self.salesman).write(
            {
                "signature": self.signature,
                "signed_by": "Ada Lovelace",
            }
        )
        acceptance = order.acceptance_ids
        self.assertTrue(acceptance.with_context(force_report_rendering=True)._attach_certificate())

        certificate = acceptance.certificate_id.raw
        self.assertTrue(certificate.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
        self.assertTrue(acceptance.document_id.raw.startswith(b"%PDF-"), "the signed quotation is kept as a PDF")
        text = pdf_text(certificate)
        for evidence in (
            acceptance.name,
            order.name,
            "Ada Lovelace",
            acceptance.document_sha256,
            acceptance.content_sha256,
            f"{acceptance.signed_on:%Y-%m-%d %H:%M:%S} UTC",
        ):
            with self.subTest(evidence=evidence):
                self.assertIn(evidence, text)
        invoice = self.assertInvoicedOnce(order)
        copies = invoice.message_ids.attachment_ids.filtered(lambda attachment: attachment.raw == certificate)
        self.assertTrue(copies, "the auto-invoice carries the certificate")
