import base64
import datetime
import hashlib
import io
import json
import re
from unittest.mock import patch

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, pkcs12
from cryptography.x509.oid import NameOID

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import load_script
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.pdf import PdfWriter

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from ..models import auto_invoice_verification_check as verification_check
from ..models.auto_invoice_verification_check import RATE_LIMIT_PARAM
from ..models.sale_order_acceptance_seal import normalize_verification_reference
from .common import AutoInvoiceCommon, pdf_text, pdfsig

UNSEALED = "Documents sent unsealed"


def one_byte_changed(pdf):
    """`pdf` with one letter of its creator's name changed: a copy someone altered, still a PDF that opens."""
    index = pdf.index(b"/Producer (") + len(b"/Producer (")
    return pdf[:index] + (b"X" if pdf[index : index + 1] != b"X" else b"Y") + pdf[index + 1 :]


def blank_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


def certificate_for(key, name="Brightline Studio", valid_days=365, start_days=-1):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=start_days))
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )


@tagged("post_install", "-at_install")
class TestAutoInvoiceSeal(AutoInvoiceCommon, HttpCase):
    """The company seals the signed quotation and the certificate (wkhtmltopdf renders them, poppler's pdfsig reads
    them), and a public page checks a file. An HttpCase: wkhtmltopdf fetches the report's assets from the server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", "vat": "BE0477472701", "auto_invoice_seal": True})
        cls.company.sudo()._auto_invoice_generate_seal()
        cls.admin = new_test_user(
            cls.env, login="ai_seal_admin", groups="base.group_system,base.group_user,base.group_allow_export"
        )

    def _sign_and_seal(self):
        """A quotation signed in the backend, its signed PDF and certificate rendered by wkhtmltopdf (within the test:
        the engine fetches the report's assets from the test server) and sealed."""
        self.order = self._create_quotation()
        self.order.with_context(force_report_rendering=True).with_user(self.salesman).write(
            {"signature": self.signature, "signed_by": "Ada Lovelace"}
        )
        self.acceptance = self.order.acceptance_ids
        self.assertTrue(self.acceptance.with_context(force_report_rendering=True)._attach_certificate())
        self.document = self.acceptance.document_id.raw
        self.certificate = self.acceptance.certificate_id.raw

    def _check(self, data=None, reference=None, url="/verify", headers=None):
        """The verification page's answer to a visitor (the public user) who posts `data` as the file, or types
        `reference`: (HTTP status, the verdict's text)."""
        files = {"document": ("document.pdf", data, "application/pdf")} if data is not None else None
        form = {"reference": reference} if reference is not None else {}
        if files or form:
            response = self.url_open(url, data=form, files=files, headers=headers)
        else:
            response = self.url_open(url, headers=headers)
        match = re.search(r'name="auto_invoice_verdict"[^>]*>(.*?)</div>', response.text, re.S)
        said = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", match.group(1)) if match else ""
        verdict = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said)).strip()
        return response.status_code, verdict

    def _accepted_sentence(self):
        date = self.acceptance._verification_date(self.acceptance.signed_on)
        return (
            f"This is the quotation {self.order.name} that Ada Lovelace accepted for Ada Customer on {date}, issued "
            f"by Brightline Studio; it has not been changed."
        )

    # === The seal === #

    def test_signed_quotation_and_certificate_are_sealed_for_any_pdf_reader(self):
        self._sign_and_seal()
        for label, pdf in (("signed quotation", self.document), ("certificate", self.certificate)):
            with self.subTest(document=label):
                self.assertTrue(pdf.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
                verdict = pdfsig(pdf)
                self.assertIn("Signature is Valid.", verdict)
                self.assertIn("Total document signed", verdict)
                self.assertIn("Signer Certificate Common Name: Brightline Studio", verdict)
                changed = pdfsig(one_byte_changed(pdf))
                self.assertNotIn("Signature is Valid.", changed)
                self.assertRegex(changed, r"Signature Validation: (Digest Mismatch|Signature is Invalid)\.")
        self.assertEqual(self.acceptance.document_sha256, hashlib.sha256(self.document).hexdigest())
        self.assertEqual(self.acceptance.certificate_sha256, hashlib.sha256(self.certificate).hexdigest())
        self.assertFalse(self.order.activity_ids.filtered(lambda activity: activity.summary == UNSEALED))
        # The certificate prints where and how to check it.
        reference = self.acceptance.verification_ref
        self.assertRegex(reference, r"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$", "100 random bits")
        self.assertNotIn(self.order.name, reference)
        text = re.sub(r"\s+", " ", pdf_text(self.certificate))
        self.assertIn(f"/verify/{reference}", text)
        self.assertIn(f"Reference: {reference}", text)
        self.assertIn("Check this document", text)
        fingerprint = self.company._auto_invoice_seal_sudo().fingerprint
        self.assertIn("This file is sealed by Brightline Studio with its self-signed certificate", text)
        self.assertIn(fingerprint[:23], text, "the fingerprint a reader compares with their PDF reader's")

    def test_portal_signature_seals_the_copy_odoo_posts_and_emails(self):
        render = IrActionsReport._render_qweb_pdf

        def render_for_real(report, report_ref, res_ids=None, data=None):  # the route runs as in production
            return render(report.with_context(force_report_rendering=True), report_ref, res_ids=res_ids, data=data)

        order = self._create_quotation()
        with patch.object(IrActionsReport, "_render_qweb_pdf", render_for_real):
            self._accept_on_portal(order, "Mozilla/5.0 AutoInvoiceSealTest/1.0")
        acceptance = order.acceptance_ids
        posted = order.message_ids.attachment_ids.filtered(lambda attachment: attachment.name == f"{order.name}.pdf")
        self.assertTrue(posted, "Odoo's route posted the signed PDF")
        self.assertEqual(posted.raw, acceptance.document_id.raw, "the copy in the chatter (and its email) is sealed")
        self.assertEqual(hashlib.sha256(posted.raw).hexdigest(), acceptance.document_sha256)
        self.assertIn("Signature is Valid.", pdfsig(posted.raw))
        page = self.url_open(order.get_portal_url()).text
        self.assertIn(f'href="/verify/{acceptance.verification_ref}"', page, "the portal page links to the check")

    def test_expired_or_missing_certificate_never_loses_the_signature(self):
        seal = self.company._auto_invoice_seal_sudo()
        for case in ("expired", "missing"):
            with self.subTest(case=case):
                if case == "expired":
                    seal.valid_until = fields.Datetime.now() - datetime.timedelta(days=1)
                else:
                    seal.unlink()
                order = self._create_quotation()
                self._sign_in_backend(order)
                acceptance = order.acceptance_ids
                self.assertTrue(acceptance.document_id, "the signed document is kept, unsealed")
                self.assertEqual(acceptance.document_sha256, hashlib.sha256(acceptance.document_id.raw).hexdigest())
                self.assertInvoicedOnce(order)
                activity = order.activity_ids.filtered(lambda activity: activity.summary == UNSEALED)
                self.assertEqual(len(activity), 1)
                self.assertEqual(activity.user_id, self.salesman)
                why = "expired on" if case == "expired" else "has no certificate"
                self.assertIn(why, str(activity.note))

    def test_company_seals_invoices_when_it_chooses(self):
        self.company.write({"auto_invoice_seal": False, "auto_invoice_seal_invoices": True})
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.with_context(force_report_rendering=True).with_user(self.billing_user).action_auto_invoice_send()
        pdf = invoice.invoice_pdf_report_id.raw
        self.assertIn("Signature is Valid.", pdfsig(pdf))
        self.assertEqual(invoice.auto_invoice_pdf_sha256, hashlib.sha256(pdf).hexdigest())
        forged = blank_pdf()
        with self.assertRaises(AccessError):  # a billing user may not make the page vouch for another file
            invoice.with_user(self.billing_user).write({"auto_invoice_pdf_sha256": hashlib.sha256(forged).hexdigest()})
        self.assertEqual(invoice.auto_invoice_pdf_sha256, hashlib.sha256(pdf).hexdigest())
        status, verdict = self._check(pdf)
        self.assertEqual(status, 200)
        date = fields.Date.to_date(invoice.invoice_date).strftime("%-d %B %Y")
        self.assertEqual(
            verdict,
            f"This is the invoice {invoice.name} that Brightline Studio issued to Ada Customer on {date}; it has not "
            "been changed.",
        )

    # === The company's certificate in Settings === #

    def _upload(self, data, password="secret", user=None):
        wizard = (
            self.env["auto_invoice.seal.upload"]
            .with_user(user or self.admin)
            .create({"pkcs12_file": base64.b64encode(data), "pkcs12_filename": "seal.p12", "password": password})
        )
        return wizard.action_upload()

    def test_upload_refuses_what_cannot_seal_with_a_clear_error(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = certificate_for(key)
        secret = BestAvailableEncryption(b"secret")
        ec_key = ec.generate_private_key(ec.SECP256R1())
        before = self.company._auto_invoice_seal_sudo().fingerprint
        cases = {
            "wrong password": (
                pkcs12.serialize_key_and_certificates(b"s", key, certificate, None, secret),
                "wrong",
                "The password does not open this certificate",
            ),
            "not a certificate": (b"%PDF-1.4 not a certificate", "secret", "not a PKCS#12 certificate"),
            "no private key": (
                pkcs12.serialize_key_and_certificates(b"s", None, certificate, None, NoEncryption()),
                "",
                "without its private key",
            ),
            "expired": (
                pkcs12.serialize_key_and_certificates(
                    b"s", key, certificate_for(key, valid_days=-1, start_days=-30), None, secret
                ),
                "secret",
                "expired on",
            ),
            "not RSA": (
                pkcs12.serialize_key_and_certificates(b"s", ec_key, certificate_for(ec_key), None, secret),
                "secret",
                "RSA key",
            ),
        }
        for case, (data, password, message) in cases.items():
            with self.subTest(case=case), self.assertRaisesRegex(UserError, re.escape(message)):
                self._upload(data, password)
        self.assertEqual(self.company._auto_invoice_seal_sudo().fingerprint, before, "nothing changed")
        with self.assertRaises(AccessError):
            self._upload(cases["wrong password"][0], user=self.salesman)
        other = self.env["res.company"].sudo().create({"name": "Not Mine Ltd"})
        with self.assertRaisesRegex(AccessError, "You may not change the seal of Not Mine Ltd"):
            other.with_user(self.admin)._auto_invoice_generate_seal()  # an administrator, not of that company
        self.assertFalse(other._auto_invoice_seal_sudo())

        self._upload(pkcs12.serialize_key_and_certificates(b"s", key, certificate, None, secret))
        seal = self.company._auto_invoice_seal_sudo()
        self.assertEqual(seal.fingerprint, certificate.fingerprint(hashes.SHA256()).hex(":").upper())
        self.assertIn("CN=Brightline Studio", self.company.auto_invoice_seal_description)
        wizard = self.env["auto_invoice.seal.upload"].with_user(self.admin).search([], order="id desc", limit=1)
        self.assertFalse(wizard.with_context(bin_size=False).pkcs12_file or wizard.password, "file and password gone")

    def test_generated_certificate_names_the_company_and_says_it_is_self_signed(self):
        seal = self.company._auto_invoice_seal_sudo()
        certificate = seal._certificate()
        subject = certificate.subject
        self.assertEqual(subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, "Brightline Studio")
        self.assertEqual(subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value, "BE0477472701")
        self.assertEqual(certificate.issuer, subject)
        until = fields.Date.to_string(seal.valid_until.date())
        description = self.company.with_user(self.admin).auto_invoice_seal_description
        self.assertIn("self-signed", description)
        self.assertIn(f"to {until}", description)
        other = self.env["res.company"].sudo().create({"name": "Other Studio"})
        self.assertEqual(other.auto_invoice_seal_description, "No certificate yet", "a seal per company")
        sealed, problem = other._auto_invoice_seal_pdf(blank_pdf())
        self.assertIsNone(sealed)
        self.assertIn("Other Studio has no certificate", problem)

    def test_private_key_is_read_by_no_user(self):
        seal = self.company._auto_invoice_seal_sudo()
        for user in (self.admin, self.salesman, self.billing_user):
            with self.subTest(user=user.login):
                Seal = self.env["auto_invoice.seal"].with_user(user)
                with self.assertRaises(AccessError):
                    Seal.search([])
                with self.assertRaises(AccessError):
                    Seal.browse(seal.id).read(["private_key_pem"])
        with self.assertRaises(AccessError):  # an administrator may export, but not this model
            self.env["auto_invoice.seal"].with_user(self.admin).browse(seal.id).export_data(["private_key_pem"])
        for model in ("res.company", "res.config.settings", "auto_invoice.seal.upload"):
            names = [name for name in self.env[model]._fields if "private_key" in name or "seal_key" in name]
            self.assertFalse(names, "no field leads to the key")
        key_marker = seal.private_key_pem.splitlines()[1]
        self.authenticate(self.admin.login, self.admin.login)
        for method, args in (("search_read", [[]]), ("read", [[seal.id], ["private_key_pem"]])):
            with self.subTest(rpc=method):
                response = self.url_open(
                    f"/web/dataset/call_kw/auto_invoice.seal/{method}",
                    data=json.dumps(
                        {
                            "jsonrpc": "2.0",
                            "method": "call",
                            "params": {"model": "auto_invoice.seal", "method": method, "args": args, "kwargs": {}},
                        }
                    ),
                    headers={"Content-Type": "application/json"},
                )
                answer = response.json()
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
                self.assertNotIn(key_marker, response.text)
        response = self.url_open(f"/web/content/auto_invoice.seal/{seal.id}/private_key_pem")
        self.assertIn(response.status_code, (403, 404))
        self.assertNotIn(key_marker, response.text)

    # === The verification page === #

    def test_verification_page_tells_genuine_from_changed_and_foreign(self):
        self._sign_and_seal()
        certificate_sentence = (
            f"This is the certificate of acceptance {self.acceptance.name}: the quotation {self.order.name} that Ada "
            f"Lovelace accepted for Ada Customer on {self.acceptance._verification_date(self.acceptance.signed_on)}, "
            "issued by Brightline Studio; it has not been changed."
        )
        not_ours = "This file was not issued by us, or it was changed after it was issued."
        reference = self.acceptance.verification_ref
        typed = reference.replace("-", "").lower()
        other = self._create_quotation()
        cases = {
            "the signed quotation": ((self.document, None), 200, self._accepted_sentence()),
            "the certificate": ((self.certificate, None), 200, certificate_sentence),
            "a changed copy": ((one_byte_changed(self.document), None), 200, not_ours),
            "a foreign PDF": ((blank_pdf(), None), 200, not_ours),
            "not a PDF": ((b"GIF89a", None), 400, "This file is not a PDF"),
            "an empty file": ((b"", None), 400, "This file is empty"),
            "a 25 MB PDF": ((b"%PDF-1.7\n" + (b"0" * 99 + b"\n") * (250 * 1024), None), 413, "This file is over 20 MB"),
            "a 25 MB blob": ((b"%PDF-1.7\n" + b"0" * (25 * 1024 * 1024), None), 413, "This file is over 20 MB"),
            "an empty form": ((None, ""), 400, "Choose the PDF file to check"),
            "a guessed reference": ((None, "K7QM-3XPA-9RTD-WZ2E-HB4N"), 404, "No document has this reference"),
            "an order number": ((None, other.name), 404, "No document has this reference"),
            "the reference, typed": ((None, typed), 200, f"This reference is that of the quotation {self.order.name}"),
        }
        for case, ((data, typed_reference), status, sentence) in cases.items():
            with self.subTest(case=case):
                answer_status, verdict = self._check(data, typed_reference)
                self.assertEqual(answer_status, status)
                self.assertIn(sentence, verdict)
                self.assertNotIn(other.name, verdict, "never another document's data")
        status, verdict = self._check(url=f"/verify/{reference}")
        self.assertEqual(status, 200, "the certificate's QR code opens the page on its reference")
        self.assertIn(f"the quotation {self.order.name} that Ada Lovelace accepted", verdict)

    def test_verification_page_is_rate_limited_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param(RATE_LIMIT_PARAM, "3")
        for _attempt in range(3):
            self.assertEqual(self._check(reference="K7QM-3XPA-9RTD-WZ2E-HB4N")[0], 404)
        status, verdict = self._check(blank_pdf())
        self.assertEqual(status, 429)
        self.assertIn("You have checked many documents in a short time", verdict)
        self.env["auto_invoice.verification.check"].sudo().search([]).checked_at = fields.Datetime.now() - (
            datetime.timedelta(minutes=2)
        )
        self.assertEqual(self._check(blank_pdf())[0], 200, "a minute later, the address may check again")

    def test_rate_limit_counts_an_ipv6_subscriber_once_and_asks_for_proxy_mode(self):
        self.env["ir.config_parameter"].sudo().set_param(RATE_LIMIT_PARAM, "3")
        checks = self.env["auto_invoice.verification.check"]
        for suffix in ("1", "2", "3"):
            self.assertTrue(checks._allow(f"2001:db8:1:2::{suffix}"))
        self.assertFalse(checks._allow("2001:db8:1:2:ffff::9"), "a rotated address of the same /64: the same client")
        self.assertTrue(checks._allow("2001:db8:1:3::1"), "another /64: another subscriber")
        self.assertTrue(checks._allow("192.0.2.1"))
        self.assertEqual(checks._client_key("::ffff:192.0.2.1"), "192.0.2.1")
        # Behind a reverse proxy without proxy_mode, every visitor has the proxy's address: the log says what to do.
        with (
            patch.object(verification_check, "_PROXY_WARNED", set()),
            self.assertLogs(verification_check.__name__, "WARNING") as logs,
        ):
            self._check(reference="K7QM-3XPA-9RTD-WZ2E-HB4N", headers={"X-Forwarded-For": "203.0.113.9"})
        self.assertIn("--proxy-mode", logs.output[0])

    def test_verification_page_speaks_the_visitors_language(self):
        self.env["res.lang"]._activate_lang("ro_RO")
        self.env["ir.module.module"]._load_module_terms(["auto_invoice"], ["ro_RO"], overwrite=True)
        status, verdict = self._check(blank_pdf(), url="/ro/verify")
        self.assertEqual(status, 200)
        self.assertEqual(verdict, "Acest fișier nu a fost emis de noi sau a fost modificat după emitere.")
        page = self.url_open("/ro/verify").text
        self.assertIn("Verificați un document", page)

    def test_acceptances_recorded_before_get_a_reference_each_at_upgrade(self):
        self.company.auto_invoice_seal = False
        orders = self._create_quotation() | self._create_quotation()
        for order in orders:
            self._sign_in_backend(order)
        acceptances = orders.acceptance_ids
        self.env.cr.execute(
            "UPDATE sale_order_acceptance SET verification_ref = NULL WHERE id IN %s", [acceptances._ids]
        )
        script = load_script("auto_invoice/migrations/19.0.1.6.0/pre-migration.py", "auto_invoice_migration_19_0_1_6_0")
        script.migrate(self.env.cr, "19.0.1.5.0")
        acceptances.invalidate_recordset(["verification_ref"])
        references = acceptances.mapped("verification_ref")
        self.assertEqual(len(set(references)), 2, "one reference each, not one default for all")
        for reference in references:
            self.assertEqual(normalize_verification_reference(reference), reference)
