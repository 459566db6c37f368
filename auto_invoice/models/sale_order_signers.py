"""A quotation signed by several people (sale_order_signer.py): whose turn it is, the lock that makes concurrent
signatures take turns, and a reset that voids what was collected. A quotation without signers is signed once, as in
Odoo."""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

# How the customer's signers take turns: on the quotation, and on its template to pre-fill it.
SIGNING_ORDERS = [("sequence", "One after the other"), ("parallel", "All at once")]


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    signer_ids = fields.One2many(
        comodel_name="sale.order.signer",
        inverse_name="order_id",
        string="Signers",
        copy=True,
        domain=[("state", "!=", "void")],
        help="The people who sign this quotation, each from their own link; the company's countersigner signs last. "
        "Empty: the customer signs once, from the quotation's link.",
    )
    signing_order = fields.Selection(
        selection=SIGNING_ORDERS,
        default="sequence",
        required=True,
    )

    @api.onchange("sale_order_template_id")
    def _onchange_sale_order_template_id(self):
        # The template's roles, for the salesperson to fill with the customer's contacts.
        res = super()._onchange_sale_order_template_id()
        template = self.sale_order_template_id
        if template.signer_ids and not self._origin.signer_ids:
            self.signing_order = template.signing_order
            self.signer_ids = [Command.clear()] + [
                Command.create(values) for values in template.signer_ids._order_signer_values()
            ]
        return res

    def _auto_invoice_may_sign_on_page(self, signer):
        """Whether the quotation's page offers its pad: to anyone with its link without signers, else to the signer
        whose link opened it, in their turn."""
        self.ensure_one()
        return not self.sudo().signer_ids or (bool(signer) and signer.state == "to_sign")

    def _auto_invoice_signer_call_url(self, signer):
        """Where the pad of `signer`'s page posts: the signing route, with the signer's token and the page's terms."""
        self.ensure_one()
        return "/my/orders/%s/accept?access_token=%s&terms_sha256=%s&consent_lang=%s" % (
            self.id,
            signer.sudo().access_token,
            self._auto_invoice_signing_terms_sha256(),
            self.env.lang or "",
        )

    def _auto_invoice_live_signers(self):
        self.ensure_one()
        signers = self.sudo().signer_ids.filtered(lambda signer: signer.state != "void")
        return signers.sorted(lambda signer: (signer.is_countersigner, signer.sequence, signer.id))  # as reordered

    def _auto_invoice_report_signers(self):
        """The signatures collected on this quotation, in the order given, as its PDF shows them (read in sudo: the
        document prints them for whoever may print it)."""
        self.ensure_one()
        return self._auto_invoice_live_signers().filtered(lambda signer: signer.state == "signed")

    def _auto_invoice_signers_left(self):
        """The live signers who have not signed yet."""
        return self._auto_invoice_live_signers().filtered(lambda signer: signer.state in ("waiting", "to_sign"))

    def _auto_invoice_signers_due(self):
        """Whose turn it is: the customer's next signer (all of them at once with `parallel`), the countersigner
        once every signer of the customer has signed; nobody once one has declined."""
        self.ensure_one()
        signers = self._auto_invoice_live_signers()
        if signers.filtered(lambda signer: signer.state == "declined"):
            return signers.browse()
        left = self._auto_invoice_signers_left()
        customers = left.filtered(lambda signer: not signer.is_countersigner)
        if not customers:
            return left  # the countersigner
        return customers if self.signing_order == "parallel" else customers[:1]

    def _auto_invoice_open_signing(self):
        """Mark the signers whose turn it is as `to_sign`; returns those newly asked."""
        asked = self.env["sale.order.signer"]
        for order in self.sudo():
            due = order._auto_invoice_signers_due()
            new = due.filtered(lambda signer: signer.state == "waiting")
            new.write({"state": "to_sign"})
            (order._auto_invoice_signers_left() - due).filtered(lambda signer: signer.state == "to_sign").write(
                {"state": "waiting"}
            )
            asked |= new
        asked._ask_to_sign()
        return asked

    def _auto_invoice_backend_signer(self, name):
        """The signer whose turn it is that the current user signs as, in the backend or over RPC: their own line
        (the countersigner's, or a signer who is a user), named by `name`. A clear error otherwise: nobody signs for
        another signer, and a signature that names nobody on the list is nobody's."""
        self.ensure_one()
        due = self._auto_invoice_signers_due()
        user_partner = self.env.user.partner_id
        signer = due.filtered(lambda signer: signer.partner_id == user_partner)[:1]
        if not signer or name.casefold() != signer.partner_id.name.strip().casefold():
            raise UserError(
                self.env._(
                    "%(order)s is signed by each of its signers from the link they were emailed. A signature written "
                    "here must name the signer whose turn it is and be written by them: %(signers)s.",
                    order=self.display_name,
                    signers=", ".join(due.partner_id.mapped("name")) or self.env._("nobody"),
                )
            )
        return signer

    def _auto_invoice_sign_as_signer(self, vals):
        """Record the backend signature of `vals` as the current user's own signer line (checked by
        `_auto_invoice_backend_signer`); returns whether it was the last one (the order's own is then written)."""
        self.ensure_one()
        name = self.env["sale.order.acceptance"]._check_signer_name(vals.get("signed_by"))
        signer = self._auto_invoice_backend_signer(name)
        evidence = {**self.env["sale.order.acceptance"]._request_evidence(), "recorded_by_id": self.env.uid}
        return signer._record_signature(name, vals["signature"], evidence)

    def _auto_invoice_lock_for_signing(self):
        """Take the order's row until the transaction ends: signatures of one quotation take turns, so that the last
        one is known (two signers who sign at the same moment: one is the last, once). An update, not only a lock: a
        signature waiting for the row would otherwise go on with a snapshot taken before the other committed (its
        signer still unsigned, both not the last); the update makes it fail to serialize and Odoo runs it again."""
        self.ensure_one()
        self.env.cr.execute("UPDATE sale_order SET write_date = write_date WHERE id = %s", [self.id])

    def _auto_invoice_check_signers_editable(self):
        """The list of signers changes while nobody has signed; a signature collected makes it what was signed."""
        for order in self.sudo():
            if order.signer_ids.filtered(lambda signer: signer.state in ("signed", "declined")):
                raise UserError(
                    self.env._(
                        "%(order)s is being signed: its signers cannot change. Set it back to quotation to start "
                        "again.",
                        order=order.name,
                    )
                )

    def _auto_invoice_void_signers(self):
        """The quotation goes back to draft: every signature collected is void (kept as evidence) and the list starts
        again, each signer with a new link."""
        for order in self.sudo():
            collected = order.signer_ids.filtered(lambda signer: signer.state in ("signed", "declined", "to_sign"))
            if not collected:
                continue
            if collected.filtered(lambda signer: signer.state in ("signed", "declined")):
                fresh = [
                    {
                        "order_id": order.id,
                        "sequence": signer.sequence,
                        "partner_id": signer.partner_id.id,
                        "user_id": signer.user_id.id,
                    }
                    for signer in order.signer_ids
                ]
                order._auto_invoice_withdraw_signed_copies(collected)
                order.signer_ids.write({"state": "void"})
                self.env["sale.order.signer"].sudo().create(fresh)
                order.message_post(
                    body=self.env._(
                        "Set back to quotation: the signatures collected are void; the signers start again."
                    ),
                    subtype_xmlid="mail.mt_note",
                )
            else:
                collected.write({"state": "waiting"})

    # === Reminders (sale_order_reminder.py): to whoever is due, each with their own link === #

    def _sign_reminder_email(self):
        if not self.sudo().signer_ids:
            return super()._sign_reminder_email()
        due = self._auto_invoice_signers_due()
        template = self.env.ref("auto_invoice.mail_template_signer_reminder", raise_if_not_found=False)
        for signer in due.filtered(lambda signer: signer.partner_id.email) if template else due.browse():
            # Queued, not sent inside the cron's transaction: the mail queue sends it after the commit.
            template.send_mail(signer.id)
        self.message_post(
            body=self.env._("Reminder to sign sent to %(signers)s.", signers=", ".join(due.partner_id.mapped("name"))),
            subtype_xmlid="mail.mt_note",
        )
        return None

    def _sign_reminder_follow_up_note(self, today):
        note = super()._sign_reminder_follow_up_note(today)
        if not (left := self._auto_invoice_signers_left()):
            return note
        return self.env._(
            "%(note)s Not signed yet: %(signers)s.", note=note, signers=", ".join(left.partner_id.mapped("name"))
        )

    def _auto_invoice_withdraw_signed_copies(self, signers):
        """The copies of this quotation issued since the first of `signers` signed show signatures that are void now:
        the register says they are withdrawn (the verification page tells whoever checks one)."""
        self.ensure_one()
        signed_on = [when for when in signers.mapped("signed_on") if when]
        if not signed_on:
            return
        copies = (
            self.env["auto_invoice.issued.file"]
            .sudo()
            .search([("order_id", "=", self.id), ("kind", "=", "quotation"), ("issued_on", ">=", min(signed_on))])
        )
        copies._mark("withdrawn")

    def _auto_invoice_signer_declined(self, signer):
        """The salesperson reads on the order who declined and why; nothing is invoiced."""
        self.ensure_one()
        order = self.sudo()
        note = self.env._(
            "%(signer)s declined to sign: %(reason)s",
            signer=signer.partner_id.name,
            reason=signer.declined_reason or self.env._("no reason given"),
        )
        order.message_post(body=note, author_id=signer.partner_id.id, subtype_xmlid="mail.mt_note")
        # No assignment email from the request's user (the public user of the signer's link): the activity and the
        # note say it.
        order.with_context(mail_activity_quick_update=True).activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Signer declined"),
            note=note,
            user_id=order._auto_invoice_responsible().id or self.env.uid,
        )
