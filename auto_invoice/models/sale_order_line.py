from odoo import api, models

# What a write must touch to possibly change a line's priced content (see sale.order._auto_invoice_priced_content).
PRICED_LINE_FIELDS = {
    "product_id",
    "name",
    "product_uom_qty",
    "product_uom_id",
    "price_unit",
    "discount",
    "tax_ids",
    "display_type",
    "is_downpayment",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._auto_invoice_check_signed_content()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if PRICED_LINE_FIELDS & set(vals):
            self.order_id._auto_invoice_check_signed_content()
        return res

    def unlink(self):
        orders = self.order_id
        res = super().unlink()
        orders.exists()._auto_invoice_check_signed_content()
        return res

    @api.depends("order_id.auto_invoice_acceptance_id.state", "order_id.auto_invoice_acceptance_id.invoice_ids.state")
    def _compute_qty_to_invoice(self):
        res = super()._compute_qty_to_invoice()
        # Invoiced in full at the signature: a product invoiced on delivery then counts like one invoiced on order,
        # so that nothing is left to invoice (and Create Invoice proposes no credit note) for goods not delivered yet.
        for line in self.filtered(lambda line: line._auto_invoice_invoiced_up_front()):
            line.qty_to_invoice = line.product_uom_qty - line.qty_invoiced
        return res

    def _auto_invoice_invoiced_up_front(self):
        """Whether the acceptance invoiced this line in full: its live invoice bills the lines themselves (the whole
        quotation, or a deposit policy paid in full online), not a down payment; a cancelled invoice bills nothing."""
        self.ensure_one()
        acceptance = self.order_id.sudo().auto_invoice_acceptance_id
        return bool(
            self.state == "sale"
            and not self.display_type
            and self.product_id.invoice_policy == "delivery"
            and acceptance.auto_invoice
            and any(move.state != "cancel" and not move._is_downpayment() for move in acceptance.invoice_ids)
        )

    def _auto_invoice_is_priced_content(self):
        """Whether this line is part of what a customer signs: products and services, not sections, notes or
        down payments (which Odoo adds to a confirmed order). Override for lines another module adds after signing.
        """
        self.ensure_one()
        return not self.display_type and not self.is_downpayment
