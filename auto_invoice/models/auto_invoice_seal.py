import datetime
import io
import logging

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

try:  # requirements-seal.txt; without it the company's documents go out unsealed, and the salesperson is told why
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields as signature_fields
    from pyhanko.sign import signers, timestamps
    from pyhanko_certvalidator.registry import SimpleCertificateStore
except ImportError:
    signers = None

_logger = logging.getLogger(__name__)

SELF_SIGNED_YEARS = 3
SELF_SIGNED_KEY_SIZE = 2048
PKCS12_MAX_BYTES = 1024 * 1024  # a certificate with its chain is a few kilobytes
# How long a seal waits for the timestamp authority (seconds) before it seals without its timestamp: the signature
# waits for nothing longer than this. The system parameter changes it.
TIMESTAMP_TIMEOUT_PARAM = "auto_invoice.timestamp_timeout"
TIMESTAMP_TIMEOUT = 10


def signer_available():
    """Whether this server can seal: pyHanko (PAdES signatures and RFC 3161 timestamps) is installed."""
    return signers is not None


def utc_validity(certificate):
    """The certificate's validity as naive UTC datetimes (cryptography 42 names them *_utc; older ones are naive)."""
    if hasattr(certificate, "not_valid_after_utc"):
        return (
            certificate.not_valid_before_utc.replace(tzinfo=None),
            certificate.not_valid_after_utc.replace(tzinfo=None),
        )
    return certificate.not_valid_before, certificate.not_valid_after


class AutoInvoiceSeal(models.Model):
    """The certificate and private key a company seals its documents with: the signed quotation, the certificate of
    acceptance and, if it chooses, its invoices (a PKCS#7 signature any PDF reader checks).

    No access right for any group (security/ir.model.access.csv has none): only the code that seals reads it, in sudo;
    Settings show its public part (res.company.auto_invoice_seal_description) and replace it through res.company.
    """

    _name = "auto_invoice.seal"
    _description = "Company Seal"
    _rec_name = "subject"

    company_id = fields.Many2one(comodel_name="res.company", required=True, ondelete="cascade", index=True)
    private_key_pem = fields.Text(string="Private Key (PEM)", required=True, prefetch=False, copy=False)
    certificate_pem = fields.Text(string="Certificate (PEM)", required=True, copy=False)
    chain_pem = fields.Text(
        string="Certificate Chain (PEM)", copy=False, help="The issuers of the certificate, embedded in every seal."
    )
    subject = fields.Char(readonly=True)
    issuer = fields.Char(readonly=True)
    fingerprint = fields.Char(string="SHA-256 Fingerprint", readonly=True)
    valid_from = fields.Datetime(readonly=True)
    valid_until = fields.Datetime(readonly=True)
    self_signed = fields.Boolean(string="Self-Signed", readonly=True)

    _one_per_company = models.UniqueIndex("(company_id)", "A company has one seal.")

    # === BUSINESS METHODS === #

    @api.model
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(self.env._("Only an administrator may change the company's seal."))

    @api.model
    def _values_from_pkcs12(self, data, password):
        """The fields of a seal read from a PKCS#12 file and its password; a clear error for what cannot seal.

        :param bytes data: the .p12/.pfx file
        :param str password: its password (empty: none)
        """
        if not data:
            raise UserError(self.env._("Choose a certificate file (.p12 or .pfx)."))
        if len(data) > PKCS12_MAX_BYTES:
            raise UserError(self.env._("This file is too large to be a certificate (.p12 or .pfx)."))
        try:
            asn1_pkcs12.Pfx.load(data).native  # noqa: B018 - parses the whole structure, or raises
        except Exception:  # noqa: BLE001 - asn1crypto raises ValueError, TypeError and others on foreign bytes
            raise UserError(self.env._("This file is not a PKCS#12 certificate (.p12 or .pfx).")) from None
        try:
            key, certificate, chain = pkcs12.load_key_and_certificates(data, (password or "").encode() or None)
        except ValueError:
            raise UserError(
                self.env._("The password does not open this certificate: check it and try again.")
            ) from None
        if key is None:
            raise UserError(
                self.env._("This file holds the certificate without its private key: export it with its private key.")
            )
        if certificate is None:
            raise UserError(self.env._("This file holds no certificate: export the certificate with its private key."))
        values = self._values_from_key_and_certificate(key, certificate)
        values["chain_pem"] = "".join(
            issuer.public_bytes(serialization.Encoding.PEM).decode() for issuer in chain or () if issuer != certificate
        )
        return values

    @api.model
    def _values_from_key_and_certificate(self, key, certificate):
        if not isinstance(key, rsa.RSAPrivateKey):
            raise UserError(self.env._("The seal needs a certificate with an RSA key: this one has another kind."))
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():
            raise UserError(self.env._("The private key in this file is not the certificate's."))
        valid_from, valid_until = utc_validity(certificate)
        now = fields.Datetime.now()
        if valid_until < now:
            raise UserError(
                self.env._("This certificate expired on %(date)s: upload a valid one.", date=valid_until.date())
            )
        if valid_from > now:
            raise UserError(
                self.env._("This certificate is valid only from %(date)s: upload a valid one.", date=valid_from.date())
            )
        return {
            "private_key_pem": key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            "certificate_pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
            "subject": certificate.subject.rfc4514_string(),
            "issuer": certificate.issuer.rfc4514_string(),
            "fingerprint": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "self_signed": certificate.issuer == certificate.subject,
        }

    @api.model
    def _self_signed_values(self, company):
        """A new RSA key and a certificate for it, issued by `company` to itself: its name and VAT in the subject,
        valid SELF_SIGNED_YEARS years from now."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=SELF_SIGNED_KEY_SIZE)
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, company.name[:64])]
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, company.name[:64]))
        if company.vat:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, company.vat[:64]))
        if company.country_id.code:
            attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, company.country_id.code))
        name = x509.Name(attributes)
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))  # a server clock a little behind the signer's
            .not_valid_after(now.replace(year=now.year + SELF_SIGNED_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return self._values_from_key_and_certificate(key, certificate)

    def _private_key(self):
        self.ensure_one()
        return serialization.load_pem_private_key(self.sudo().private_key_pem.encode(), None)

    def _certificate(self):
        self.ensure_one()
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    def _is_expired(self):
        self.ensure_one()
        return self.valid_until < fields.Datetime.now()

    def _chain(self):
        self.ensure_one()
        return x509.load_pem_x509_certificates(self.chain_pem.encode()) if self.chain_pem else []

    def _timestamp_timeout(self):
        value = self.env["ir.config_parameter"].sudo().get_param(TIMESTAMP_TIMEOUT_PARAM)
        try:
            return max(1.0, float(value)) if value else TIMESTAMP_TIMEOUT
        except ValueError:
            return TIMESTAMP_TIMEOUT

    def _seal(self, pdf, timestamp_url=None):
        """`pdf` sealed with this seal (PAdES, over the whole file, the certificate and its chain embedded), with a
        timestamp of the authority at `timestamp_url` over the signature (PAdES B-T) if the company names one.

        An authority that is down, slow (TIMESTAMP_TIMEOUT) or answers garbage never loses the seal: the document is
        sealed without the timestamp, and the reason is returned for a person to read.

        :return: (the sealed bytes, or None when this server cannot seal; why the seal has no timestamp, or None)
        """
        self.ensure_one()
        if not signer_available():
            return None, None
        timestamper = None
        if timestamp_url:
            timestamper = timestamps.HTTPTimeStamper(timestamp_url, timeout=self._timestamp_timeout())
            try:
                return self._sign(pdf, timestamper), None
            except Exception as error:  # noqa: BLE001 - whatever the authority did, the document is sealed anyway
                _logger.warning("Seal of %s: no timestamp from %s: %s", self.company_id.name, timestamp_url, error)
                problem = self.env._(
                    "The timestamp authority %(url)s gave no timestamp (%(error)s): the document is sealed without "
                    "one.",
                    url=timestamp_url,
                    error=str(error)[:200] or type(error).__name__,
                )
        else:
            problem = None
        try:
            return self._sign(pdf, None), problem
        except Exception:  # noqa: BLE001 - a document that cannot be sealed goes out unsealed, never lost
            _logger.warning("Seal of %s: the document could not be signed", self.company_id.name, exc_info=True)
            return None, None

    def _sign(self, pdf, timestamper):
        """`pdf` signed by pyHanko with this seal's key, an incremental update that covers the whole file."""
        seal = self.sudo()
        key = seal._private_key().private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        certificates = [
            asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
            for certificate in [seal._certificate(), *seal._chain()]
        ]
        signer = signers.SimpleSigner(
            signing_cert=certificates[0],
            signing_key=asn1_keys.PrivateKeyInfo.load(key),
            cert_registry=SimpleCertificateStore.from_certs(certificates),
        )
        # A field name is a path in PDF: the company's periods (Inc., S.A.) would split it.
        name = self.env._("Seal of %(company)s", company=seal.company_id.name).replace(".", "")
        metadata = signers.PdfSignatureMetadata(
            field_name=name,
            md_algorithm="sha256",
            subfilter=signature_fields.SigSeedSubFilter.PADES,
            name=seal.company_id.name,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper).getvalue()
