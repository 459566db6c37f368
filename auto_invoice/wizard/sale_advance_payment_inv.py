from odoo import models
from odoo.tools import formatLang

from ..models.sale_order_acceptance_invoice import DEPOSIT_OF_ACCEPTANCE
from ..owned_context import owned_value


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _prepare_down_payment_invoice_line_values(self, order, so_line, account):
        values = super()._prepare_down_payment_invoice_line_values(order, so_line, account)
        if owned_value(self.env, DEPOSIT_OF_ACCEPTANCE):
            wizard = self.with_context(lang=order._get_lang())
            values["name"] = (
                wizard.env._("Deposit of %s%%", formatLang(wizard.env, self.amount))
                if self.advance_payment_method == "percentage"
                else wizard.env._("Deposit")
            )
        return values
