import logging

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class SaleOrderAcceptance(models.Model):
    _inherit = "sale.order.acceptance"

    def _create_invoice(self):
        """An acceptance of a payment schedule hands its invoicing over to the schedule: the installments due at
        signature are invoiced now, one invoice each, the others on their day (sale.order.
        _cron_auto_invoice_installments)."""
        if not self._is_to_invoice() or not self._accepted_order()._auto_invoice_signed_plan():
            return super()._create_invoice()
        acceptance, order = self.sudo(), self._accepted_order()
        acceptance.write({"state": "done", "error": False})
        order.sudo().message_post(
            body=self.env._(
                "Invoiced by the payment schedule the customer signed: %(schedule)s.",
                schedule=order._auto_invoice_schedule_text(),
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
        return order._auto_invoice_schedule_installments(order._auto_invoice_installments_due())

    def _invoice_removed(self, names, deleted=False):
        # An installment's invoice cancelled or deleted by a person: the schedule never bills that installment again by
        # itself (nor does Retry Invoice, which is for an acceptance's own invoice); a billing user invoices it again.
        scheduled = self.sudo().filtered(lambda acc: acc.state == "done" and acc.order_id._auto_invoice_signed_plan())
        super(SaleOrderAcceptance, self - scheduled)._invoice_removed(names, deleted=deleted)
        for acceptance in scheduled:
            acceptance.order_id.message_post(
                body=self.env._(
                    "%(invoices)s was deleted or cancelled: the schedule does not invoice its installment again by "
                    "itself. To bill it, press Invoice Next Installment Now.",
                    invoices=names,
                ),
                author_id=self.env.ref("base.partner_root").id,
                subtype_xmlid="mail.mt_note",
            )

    def _invoice_installments(self, installments, early=False):
        """Invoice each of `installments` (sale.invoice.plan of this acceptance's schedule) at most once, and apply
        the policy to each invoice; call it with the order locked. A failure is recorded on its installment and told
        to the salesperson; it never undoes the acceptance nor the other installments.

        :param early: invoiced ahead of its day, by a person (Invoice Next Installment Now): a failure is theirs to
            read at once, not recorded
        :return: the invoices created
        """
        invoices = self.env["account.move"]
        for plan in installments:
            invoices |= self._invoice_installment(plan, early=early)
        return invoices

    def _invoice_installment(self, plan, early=False):
        self.ensure_one()
        acceptance, order = self.sudo(), self._accepted_order()
        part = plan._auto_invoice_part()
        if acceptance.invoice_ids.filtered(lambda move: move.auto_invoice_part == part and move.state != "cancel"):
            plan.sudo().auto_invoice_state = "done"  # a retry of what follows its creation is a person's now
            return self.env["account.move"]
        try:
            with self.env.cr.savepoint():
                invoice = order._auto_invoice_generate_installment(plan)
                plan.sudo().write({"auto_invoice_state": "done", "auto_invoice_error": False})
                if invoice:
                    invoice.sudo().write({"auto_invoice_acceptance_id": acceptance.id, "auto_invoice_part": part})
                    invoice._auto_invoice_remember_draft_dates()
                    invoice._auto_invoice_remember_draft_total()
                    self._notify_created(invoice)
                else:
                    self._notify_installment_invoiced_already(plan)
        except (psycopg2.OperationalError, pg_errors.UniqueViolation):
            raise  # a concurrency error (retried) or a second invoice for one installment
        except Exception as error:
            if early and isinstance(error, UserError | ValidationError):
                raise
            self._mark_installment_failed(plan, error)
            return self.env["account.move"]
        if invoice:
            self._apply_policy(invoice, on_failure=lambda error: self._notify_installment_failed(plan, error))
        return invoice

    def _mark_installment_failed(self, plan, error):
        reason = str(error) or repr(error)
        if isinstance(error, UserError | ValidationError):
            _logger.warning("Installment %s of %s not invoiced: %s", plan.installment, plan.sale_id.name, reason)
        else:
            _logger.error(
                "Installment %s of %s not invoiced: %s", plan.installment, plan.sale_id.name, reason, exc_info=error
            )
        plan.sudo().write({"auto_invoice_state": "failed", "auto_invoice_error": reason})
        self._notify_installment_failed(plan, error)

    def _notify_installment_failed(self, plan, error):
        """A note and one open activity for the salesperson: installment `plan` was not invoiced (or its invoice not
        posted or sent) automatically."""
        order_sudo = self.sudo().order_id
        reason = str(error) or repr(error)
        note = self.env._(
            "Installment %(installment)s of the payment schedule could not be invoiced automatically: %(reason)s. "
            "Fix the cause, then press Invoice Next Installment Now.",
            installment=plan.installment,
            reason=reason,
        )
        order_sudo.message_post(body=note, author_id=self.env.ref("base.partner_root").id, subtype_xmlid="mail.mt_note")
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed", raise_if_not_found=False)
        responsible = order_sudo._auto_invoice_responsible()
        if failure_type and responsible and failure_type not in order_sudo.activity_ids.activity_type_id:
            self._schedule_for_salesperson(
                order_sudo, activity_type_id=failure_type.id, user_id=responsible.id, note=note
            )

    def _notify_installment_invoiced_already(self, plan):
        self.sudo().order_id.message_post(
            body=self.env._(
                "Installment %(installment)s of the payment schedule: nothing left to invoice, what it bills is "
                "invoiced already.",
                installment=plan.installment,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
