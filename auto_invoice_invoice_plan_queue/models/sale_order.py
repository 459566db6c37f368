from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _auto_invoice_schedule_installments(self, installments):
        # In background mode, one job per installment: its identity key keeps a second one from being queued while
        # the first waits (the next cron run, a signature job retried), and the job itself invoices once.
        if not self.company_id.auto_invoice_background:
            return super()._auto_invoice_schedule_installments(installments)
        acceptance = self.sudo().auto_invoice_acceptance_id
        for plan in installments:
            acceptance._enqueue_installment(plan)
        return self.env["account.move"]
