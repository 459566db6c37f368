from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _update_programs_and_rewards(self):
        # The rewards of a signed quotation are part of what the customer signed, and of the amount they pay online:
        # sale_loyalty recomputes them when the payment confirms the order (a promotion ended or changed meanwhile),
        # which would change the signed content. They stay as signed; to change them, reset and sign again.
        if self.sudo().auto_invoice_acceptance_id:
            return
        return super()._update_programs_and_rewards()
