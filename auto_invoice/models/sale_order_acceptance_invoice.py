"""The outcome of an acceptance: the invoice it creates, what its policy does with it, and who is told.

Called from the order's narrow hooks (`sale.order._auto_invoice_create()`, at the signature or at the confirmation
an online payment brings); the order keeps `_auto_invoice_generate()`, what the invoice contains. The acceptance is
internal: these methods read and write it in sudo, and call the order in the caller's environment (`_accepted_order()`).
"""

import logging

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_amount

from ..owned_context import own
from .portal_mixin import INTERNAL_NOTICE
from .sale_order_signed_billing import BILLED_ACCEPTANCE

# Context key of the acceptance's deposit invoice (_generate_deposit_invoice): its line says "deposit", the word of the
# quotation, its email and the portal, where Odoo's wizard says "down payment" (wizard/sale_advance_payment_inv.py).
DEPOSIT_OF_ACCEPTANCE = "auto_invoice_deposit"

_logger = logging.getLogger(__name__)


class SaleOrderAcceptance(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order.acceptance"  # pylint: disable=consider-merging-classes-inherited

    # === BUSINESS METHODS: the invoice === #

    def _accepted_order(self):
        """The accepted order, in this environment (a salesperson's, the signer's sudo'd one): whoever invoices may
        not read the acceptance itself, which is read in sudo."""
        self.ensure_one()
        return self.sudo().order_id.with_env(self.env)

    def _is_to_invoice(self):
        """Whether this acceptance still waits for its automatic invoice (its order confirmed)."""
        acceptance = self.sudo()
        return (
            len(acceptance) == 1
            and acceptance.auto_invoice
            and acceptance.state in ("pending", "failed")
            and acceptance.order_id.state == "sale"
        )

    def _create_invoice(self):
        """Create the invoice of this acceptance and apply its policy, at most once; call it with its order locked
        (`sale.order._auto_invoice_create`).

        Safe to repeat: an acceptance invoiced already does nothing, one whose invoice exists redoes only what follows
        its creation (post, send). A failure is recorded on the acceptance and never undoes it nor the confirmation.

        :return: the created invoice, or an empty recordset
        """
        if not self._is_to_invoice():
            return self.env["account.move"]
        acceptance, order = self.sudo(), self._accepted_order()
        invoice = acceptance.invoice_ids.filtered(lambda move: move.state != "cancel")[:1]
        if invoice:  # a retry of what follows the creation (post, send): never a second invoice
            acceptance.write({"state": "done", "error": False})
        else:
            try:
                with self.env.cr.savepoint():
                    invoice = order._auto_invoice_generate()
                    if invoice:
                        self._link_invoice(invoice)
                        self._notify_created(invoice)
                    else:
                        acceptance.write({"state": "done", "error": False})
                        self._notify_invoiced_already()
            except (psycopg2.OperationalError, pg_errors.UniqueViolation):
                raise  # a concurrency error (Odoo retries the request) or a second invoice for one acceptance
            except Exception as error:  # whatever the cause, it is recorded and the acceptance stays
                self._mark_failed(error)
                return self.env["account.move"]
            if not invoice:
                order._auto_invoice_close_failure_activities(self._invoiced_already_message())
                return invoice
        if self._apply_policy(invoice):
            order._auto_invoice_close_failure_activities(
                self.env._("Invoice %(invoice)s created.", invoice=invoice.display_name)
            )
        return invoice

    def _apply_policy(self, invoice, on_failure=None):
        """Post, or post and send, this acceptance's invoice as its policy says.

        In sudo: the policy was chosen by the company, its template or a billing user, and salespeople (or the public
        user who signs) cannot post invoices. A failure (lock date, no sending method, no PDF engine) keeps the draft
        and goes through the failure path; Retry Invoice does this step again. Only a draft is posted and only an
        invoice never sent is sent: what a person did to the invoice since is never redone.

        :param on_failure: called with the error instead of the acceptance's failure path (`_mark_failed`)
        :return: whether the policy was applied
        """
        after = self.sudo().auto_invoice_after
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
            (on_failure or self._mark_failed)(error)
            return False
        return True

    def _bill_payment(self, amount):
        """Invoice `amount` that the order's online payments cover beyond what is invoiced already, under this
        acceptance's after-policy (see sale.order._auto_invoice_bill_payments): kept as a draft for review, or posted
        (and sent). Its payments are matched once it is posted, as for the acceptance's own invoice. A failure is told
        on the order; the payment itself is Odoo's, and stays.

        :return: the invoice, or an empty recordset
        """
        self.ensure_one()
        order = self._accepted_order().with_context(mail_auto_subscribe_no_notify=True)
        try:
            with self.env.cr.savepoint():
                invoice = order._auto_invoice_generate_payment_invoice(amount)
                # Posted by its policy or a person, never by the payment (see sale.order._auto_invoice_generate).
                invoice.sudo().transaction_ids = [Command.clear()]
                invoice._auto_invoice_remember_draft_dates()  # dated when it is posted, as the acceptance's own
        except (psycopg2.OperationalError, pg_errors.UniqueViolation):
            raise
        except Exception as error:  # the payment is recorded by Odoo all the same; a person invoices it
            self._notify_payment_not_billed(amount, error)
            return self.env["account.move"]
        if invoice:
            self._notify_payment_billed(invoice)
            self._apply_policy(invoice, on_failure=lambda error: self._notify_payment_not_billed(amount, error))
        return invoice

    def _link_invoice(self, invoice):
        """Record `invoice` as this acceptance's automatic invoice (the unique index refuses a second live one)."""
        self.ensure_one()
        invoice.sudo().auto_invoice_acceptance_id = self.sudo()
        invoice._auto_invoice_remember_draft_dates()  # dated when it is posted (account_move_dates.py)
        invoice._auto_invoice_remember_draft_total()  # a deposit edited since reads as a difference
        self.sudo().write({"state": "done", "error": False})

    def _mark_failed(self, error):
        """The invoice could not be created: keep the acceptance, record why, tell the salesperson."""
        self.ensure_one()
        acceptance = self.sudo()
        reason = str(error) or repr(error)
        if isinstance(error, UserError | ValidationError):
            _logger.warning("Automatic invoice of %s failed: %s", acceptance.order_id.name, reason)
        else:  # a programming error, in this module or another one: it deserves a traceback
            _logger.error("Automatic invoice of %s failed: %s", acceptance.order_id.name, reason, exc_info=error)
        acceptance.write({"state": "failed", "error": reason})
        self._notify_failed(reason)

    def _invoice_removed(self, names, deleted=False):
        """A user cancelled or deleted the invoices `names`: an acceptance left without a live invoice can be
        invoiced again (Retry Invoice), never automatically."""
        for acceptance in self.sudo().filtered(lambda acc: acc.state == "done" and acc.auto_invoice):
            if acceptance.invoice_ids.filtered(lambda move: move.state != "cancel"):
                continue
            if deleted:
                reason = self.env._(
                    "%(invoices)s was deleted. Press Retry Invoice to create the invoice of this acceptance again.",
                    invoices=names,
                )
            else:
                reason = self.env._(
                    "%(invoices)s was cancelled. Press Retry Invoice to create the invoice of this acceptance again.",
                    invoices=names,
                )
            acceptance.write({"state": "failed", "error": reason})
            acceptance.order_id.message_post(
                body=reason,
                author_id=self.env.ref("base.partner_root").id,
                subtype_xmlid="mail.mt_note",
            )

    # === BUSINESS METHODS: what a deposit bills === #

    def _billing_context(self):
        """The context in which Odoo's invoicing bills this acceptance as signed (see sale_order_signed_billing.py)."""
        self.ensure_one()
        return own(BILLED_ACCEPTANCE, self.id)

    def _signed_total(self):
        """The total the customer signed, tax included, in the order's currency (the order's own total for an
        acceptance without recorded content)."""
        self.ensure_one()
        acceptance = self.sudo()
        signed = acceptance._signed_content()
        return float(signed["amount_total"]) if signed else acceptance.order_id.amount_total

    def _deposit_asked(self):
        """The deposit this acceptance's policy asks for, tax included, in the order's currency: a share of the
        signed total, or the fixed amount."""
        self.ensure_one()
        acceptance = self.sudo()
        if acceptance.auto_invoice_amount == "percentage":
            return acceptance.order_id.currency_id.round(
                self._signed_total() * acceptance.auto_invoice_deposit_percentage / 100
            )
        return acceptance.auto_invoice_deposit_amount

    def _deposit_to_bill(self):
        """What the deposit invoice of this acceptance bills, tax included; None when it invoices the whole quotation
        (its policy, or an online payment of all of it).

        The deposit is the policy's, or what the customer paid online when that is more (the invoice then matches the
        payment), less the down payments already invoiced for this order (not cancelled, net of credit notes), and
        never more than what is left to invoice of the signed total: a new signature, a retry, an invoice made by hand
        never bill twice, and lines added after signing are not the acceptance's to bill.
        """
        self.ensure_one()
        acceptance = self.sudo()
        if acceptance.auto_invoice_amount not in ("percentage", "fixed"):
            return None
        order = acceptance.order_id
        currency, total = order.currency_id, self._signed_total()
        paid = order.amount_paid  # Odoo's: the done and authorized online payments of this order
        if currency.compare_amounts(paid, total) >= 0 and currency.compare_amounts(total, 0.0) > 0:
            return None
        asked = max(self._deposit_asked(), paid)
        invoiced = self._amount_invoiced()
        deposits = self._amount_invoiced(down_payments=True)
        return currency.round(max(min(asked - deposits, total - invoiced), 0.0))

    def _generate_deposit_invoice(self, amount):
        """A down-payment invoice of `amount` (tax included), as Odoo's Create Invoice > Down payment makes it (split
        by tax): "Deposit of 30%" when it is the policy's percentage, else a fixed amount ("Deposit")."""
        self.ensure_one()
        acceptance, order = self.sudo(), self._accepted_order()
        currency = order.currency_id
        # Odoo's percentage is of the order as it is now: the policy's share of the signed total only while the two
        # are the same (no line added since), else the same amount as a fixed one.
        as_percentage = (
            acceptance.auto_invoice_amount == "percentage"
            and not currency.compare_amounts(amount, self._deposit_asked())
            and not currency.compare_amounts(order.amount_total, self._signed_total())
        )
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids, **own(DEPOSIT_OF_ACCEPTANCE))
            .create(
                {
                    "advance_payment_method": "percentage" if as_percentage else "fixed",
                    "amount": acceptance.auto_invoice_deposit_percentage,
                    "fixed_amount": amount,
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )
        wizard._check_amount_is_positive()
        return wizard._create_invoices(order)

    def _invoiced_lines(self, down_payments=False):
        """The invoice and credit note lines that bill what this acceptance bills, not cancelled (drafts too: Odoo's
        invoiced quantities count them): those of the order's lines but the lines added after signing; with
        `down_payments`, those of down-payment invoices only, not the deduction of a deposit by a later invoice. In
        sudo: whoever signs may not read invoices."""
        self.ensure_one()
        order = self.sudo().order_id
        billed = order.order_line - order._auto_invoice_lines_added_after_signing()
        lines = billed.invoice_lines.filtered(lambda line: line.move_id.state != "cancel")
        if down_payments:
            lines = lines.filtered(lambda line: line.move_id._is_downpayment())
        return lines

    def _amount_invoiced(self, down_payments=False):
        """What the lines of `_invoiced_lines()` bill, tax included, in the order's currency."""
        self.ensure_one()
        return self.sudo().order_id._auto_invoice_amount_billed(self._invoiced_lines(down_payments=down_payments))

    # === BUSINESS METHODS: who is told === #

    def _notify_created(self, invoice):
        """Ask the salesperson to review the draft: an activity on the invoice, a note on both documents.

        In sudo because salespeople only read invoices, and the customer's signing request runs as the public user.
        """
        self.ensure_one()
        acceptance, invoice_sudo = self.sudo(), invoice.sudo()
        order = acceptance.order_id
        document = invoice_sudo.type_name  # "Invoice", or "Credit Note" when a new signature bills less than before
        certificate = acceptance.certificate_id
        reviewed = acceptance.auto_invoice_after == "draft"  # else its policy posts (and sends) it right away
        after_label = self._after_label()
        self._ask_review(
            invoice_sudo, self.env._("Created from the customer's acceptance of %(order)s.", order=order.name)
        )
        invoice_sudo.message_post(
            body=self.env._(
                "%(document)s created from the customer's acceptance of %(order)s, signed by %(signer)s on %(date)s "
                "(UTC). %(next)s",
                document=document,
                order=order._get_html_link(),
                signer=acceptance._accepted_by(),
                date=fields.Datetime.to_string(acceptance.signed_on),
                next=self.env._("Review it, then press Confirm & Send.") if reviewed else after_label,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
            attachment_ids=certificate and self._certificate_copy().ids,
        )
        order.message_post(
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

    def _after_label(self):
        """What follows the creation of this acceptance's invoice, as its after-policy is labelled."""
        acceptance = self.sudo()
        return dict(acceptance._fields["auto_invoice_after"]._description_selection(self.env)).get(
            acceptance.auto_invoice_after
        )

    def _schedule_for_salesperson(self, record, **values):
        """An activity for the salesperson on `record`. Its email goes through Odoo's mail queue, whose cron is woken
        now: it leaves a moment later, and the customer's signing request does not wait for our internal email.

        :return: the activity
        """
        activity = record.with_context(mail_notify_force_send=False, **own(INTERNAL_NOTICE)).activity_schedule(**values)
        if cron := self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False):
            cron.sudo()._trigger()
        return activity

    def _invoiced_already_message(self):
        """Why this acceptance created no invoice: what it asks for is invoiced already."""
        self.ensure_one()
        acceptance = self.sudo()
        order = acceptance.order_id
        asked = total = self._signed_total()
        if acceptance.auto_invoice_amount in ("percentage", "fixed"):
            asked = max(self._deposit_asked(), order.amount_paid)
        return self.env._(
            "No new invoice for the acceptance of %(order)s: what it invoices (%(amount)s) is already invoiced "
            "(%(invoices)s).",
            order=order.name,
            amount=format_amount(self.env, min(asked, total), order.currency_id),
            invoices=", ".join(self._invoiced_lines().move_id.mapped("display_name")),
        )

    def _notify_invoiced_already(self):
        self.ensure_one()
        self.sudo().order_id.message_post(
            body=self._invoiced_already_message(),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )

    def _notify_payment_billed(self, invoice):
        """Tell the salesperson what an online payment beyond what was invoiced created; a draft is theirs to review."""
        self.ensure_one()
        acceptance, invoice_sudo = self.sudo(), invoice.sudo()
        order = acceptance.order_id
        self._ask_review(invoice_sudo, self.env._("Created for the online payments of %(order)s.", order=order.name))
        order.message_post(
            body=self.env._(
                "%(invoice)s created for what the online payments cover beyond what was invoiced (%(amount)s): "
                "%(after)s.",
                invoice=invoice._get_html_link(),
                amount=format_amount(self.env, invoice_sudo.amount_total, invoice_sudo.currency_id),
                after=self._after_label(),
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )

    def _notify_payment_not_billed(self, amount, error):
        """An online payment beyond what was invoiced could not be invoiced (or its invoice posted): a note and an
        activity for the salesperson, who invoices it from the order."""
        self.ensure_one()
        order_sudo = self.sudo().order_id
        reason = str(error) or repr(error)
        _logger.warning("Online payment of %s not invoiced automatically: %s", order_sudo.name, reason)
        note = self.env._(
            "The online payment of %(amount)s beyond what was invoiced could not be invoiced automatically: "
            "%(reason)s. Invoice it from the order (Create Invoice).",
            amount=format_amount(self.env, amount, order_sudo.currency_id),
            reason=reason,
        )
        order_sudo.message_post(body=note, author_id=self.env.ref("base.partner_root").id, subtype_xmlid="mail.mt_note")
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed", raise_if_not_found=False)
        if failure_type and (responsible := order_sudo._auto_invoice_responsible()):
            self._schedule_for_salesperson(
                order_sudo, activity_type_id=failure_type.id, user_id=responsible.id, note=note
            )

    def _notify_failed(self, reason):
        """Tell the salesperson why the invoice could not be created: a note, and one open activity."""
        self.ensure_one()
        order_sudo = self.sudo().order_id
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
        responsible = order_sudo._auto_invoice_responsible()
        if failure_type and responsible and failure_type not in order_sudo.activity_ids.activity_type_id:
            self._schedule_for_salesperson(
                order_sudo, activity_type_id=failure_type.id, user_id=responsible.id, note=reason
            )
