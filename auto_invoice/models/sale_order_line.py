from odoo import api, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("order_id.auto_invoice_acceptance_id.state", "order_id.auto_invoice_acceptance_id.invoice_ids.state")
    def _compute_qty_to_invoice(self):
        res = super()._compute_qty_to_invoice()
        # Invoiced in full at the signature: a product invoiced on delivery then counts like one invoiced on order,
        # so that nothing is left to invoice (and Create Invoice proposes no credit note) for goods not delivered yet.
        # Lines added after signing (a delivered extra) were not on that invoice: they are invoiced as Odoo does.
        up_front = self.filtered(lambda line: line._auto_invoice_invoiced_up_front())
        for line in up_front - up_front.order_id._auto_invoice_lines_added_after_signing():
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
