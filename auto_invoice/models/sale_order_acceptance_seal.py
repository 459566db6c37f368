import base64
import re
import secrets

import pytz

from odoo import api, fields, models
from odoo.tools.image import image_data_uri
from odoo.tools.misc import format_date

from ..sentence import sentence
from .auto_invoice_seal import signer_available

# The verification reference printed on the certificate: 20 characters of Crockford's base32 (no I, L, O or U to
# misread), in groups of four: 100 random bits, not derived from anything a visitor knows.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 20
# What a person may type for a character of the alphabet
REFERENCE_READINGS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _grouped(code):
    return "-".join(code[index : index + 4] for index in range(0, REFERENCE_LENGTH, 4))


def new_verification_reference():
    return _grouped("".join(secrets.choice(REFERENCE_ALPHABET) for _index in range(REFERENCE_LENGTH)))


def earlier_revision_ends(data, limit=20):
    """Where the earlier revisions of the PDF `data` end (at most the last `limit`): after each end-of-file marker
    but the last, with its end of line (a revision ends there, and an incremental update starts after it)."""
    ends = []
    for match in re.finditer(rb"%%EOF(\r\n|\r|\n)?", data):
        if match.end() < len(data):
            ends.append(match.end())
            if match.end(1) > match.start(1) >= 0:
                ends.append(match.start(1))  # without its end of line, as some writers end a file
    return ends[-limit:]


def normalize_verification_reference(text):
    """The reference `text` stands for, as stored ("K7QM-3XPA-…"), or None: typed in any case, with or without
    dashes or spaces, O for 0 and I or L for 1."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    code = "".join(char for char in text.upper().translate(REFERENCE_READINGS) if char.isalnum())
    if len(code) != REFERENCE_LENGTH or any(char not in REFERENCE_ALPHABET for char in code):
        return None
    return _grouped(code)


class SaleOrderAcceptance(models.Model):
    """The company's seal on the acceptance's documents, and what the public verification page says of them."""

    _inherit = "sale.order.acceptance"  # pylint: disable=consider-merging-classes-inherited

    verification_ref = fields.Char(
        string="Verification Reference",
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: new_verification_reference(),
        help="Printed on the certificate: anyone checks the acceptance with it on the public verification page.",
    )
    certificate_sha256 = fields.Char(
        string="Certificate SHA-256",
        compute="_compute_issued_sha256",
        compute_sudo=True,
        help="The SHA-256 of the certificate's PDF, as the register of issued files keeps it.",
    )

    _verification_ref_unique = models.UniqueIndex("(verification_ref)")

    # === COMPUTE METHODS === #

    @api.depends("document_id", "certificate_id")
    def _compute_issued_sha256(self):
        files = self.env["auto_invoice.issued.file"].sudo().search([("acceptance_id", "in", self.ids)], order="id")
        for acceptance in self:
            issued = files.filtered(lambda row, acceptance=acceptance: row.acceptance_id == acceptance)
            acceptance.document_sha256 = issued.filtered(lambda row: row.kind == "signed_quotation")[:1].sha256
            acceptance.certificate_sha256 = issued.filtered(lambda row: row.kind == "certificate")[:1].sha256

    def _auto_invoice_issued_values(self, kind):
        """The register's fields naming this acceptance as the document of an issued file of `kind`."""
        self.ensure_one()
        return {
            "acceptance_id": self.id,
            "order_id": self.order_id.id,
            "document_name": self.name if kind == "certificate" else self.order_id.name,
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
        }

    # === The seal === #

    def _seal_document(self, pdf):
        """`pdf` sealed by the company when it seals its documents; else, or when the seal cannot sign (no certificate,
        an expired one), `pdf` itself: the salesperson gets an activity saying why, and the document goes out. A seal
        without its timestamp (the authority down, slow, answering garbage) goes out too, and the activity says so."""
        self.ensure_one()
        company = self.sudo().company_id
        if not company.auto_invoice_seal:
            return pdf
        sealed, problem = company._auto_invoice_seal_pdf(pdf)
        if problem:
            self._warn_unsealed(problem, stamped=False if sealed else None)
        return sealed or pdf

    def _warn_unsealed(self, problem, stamped=None):
        """Once per acceptance: the salesperson reads on the order that its documents went out unsealed (or, with
        `stamped` False, sealed without their timestamp), and why."""
        order = self.sudo().order_id
        if stamped is False:
            summary = self.env._("Documents sealed without a timestamp")
        else:
            summary = self.env._("Documents sent unsealed")
        if order.activity_ids.filtered(lambda activity: activity.summary == summary):
            return
        responsible = order._auto_invoice_responsible()
        note = (
            self.env._(
                "The documents of acceptance %(reference)s carry no timestamp: %(problem)s",
                reference=self.sudo().name,
                problem=problem,
            )
            if stamped is False
            else self.env._(
                "The documents of acceptance %(reference)s were not sealed: %(problem)s",
                reference=self.sudo().name,
                problem=problem,
            )
        )
        self._schedule_for_salesperson(
            order,
            activity_type_id=self.env.ref("mail.mail_activity_data_todo").id,
            summary=summary,
            note=note,
            user_id=responsible.id or self.env.ref("base.user_admin").id,
        )

    def _seal_statement(self):
        """What the certificate says of the seal it is about to get: by whom, self-signed or not, the fingerprint a
        reader compares with the one their PDF reader shows; "" when the company does not seal (or cannot)."""
        self.ensure_one()
        company = self.sudo().company_id
        seal = company.auto_invoice_seal and company._auto_invoice_seal_sudo()
        if not seal or seal._is_expired() or not signer_available():
            return ""
        if seal.self_signed:
            return self.env._(
                "This file is sealed by %(company)s with its self-signed certificate (SHA-256 fingerprint "
                "%(fingerprint)s): a PDF reader shows it as signed, by a signer it does not know.",
                company=company.name,
                fingerprint=seal.fingerprint,
            )
        return self.env._(
            "This file is sealed by %(company)s with its certificate %(subject)s, issued by %(issuer)s (SHA-256 "
            "fingerprint %(fingerprint)s).",
            company=company.name,
            subject=seal.subject,
            issuer=seal.issuer,
            fingerprint=seal.fingerprint,
        )

    # === The verification page === #

    @api.model
    def _verify_file(self, data):
        """What the verification page says of the file `data`: (the sentences naming the document it is and what became
        of it, whether it stands as issued), or None for a file we did not issue (or changed since).

        A PDF reader that saves a note, a form filled in or a signature into a file appends an incremental update:
        the file we issued is still its first bytes, up to the end of a revision. Such a file is ours, with something
        added: the page says which document its revision is, and that something was added after it was issued."""
        if verdict := self._verify_sha256(self._sha256(data)):
            return verdict
        for end in earlier_revision_ends(data):
            if verdict := self._verify_sha256(self._sha256(data[:end])):
                added = self.env._(
                    "Something was added to this file after it was issued (a note, a form filled in or another "
                    "signature): the revision we issued is inside it, unchanged."
                )
                return f"{verdict[0]} {added}", False
        return None

    @api.model
    def _verify_sha256(self, sha256):
        """(the sentences naming the document whose file has this SHA-256 and what became of it, whether it is still
        the current file of a live document), or None."""
        issued = self.env["auto_invoice.issued.file"]._find(sha256)
        return (issued._verdict(), issued._is_live()) if issued else None

    @api.model
    def _verify_reference(self, text):
        """What the verification page says of the reference `text` printed on a certificate: (the sentences, whether
        the acceptance stands), or None."""
        reference = normalize_verification_reference(text)
        acceptance = reference and self.sudo().search([("verification_ref", "=", reference)], limit=1)
        if not acceptance:
            return None
        said = self.env._(
            "This reference is that of the quotation %(order)s that %(signer)s accepted for %(customer)s on "
            "%(date)s, issued by %(company)s.",
            **acceptance._verification_facts(),
        )
        return " ".join([sentence(said), *acceptance._verification_history()]), acceptance.state != "void"

    def _verification_history(self):
        """The sentences that say how this acceptance was recorded, when a salesperson recorded it, and whether it was
        withdrawn since: what its certificate and signed quotation cannot say of themselves."""
        self.ensure_one()
        acceptance = self.sudo()
        said = []
        recorder = acceptance.user_id.name
        if acceptance.channel == "offline":
            if acceptance.offline_method == "phone":
                said.append(
                    self.env._("This acceptance was recorded by %(user)s from a call with the customer.", user=recorder)
                )
            elif acceptance.offline_method == "email":
                said.append(
                    self.env._("This acceptance was recorded by %(user)s from the customer's email.", user=recorder)
                )
            else:
                said.append(
                    self.env._("This acceptance was recorded by %(user)s from a signed paper copy.", user=recorder)
                )
        elif acceptance.channel == "backend":
            said.append(self.env._("This acceptance was recorded by %(user)s in our system.", user=recorder))
        if acceptance.state == "void":
            withdrawn = (
                self.env["auto_invoice.issued.file"]
                .sudo()
                .search([("acceptance_id", "=", acceptance.id), ("state", "=", "withdrawn")], limit=1)
            )
            date = acceptance._verification_date(withdrawn.state_date or acceptance.write_date)
            if acceptance.order_id.acceptance_ids.filtered(lambda later: later.signed_on > acceptance.signed_on):
                said.append(
                    self.env._("This acceptance was withdrawn on %(date)s and replaced by a later one.", date=date)
                )
            else:
                said.append(self.env._("This acceptance was withdrawn on %(date)s.", date=date))
        return said

    def _verification_facts(self):
        """What the certificate itself says of this acceptance, in the environment's language."""
        self.ensure_one()
        acceptance = self.sudo()
        return {
            "order": acceptance.order_id.name,
            "signer": acceptance._accepted_by(),
            "customer": acceptance.partner_id.commercial_partner_id.name,
            "date": acceptance._verification_date(acceptance.accepted_on or acceptance.signed_on),
            "company": acceptance.company_id.name,
        }

    def _verification_date(self, value):
        """The date of a UTC datetime at the customer's time zone, as the certificate prints it, spelled out."""
        acceptance = self.sudo()
        tz = pytz.timezone(acceptance.company_id._auto_invoice_customer_tz(acceptance.partner_id))
        return format_date(self.env, pytz.utc.localize(value).astimezone(tz).date(), date_format="d MMMM y")

    def _verification_url(self):
        """The page that checks this acceptance's documents, its reference in the address."""
        self.ensure_one()
        return f"{self.sudo().order_id.get_base_url()}/verify/{self.sudo().verification_ref}"

    def _verification_qr_data_uri(self):
        """The verification address as a QR code, embedded in the certificate (no request to the server)."""
        barcode = self.env["ir.actions.report"].barcode("QR", self._verification_url(), width=240, height=240)
        return image_data_uri(base64.b64encode(barcode))
