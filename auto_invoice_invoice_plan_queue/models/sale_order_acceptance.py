from odoo import models

from odoo.addons.auto_invoice_queue.models.sale_order_acceptance import (
    INVOICE_JOB_PRIORITY,
    JOB_CHANNEL,
    JOB_MAX_RETRIES,
)


class SaleOrderAcceptance(models.Model):
    _inherit = "sale.order.acceptance"

    def _enqueue_installment(self, plan):
        """The job of installment `plan` (sale.invoice.plan) of this acceptance's schedule."""
        self.ensure_one()
        self.sudo().with_delay(
            channel=JOB_CHANNEL,
            priority=INVOICE_JOB_PRIORITY,
            max_retries=JOB_MAX_RETRIES,
            identity_key=f"auto_invoice.acceptance.{self.id}.installment.{plan.installment}",
            description=self.env._(
                "Invoice installment %(installment)s of %(order)s",
                installment=plan.installment,
                order=self.sudo().order_id.name,
            ),
        )._job_invoice_installment(plan)

    def _job_invoice_installment(self, plan):
        """The job of one installment: invoiced with the order locked, if it is still due then (not invoiced by a
        person meanwhile, the order not cancelled nor signed again). Safe to run twice.

        :return: what the job did, kept as its result
        """
        self.ensure_one()
        if skipped := self._job_skipped():  # locks the order; a void acceptance, a cancelled order
            return skipped
        order = self.sudo().order_id
        if plan not in order._auto_invoice_installments_due() or order.auto_invoice_acceptance_id != self.sudo():
            return f"installment {plan.installment}: nothing left to do"
        invoice = self._invoice_installments(plan)
        return (
            f"installment {plan.installment}: invoice {invoice.name or invoice.id}"
            if invoice
            else (f"installment {plan.installment}: {plan.auto_invoice_state}")
        )
