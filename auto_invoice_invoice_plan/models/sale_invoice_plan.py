from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_round

# The part of its acceptance that an installment's invoice is (account.move.auto_invoice_part): one live invoice per
# installment, whatever process inserts it (auto_invoice's unique index).
PART_PREFIX = "installment:"
PART = PART_PREFIX + "%s"


class SaleInvoicePlan(models.Model):
    _inherit = "sale.invoice.plan"

    auto_invoice_state = fields.Selection(
        selection=[("done", "Invoiced by the Schedule"), ("failed", "Failed")],
        string="Automatic Invoice",
        readonly=True,
        copy=False,
        help="Set once the schedule signed with the quotation tried to invoice this installment: it never does again "
        "by itself. A failed one is invoiced with Invoice Next Installment Now, once its cause is fixed.",
    )
    auto_invoice_error = fields.Text(string="Automatic Invoice Error", readonly=True, copy=False)

    # === COMPUTE METHODS === #

    @api.depends("percent")
    def _compute_amount(self):
        # OCA rewrites the percent of an invoiced installment from what its invoice bills: on a signed schedule the
        # percent is what the customer signed, and stays.
        signed = self.filtered(lambda plan: plan.invoiced and plan._auto_invoice_is_signed())
        for plan in signed:
            plan.amount = plan.amount_invoiced
        return super(SaleInvoicePlan, self - signed)._compute_amount()

    # === CONSTRAINT METHODS === #

    @api.constrains("sale_id", "installment", "plan_date", "invoice_type", "percent")
    def _check_auto_invoice_signed_plan(self):
        # Part of what the customer signed: the order is checked before the transaction commits (auto_invoice's
        # sale_order_signed_content.py), and refuses a change of its signed schedule.
        self.sale_id._auto_invoice_check_signed_content_at_commit()

    # === CRUD METHODS === #

    def write(self, vals):
        # `readonly` is a rule of the views only: only the schedule records what it did, in sudo.
        if {"auto_invoice_state", "auto_invoice_error"} & vals.keys() and not self.env.su:
            raise AccessError(self.env._("Only the signed payment schedule records how it invoiced an installment."))
        return super().write(vals)

    def unlink(self):
        orders = self.sale_id
        res = super().unlink()
        orders.exists()._auto_invoice_check_signed_content_at_commit()
        return res

    # === BUSINESS METHODS === #

    def _auto_invoice_is_signed(self):
        """Whether this installment is part of the schedule signed with its order's current acceptance."""
        self.ensure_one()
        return self.installment in self.sale_id._auto_invoice_signed_plan()

    def _auto_invoice_part(self):
        self.ensure_one()
        return PART % self.installment

    def _compute_new_invoice_quantity(self, invoice_move):
        """The quantities an installment of a signed schedule bills (see `_auto_invoice_quantity`); OCA's own for any
        other plan. A line left with nothing to bill is removed; OCA then removes what a down payment deduction does
        not need, as it does."""
        if not self._auto_invoice_is_signed():
            return super()._compute_new_invoice_quantity(invoice_move)
        move = invoice_move.with_context(check_move_validity=False)
        empty = move.env["account.move.line"]
        for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            order_line = line.sale_line_ids[:1]
            if order_line.is_downpayment:
                if not self.last:  # its share of the advance, as OCA deducts it; the last deducts the rest
                    line.quantity = -self.percent / 100
                continue
            quantity = self._auto_invoice_quantity(order_line, line)
            if quantity:
                line.quantity = quantity
            else:
                empty |= line
        empty.unlink()
        return None

    def _auto_invoice_quantity(self, order_line, invoice_line):
        """What this installment bills of `order_line`: its share of the signed quantity (the last: the rest), never
        more than what is not invoiced yet. Invoiced counts every customer invoice of the line that is not cancelled,
        but not the credit notes: an installment credited stays billed, it is not billed again by the next ones; an
        invoice made by hand is not billed again either."""
        rounding = order_line.product_uom_id.rounding
        billed = sum(
            line.product_uom_id._compute_quantity(line.quantity, order_line.product_uom_id)
            for line in order_line.invoice_lines
            if line != invoice_line and line.move_id.move_type == "out_invoice" and line.move_id.state != "cancel"
        )
        left = float_round(order_line.product_uom_qty - billed, precision_rounding=rounding)
        share = (
            left
            if self.last
            else float_round(order_line.product_uom_qty * self.percent / 100, precision_rounding=rounding)
        )
        return max(min(share, left), 0.0)
