import hashlib
import json
import unicodedata

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_list

from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES, POLICY_FIELDS

# What the system may still change once an acceptance exists: its outcome and the certificate rendered from it.
# Everything else is evidence.
MUTABLE_FIELDS = {"state", "error", "certificate_id"}
# The signed quotation's PDF: written once, when it is rendered (later than the signature in the queue addon's
# background mode), never replaced. Its hash, as the certificate's, is the register's (auto_invoice.issued.file).
DOCUMENT_FIELDS = {"document_id"}
SIGNER_NAME_MAX_LENGTH = 128
# The zero-width non-joiner and joiner belong to the spelling of names in Persian, the Indic scripts and others: a
# name may hold one between two letters; every other invisible or control character is refused.
NAME_JOINERS = {"\u200c", "\u200d"}
# The largest signature image an acceptance takes, from the portal's pad (a PNG of some kilobytes) or uploaded with an
# offline acceptance (a cropped scan): anything larger did not come from either.
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024


def _is_part_of_a_name(name, index):
    """Whether the character at `index` may be in a signer's name: not a control or invisible one (Unicode's C*
    categories), but for a joiner between two letters of its script."""
    char = name[index]
    if not unicodedata.category(char).startswith("C"):
        return True
    if char not in NAME_JOINERS or not 0 < index < len(name) - 1:
        return False
    return all(unicodedata.category(name[i])[0] in "LM" for i in (index - 1, index + 1))


class SaleOrderAcceptance(models.Model):
    """A customer's acceptance of a quotation: the evidence of the signature and what it produced.

    One record per acceptance, created by `sale.order._auto_invoice_record_acceptance()` and never edited afterwards
    (only its outcome, `state` and `error`, moves on), nor deleted. Resetting the order to a quotation voids it.
    """

    _name = "sale.order.acceptance"
    _description = "Quotation Acceptance"
    _order = "signed_on desc, id desc"
    _rec_name = "name"

    name = fields.Char(string="Reference", required=True, readonly=True, default="/", copy=False)
    order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Quotation",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",  # evidence outlives nothing: an accepted order cannot be deleted
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Customer",
        required=True,
        readonly=True,
        help="The order's customer when it was accepted.",
    )
    channel = fields.Selection(
        selection=[
            ("portal", "Customer Portal"),
            ("backend", "Backend"),
            ("api", "API"),
            ("offline", "Offline"),
        ],
        readonly=True,
        help="How the acceptance reached Odoo. Empty for acceptances recorded before this evidence existed.",
    )
    signer_name = fields.Char(string="Signed By", required=True, readonly=True)
    signer_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Signer",
        readonly=True,
        help="The portal user who signed, or the order's customer when the link's access token was used.",
    )
    signer_ids = fields.One2many(
        comodel_name="sale.order.signer",
        inverse_name="acceptance_id",
        string="Signatures",
        readonly=True,
        help="Every signature of a quotation signed by several people, each with its own evidence.",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Recorded By",
        readonly=True,
        help="The user whose session sent the acceptance (the public user for a signature through the emailed link).",
    )
    signed_on = fields.Datetime(required=True, readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    consent_text = fields.Text(readonly=True, help="The statement the signer saw next to the signature pad.")
    internal_note = fields.Text(
        readonly=True,
        help="What the salesperson noted when recording an offline acceptance: internal, not on the certificate.",
    )
    signature = fields.Image(readonly=True, attachment=True)  # no max size: the evidence is kept as signed
    document_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Signed Document",
        readonly=True,
        help="The PDF of the quotation as it was signed.",
    )
    document_sha256 = fields.Char(
        string="Document SHA-256",
        compute="_compute_issued_sha256",
        compute_sudo=True,
        help="The SHA-256 of the signed quotation's PDF, as the register of issued files keeps it.",
    )
    content_canonical = fields.Text(
        string="Signed Content",
        readonly=True,
        help="The canonical form of the priced content (see sale.order._auto_invoice_priced_content) that was signed.",
    )
    content_sha256 = fields.Char(string="Content SHA-256", readonly=True)
    auto_invoice = fields.Boolean(
        string="Invoice on Signature",
        readonly=True,
        help="Whether the acceptance was to produce an invoice.",
    )
    # The order's policies when it was signed: what this acceptance invoices, whatever changes afterwards.
    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES, string="Invoice at Signature", readonly=True, default="full"
    )
    auto_invoice_deposit_percentage = fields.Float(string="Deposit (%)", readonly=True)
    auto_invoice_deposit_amount = fields.Float(string="Deposit Amount", readonly=True, help="In the order's currency.")
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES, string="After Creating the Invoice", readonly=True, default="draft"
    )
    state = fields.Selection(
        selection=[
            ("pending", "Waiting for Confirmation"),
            ("done", "Done"),
            ("failed", "Invoice Failed"),
            ("void", "Void"),
        ],
        required=True,
        readonly=True,
        default="pending",
        index=True,
    )
    error = fields.Text(readonly=True)
    invoice_ids = fields.One2many(
        comodel_name="account.move",
        inverse_name="auto_invoice_acceptance_id",
        readonly=True,
    )
    certificate_id = fields.Many2one(comodel_name="ir.attachment", readonly=True)
    # Offline acceptances (sale.order.offline.acceptance): what the salesperson recorded; signed_on is when.
    accepted_on = fields.Datetime(
        string="Accepted On (UTC)",
        readonly=True,
        help="When the customer accepted, as recorded by the salesperson for an offline acceptance.",
    )
    offline_method = fields.Selection(
        selection=[("paper", "Signed on Paper"), ("phone", "By Phone"), ("email", "By Email")],
        string="Accepted",
        readonly=True,
        help="How the customer accepted an offline acceptance.",
    )

    # At most one live acceptance per order, whatever process inserts it.
    _one_live_per_order = models.UniqueIndex(
        "(order_id) WHERE state != 'void'",
        "This quotation has already been accepted.",
    )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        self.flush_model(["state"])  # a void written in this transaction must reach the unique index first
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("sale.order.acceptance") or "/"
        return super().create(vals_list)

    def write(self, vals):
        self.check_access("write")  # a user who may not write acceptances is told so, not that they are evidence
        mutable = MUTABLE_FIELDS if self.filtered("document_id") else MUTABLE_FIELDS | DOCUMENT_FIELDS
        if evidence := set(vals) - mutable:
            raise UserError(
                self.env._(
                    "An acceptance is evidence: it cannot be changed (%(fields)s).",
                    fields=", ".join(sorted(evidence)),
                )
            )
        res = super().write(vals)
        if vals.get("state") == "void":  # what we issued for it stays ours, and the page says it was withdrawn
            self.env["auto_invoice.issued.file"].sudo().search([("acceptance_id", "in", self.ids)])._mark("withdrawn")
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("An acceptance is evidence: it cannot be deleted."))

    # === ACTION METHODS === #

    def action_print_certificate(self):
        """The certificate as it was recorded; a clear message while it is still being prepared."""
        self.ensure_one()
        if not self.certificate_id:
            raise UserError(self._certificate_pending_message())
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.certificate_id.id}?download=true",
            "target": "download",
        }

    # === BUSINESS METHODS === #

    def _certificate_pending_message(self):
        return self.env._(
            "The certificate of acceptance %(reference)s is being prepared: try again in a moment.",
            reference=self.sudo().name,
        )

    def _accepted_by(self):
        """Who accepted for the customer, as our messages and documents say it: the customer's signers in order when
        several signed (not the company's countersigner, whose signature is the order's last), else the signer."""
        self.ensure_one()
        acceptance = self.sudo()
        signers = acceptance.signer_ids.filtered(lambda signer: not signer.is_countersigner)
        if not signers:
            return acceptance.signer_name
        signers = signers.sorted(lambda signer: (signer.sequence, signer.id))
        return format_list(self.env, signers.mapped("signed_by"))

    @api.model
    def _check_signer_name(self, name):
        """The signer's name, stripped; a clear error when it is not text, missing, too long or holds control
        characters."""
        if not isinstance(name, str | None):  # a JSON-RPC request may send a number, a list, an object
            raise ValidationError(self.env._("The signer's name must be text."))
        name = (name or "").strip()
        if not name:
            raise ValidationError(self.env._("Enter the name of the person who signs."))
        if len(name) > SIGNER_NAME_MAX_LENGTH:
            raise ValidationError(
                self.env._(
                    "The signer's name is too long (%(max)s characters at most).",
                    max=SIGNER_NAME_MAX_LENGTH,
                )
            )
        if any(not _is_part_of_a_name(name, index) for index in range(len(name))):
            raise ValidationError(self.env._("The signer's name contains invisible or control characters."))
        return name

    @api.model
    def _request_evidence(self, channel=None):
        """Who sends the acceptance and from where, read from the HTTP request itself.

        Call it in an environment of the request's user (`request.env` in a portal route, whose records are sudo'd
        as the superuser). Never read from the context: an RPC caller chooses its context. XML-RPC and JSON-RPC calls
        run outside their HTTP request in Odoo, so they are recorded as `api` without an address.

        :param str channel: the channel of the route that calls, which knows it (the portal's signing route, whoever
            its user is: a customer, or a salesperson's tablet at the counter)
        """
        evidence = {"channel": channel or "api", "user_id": self.env.uid}
        if not request:
            return evidence  # server-side code: a script, a cron, another module
        httprequest = request.httprequest
        if not channel and not self.env.user._is_internal():
            evidence["channel"] = "portal"
        elif not channel and httprequest.path.startswith("/web/"):
            evidence["channel"] = "backend"  # the web client's own routes
        user_agent = httprequest.headers.get("User-Agent", "")
        return {**evidence, "ip_address": httprequest.remote_addr, "user_agent": user_agent[:1024] or False}

    @api.model
    def _canonical_json(self, content):
        """The bytes that `content_sha256` hashes: sorted keys, no spaces, UTF-8."""
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @api.model
    def _sha256(self, data):
        return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()

    @api.model
    def _create_for_order(self, order, evidence, posted=None):
        """Record the acceptance of `order`, just signed, with the `evidence` of its channel.

        In sudo: the signer (public user, portal user) and salespeople only read acceptances.

        :param dict evidence: `channel`, `user_id`, and where known `ip_address`, `user_agent`, `consent_text` (and any
            other field of this model the channel knows, e.g. `accepted_on` for an offline acceptance)
        :param posted: the attachment of the signed quotation's PDF that Odoo's portal route posted on the order
        """
        order = order.sudo()
        signed_on = fields.Datetime.now()
        if not order.signed_on:
            order.signed_on = signed_on
        user = self.env["res.users"].browse(evidence["user_id"])
        acceptance = self.sudo().create(
            {
                **evidence,
                **self._content_values(order),
                "order_id": order.id,
                "partner_id": order.partner_id.id,
                "signer_name": order.signed_by,
                "signer_partner_id": (user.partner_id if user._is_portal() else order.partner_id).id,
                "signed_on": signed_on,
                "signature": order.signature,
                "auto_invoice": order.auto_invoice_on_signature,
                **{field: order[field] for field in POLICY_FIELDS},
                "state": "pending" if order.auto_invoice_on_signature else "done",
            }
        )
        order._auto_invoice_live_signers().filtered(lambda signer: signer.state == "signed").write(
            {"acceptance_id": acceptance.id}
        )
        if posted or not acceptance._defers_signed_document():
            acceptance._attach_signed_document(posted)
        return acceptance

    def _defers_signed_document(self):
        """Whether the signed quotation's PDF is rendered after the signing request rather than in it: never here;
        the queue addon's background mode renders it in the acceptance's job."""
        return False

    def _attach_signed_document(self, posted=None):
        """Keep the PDF of the quotation as signed, and its SHA-256: the hash is over the very bytes stored (and sent),
        whenever they are rendered, sealed when the company seals its documents. Once: an acceptance that has its
        document keeps it.

        :param posted: the attachment of the signed PDF that Odoo's portal route rendered and posted on the order
            (see sale.order._create_attachments_for_post); it becomes the sealed file, so that the chatter's copy and
            the followers' email are the file we keep. Without it the PDF is rendered now.
        :return: the attachment
        """
        self.ensure_one()
        acceptance = self.sudo()
        if acceptance.document_id:
            return acceptance.document_id
        rendered = posted.raw if posted else acceptance.order_id._auto_invoice_render_quotation_pdf()
        document = acceptance._seal_document(rendered)
        if posted and document != rendered:
            posted.raw = document
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("%(order)s (signed).pdf", order=acceptance.order_id.name),
                    "raw": document,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": acceptance.id,
                }
            )
        )
        acceptance.write({"document_id": attachment.id})
        self.env["auto_invoice.issued.file"]._issue(
            "signed_quotation", acceptance, document, "signature", sealed=document != rendered
        )
        return attachment

    @api.model
    def _content_values(self, order):
        """The signed content of `order` as it stands: its canonical form and that form's SHA-256."""
        content = self._canonical_json(order._auto_invoice_priced_content())
        return {"content_canonical": content, "content_sha256": self._sha256(content)}

    def _signed_content(self):
        """The signed priced content as a dict (see sale.order._auto_invoice_priced_content), or None."""
        if not self:
            return None
        self.ensure_one()
        return json.loads(self.content_canonical) if self.content_canonical else None
