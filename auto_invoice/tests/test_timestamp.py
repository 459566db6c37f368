import datetime
import io
import re

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import _super_send  # requests.Session.send, as Odoo's harness found it
from odoo.tools import mute_logger

from ..models.auto_invoice_seal import TIMESTAMP_TIMEOUT_PARAM
from .common import AutoInvoiceCommon, pdfsig
from .timestamp_authority import AUTHORITY_NAME, LocalTimestampAuthority

NO_TIMESTAMP = "Documents sealed without a timestamp"


@tagged("post_install", "-at_install")
class TestSealTimestamp(AutoInvoiceCommon, HttpCase):
    """Every seal carries the timestamp of the company's timestamp authority (RFC 3161, PAdES B-T): a local authority
    started by the test answers real requests with its own key. pyHanko's validator reads the result back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", "auto_invoice_seal": True})
        cls.company.sudo()._auto_invoice_generate_seal()
        cls.authority = LocalTimestampAuthority().start()
        cls.addClassCleanup(cls.authority.stop)
        cls.company.auto_invoice_timestamp_url = cls.authority.url
        cls.env["ir.config_parameter"].sudo().set_param(TIMESTAMP_TIMEOUT_PARAM, "1")
        cls.slow_urls = set()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        """Odoo's test harness raises any timeout under 10 s to 10 s; a slow authority's URL keeps the seal's own
        (TIMESTAMP_TIMEOUT_PARAM, 1 s), so the seal gives up on it when a company's would, not 9 s later."""
        if r.url in cls.slow_urls:
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def _signed(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order.with_context(force_report_rendering=True))
        acceptance = order.acceptance_ids
        self.assertTrue(acceptance.with_context(force_report_rendering=True)._attach_certificate())
        return order, acceptance

    def _validate(self, pdf, authority=None):
        """pyHanko's verdict on the file's seal, trusting the company's certificate and the local authority."""
        certificate = self.company._auto_invoice_seal_sudo()._certificate()
        trusted = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
        return validate_pdf_signature(
            signature,
            ValidationContext(trust_roots=[trusted]),
            ts_validation_context=ValidationContext(trust_roots=[(authority or self.authority).certificate]),
        )

    def _verdict(self, data):
        response = self.url_open("/verify", files={"document": ("a.pdf", data, "application/pdf")})
        match = re.search(r'name="auto_invoice_verdict"[^>]*>(.*?)</div>', response.text, re.S)
        said = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", match.group(1)) if match else ""
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said)).strip()

    def test_seal_carries_the_authoritys_timestamp_over_its_signature(self):
        before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
        order, acceptance = self._signed()
        for label, pdf in (
            ("signed quotation", acceptance.document_id.raw),
            ("certificate", acceptance.certificate_id.raw),
        ):
            with self.subTest(document=label):
                status = self._validate(pdf)
                self.assertTrue(status.intact and status.valid and status.trusted, status.summary())
                self.assertEqual(status.coverage, SignatureCoverageLevel.ENTIRE_FILE)
                stamp = status.timestamp_validity
                self.assertIsNotNone(stamp, "PAdES B-T: a timestamp token over the signature")
                self.assertTrue(stamp.intact and stamp.valid and stamp.trusted, "its imprint is the signature's")
                self.assertEqual(stamp.signing_cert.subject.native["common_name"], AUTHORITY_NAME)
                self.assertGreater(stamp.timestamp, before)
                self.assertIn("Signature is Valid.", pdfsig(pdf), "and any PDF reader still checks the seal")
        self.assertFalse(order.activity_ids.filtered(lambda activity: activity.summary == NO_TIMESTAMP))

    def test_authority_down_slow_or_garbage_never_loses_the_signature(self):
        for mode in ("down", "slow", "garbage"):
            with self.subTest(mode=mode):
                authority = LocalTimestampAuthority().start()
                if mode == "down":
                    authority.stop()
                elif mode == "slow":
                    # The seal waits 1 s (TIMESTAMP_TIMEOUT_PARAM), left as it is for this address (_request_handler).
                    authority.mode, authority.delay = "slow", 12
                    self.slow_urls.add(authority.url)
                    self.addCleanup(self.slow_urls.discard, authority.url)
                else:
                    authority.mode = "garbage"
                self.company.auto_invoice_timestamp_url = authority.url
                with mute_logger("odoo.addons.auto_invoice.models.auto_invoice_seal"):
                    order, acceptance = self._signed()
                authority.stop()
                document = acceptance.document_id.raw
                self.assertTrue(document, "the signed quotation is kept")
                status = self._validate(document, authority)
                self.assertTrue(status.intact and status.valid, "sealed all the same")
                self.assertIsNone(status.timestamp_validity, "without a timestamp")
                self.assertInvoicedOnce(order)
                activity = order.activity_ids.filtered(lambda activity: activity.summary == NO_TIMESTAMP)
                self.assertEqual(len(activity), 1, "the salesperson is told")
                self.assertIn(authority.url, str(activity.note))
                self.assertIn(f"This is the quotation {order.name}", self._verdict(document))

    def test_timestamp_authority_address_is_checked(self):
        for address in ("freetsa.org/tsr", "ftp://tsa.example.com", "javascript:alert(1)"):
            with self.subTest(address=address), self.assertRaises(ValidationError):
                self.company.auto_invoice_timestamp_url = address
        self.company.auto_invoice_timestamp_url = False
        order, acceptance = self._signed()
        status = self._validate(acceptance.document_id.raw)
        self.assertTrue(status.intact and status.valid)
        self.assertIsNone(status.timestamp_validity, "no authority named: no timestamp, as before")

    def test_page_recognises_the_sealed_revision_of_a_file_saved_again(self):
        order, acceptance = self._signed()
        sealed = acceptance.document_id.raw
        writer = IncrementalPdfFileWriter(io.BytesIO(sealed), strict=False)  # as a reader saving a note does
        writer.root["/AutoInvoiceTestNote"] = generic.TextStringObject("Paid by bank transfer")
        writer.update_root()
        buffer = io.BytesIO()
        writer.write(buffer)
        updated = buffer.getvalue()
        self.assertTrue(updated.startswith(sealed) and len(updated) > len(sealed))
        self.assertIn("Not total document signed", pdfsig(updated), "a PDF reader sees the addition too")
        verdict = self._verdict(updated)
        self.assertIn(f"This is the quotation {order.name} that Ada Lovelace accepted", verdict)
        self.assertIn("Something was added to this file after it was issued", verdict)
        self.assertIn("not issued by us", self._verdict(updated[: len(sealed) - 10] + updated[len(sealed) :]))
