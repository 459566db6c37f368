from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError
from odoo.fields import Command

from ..owned_context import owned_value
from ..sentence import sentence
from .auto_invoice_policy_mixin import POLICY_FIELDS

# Context key of the code that writes a signature and records its acceptance itself, with its own evidence, through
# `_auto_invoice_record_acceptance()`: the portal route (around Odoo's own route) and the offline acceptance wizard.
# Honoured as they set it only (an owned value, in superuser environments, which these callers write in once they
# have checked the signer's rights: see owned_context.py): a client that sends it still has its signature recorded.
RECORDED_BY_CALLER = "auto_invoice_acceptance_recorded_by_caller"
# Order fields derived from the acceptance: never written by users, whatever the view says.
# The order's own signature: Odoo's fields, the last signature's when several people sign.
SIGNATURE_FIELDS = {"signature", "signed_by", "signed_on"}
DERIVED_FIELDS = {"auto_invoice_acceptance_id", "auto_invoice_state"}
# Who may read acceptances (security/ir.model.access.csv): the order's fields that show them are theirs only, so that
# other internal users who read sales orders (Inventory, Manufacturing, Project) can open a signed one.
ACCEPTANCE_READERS = "auto_invoice.group_acceptance_reader"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        compute="_compute_auto_invoice_on_signature",
        store=True,
        readonly=False,
        precompute=True,
        help="Create a draft invoice as soon as the customer signs this quotation.",
    )
    acceptance_ids = fields.One2many(
        comodel_name="sale.order.acceptance",
        inverse_name="order_id",
        string="Acceptances",
        readonly=True,
        groups=ACCEPTANCE_READERS,
    )
    auto_invoice_acceptance_id = fields.Many2one(
        comodel_name="sale.order.acceptance",
        string="Acceptance",
        compute="_compute_auto_invoice_acceptance_id",
        store=True,
        index="btree_not_null",
        groups=ACCEPTANCE_READERS,
        help="The customer's current (not void) acceptance of this quotation.",
    )
    auto_invoice_state = fields.Selection(
        selection=[
            ("pending", "Waiting for Confirmation"),
            ("done", "Created"),
            ("failed", "Failed"),
        ],
        string="Automatic Invoice Status",
        compute="_compute_auto_invoice_state",
        store=True,
        groups="base.group_user",
    )
    auto_invoice_error = fields.Text(
        string="Automatic Invoice Error",
        related="auto_invoice_acceptance_id.error",
        groups="base.group_user",
    )
    auto_invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Automatic Invoice",
        compute="_compute_auto_invoice_id",
        groups=ACCEPTANCE_READERS,
        help="The invoice created from the customer's acceptance of this quotation.",
    )
    auto_invoice_content_matches = fields.Boolean(
        string="Matches the Signed Quotation",
        compute="_compute_auto_invoice_content_matches",
        groups=ACCEPTANCE_READERS,
    )

    # === COMPUTE METHODS === #

    @api.depends("company_id")
    def _compute_auto_invoice_on_signature(self):
        for order in self:
            order.auto_invoice_on_signature = order.company_id.auto_invoice_on_signature

    @api.depends("acceptance_ids.state")
    def _compute_auto_invoice_acceptance_id(self):
        for order in self:
            order.auto_invoice_acceptance_id = order.acceptance_ids.filtered(lambda acc: acc.state != "void")[:1]

    @api.depends("auto_invoice_acceptance_id.state", "auto_invoice_acceptance_id.auto_invoice")
    def _compute_auto_invoice_state(self):
        for order in self:
            acceptance = order.auto_invoice_acceptance_id
            order.auto_invoice_state = acceptance.state if acceptance.auto_invoice else False

    @api.depends("auto_invoice_acceptance_id.invoice_ids.state")
    def _compute_auto_invoice_id(self):
        for order in self:
            invoices = order.auto_invoice_acceptance_id.invoice_ids
            order.auto_invoice_id = invoices.filtered(lambda move: move.state != "cancel")[:1]

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        # A quotation created with its signature (an import, an API client) is accepted as if signed right after.
        signatures = [self._auto_invoice_pop_signature(vals) for vals in vals_list]
        orders = super().create(vals_list)
        for order, signature_vals in zip(orders, signatures, strict=True):
            if signature_vals:
                order.write(signature_vals)
        return orders

    def write(self, vals):
        if DERIVED_FIELDS & set(vals) and not self.env.su:
            raise AccessError(self.env._("The acceptance of a quotation can only be recorded by signing it."))
        if set(POLICY_FIELDS) & set(vals) and (signed := self.sudo().filtered("auto_invoice_acceptance_id")):
            raise UserError(
                self.env._(
                    "%(orders)s is signed: what its signature invoices cannot change any more.",
                    orders=", ".join(signed.mapped("display_name")),
                )
            )
        # Only detect here: a signature may come from a backend widget, an import or RPC; the portal records its own.
        signing = self._auto_invoice_check_signable(vals) if vals.get("signature") else self.browse()
        # One of several signers signing in the backend: theirs is kept; the order's own waits for the last one.
        if signing.sudo().signer_ids and not signing._auto_invoice_sign_as_signer(vals):
            vals = {key: value for key, value in vals.items() if key not in SIGNATURE_FIELDS}
            signing = self.browse()
            if not vals:
                return True
        clearing = self._auto_invoice_check_clearable(vals) if "signature" in vals and not vals["signature"] else None
        res = super().write(vals)
        if vals.get("state") == "sent":
            self._auto_invoice_open_signing()
        for order in signing:
            order._auto_invoice_record_acceptance(self.env["sale.order.acceptance"]._request_evidence())
        if clearing:
            clearing._auto_invoice_void_cleared_acceptance()
        return res

    # === ACTION METHODS === #

    def action_draft(self):
        # Odoo resets only cancelled and sent quotations (and clears their signature); a draft quotation is left as
        # it is, signature included: its acceptance stays live, for the payment that confirms it to invoice.
        resettable = self.filtered(lambda order: order.state in ("cancel", "sent"))
        # Set to Quotation clears the signature of a quotation that waits for its payment: it voids the acceptance.
        resettable.filtered(lambda order: order.sudo().auto_invoice_acceptance_id)._auto_invoice_check_voiding_rights()
        res = super().action_draft()
        # Back to a quotation, the signature is cleared: its acceptance is void, the next signature is a new one.
        reset = resettable.filtered(lambda order: order.state == "draft" and not order.signature).sudo()
        reset.auto_invoice_acceptance_id.write({"state": "void"})
        reset._auto_invoice_void_signers()
        reset._auto_invoice_close_failure_activities()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self._sign_reminder_close_follow_up(self.env._("The quotation was cancelled."))
        return res

    def action_auto_invoice_retry(self):
        """Create the invoice of a failed acceptance again, once its cause is fixed: salespeople and billing users."""
        self._auto_invoice_check_retry()
        invoices = self._auto_invoice_create()
        if failed := self.filtered(lambda order: order.auto_invoice_state == "failed"):
            return self._auto_invoice_retry_notification(
                "warning", self.env._("The invoice could not be created"), failed.mapped("auto_invoice_error")
            )
        if invoiced_already := self.filtered(lambda order: not order.auto_invoice_id):
            return self._auto_invoice_retry_notification(
                "info",
                self.env._("Nothing left to invoice"),
                [order.sudo().auto_invoice_acceptance_id._invoiced_already_message() for order in invoiced_already],
            )
        return self.action_view_invoice(invoices)

    def _auto_invoice_check_retry(self):
        """Refuse Retry Invoice to a user without sales or billing rights, and for an order that is not confirmed or
        whose automatic invoice did not fail."""
        user = self.env.user
        if not (user.has_group("sales_team.group_sale_salesman") or user.has_group("account.group_account_invoice")):
            raise AccessError(self.env._("Only salespeople and billing users can retry an automatic invoice."))
        self.check_access("write")
        if invalid := self.filtered(lambda order: order.state != "sale" or order.auto_invoice_state != "failed"):
            raise UserError(
                self.env._(
                    "Only confirmed orders whose automatic invoice failed can be retried: %(orders)s",
                    orders=", ".join(invalid.mapped("display_name")),
                )
            )

    def _auto_invoice_retry_notification(self, notification_type, title, messages):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": notification_type,
                "title": title,
                "message": "\n".join(messages),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # === BUSINESS METHODS: acceptance === #

    def _has_to_be_signed(self):
        # An order accepted once is never offered a second signature, even with its signature image gone.
        return super()._has_to_be_signed() and not self.sudo().auto_invoice_acceptance_id

    def _can_be_edited_on_portal(self):
        # A signed quotation waiting for its payment is what its customer signed: its optional lines stay as they are.
        return super()._can_be_edited_on_portal() and not self.sudo().auto_invoice_acceptance_id

    @api.model
    def _auto_invoice_pop_signature(self, vals):
        """The signature values of a quotation being created, taken out of vals to be written after creation."""
        if not vals.get("signature") or vals.get("state", "draft") not in ("draft", "sent"):
            return {}  # a confirmed order imported with its signature is history, not an acceptance
        return {key: vals.pop(key) for key in ("signature", "signed_by", "signed_on") if key in vals}

    def _auto_invoice_check_signable(self, vals):
        """The orders whose signature written by `vals` is an acceptance that this write must record.

        A signature written by an internal user (backend, RPC, import) must meet what the portal asks: a quotation
        waiting for a signature, not expired, and a signer's name. The portal's route checks and records its own.
        """
        if owned_value(self.env, RECORDED_BY_CALLER, su=True) or not self.env.user._is_internal():
            return self.browse()
        self._auto_invoice_check_signing_rights()
        for order in self:
            if error := order._auto_invoice_signature_refusal():
                raise UserError(error)
            self.env["sale.order.acceptance"]._check_signer_name(vals.get("signed_by") or order.signed_by)
            if order.sudo().signer_ids and len(self) > 1:  # one signer's signature: see _auto_invoice_sign_as_signer
                raise UserError(
                    self.env._("%(order)s is signed by several people: sign it on its own.", order=order.name)
                )
        return self

    @api.model
    def _auto_invoice_check_signing_rights(self, message=None):
        """Refuse an internal user who signs a quotation for its customer (in the backend, on the portal page at the
        counter) without sales or billing rights: Odoo lets others write sales orders (warehouse, manufacturing) or
        read them (auditors, projects), and the portal page asks only to read, but a signature confirms and invoices.
        """
        user = self.env.user
        if self.env.su or not user._is_internal():
            return
        if not (user.has_group("sales_team.group_sale_salesman") or user.has_group("account.group_account_invoice")):
            raise AccessError(
                message or self.env._("Only salespeople and billing users can sign a quotation for its customer.")
            )

    def _auto_invoice_check_voiding_rights(self):
        """Refuse an internal user without sales or billing rights who would void the acceptance of these orders (by
        clearing its signature, or Set to Quotation): whoever may not sign for the customer may not undo a signature.
        """
        if self:
            self._auto_invoice_check_signing_rights(
                self.env._("Only salespeople and billing users can void a customer's acceptance of a quotation.")
            )

    def _auto_invoice_signature_refusal(self):
        """Why this order cannot take a signature now, or None; the conditions of `_has_to_be_signed()`."""
        self.ensure_one()
        if self.signature:
            return self.env._("%(order)s is already signed.", order=self.display_name)
        if self.sudo().auto_invoice_acceptance_id:
            return self.env._("%(order)s is already accepted.", order=self.display_name)
        if self.state not in ("draft", "sent"):
            return self.env._("%(order)s is not a quotation waiting for a signature.", order=self.display_name)
        if self.is_expired:
            return self.env._(
                "%(order)s expired on %(date)s: extend its expiration date before it is signed.",
                order=self.display_name,
                date=self.validity_date,
            )
        if not self.require_signature:
            return self.env._(
                "%(order)s does not ask for a signature: enable Online Signature on it first.",
                order=self.display_name,
            )
        if self.auto_invoice_on_signature and (problem := self._auto_invoice_deposit_problem()):
            return problem
        return None

    def _auto_invoice_check_clearable(self, vals):
        """The orders whose acceptance the cleared signature of `vals` voids; a clear error for a confirmed (or
        cancelled) order: its acceptance stands, and the signature with it. Back to a quotation, a signature can be
        cleared (Set to Quotation does): its acceptance is void, as if the quotation were reset."""
        accepted = self.sudo().filtered("auto_invoice_acceptance_id")
        accepted.with_env(self.env)._auto_invoice_check_voiding_rights()
        if refused := accepted.filtered(lambda order: vals.get("state", order.state) not in ("draft", "sent")):
            order = refused[0]
            raise UserError(
                self.env._(
                    "%(order)s was signed by %(signer)s: the signature is the evidence of its acceptance and cannot be "
                    "cleared. To have it signed again, cancel the order and set it back to quotation.",
                    order=order.display_name,
                    signer=order.auto_invoice_acceptance_id._accepted_by(),
                )
            )
        return accepted

    def _auto_invoice_void_cleared_acceptance(self):
        """The signature of these quotations was cleared: their acceptance is void; the next signature is a new one."""
        for order in self.sudo().filtered("auto_invoice_acceptance_id"):
            acceptance = order.auto_invoice_acceptance_id
            acceptance.write({"state": "void"})
            order.message_post(
                body=self.env._(
                    "The signature was cleared: acceptance %(reference)s is void.", reference=acceptance.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._auto_invoice_close_failure_activities()

    def _auto_invoice_record_acceptance(self, evidence, posted=None):
        """Entry point: the customer has just signed this quotation; record the acceptance, confirm and invoice.

        Every channel comes here once the signature is on the order: the portal route (after Odoo's own route has
        confirmed the order), a backend signature, an RPC write. With Invoice on Signature, the quotation is confirmed
        as the portal does unless an online payment is due; the invoice is created now if the order is confirmed,
        else by the confirmation that the payment brings (see `_action_confirm`).

        :param dict evidence: `channel`, `user_id`, and where known `ip_address`, `user_agent`, `consent_text`
        :param posted: the attachment of the signed quotation's PDF, as Odoo's portal route posted it on the order
        :return: the acceptance
        """
        self.ensure_one()
        # Without the option, a signature written in the backend stays a signature, as in Odoo.
        if self.auto_invoice_on_signature and self.state in ("draft", "sent") and not self._has_to_be_paid():
            self._validate_order()
        acceptance = self.env["sale.order.acceptance"]._create_for_order(self, evidence, posted)
        acceptance._trigger_certificates()  # rendered by a cron once this transaction commits
        self._sign_reminder_close_follow_up(
            sentence(self.env._("Signed by %(signer)s.", signer=acceptance._accepted_by()))
        )
        if self.state == "sale":
            self._auto_invoice_schedule()
        return acceptance

    # === BUSINESS METHODS: invoice === #

    def _action_confirm(self):
        res = super()._action_confirm()
        # However it is confirmed (signed, paid, or by hand after an acceptance by other means), nobody needs to call.
        self._sign_reminder_close_follow_up(self.env._("The quotation was confirmed."))
        # An acceptance waiting for its online payment is invoiced by the confirmation that the payment brings
        # (read in sudo: whoever confirms may not see the acceptance).
        self.filtered(lambda order: order.sudo().auto_invoice_state == "pending")._auto_invoice_schedule()
        return res

    def _auto_invoice_schedule(self):
        """Hook: the acceptances of these confirmed orders are to be invoiced. Here, right away, in the transaction
        that confirmed them; the queue addon's background mode enqueues a job instead.

        :return: the invoices created now
        :rtype: account.move
        """
        return self._auto_invoice_create()

    def _auto_invoice_create(self):
        """Entry point: create the invoice of each order's recorded acceptance, at most once.

        Safe to repeat: an order whose acceptance is invoiced already is skipped. A failure is recorded on the
        acceptance and never undoes it nor the confirmation.

        :return: the created invoices
        :rtype: account.move
        """
        invoices = self.env["account.move"]
        for order in self:
            order._auto_invoice_lock()
            invoices |= order.sudo().auto_invoice_acceptance_id.with_env(order.env)._create_invoice()
        return invoices

    def _auto_invoice_lock(self):
        """Lock this order while its acceptance is invoiced: concurrent retries wait, or are told to try again."""
        self.ensure_one()
        # Write every pending change first, outside the invoicing savepoint: another module's failing write is its own
        # error, not an invoicing failure. A concurrent acceptance of the same order then waits for this transaction
        # and is retried by Odoo (and refused as already signed) instead of skipping a locked row.
        self.env.flush_all()
        try:
            self.lock_for_update()  # serialises concurrent retries; the unique indexes are the last guard
        except LockError:
            raise UserError(
                self.env._(
                    "The invoice of %(order)s is being created right now. Please try again in a moment.",
                    order=self.display_name,
                )
            ) from None

    def _auto_invoice_generate(self):
        """The invoice of the accepted quotation, as one draft: in full, every signed line at its signed quantity
        (less what is invoiced already), or the deposit its acceptance's policy asks for of the signed total, through
        Odoo's down-payment lines (so that the final invoice deducts it); billed as signed, never lines added since.
        Override to change what the invoice of an acceptance contains.

        :return: the draft; empty when everything it would bill is invoiced already (an earlier acceptance, an
            invoice made by hand). Nothing to invoice at all is an error.
        """
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id.with_env(self.env)
        # What was signed, whenever the invoice is made (see sale_order_signed_billing.py). The review activity
        # notifies the salesperson: skip the "assigned to you" email of the creation.
        order = self.with_context(mail_auto_subscribe_no_notify=True, **acceptance._billing_context())
        acceptance = acceptance.with_env(order.env)
        deposit = acceptance._deposit_to_bill()
        if deposit is None:
            order._force_lines_to_invoice_policy_order()
            invoice = order.with_context(raise_if_nothing_to_invoice=False)._create_invoices(grouped=True, final=True)
        elif self.currency_id.compare_amounts(deposit, 0.0) > 0:
            invoice = acceptance._generate_deposit_invoice(deposit)
        else:
            invoice = self.env["account.move"]
        if not invoice:
            if acceptance._invoiced_lines():
                return invoice
            raise UserError(self._nothing_to_invoice_error_message())
        # Odoo posts the drafts linked to a payment transaction when the payment completes: the acceptance's invoice
        # is linked, and its payments matched, when its policy or a person posts it (account.move._auto_invoice_post).
        invoice.sudo().transaction_ids = [Command.clear()]
        return invoice

    def _auto_invoice_close_failure_activities(self, feedback=None):
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed", raise_if_not_found=False)
        if failure_type:
            activities = self.sudo().activity_ids.filtered(lambda act: act.activity_type_id == failure_type)
            activities.action_feedback(feedback=feedback)

    def _auto_invoice_responsible(self):
        """The internal user who follows this order's automatic invoice, if any: never a portal user."""
        self.ensure_one()
        candidates = self.user_id | self.team_id.user_id | self.create_uid
        return candidates.filtered(lambda user: user.active and user._is_internal())[:1]

    # === Branded invoice and emails === #

    def _find_mail_template(self):
        # A quotation waiting for a signature is sent with the branded email and its "Review & Sign" button; Odoo's
        # template stays for everything else (proforma, confirmed orders) and stays selectable in the Send wizard.
        template = super()._find_mail_template()
        if self.env.context.get("proforma") or not self._has_to_be_signed():
            return template
        return self.env.ref("auto_invoice.mail_template_quotation_sign", raise_if_not_found=False) or template

    def _get_confirmation_template(self):
        # An order its customer signed is confirmed with the branded email, in the design of the quotation it answers;
        # a confirmation template chosen in Settings, and the orders confirmed otherwise, keep Odoo's choice. The
        # signature, not the acceptance: the signature confirms the order before its acceptance is recorded.
        template = super()._get_confirmation_template()
        if template != self.env.ref("sale.mail_template_sale_confirmation", raise_if_not_found=False):
            return template
        if not (self.signature or self.sudo().auto_invoice_acceptance_id):
            return template
        return self.env.ref("auto_invoice.mail_template_order_confirmed", raise_if_not_found=False) or template
