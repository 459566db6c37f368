from odoo import api, models

from .sale_order_signed_content import LINE_CONTENT_FIELDS


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # === The signed-content lock (see sale_order_signed_content.py) === #

    @api.constrains(*LINE_CONTENT_FIELDS)
    def _check_auto_invoice_signed_content_changed(self):
        self.order_id._auto_invoice_check_signed_content_at_commit()

    def write(self, vals):
        if "order_id" in vals:  # the order a line leaves is checked too: a signed line stays on its order
            self.order_id._auto_invoice_check_signed_content_at_commit()
        return super().write(vals)

    def unlink(self):
        self.order_id._auto_invoice_check_signed_content_at_commit()
        return super().unlink()

    def _auto_invoice_is_priced_content(self):
        """Whether this line is part of what a customer signs: products and services, not sections, notes or
        down payments (which Odoo adds to a confirmed order). Override for lines another module adds to quotations
        that its customers do not sign.
        """
        self.ensure_one()
        return not self.display_type and not self.is_downpayment

    # === Invoiced at signature === #

    @api.depends("order_id.auto_invoice_acceptance_id.state", "order_id.auto_invoice_acceptance_id.invoice_ids.state")
    def _compute_qty_to_invoice(self):
        res = super()._compute_qty_to_invoice()
        # Invoiced in full at the signature: goods not delivered yet leave nothing to invoice, and Create Invoice
        # proposes no credit note for them; only what was invoiced beyond the ordered quantity is still to credit.
        # What is delivered beyond what is invoiced (more than ordered, or after a credit note) is invoiced as Odoo
        # does, never the goods not delivered. Lines added after signing were not on that invoice: Odoo's, as they are.
        up_front = self.filtered(lambda line: line._auto_invoice_invoiced_up_front())
        for line in up_front - up_front.order_id._auto_invoice_lines_added_after_signing():
            line.qty_to_invoice = max(line.qty_to_invoice, min(line.product_uom_qty - line.qty_invoiced, 0.0))
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
