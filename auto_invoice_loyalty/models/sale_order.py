from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _update_programs_and_rewards(self):
        # The rewards of a signed quotation are part of what the customer signed, and of the amount they pay online:
        # sale_loyalty recomputes them at the confirmation, which the signature itself brings (Odoo's portal route
        # confirms the order after the page's terms were checked) or the payment that follows (a promotion ended or
        # changed meanwhile). They stay as signed; to change them, reset the quotation and have it signed again.
        if self.signature or self.sudo().auto_invoice_acceptance_id:
            return
        return super()._update_programs_and_rewards()
