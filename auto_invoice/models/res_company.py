import functools
import logging
import subprocess
from urllib.parse import urlparse

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import is_html_empty, str2bool
from odoo.tools.misc import find_in_path

from ..owned_context import owned_value
from ..sentence import sentence
from .account_move_review import BILLING_GROUP
from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES
from .sale_order_reminder import REMINDER_CADENCE_RULE

_logger = logging.getLogger(__name__)

# System parameter: whether the server's wkhtmltopdf is built on patched Qt ("True"/"False"); unset, the engine says.
PATCHED_QT_PARAM = "auto_invoice.wkhtmltopdf_patched_qt"
# Context key of the tests that render the other engine's branch (an owned value: never a report URL's ?context=).
PATCHED_QT_KEY = "auto_invoice_patched_qt"
# The fonts of the document layout (res.company.font) whose files in Odoo (web/static/fonts) lack letters of Latin
# Extended-A or B, such as Romanian ă ș ț: the branded documents print in DejaVu Sans instead.
FONTS_WITHOUT_LATIN_EXTENDED = {"Lato", "Tajawal"}


@functools.lru_cache(1)
def wkhtmltopdf_says_patched_qt():
    """Whether the wkhtmltopdf on Odoo's search path says "(with patched qt)" of itself, once per process."""
    try:
        version = subprocess.run(
            [find_in_path("wkhtmltopdf"), "--version"], capture_output=True, timeout=30, check=False
        ).stdout
    except Exception:  # noqa: BLE001 - no engine, or one that does not run: not the patched build
        _logger.info("wkhtmltopdf did not say which build it is: taken for one on unpatched Qt", exc_info=True)
        return False
    return b"(with patched qt)" in version


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "auto_invoice.policy.mixin"]

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        default=True,
        help="Create a draft invoice as soon as a customer signs a quotation.",
    )
    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES,
        string="Invoice at Signature",
        default="full",
        required=True,
        help="What the invoice created at the customer's signature bills: the whole quotation, or a deposit that "
        "Odoo's down-payment lines deduct from the final invoice.",
    )
    auto_invoice_deposit_percentage = fields.Float(string="Deposit (%)", default=30.0)
    auto_invoice_deposit_amount = fields.Monetary(string="Deposit Amount", currency_field="currency_id")
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES,
        string="After Creating the Invoice",
        default="draft",
        required=True,
        help="Keep the invoice as a draft for a person to review (then Confirm & Send), post it, or post and send it "
        "to the customer with their usual sending method.",
    )

    # Who reviews the invoices made at signature (account_move_review.py)
    auto_invoice_review_by = fields.Selection(
        selection=[("salesperson", "The salesperson"), ("reviewer", "A billing user")],
        string="Invoices Reviewed By",
        default="salesperson",
        required=True,
        help='Who gets the "Review and send" activity of an invoice kept as a draft: the quotation\'s salesperson '
        "(when they may send invoices: billing rights, or the option that lets salespeople send the invoices of their "
        "signed quotations), or the billing user named here. A salesperson who cannot send invoices is never asked: "
        "the billing user named here is, and the salesperson is told.",
    )
    auto_invoice_reviewer_id = fields.Many2one(
        comodel_name="res.users",
        string="Invoice Reviewer",
        domain=lambda self: [("share", "=", False), ("all_group_ids", "in", self.env.ref(BILLING_GROUP).ids)],
        help="The billing user who reviews and sends the invoices made at signature that their salesperson cannot.",
    )

    # Reminders of unsigned quotations
    sign_reminder_first_days = fields.Integer(
        string="First Reminder After (Days)",
        default=3,
        help="Days between sending a quotation and the first reminder to sign it.",
    )
    sign_reminder_interval_days = fields.Integer(
        string="Reminder Interval (Days)",
        default=7,
        help="Days between two reminders.",
    )
    sign_reminder_max_count = fields.Integer(
        string="Reminders at Most",
        default=2,
        help="How many reminders a quotation gets at most; 0 sends none.",
    )

    _sign_reminder_cadence_valid = models.Constraint(*REMINDER_CADENCE_RULE)

    # Signers confirm their email address with a code (sale_order_signer_verification.py)
    auto_invoice_verify_signer_email = fields.Boolean(
        string="Verify Signers by Email",
        help="Before a signer of a quotation signs from their link, they type a six-digit code emailed to their "
        "address (valid 10 minutes, 5 tries): the evidence of their signature says their address was confirmed. Off: "
        "the link alone lets its signer sign.",
    )

    # === Branded invoice and emails === #

    auto_invoice_report_design = fields.Selection(
        selection=[
            ("standard", "Odoo's standard design"),
            ("auto_invoice", "Branded (Invoice on Signature)"),
        ],
        string="Quotation and Invoice Design",
        default="standard",
        required=True,
        help="The design of the quotation the customer signs and of the customer invoice PDFs: printed, attached to "
        "their emails, shown on the customer portal. Where the company's localisation prints an invoice of its own "
        "(the legal invoice of Argentina, Australia or India, for example), invoices keep that one.",
    )
    auto_invoice_invoice_intro = fields.Html(
        string="Invoice Introduction",
        translate=True,
        help="Printed above the lines of the branded invoice that bills a quotation at once, in the customer's "
        "language.",
    )
    auto_invoice_invoice_intro_deposit = fields.Html(
        string="Deposit Invoice Introduction",
        translate=True,
        help="Printed above the lines of the branded deposit (down payment) invoice, in the customer's language.",
    )
    auto_invoice_invoice_intro_final = fields.Html(
        string="Final Invoice Introduction",
        translate=True,
        help="Printed above the lines of the branded invoice that deducts the deposits, in the customer's language.",
    )
    auto_invoice_invoice_closing = fields.Html(
        string="Invoice Closing Text",
        translate=True,
        help="Printed below the payment instructions of the branded invoice, in the customer's language.",
    )

    @api.constrains("auto_invoice_reviewer_id")
    def _check_auto_invoice_reviewer(self):
        for company in self:
            reviewer = company.auto_invoice_reviewer_id
            if reviewer and not reviewer.has_group(BILLING_GROUP):
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot review invoices: only a user with billing rights can confirm and send them.",
                        user=reviewer.name,
                    )
                )

    def _auto_invoice_brand(self):
        """The colours and font of the branded invoice and emails, from the company's document layout.

        The font: wkhtmltopdf built on unpatched Qt (Debian's) draws web fonts as outlines, without a text layer, so
        there the documents use DejaVu Sans, a system font (Debian's fonts-dejavu-core) that stays text; a patched
        build keeps the company's font (by the family name of Odoo's report fonts) when it has every letter of Latin
        Extended-A and B (Romanian ș ț with a comma below): else one letter would print in the fallback's typeface.
        """
        self.ensure_one()
        primary = self._auto_invoice_colour(self.primary_color, "#1F3A5F")
        secondary = self._auto_invoice_colour(self.secondary_color, "#5B7DB1")
        red, green, blue = (int(primary[index : index + 2], 16) for index in (1, 3, 5))
        patched_qt = self._auto_invoice_engine_is_patched()
        font = "DejaVu Sans, sans-serif"
        if patched_qt and self.font and self.font not in FONTS_WITHOUT_LATIN_EXTENDED:
            font = f"{self.font}, {font}"
        return {
            "primary": primary,
            "secondary": secondary,
            # black or white, whichever reads better on the primary colour (its perceived luminance)
            "on_primary": "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#FFFFFF",
            "font": font,
            "patched_qt": patched_qt,
        }

    def _auto_invoice_footer_numbers(self, bank):
        """The company's numbers in the footer of its branded documents, each with its label, in the language of the
        environment: [(label, number)], such as [("Company ID", "0123.456.789"), ("IBAN", "BE71 ...")]."""
        self.ensure_one()
        numbers = self._auto_invoice_registration_numbers()
        if bank:
            numbers.append(("IBAN" if bank.acc_type == "iban" else self.env._("Bank account"), bank.acc_number))
        return numbers

    def _auto_invoice_registration_numbers(self):
        """The company's registration numbers that its documents print, labelled as its country names them, in the
        language of the environment: [(label, number)]. A localisation that has numbers of its own extends it."""
        self.ensure_one()
        if not self.company_registry:
            return []
        label = self.partner_id._get_company_registry_labels().get(self._auto_invoice_country_code())
        return [(label or self.env._("Company ID"), self.company_registry)]

    def _auto_invoice_country_code(self):
        """The code of the country whose rules the company's documents follow: its fiscal country, else its own."""
        self.ensure_one()
        return self.account_fiscal_country_id.code or self.country_id.code

    def _auto_invoice_customer_tz(self, partner):
        """The time zone in which this company's documents and emails state a time to `partner` (the signed
        quotation, the certificate, the invoice, the verification page, the emails): the partner's own, else its
        company's, else this company's (its address's time zone), else UTC. Every such time is named with it."""
        self.ensure_one()
        # The company's address is public on its documents; the reader may be the portal's public user.
        return partner.tz or partner.commercial_partner_id.tz or self.sudo().partner_id.tz or "UTC"

    def _auto_invoice_colour(self, value, default):
        """A #rrggbb colour safe in an inline style; `default` for anything else (empty, named, malformed)."""
        valid = value and len(value) == 7 and value[0] == "#"
        return value if valid and all(char in "0123456789abcdefABCDEF" for char in value[1:]) else default

    def _auto_invoice_engine_is_patched(self):
        """Whether wkhtmltopdf draws `--header-html`/`--footer-html` and web fonts as text (built on patched Qt).

        The system parameter `auto_invoice.wkhtmltopdf_patched_qt` ("True" or "False") says it where set; by default,
        the engine Odoo runs says it of itself, as Odoo reads it (`--version`)."""
        forced = owned_value(self.env, PATCHED_QT_KEY)  # lets a test render the other build's branch
        if forced is not None:
            return bool(forced)
        configured = self.env["ir.config_parameter"].sudo().get_param(PATCHED_QT_PARAM)
        if configured:
            return str2bool(configured, default=False)
        return wkhtmltopdf_says_patched_qt()

    # === Invoice email texts === #

    auto_invoice_email_text_full = fields.Html(
        string="Invoice Email: Whole Quotation",
        translate=True,
        help="What the invoice email says of an invoice that bills the whole signed quotation, in the customer's "
        "language. Placeholders: {invoice}, {order}, {amount}. Empty: the default text.",
    )
    auto_invoice_email_text_deposit = fields.Html(
        string="Invoice Email: Deposit",
        translate=True,
        help="What the invoice email says of a deposit (down payment) invoice, in the customer's language. "
        "Placeholders: {invoice}, {order}, {amount}. Empty: the default text.",
    )
    auto_invoice_email_text_final = fields.Html(
        string="Invoice Email: Rest After Deposits",
        translate=True,
        help="What the invoice email says of the final invoice, which bills the rest after the deposits, in the "
        "customer's language. Placeholders: {invoice}, {order}, {amount}. Empty: the default text.",
    )

    def _auto_invoice_email_text(self, kind):
        """The invoice email's sentence for a `kind` of invoice ("full", "deposit", "final"; see
        account.move._auto_invoice_billing_kind), in the environment's language: the company's text, else the
        default one. Its placeholders {invoice}, {order} and {amount} are left for the invoice to fill."""
        self.ensure_one()
        text = self[f"auto_invoice_email_text_{kind}"]
        if not is_html_empty(text):
            return text
        if kind == "deposit":
            default = self.env._(
                "Please find attached your invoice {invoice} for a deposit (down payment) of {amount} on the "
                "quotation {order} you signed. We will invoice the rest later, less this deposit."
            )
        elif kind == "final":
            default = self.env._(
                "Please find attached your invoice {invoice} of {amount}: the rest of the quotation {order} you "
                "signed, after the deposit already invoiced."
            )
        else:
            default = self.env._(
                "Thank you for your order. Please find attached your invoice {invoice} of {amount} for the quotation "
                "{order} you signed."
            )
        return Markup('<p style="margin: 0;">%s</p>') % default

    # === The company's seal === #

    auto_invoice_seal = fields.Boolean(
        string="Seal Signed Documents",
        help="Sign the signed quotation and the certificate of acceptance with the company's certificate: any PDF "
        "reader then says who issued them and that they have not been changed since.",
    )
    auto_invoice_seal_invoices = fields.Boolean(
        string="Seal Invoices",
        help="Also sign the PDF of every invoice created at a signature when it is sent.",
    )
    auto_invoice_timestamp_url = fields.Char(
        string="Timestamp Authority",
        help="The address of an RFC 3161 timestamp authority (http:// or https://): every seal then carries its "
        "timestamp, which proves when the document was sealed without trusting this server's clock, and still checks "
        "out once the company's certificate has expired. Empty: no timestamp.",
    )
    auto_invoice_seal_description = fields.Char(
        string="Seal Certificate",
        compute="_compute_auto_invoice_seal_description",
        help="The certificate the company seals with: its subject, whether it is self-signed, and its validity.",
    )

    def _compute_auto_invoice_seal_description(self):
        for company in self:
            seal = company._auto_invoice_seal_sudo()
            if not seal:
                company.auto_invoice_seal_description = self.env._("No certificate yet")
                continue
            values = {
                "subject": seal.subject,
                "start": fields.Date.to_string(seal.valid_from.date()),
                "end": fields.Date.to_string(seal.valid_until.date()),
            }
            if seal._is_expired():
                text = self.env._("%(subject)s: expired on %(end)s", **values)
            elif seal.self_signed:
                text = self.env._("%(subject)s, self-signed: valid from %(start)s to %(end)s", **values)
            else:
                text = self.env._("%(subject)s: valid from %(start)s to %(end)s", **values)
            company.auto_invoice_seal_description = text

    def _auto_invoice_seal_sudo(self):
        """The company's seal, in sudo (no user reads it: see auto_invoice.seal)."""
        self.ensure_one()
        return self.env["auto_invoice.seal"].sudo().search([("company_id", "=", self.id)], limit=1)

    def _auto_invoice_set_seal(self, values):
        """Replace the company's seal by one of `values` (auto_invoice.seal._values_from_*); administrators only."""
        self._auto_invoice_check_seal_rights()
        self._auto_invoice_seal_sudo().unlink()
        seal = self.env["auto_invoice.seal"].sudo().create({**values, "company_id": self.id})
        self.auto_invoice_seal = True
        return seal

    def _auto_invoice_generate_seal(self):
        """A self-signed certificate for the company, which then seals its documents."""
        self._auto_invoice_check_seal_rights()
        return self._auto_invoice_set_seal(self.env["auto_invoice.seal"]._self_signed_values(self.sudo()))

    def _auto_invoice_check_seal_rights(self):
        """An administrator of this company may replace its seal; anyone else gets an AccessError."""
        self.ensure_one()
        self.env["auto_invoice.seal"]._check_manager()
        if not self.env.su and self not in self.env.user.company_ids:
            raise AccessError(
                sentence(self.env._("You may not change the seal of %(company)s.", company=self.sudo().name))
            )

    @api.constrains("auto_invoice_timestamp_url")
    def _check_auto_invoice_timestamp_url(self):
        for company in self.filtered("auto_invoice_timestamp_url"):
            url = urlparse(company.auto_invoice_timestamp_url.strip())
            if url.scheme not in ("http", "https") or not url.netloc:
                raise ValidationError(
                    self.env._("The timestamp authority's address must start with http:// or https://.")
                )

    def _auto_invoice_seal_pdf(self, pdf):
        """`pdf` sealed by the company: (sealed bytes, None); (sealed bytes, why it carries no timestamp); or (None, why
        it is not sealed), for a person to read.

        Never raises: a document the seal cannot sign goes out unsealed."""
        self.ensure_one()
        seal = self._auto_invoice_seal_sudo()
        if not seal:
            return None, self.env._(
                "%(company)s has no certificate to seal its documents: upload one or generate one in Settings.",
                company=self.name,
            )
        if seal._is_expired():
            return None, self.env._(
                "The certificate that seals the documents of %(company)s expired on %(date)s: upload a valid one in "
                "Settings.",
                company=self.name,
                date=fields.Date.to_string(seal.valid_until.date()),
            )
        sealed, timestamp_problem = seal._seal(pdf, (self.sudo().auto_invoice_timestamp_url or "").strip() or None)
        if not sealed:
            return None, self.env._(
                "This server could not seal the document (the seal needs pyHanko, which make setup installs): see the "
                "server's log."
            )
        return sealed, timestamp_problem
