"""The online payments of a signed order: invoiced beyond what is invoiced already, and matched with its invoices.

The acceptance invoices the order when it is signed, or when the payment that the signature waits for confirms it.
Later payments (the rest paid online, the whole order paid after a deposit) go through Odoo's own flow
(`payment.transaction._post_process`), which these methods complete rather than replace: Odoo's *Automatic Invoice*
bills what a payment covers beyond what is invoiced already, under the acceptance's policy (see
`payment_transaction.py`), and whatever arrives first, the payment or the posting of an invoice, every payment ends
matched with the order's open invoices.
"""

import logging

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import fields, models
from odoo.fields import Command

_logger = logging.getLogger(__name__)

# The states of a posted invoice that still waits for money.
OPEN_PAYMENT_STATES = ("not_paid", "partial")


class SaleOrder(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _auto_invoice_bills_payments(self):
        """Whether this order's online payments are invoiced and matched by its acceptance's rules: a live acceptance
        that invoices (read in sudo: the payment's post-processing runs for the customer)."""
        self.ensure_one()
        return bool(self.sudo().auto_invoice_acceptance_id.auto_invoice)

    def _auto_invoice_amount_billed(self, invoice_lines):
        """What `invoice_lines` (of this order's invoices and credit notes) bill, tax included, in the order's
        currency: + for an invoice, - for a credit note."""
        self.ensure_one()
        total = 0.0
        for line in invoice_lines:
            move = line.move_id
            date = move.invoice_date or fields.Date.context_today(self)
            amount = line.currency_id._convert(line.price_total, self.currency_id, self.company_id, date)
            total -= move.direction_sign * amount
        return self.currency_id.round(total)

    def _auto_invoice_bill_payments(self):
        """Odoo's Automatic Invoice for these signed orders: invoice what their online payments cover beyond what is
        invoiced already (drafts included, as Odoo's invoiced quantities count them), never Odoo's down payment of
        everything paid on top of it. Paid in full: the rest of the order, as Odoo's final invoice (it deducts the
        deposits); else a down payment of the difference. Each under its acceptance's after-policy.

        An acceptance still to invoice is left to its own invoice, which bills at least what was paid.

        :return: the invoices created
        """
        invoices = self.env["account.move"]
        for order in self.sudo().filtered(lambda order: order.state == "sale" and order._auto_invoice_bills_payments()):
            acceptance = order.auto_invoice_acceptance_id
            if acceptance._is_to_invoice():
                continue
            lines = order.order_line.invoice_lines.filtered(lambda line: line.move_id.state != "cancel")
            beyond = order.currency_id.round(order.amount_paid - order._auto_invoice_amount_billed(lines))
            if order.currency_id.compare_amounts(beyond, 0.0) <= 0:
                continue
            invoice = acceptance._bill_payment(beyond)
            invoices |= invoice
        return invoices

    def _auto_invoice_generate_payment_invoice(self, amount):
        """The invoice of `amount` paid online beyond what is invoiced: the rest of the order when it is paid in full
        (Odoo's final invoice, every line at its ordered quantity), else a down payment of `amount`, as Odoo's
        Automatic Invoice makes them.

        :return: the draft, or an empty recordset when nothing is left to invoice
        """
        self.ensure_one()
        if self._is_paid():
            self._force_lines_to_invoice_policy_order()
            return self.with_context(raise_if_nothing_to_invoice=False)._create_invoices(final=True)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.ids)
            .create(
                {"advance_payment_method": "fixed", "fixed_amount": amount, "sale_order_ids": [Command.set(self.ids)]}
            )
        )
        return wizard._create_invoices(self)

    def _auto_invoice_match_payments(self):
        """Match the online payments of these signed orders with their open customer invoices, the oldest invoice
        and payment first, and link each payment's transaction to the invoices it pays.

        Only what is the customer's money for the order counts: done transactions that created a payment (not
        refunds, not card validations), still unmatched. Safe to repeat; in sudo (billing users cannot read
        transactions, the customer's payment runs as the public user).
        """
        for order in self.sudo().filtered(lambda order: order._auto_invoice_bills_payments()):
            invoices = order.invoice_ids.filtered(
                lambda move: (
                    move.move_type == "out_invoice"
                    and move.state == "posted"
                    and move.payment_state in OPEN_PAYMENT_STATES
                )
            )
            for transaction in order._auto_invoice_payment_transactions():
                for invoice in invoices.sorted("id"):
                    payment_lines = transaction._auto_invoice_unmatched_lines()
                    receivable = invoice.line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable" and not line.reconciled
                    )
                    matching = payment_lines.filtered(
                        lambda line, receivable=receivable: line.account_id in receivable.account_id
                    )
                    if not matching or invoice.payment_state not in OPEN_PAYMENT_STATES:
                        continue
                    order._auto_invoice_match_payment(invoice, transaction, matching[0])

    def _auto_invoice_match_payment(self, invoice, transaction, payment_line):
        """Match `payment_line` of `transaction` with `invoice`. A refusal (a lock date, another module's check) never
        undoes the posting or the payment that brought it: it is told on the order, for a person to match by hand."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                invoice.js_assign_outstanding_line(payment_line.id)
                invoice.transaction_ids = [Command.link(transaction.id)]
        except (psycopg2.OperationalError, pg_errors.UniqueViolation):
            raise  # a concurrency error: Odoo retries the request
        except Exception as error:  # noqa: BLE001 - told on the order; the payment and the invoice stay as they are
            _logger.warning("Payment %s not matched with %s: %s", transaction.reference, invoice.name, error)
            self.message_post(
                body=self.env._(
                    "The online payment %(payment)s could not be matched with %(invoice)s: %(reason)s. Match it from "
                    "the invoice (Outstanding credits).",
                    payment=transaction.reference,
                    invoice=invoice.name,
                    reason=str(error) or repr(error),
                ),
                author_id=self.env.ref("base.partner_root").id,
                subtype_xmlid="mail.mt_note",
            )

    def _auto_invoice_payment_transactions(self):
        """The done online payments of this order that are the customer's money for it, the oldest first."""
        self.ensure_one()
        return (
            self.sudo()
            .transaction_ids.filtered(
                lambda tx: (
                    tx.state == "done"
                    and tx.operation not in ("validation", "refund")
                    and tx.payment_id
                    and self.currency_id.compare_amounts(tx.amount, 0.0) > 0
                )
            )
            .sorted("id")
        )
