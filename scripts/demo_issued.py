"""The demo's steps on the files the customer holds (make demo): the quotation they were emailed and the signed order
of their confirmation email are recognised by the public page, and an invoice re-issued after a correction leaves its
first copy recognised as an earlier one. Also what reads a PDF as its reader would: its text layer (pdftotext), its seal
(pdfsig, pyHanko)."""

import io
import logging
import os
import subprocess
import sys
import tempfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from odoo_client import OdooError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "auto_invoice" / "tests"))
from timestamp_authority import LocalTimestampAuthority  # noqa: E402 - the tests' own stand-in, no Odoo import

# The demo's seal is self-signed: pyHanko's validator finds no trust path for it and logs why with a traceback. The
# verdict below says what a reader needs (intact, whole file, the timestamp); the traceback would only alarm.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)


def start_timestamp_authority(client, company_id):
    """A local RFC 3161 timestamp authority for the demo's company (the tests' stand-in, its own key): every seal of
    the demo carries its timestamp, as Settings > Sales > Timestamp Authority makes it."""
    authority = LocalTimestampAuthority().start()
    client.rpc("res.company", "write", [company_id], {"auto_invoice_timestamp_url": authority.url})
    return authority


def timestamp_verdict(data, authority):
    """What pyHanko's validator says of the file's seal and its timestamp: who stamped it, when, and whether the
    token is intact and matches the signature."""
    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    if not signatures:
        return "no seal"
    status = validate_pdf_signature(
        signatures[-1], ts_validation_context=ValidationContext(trust_roots=[authority.certificate])
    )
    stamp = status.timestamp_validity
    seal = f"seal intact: {status.intact}, covers {status.coverage.name.lower().replace('_', ' ')}"
    if stamp is None:
        return f"{seal}; no timestamp"
    return (
        f"{seal}; timestamp by '{stamp.signing_cert.subject.native['common_name']}' at "
        f"{stamp.timestamp.isoformat(timespec='seconds')}, its token intact and matching the signature: "
        f"{stamp.intact and stamp.valid}"
    )


class IssuedFileSteps:
    """Steps of demo.Demo (they use its clients, mail sink, invoice, verify() and log)."""

    def check_held_files(self):
        """The page's answer for the quotation PDF of the quotation email and the order PDF of the confirmation: both
        are files we issued (the second is the sealed signed copy)."""
        for what, eml in (("quotation email", "quotation.eml"), ("confirmation email", "confirmation.eml")):
            path = self.out / eml
            if not path.exists():
                continue
            pdfs = self.pdfs_of(path)
            if not pdfs:
                raise OdooError(f"the {what} carries no PDF")
            # the confirmation's order PDF, not the certificate beside it
            name, content = next((pdf for pdf in pdfs if "ertifica" not in (pdf[0] or "")), pdfs[0])
            verdict = self.verify(content)
            if "not issued by us" in verdict:
                raise OdooError(f"the page does not know {name} of the {what}: {verdict}")
            self.log(f"d5. {self.client.url}/verify with {name} of the {what}: {verdict}")

    def pdfs_of(self, path):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        return [
            (part.get_filename(), part.get_content())
            for part in message.iter_attachments()
            if part.get_content_type() == "application/pdf"
        ]

    def reissue_invoice(self):
        """An accountant resets the sent invoice to draft (a correction), the salesperson confirms and sends it again:
        the page answers the first copy, which the customer keeps, as an earlier copy, and the new one as current."""
        name = self.invoice["name"]
        first_copy = next(content for _name, content in self.pdfs_of(self.out / "invoice.eml"))
        self.rpc("account.move", "button_draft", [self.invoice_id])
        self.sales.rpc("account.move", "action_auto_invoice_send", [self.invoice_id])
        file_name = name.replace("/", "_")

        def is_second_copy(message):
            return any(
                file_name in (part.get_filename() or "") and part.get_content() != first_copy
                for part in message.iter_attachments()
            )

        path, message = self.mail.wait_for(is_second_copy, f"the re-issued invoice {name}", flush=False)
        (self.out / "invoice_reissued.eml").write_bytes(path.read_bytes())
        second = next(content for _name, content in self.pdfs_of(path))
        earlier, current = self.verify(first_copy), self.verify(second)
        if "earlier copy" not in earlier:
            raise OdooError(f"the page does not say the first copy of {name} is an earlier one: {earlier}")
        self.log(
            f"h. invoice {name} reset to draft by the accountant and sent again by {self.names.salesperson} "
            f"(saved {os.path.relpath(self.out / 'invoice_reissued.eml')}); the page on the first copy: {earlier}; "
            f"on the second: {current}"
        )


def check_pdf(data, what, needles):
    """Check that a PDF's text layer (pdftotext, no OCR) holds each of needles."""
    if not data.startswith(b"%PDF"):
        raise OdooError(f"{what} is not a PDF (starts with {data[:20]!r})")
    text = pdf_text(data)
    missing = [needle for needle in needles if needle not in text]
    if missing:
        raise OdooError(f"{what}: {missing} not found in the PDF's text layer (pdftotext)")


def seal_verdict(data):
    """What poppler's pdfsig says of the PDF's seal, as a PDF reader does: its validation, its coverage, its signer."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        out = subprocess.run(["pdfsig", file.name], capture_output=True, text=True, check=False).stdout
    lines = [line.strip(" -") for line in out.splitlines()]
    wanted = ("Signature Validation:", "Total document signed", "Signer Certificate Common Name:")
    said = [line for line in lines if line.startswith(wanted)]
    return "; ".join(said) or "not sealed"


def changed(data):
    """A copy of the PDF with one letter of its producer's name changed."""
    index = data.index(b"/Producer (") + len(b"/Producer (")
    return data[:index] + (b"X" if data[index : index + 1] != b"X" else b"Y") + data[index + 1 :]


def pdf_text(data):
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return text.decode(errors="replace").replace("\xa0", " ").replace("\u202f", " ")
