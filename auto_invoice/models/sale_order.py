import logging
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, LockError, UserError, ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import float_repr, format_amount

from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES, POLICY_FIELDS

_logger = logging.getLogger(__name__)

# True while Python code that records the acceptance itself writes a signature (see caller_records_acceptance).
_caller_records_acceptance = ContextVar("auto_invoice_caller_records_acceptance", default=False)
SIGNER_NAME_MAX_LENGTH = 128
# Order fields derived from the acceptance: never written by users, whatever the view says.
DERIVED_FIELDS = {"auto_invoice_acceptance_id", "auto_invoice_state"}
# Who may read acceptances (security/ir.model.access.csv): the order's fields that show them are theirs only, so that
# other internal users who read sales orders (Inventory, Manufacturing, Project) can open a signed one.
ACCEPTANCE_READERS = "sales_team.group_sale_salesman,account.group_account_invoice,account.group_account_readonly"


@contextmanager
def caller_records_acceptance():
    """Within this block, a signature written on an order is left alone by `sale.order.write()`: the caller records
    the acceptance itself, with its own evidence, through `_auto_invoice_record_acceptance()` (the portal route after
    Odoo's own route, an offline acceptance). A context variable of the Python code, which no RPC client can set,
    unlike the context.
    """
    token = _caller_records_acceptance.set(True)
    try:
        yield
    finally:
        _caller_records_acceptance.reset(token)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "auto_invoice.policy.mixin"]

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        compute="_compute_auto_invoice_on_signature",
        store=True,
        readonly=False,
        precompute=True,
        help="Create a draft invoice as soon as the customer signs this quotation.",
    )
    # The policies: from the quotation template when it sets them, else from the company; editable until signed.
    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES,
        string="Invoice at Signature",
        compute="_compute_auto_invoice_policies",
        store=True,
        readonly=False,
        precompute=True,
    )
    auto_invoice_deposit_percentage = fields.Float(
        string="Deposit (%)", compute="_compute_auto_invoice_policies", store=True, readonly=False, precompute=True
    )
    auto_invoice_deposit_amount = fields.Monetary(
        string="Deposit Amount",
        compute="_compute_auto_invoice_deposit_amount",
        store=True,
        readonly=False,
        precompute=True,
    )
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES,
        string="After Creating the Invoice",
        compute="_compute_auto_invoice_policies",
        store=True,
        readonly=False,
        precompute=True,
        help="What happens to the invoice created at the signature. The quotation template's choice, else the "
        "company's; only users with billing rights can choose to post or send it.",
    )
    auto_invoice_summary = fields.Char(
        string="Invoiced at Signature", compute="_compute_auto_invoice_summary", groups="base.group_user"
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

    @api.depends("company_id", "sale_order_template_id")
    def _compute_auto_invoice_policies(self):
        for order in self:
            company, template = order.company_id, order.sale_order_template_id
            amount_source = template if template.auto_invoice_amount else company
            order.auto_invoice_amount = amount_source.auto_invoice_amount
            order.auto_invoice_deposit_percentage = amount_source.auto_invoice_deposit_percentage
            order.auto_invoice_after = template.auto_invoice_after or company.auto_invoice_after

    @api.depends("company_id", "sale_order_template_id", "currency_id")
    def _compute_auto_invoice_deposit_amount(self):
        # Apart from the other policies: a new currency (a new pricelist) converts the company's amount again, and
        # leaves the quotation's other choices alone. A template's amount is in the quotation's currency.
        for order in self:
            company, template = order.company_id, order.sale_order_template_id
            order.auto_invoice_deposit_amount = (
                template.auto_invoice_deposit_amount
                if template.auto_invoice_amount
                else company.currency_id._convert(
                    company.auto_invoice_deposit_amount,
                    order.currency_id or company.currency_id,
                    company,
                    (order.date_order or fields.Datetime.now()).date(),
                )
            )

    @api.depends(lambda self: ["auto_invoice_on_signature", "amount_total", "currency_id", *POLICY_FIELDS])
    def _compute_auto_invoice_summary(self):
        after = dict(self._fields["auto_invoice_after"]._description_selection(self.env))
        for order in self:
            order.auto_invoice_summary = order.auto_invoice_on_signature and self.env._(
                "%(invoice)s; then: %(after)s",
                invoice=order._auto_invoice_amount_text(),
                after=after.get(order.auto_invoice_after, ""),
            )

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

    # === CONSTRAINT METHODS === #

    # amount_total: checked whenever it is recomputed, whatever lowered it (Discount, a line's price, an RPC write).
    @api.constrains(*POLICY_FIELDS, "auto_invoice_on_signature", "partner_invoice_id", "order_line", "amount_total")
    def _check_auto_invoice_policy(self):
        res = super()._check_auto_invoice_policy()
        for order in self.filtered(lambda order: order.auto_invoice_on_signature and order.state in ("draft", "sent")):
            # A quotation still without a total is being prepared: its signature is refused until it has one.
            if order.amount_total > 0 and (problem := order._auto_invoice_deposit_problem()):
                raise ValidationError(problem)
            if order.auto_invoice_after == "send" and (problem := order._auto_invoice_sending_problem()):
                raise ValidationError(problem)
        return res

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
        clearing = self._auto_invoice_check_clearable(vals) if "signature" in vals and not vals["signature"] else None
        res = super().write(vals)
        for order in signing:
            order._auto_invoice_record_acceptance(order._auto_invoice_request_evidence())
        if clearing:
            clearing._auto_invoice_void_cleared_acceptance()
        return res

    # === ACTION METHODS === #

    def action_draft(self):
        # Odoo resets only cancelled and sent quotations (and clears their signature); a draft quotation is left as
        # it is, signature included: its acceptance stays live, for the payment that confirms it to invoice.
        resettable = self.filtered(lambda order: order.state in ("cancel", "sent"))
        res = super().action_draft()
        # Back to a quotation, the signature is cleared: its acceptance is void, the next signature is a new one.
        reset = resettable.filtered(lambda order: order.state == "draft" and not order.signature).sudo()
        reset.auto_invoice_acceptance_id.write({"state": "void"})
        reset._auto_invoice_close_failure_activities()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self._sign_reminder_close_follow_up(self.env._("The quotation was cancelled."))
        return res

    def action_auto_invoice_retry(self):
        """Create the invoice of a failed acceptance again, once its cause is fixed."""
        self.check_access("write")
        if invalid := self.filtered(lambda order: order.state != "sale" or order.auto_invoice_state != "failed"):
            raise UserError(
                self.env._(
                    "Only confirmed orders whose automatic invoice failed can be retried: %(orders)s",
                    orders=", ".join(invalid.mapped("display_name")),
                )
            )
        invoices = self._auto_invoice_create()
        if failed := self.filtered(lambda order: order.auto_invoice_state == "failed"):
            return self._auto_invoice_retry_notification(
                "warning", self.env._("The invoice could not be created"), failed.mapped("auto_invoice_error")
            )
        if invoiced_already := self.filtered(lambda order: not order.auto_invoice_id):
            return self._auto_invoice_retry_notification(
                "info",
                self.env._("Nothing left to invoice"),
                [order._auto_invoice_invoiced_already_message() for order in invoiced_already],
            )
        return self.action_view_invoice(invoices)

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

    @api.model
    def _auto_invoice_check_signer_name(self, name):
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
        if any(unicodedata.category(char).startswith("C") for char in name):
            raise ValidationError(self.env._("The signer's name contains invisible or control characters."))
        return name

    def _auto_invoice_consent_text(self):
        """The statement shown next to the signature pad, and stored with the acceptance: it says what is invoiced."""
        self.ensure_one()
        consent = self.env._(
            "By signing, I accept quotation %(order)s from %(company)s for %(amount)s on behalf of %(customer)s, "
            "and I agree that my electronic signature is as binding as my handwritten signature.",
            order=self.name,
            company=self.company_id.name,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
            customer=self.partner_id.commercial_partner_id.name,
        )
        if not self.auto_invoice_on_signature:
            return consent
        return self.env._(
            "%(consent)s %(invoice)s is issued at signature.", consent=consent, invoice=self._auto_invoice_amount_text()
        )

    def _auto_invoice_signing_terms_sha256(self):
        """The SHA-256 of what the signing page states, whatever its language: the priced content (see
        `_auto_invoice_priced_content`), the parties and what the signature invoices. The page sends it back with the
        signature, which is refused when the quotation changed since (`_auto_invoice_signing_terms_refusal`)."""
        self.ensure_one()
        terms = {
            "content_sha256": self._auto_invoice_content_sha256(),
            "order": self.name,
            "company": self.company_id.name,
            "customer": self.partner_id.commercial_partner_id.name,
            "invoice": self.auto_invoice_on_signature
            and [
                self.auto_invoice_amount,
                float_repr(self.auto_invoice_deposit_percentage, 2),
                float_repr(self.currency_id.round(self.auto_invoice_deposit_amount), self.currency_id.decimal_places),
            ],
        }
        acceptance_model = self.env["sale.order.acceptance"]
        return acceptance_model._sha256(acceptance_model._canonical_json(terms))

    def _auto_invoice_signing_terms_refusal(self, terms_sha256):
        """Why a signature sent from a page that showed `terms_sha256` cannot be taken, or None."""
        self.ensure_one()
        if terms_sha256 != self._auto_invoice_signing_terms_sha256():
            return self.env._(
                "This quotation changed since you opened it: reload the page to see it as it is now, then sign again."
            )
        return None

    def _auto_invoice_amount_text(self):
        """What the invoice of the signature bills, in the customer's words: "An invoice of $ 1,000.00"."""
        self.ensure_one()
        if self.auto_invoice_amount == "percentage":
            deposit = self.currency_id.round(self.amount_total * self.auto_invoice_deposit_percentage / 100)
            return self.env._(
                "A deposit invoice of %(percentage)s%% (%(amount)s)",
                percentage=float_repr(self.auto_invoice_deposit_percentage, 2).rstrip("0").rstrip("."),
                amount=format_amount(self.env, deposit, self.currency_id),
            )
        if self.auto_invoice_amount == "fixed":
            return self.env._(
                "A deposit invoice of %(amount)s",
                amount=format_amount(self.env, self.auto_invoice_deposit_amount, self.currency_id),
            )
        return self.env._(
            "An invoice of %(amount)s", amount=format_amount(self.env, self.amount_total, self.currency_id)
        )

    def _auto_invoice_default_after(self):
        # What `_compute_auto_invoice_policies` gives: the template's choice, else the company's.
        self.ensure_one()
        return self.sale_order_template_id.auto_invoice_after or self.company_id.auto_invoice_after

    def _auto_invoice_sending_problem(self):
        """Why an invoice of this order could not be sent automatically to its customer, or None."""
        self.ensure_one()
        partner = self.partner_invoice_id
        method = partner.commercial_partner_id.with_company(self.company_id).invoice_sending_method or "email"
        if method == "manual":
            return self.env._(
                "%(customer)s receives invoices by hand (Invoice sending: Download): choose another policy than "
                "Post and Send, or another sending method on the customer.",
                customer=partner.display_name,
            )
        if method == "email" and not partner.email:
            return self.env._(
                "%(customer)s has no email address: add one, or choose another policy than Post and Send.",
                customer=partner.display_name,
            )
        return None

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
        if _caller_records_acceptance.get() or not self.env.user._is_internal():
            return self.browse()
        for order in self:
            if error := order._auto_invoice_signature_refusal():
                raise UserError(error)
            self._auto_invoice_check_signer_name(vals.get("signed_by") or order.signed_by)
        return self

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
        if refused := accepted.filtered(lambda order: vals.get("state", order.state) not in ("draft", "sent")):
            order = refused[0]
            raise UserError(
                self.env._(
                    "%(order)s was signed by %(signer)s: the signature is the evidence of its acceptance and cannot be "
                    "cleared. To have it signed again, cancel the order and set it back to quotation.",
                    order=order.display_name,
                    signer=order.auto_invoice_acceptance_id.signer_name,
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

    def _auto_invoice_deposit_problem(self):
        """Why the fixed deposit of this quotation cannot be invoiced at its signature, or None: more than its total."""
        self.ensure_one()
        deposit, currency = self.auto_invoice_deposit_amount, self.currency_id
        if self.auto_invoice_amount != "fixed" or currency.compare_amounts(deposit, self.amount_total) <= 0:
            return None
        return self.env._(
            "The deposit of %(order)s (%(deposit)s) is more than the quotation's total (%(total)s).",
            order=self.display_name,
            deposit=format_amount(self.env, deposit, currency),
            total=format_amount(self.env, self.amount_total, currency),
        )

    def _auto_invoice_request_evidence(self, channel=None):
        """Who sends the acceptance and from where, read from the HTTP request itself.

        Call it on an environment of the request's user (`request.env` in a portal route, whose records are sudo'd
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

    def _auto_invoice_record_acceptance(self, evidence, document=None):
        """Entry point: the customer has just signed this quotation; record the acceptance, confirm and invoice.

        Every channel comes here once the signature is on the order: the portal route (after Odoo's own route has
        confirmed the order), a backend signature, an RPC write. With Invoice on Signature, the quotation is confirmed
        as the portal does unless an online payment is due; the invoice is created now if the order is confirmed,
        else by the confirmation that the payment brings (see `_action_confirm`).

        :param dict evidence: `channel`, `user_id`, and where known `ip_address`, `user_agent`, `consent_text`
        :param bytes document: the signed quotation's PDF, if the caller has it already
        :return: the acceptance
        """
        self.ensure_one()
        # Without the option, a signature written in the backend stays a signature, as in Odoo.
        if self.auto_invoice_on_signature and self.state in ("draft", "sent") and not self._has_to_be_paid():
            self._validate_order()
        acceptance = self.env["sale.order.acceptance"]._create_for_order(self, evidence, document)
        acceptance._trigger_certificates()  # rendered by a cron once this transaction commits
        self._sign_reminder_close_follow_up(self.env._("Signed by %(signer)s.", signer=acceptance.sudo().signer_name))
        if self.state == "sale":
            self._auto_invoice_create()
        return acceptance

    def _auto_invoice_render_quotation_pdf(self):
        self.ensure_one()
        return self.env["ir.actions.report"].sudo()._render_qweb_pdf("sale.action_report_saleorder", self.ids)[0]

    # === BUSINESS METHODS: invoice === #

    def _action_confirm(self):
        res = super()._action_confirm()
        # An acceptance waiting for its online payment is invoiced by the confirmation that the payment brings
        # (read in sudo: whoever confirms may not see the acceptance).
        self.filtered(lambda order: order.sudo().auto_invoice_state == "pending")._auto_invoice_create()
        return res

    def _auto_invoice_create(self):
        """Entry point: create the invoice of each order's recorded acceptance, at most once.

        Safe to repeat: an order whose acceptance is invoiced already is skipped. A failure is recorded on the
        acceptance and never undoes it nor the confirmation.

        :return: the created invoices
        :rtype: account.move
        """
        invoices = self.env["account.move"]
        for order in self:
            invoices |= order._auto_invoice_create_one()
        return invoices

    def _auto_invoice_create_one(self):
        self.ensure_one()
        # Write every pending change first, outside the savepoint: another module's failing write is its own
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
        acceptance = self.sudo().auto_invoice_acceptance_id
        if not acceptance._is_to_invoice():
            return self.env["account.move"]
        invoice = acceptance.invoice_ids.filtered(lambda move: move.state != "cancel")[:1]
        if invoice:  # a retry of what follows the creation (post, send): never a second invoice
            acceptance.write({"state": "done", "error": False})
        else:
            try:
                with self.env.cr.savepoint():
                    invoice = self._auto_invoice_generate()
                    if invoice:
                        acceptance._link_invoice(invoice)
                        self._auto_invoice_notify_created_sudo(invoice)
                    else:
                        acceptance.write({"state": "done", "error": False})
                        self._auto_invoice_notify_invoiced_already_sudo()
            except (psycopg2.OperationalError, pg_errors.UniqueViolation):
                raise  # a concurrency error (Odoo retries the request) or a second invoice for one acceptance
            except Exception as error:  # whatever the cause, it is recorded and the acceptance stays
                acceptance._mark_failed(error)
                return self.env["account.move"]
            if not invoice:
                self._auto_invoice_close_failure_activities(self._auto_invoice_invoiced_already_message())
                return invoice
        if self._auto_invoice_apply_after_policy(invoice, acceptance):
            self._auto_invoice_close_failure_activities(
                self.env._("Invoice %(invoice)s created.", invoice=invoice.display_name)
            )
        return invoice

    def _auto_invoice_generate(self):
        """The invoice of the accepted quotation, as one draft: in full, every line at its ordered quantity (less what
        is invoiced already), or the deposit its acceptance's policy asks for, through Odoo's down-payment lines (so
        that the final invoice deducts it). Override to change what the invoice of an acceptance contains.

        :return: the draft; empty when everything it would bill is invoiced already (an earlier acceptance, an
            invoice made by hand). Nothing to invoice at all is an error.
        """
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id
        # The review activity notifies the salesperson; skip the "assigned to you" email of the creation.
        order = self.with_context(mail_auto_subscribe_no_notify=True)
        deposit = order._auto_invoice_deposit_to_bill(acceptance)
        if deposit is None:
            self._force_lines_to_invoice_policy_order()
            invoice = order.with_context(raise_if_nothing_to_invoice=False)._create_invoices(grouped=True, final=True)
        elif self.currency_id.compare_amounts(deposit, 0.0) > 0:
            invoice = order._auto_invoice_generate_deposit(acceptance, deposit)
        else:
            invoice = self.env["account.move"]
        if not invoice:
            if self._auto_invoice_live_invoice_lines():
                return invoice
            raise UserError(self._nothing_to_invoice_error_message())
        # Odoo posts the drafts linked to a payment transaction when the payment completes: the acceptance's invoice
        # is linked, and its payments matched, when its policy or a person posts it (account.move._auto_invoice_post).
        invoice.sudo().transaction_ids = [Command.clear()]
        return invoice

    def _auto_invoice_generate_deposit(self, acceptance, amount):
        """A down-payment invoice of `amount` (tax included), as Odoo's Create Invoice > Down payment makes it (split
        by tax): "Down payment of 30%" when it is the policy's percentage, else a fixed amount."""
        self.ensure_one()
        as_percentage = acceptance.auto_invoice_amount == "percentage" and not self.currency_id.compare_amounts(
            amount, self._auto_invoice_deposit_asked(acceptance)
        )
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.ids)
            .create(
                {
                    "advance_payment_method": "percentage" if as_percentage else "fixed",
                    "amount": acceptance.auto_invoice_deposit_percentage,
                    "fixed_amount": amount,
                    "sale_order_ids": [Command.set(self.ids)],
                }
            )
        )
        wizard._check_amount_is_positive()
        return wizard._create_invoices(self)

    def _auto_invoice_deposit_asked(self, acceptance):
        """The deposit the policy of `acceptance` asks for, tax included, in the order's currency."""
        self.ensure_one()
        if acceptance.auto_invoice_amount == "percentage":
            return self.currency_id.round(self.amount_total * acceptance.auto_invoice_deposit_percentage / 100)
        return acceptance.auto_invoice_deposit_amount

    def _auto_invoice_deposit_to_bill(self, acceptance):
        """What the deposit invoice of `acceptance` bills, tax included; None when it invoices the whole quotation
        (its policy, or an online payment of all of it).

        The deposit is the policy's, or what the customer paid online when that is more (the invoice then matches the
        payment), less the down payments already invoiced for this order (not cancelled, net of credit notes), and
        never more than what is left to invoice: a new signature, a retry, an invoice made by hand never bill twice.
        """
        self.ensure_one()
        if acceptance.auto_invoice_amount not in ("percentage", "fixed"):
            return None
        currency, total = self.currency_id, self.amount_total
        paid = self.amount_paid  # Odoo's: the done and authorized online payments of this order
        if currency.compare_amounts(paid, total) >= 0 and currency.compare_amounts(total, 0.0) > 0:
            return None
        asked = max(self._auto_invoice_deposit_asked(acceptance), paid)
        invoiced = self._auto_invoice_amount_invoiced()
        deposits = self._auto_invoice_amount_invoiced(down_payments=True)
        return currency.round(max(min(asked - deposits, total - invoiced), 0.0))

    def _auto_invoice_live_invoice_lines(self, down_payments=False):
        """The invoice and credit note lines of this order that are not cancelled (drafts too: Odoo's invoiced
        quantities count them); with `down_payments`, those of down-payment invoices only, not the deduction of a
        deposit by a later invoice. In sudo: whoever signs may not read invoices."""
        self.ensure_one()
        lines = self.sudo().order_line.invoice_lines.filtered(lambda line: line.move_id.state != "cancel")
        if down_payments:
            lines = lines.filtered(lambda line: line.move_id._is_downpayment())
        return lines

    def _auto_invoice_amount_invoiced(self, down_payments=False):
        """What the lines of `_auto_invoice_live_invoice_lines()` bill, tax included, in the order's currency."""
        self.ensure_one()
        total = 0.0
        for line in self._auto_invoice_live_invoice_lines(down_payments=down_payments):
            move = line.move_id
            date = move.invoice_date or fields.Date.context_today(self)
            amount = line.currency_id._convert(line.price_total, self.currency_id, self.company_id, date)
            total -= move.direction_sign * amount  # + for an invoice, - for a credit note
        return self.currency_id.round(total)

    def _auto_invoice_apply_after_policy(self, invoice, acceptance):
        """Post, or post and send, the acceptance's invoice as its policy says.

        In sudo: the policy was chosen by the company, its template or the quotation, and salespeople (or the public
        user who signs) cannot post invoices. A failure (lock date, no sending method, no PDF engine) keeps the draft
        and goes through the failure path; Retry Invoice does this step again. Only a draft is posted and only an
        invoice never sent is sent: what a person did to the invoice since is never redone.

        :return: whether the policy was applied
        """
        after = acceptance.auto_invoice_after
        invoice_sudo = invoice.sudo()
        if after == "draft" or invoice_sudo.state == "cancel":
            return True
        try:
            with self.env.cr.savepoint():
                if invoice_sudo.state == "draft":
                    invoice_sudo._auto_invoice_post()
                if after == "send" and not invoice_sudo.is_move_sent:
                    invoice_sudo._auto_invoice_send()
        except (psycopg2.OperationalError, pg_errors.UniqueViolation):
            raise
        except Exception as error:  # the invoice stays as it was before this step
            acceptance._mark_failed(error)
            return False
        return True

    def _auto_invoice_notify_created_sudo(self, invoice):
        """Ask the salesperson to review the draft: an activity on the invoice, a note on both documents.

        In sudo because salespeople only read invoices, and the customer's signing request runs as the public user.
        """
        self.ensure_one()
        invoice_sudo = invoice.sudo()
        acceptance = self.sudo().auto_invoice_acceptance_id
        document = invoice_sudo.type_name  # "Invoice", or "Credit Note" when a new signature bills less than before
        certificate = acceptance.certificate_id
        review_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review", raise_if_not_found=False)
        reviewed = acceptance.auto_invoice_after == "draft"  # else its policy posts (and sends) it right away
        after_label = dict(acceptance._fields["auto_invoice_after"]._description_selection(self.env)).get(
            acceptance.auto_invoice_after
        )
        if reviewed and review_type and (responsible := self._auto_invoice_responsible()):
            invoice_sudo.activity_schedule(
                activity_type_id=review_type.id,
                summary=self.env._("Review and send: %(document)s", document=document),
                user_id=responsible.id,
                note=self.env._("Created from the customer's acceptance of %(order)s.", order=self.name),
            )
        invoice_sudo.message_post(
            body=self.env._(
                "%(document)s created from the customer's acceptance of %(order)s, signed by %(signer)s on %(date)s "
                "(UTC). %(next)s",
                document=document,
                order=self._get_html_link(),
                signer=acceptance.signer_name,
                date=fields.Datetime.to_string(acceptance.signed_on),
                next=self.env._("Review it, then press Confirm & Send.") if reviewed else after_label,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
            attachment_ids=certificate and certificate.copy({"res_model": "account.move", "res_id": invoice.id}).ids,
        )
        self.sudo().message_post(
            body=self.env._(
                "%(document)s %(invoice)s created as a draft from the customer's acceptance, waiting for review.",
                document=document,
                invoice=invoice._get_html_link(),
            )
            if reviewed
            else self.env._(
                "%(document)s %(invoice)s created from the customer's acceptance (%(after)s).",
                document=document,
                invoice=invoice._get_html_link(),
                after=after_label,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )

    def _auto_invoice_invoiced_already_message(self):
        """Why the acceptance of this order created no invoice: what it asks for is invoiced already."""
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id
        asked = self.amount_total
        if acceptance.auto_invoice_amount in ("percentage", "fixed"):
            asked = max(self._auto_invoice_deposit_asked(acceptance), self.amount_paid)
        return self.env._(
            "No new invoice for the acceptance of %(order)s: what it invoices (%(amount)s) is already invoiced "
            "(%(invoices)s).",
            order=self.name,
            amount=format_amount(self.env, min(asked, self.amount_total), self.currency_id),
            invoices=", ".join(self._auto_invoice_live_invoice_lines().move_id.mapped("display_name")),
        )

    def _auto_invoice_notify_invoiced_already_sudo(self):
        self.ensure_one()
        self.sudo().message_post(
            body=self._auto_invoice_invoiced_already_message(),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )

    def _auto_invoice_notify_failed_sudo(self, reason):
        """Tell the salesperson why the invoice could not be created: a note, and one open activity."""
        self.ensure_one()
        order_sudo = self.sudo()
        order_sudo.message_post(
            body=self.env._(
                "The invoice could not be created automatically: %(reason)s. "
                "The customer's acceptance is kept. Fix the cause, then press Retry Invoice.",
                reason=reason,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed", raise_if_not_found=False)
        responsible = self._auto_invoice_responsible()
        if failure_type and responsible and failure_type not in order_sudo.activity_ids.activity_type_id:
            order_sudo.activity_schedule(activity_type_id=failure_type.id, user_id=responsible.id, note=reason)

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
