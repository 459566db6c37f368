from odoo import models

from ..models.sale_order_acceptance_invoice import DEPOSIT_OF_ACCEPTANCE
from ..owned_context import owned_value


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _prepare_down_payment_invoice_line_values(self, order, so_line, account):
        values = super()._prepare_down_payment_invoice_line_values(order, so_line, account)
        if owned_value(self.env, DEPOSIT_OF_ACCEPTANCE):
            # In the customer's language, the percentage as their other documents print it ("30%", "12.5%").
            customer_order = order.with_context(lang=order._get_lang())
            values["name"] = (
                customer_order.env._("Deposit of %s%%", customer_order._auto_invoice_percentage_text(self.amount))
                if self.advance_payment_method == "percentage"
                else customer_order.env._("Deposit")
            )
        return values
