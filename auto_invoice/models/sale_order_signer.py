"""One signer of a quotation signed by several people: the customer's signers, in order or all at once, and the
company's countersigner, who signs last. Each has a link of their own (their token), and their signature keeps its
own evidence. The last required signature is the order's, recorded as its acceptance as today's single signature is
(see sale_order_signers.py for the order's side)."""

import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# What the signing code writes (in sudo) and nobody changes afterwards: a signature and its evidence.
EVIDENCE_FIELDS = {
    "state",
    "access_token",
    "signed_on",
    "signed_by",
    "signature",
    "ip_address",
    "user_agent",
    "content_sha256",
    "declined_reason",
    "acceptance_id",
    "email_verified_on",
    "channel",
    "recorded_by_id",
}


# The first key of the advisory lock that a signer's signature holds while it is recorded (the second: the signer).
SIGNING_LOCK = 0x5A1E5161


class SaleOrderSigner(models.Model):
    _name = "sale.order.signer"
    _description = "Quotation Signer"
    _order = "order_id, is_countersigner, sequence, id"
    _rec_name = "partner_id"

    order_id = fields.Many2one(
        comodel_name="sale.order", string="Quotation", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Signer",
        required=True,
        help="The person who signs: a contact of the customer, or the countersigner's own contact.",
    )
    role = fields.Char(help="Who this signer is for the customer (from the quotation's template), e.g. Director.")
    email = fields.Char(related="partner_id.email", string="Email")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Countersigner",
        domain=[("share", "=", False)],
        help="An internal user who signs for the company, after every signer of the customer.",
    )
    is_countersigner = fields.Boolean(compute="_compute_is_countersigner", store=True)
    state = fields.Selection(
        selection=[
            ("waiting", "Waiting"),
            ("to_sign", "To Sign"),
            ("signed", "Signed"),
            ("declined", "Declined"),
            ("void", "Void"),
        ],
        default="waiting",
        required=True,
        readonly=True,
        copy=False,
        help="Void: signed or asked before the quotation was set back to draft; kept as evidence.",
    )
    access_token = fields.Char(copy=False, readonly=True, groups="base.group_system")
    access_url = fields.Char(compute="_compute_access_url", groups="sales_team.group_sale_salesman")
    signed_on = fields.Datetime(readonly=True, copy=False)
    signed_by = fields.Char(readonly=True, copy=False)
    signature = fields.Image(max_width=1024, max_height=1024, readonly=True, copy=False)
    ip_address = fields.Char(string="IP Address", readonly=True, copy=False)
    user_agent = fields.Char(string="Browser", readonly=True, copy=False)
    content_sha256 = fields.Char(
        string="Signed Content SHA-256",
        readonly=True,
        copy=False,
        help="The SHA-256 of the quotation's priced content this signer signed: the same for every signer.",
    )
    channel = fields.Selection(
        selection=[("portal", "Portal"), ("backend", "Backend"), ("api", "API"), ("offline", "Offline")],
        readonly=True,
        copy=False,
        help="How the signature came: from the signer's link, written by the signer in the backend or over the API, or "
        "recorded from paper by a salesperson.",
    )
    recorded_by_id = fields.Many2one(
        comodel_name="res.users",
        readonly=True,
        copy=False,
        help="The user who recorded this signature from paper, or who signed in the backend.",
    )
    declined_reason = fields.Text(readonly=True, copy=False)
    acceptance_id = fields.Many2one(
        comodel_name="sale.order.acceptance",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The acceptance that the last signature recorded: every signature of it is its evidence.",
    )

    _one_live_countersigner = models.UniqueIndex(
        "(order_id) WHERE user_id IS NOT NULL AND state != 'void'",
        "A quotation has one countersigner.",
    )

    @api.constrains("user_id")
    def _check_countersigner_rights(self):
        # Who countersigns binds the company: someone who may sell for it.
        for signer in self.filtered("user_id"):
            if not signer.user_id.has_group("sales_team.group_sale_salesman"):
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot countersign for the company: only salespeople can.",
                        user=signer.user_id.name,
                    )
                )

    @api.depends("user_id")
    def _compute_is_countersigner(self):
        for signer in self:
            signer.is_countersigner = bool(signer.user_id)

    @api.onchange("user_id")
    def _onchange_user_id(self):
        if self.user_id:
            self.partner_id = self.user_id.partner_id

    def _compute_access_url(self):
        for signer in self:
            signer.access_url = signer._portal_url() if signer.order_id.id and signer.sudo().access_token else False

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A new line is waiting (the form sends that default); a signature and its state come from signing only.
            written = set(vals) - {"state"} if vals.get("state", "waiting") == "waiting" else set(vals)
            if written & EVIDENCE_FIELDS and not self.env.su:
                raise UserError(self.env._("A signature is recorded by signing, not written."))
            if vals.get("user_id") and not vals.get("partner_id"):
                vals["partner_id"] = self.env["res.users"].browse(vals["user_id"]).partner_id.id
        signers = super().create(vals_list)
        for signer in signers.sudo():  # the link's secret, which no group reads but the code that checks it
            signer.access_token = secrets.token_urlsafe(32)
        signers.order_id._auto_invoice_check_signers_editable()
        signers.order_id.filtered(lambda order: order.state == "sent")._auto_invoice_open_signing()
        return signers

    def write(self, vals):
        if EVIDENCE_FIELDS & set(vals) and not self.env.su:
            raise UserError(self.env._("A signature is recorded by signing, not written."))
        if not self.env.su:
            self.order_id._auto_invoice_check_signers_editable()
        orders = self.order_id
        res = super().write(vals)
        if {"sequence", "partner_id", "user_id"} & set(vals):  # a new order of turns: ask whoever is due now
            orders.filtered(lambda order: order.state == "sent")._auto_invoice_open_signing()
        return res

    def unlink(self):
        if not self.env.su:
            self.order_id._auto_invoice_check_signers_editable()
        orders = self.order_id
        res = super().unlink()
        orders.filtered(lambda order: order.state == "sent")._auto_invoice_open_signing()
        return res

    def _portal_url(self):
        """This signer's link: their quotation's page, with their pad when it is their turn."""
        self.ensure_one()
        return f"/my/orders/{self.order_id.id}?access_token={self.sudo().access_token}"

    def _ask_to_sign(self):
        """Email each of these signers their own link; the countersigner also gets an activity on the order."""
        template = self.env.ref("auto_invoice.mail_template_signer_request", raise_if_not_found=False)
        for signer in self.sudo():
            if template and signer.partner_id.email:
                template.send_mail(signer.id)
        if template and self:
            # The next signer is waiting for their link: the mail queue runs once this transaction commits, not at
            # its next hourly run; and the signature's request does not wait for the mail server.
            self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
            if signer.user_id:  # no assignment email from the request's user (a public signer): the one above
                signer.order_id.with_context(mail_activity_quick_update=True).activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Countersign %(order)s", order=signer.order_id.name),
                    user_id=signer.user_id.id,
                )

    # === Signing === #

    @api.model
    def _by_token(self, order, token):
        """The live signer of `order` whose link carries `token`, or an empty recordset."""
        if not token or not isinstance(token, str):
            return self.browse()
        return (
            self.sudo()
            .search([("order_id", "=", order.id), ("state", "!=", "void")])
            .filtered(lambda signer: secrets.compare_digest(signer.access_token or "", token))
        )

    def _signing_refusal(self):
        """Why this signer cannot sign now, or None."""
        self.ensure_one()
        signer = self.sudo()
        order = signer.order_id
        if signer.state == "signed":
            return self.env._(
                "%(signer)s has already signed %(order)s.", signer=signer.partner_id.name, order=order.name
            )
        if signer.state == "declined" or order.signer_ids.filtered(lambda other: other.state == "declined"):
            return self.env._("%(order)s was declined: it can no longer be signed.", order=order.name)
        if signer.state == "void":
            return self.env._("This link is no longer valid: %(order)s was changed since.", order=order.name)
        if refusal := order._auto_invoice_signature_refusal():
            return refusal
        if signer.state != "to_sign":
            due = order._auto_invoice_signers_due()
            return self.env._(
                "It is not your turn to sign %(order)s yet: %(signers)s signs first. You will receive an email when it "
                "is your turn.",
                order=order.name,
                signers=", ".join(due.partner_id.mapped("name")),
            )
        return None

    def _record_signature(self, name, signature, evidence):
        """Keep this signer's signature and its evidence; the next signers' turn comes.

        :param dict evidence: `ip_address`, `user_agent` where known; `channel` (default `portal`), `recorded_by_id`
            and `signed_on` (default now) for a signature recorded from paper or written in the backend
        :return: whether this was the last required signature (the order's own is then to be written by the caller)
        """
        self.ensure_one()
        signer = self.sudo()
        order = signer.order_id
        signer._check_not_being_signed()
        order._auto_invoice_lock_for_signing()
        signer.invalidate_recordset()
        if refusal := signer._signing_refusal():
            raise UserError(refusal)
        content_sha256 = self.env["sale.order.acceptance"]._content_values(order)["content_sha256"]
        earlier = order.signer_ids.filtered(lambda other: other.state == "signed")[:1]
        if earlier and earlier.content_sha256 != content_sha256:
            raise UserError(
                self.env._(
                    "%(order)s changed since %(signer)s signed it: it must be sent again before anyone signs.",
                    order=order.name,
                    signer=earlier.signed_by,
                )
            )
        signer.write(
            {
                "state": "signed",
                "signed_on": evidence.get("signed_on") or fields.Datetime.now(),
                "signed_by": name,
                "signature": signature,
                "ip_address": evidence.get("ip_address") or False,
                "user_agent": evidence.get("user_agent") or False,
                "channel": evidence.get("channel") or "portal",
                "recorded_by_id": evidence.get("recorded_by_id") or False,
                "content_sha256": content_sha256,
            }
        )
        last = not order._auto_invoice_signers_left()
        if not last:
            order._auto_invoice_open_signing()
        order.message_post(
            author_id=signer.partner_id.id,
            body=self.env._(
                "Signed by %(signer)s (%(done)s of %(total)s signatures).",
                signer=name,
                done=len(order._auto_invoice_live_signers().filtered(lambda other: other.state == "signed")),
                total=len(order._auto_invoice_live_signers()),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return last

    def _check_not_being_signed(self):
        """A clear answer, at once, to a second signature of this signer while the first is being recorded (a double
        click): it would otherwise wait for the order's row, then fail to serialize and be retried for as long as the
        first renders its documents, up to Odoo's generic error."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SIGNING_LOCK, self.id])
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "The signature of %(signer)s is being recorded: reload the page in a moment.",
                    signer=self.partner_id.name,
                )
            )

    def _decline(self, reason):
        """This signer declines: nobody else is asked, the salesperson is told, nothing is invoiced."""
        self.ensure_one()
        signer = self.sudo()
        order = signer.order_id
        order._auto_invoice_lock_for_signing()
        if refusal := signer._signing_refusal():
            raise UserError(refusal)
        signer.write({"state": "declined", "declined_reason": reason})
        order._auto_invoice_live_signers().filtered(lambda other: other.state == "to_sign").write({"state": "waiting"})
        order._auto_invoice_signer_declined(signer)
