from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _invoice_sale_orders(self):
        """Odoo's Automatic Invoice (on an online payment), except for the orders whose acceptance makes the invoice.

        Their acceptance invoices them when the payment confirms them (sale.order._action_confirm): the payment must
        not add a second invoice, nor a down-payment invoice on top of the acceptance's, nor unlink the posted
        invoice it is to be matched with.
        """
        by_acceptance = self.filtered(
            lambda tx: (
                tx.sale_order_ids
                and all(order.sudo().auto_invoice_acceptance_id.auto_invoice for order in tx.sale_order_ids)
            )
        )
        return super(PaymentTransaction, self - by_acceptance)._invoice_sale_orders()
