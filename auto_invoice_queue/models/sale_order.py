from odoo import models

from odoo.addons.auto_invoice.owned_context import own, owned_value

# Context key of the background mode's signature (the acceptance's entry point and the portal route): the order's
# confirmation email is left to the acceptance's signed-copy job, which attaches the signed copy and the certificate.
# Honoured only for a signed order of a company in background mode (an acceptance's job sends it), and only as
# this addon sets it (an owned value: see auto_invoice/owned_context.py), never from a client's context.
CONFIRMATION_MAIL_DEFERRED = "auto_invoice_queue_confirmation_mail_deferred"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _auto_invoice_record_acceptance(self, evidence, posted=None):
        if not self.company_id.auto_invoice_background:
            return super()._auto_invoice_record_acceptance(evidence, posted=posted)
        # Whatever the channel (a backend signature, an API batch), the confirmation email waits for the signed copy.
        order = self.with_context(**own(CONFIRMATION_MAIL_DEFERRED))
        acceptance = super(SaleOrder, order)._auto_invoice_record_acceptance(evidence, posted=posted)
        acceptance._enqueue_signing()  # even when the invoice waits for a payment (its job is the confirmation's)
        return acceptance

    def _auto_invoice_schedule(self):
        background = self.filtered(lambda order: order.company_id.auto_invoice_background)
        background.sudo().auto_invoice_acceptance_id._enqueue_completion()
        return super(SaleOrder, self - background)._auto_invoice_schedule()

    def _send_order_notification_mail(self, mail_template, allow_deferred_sending=True):
        if mail_template and allow_deferred_sending and self._auto_invoice_defers_confirmation_mail():
            # Sent by the acceptance's job with the signed copy and the certificate (auto_invoice's field of deferred
            # confirmations, which Odoo's cron of deferred order emails, sale.async_emails, does not send).
            self.sudo().auto_invoice_confirmation_template_id = mail_template
            return None
        return super()._send_order_notification_mail(mail_template, allow_deferred_sending=allow_deferred_sending)

    def _auto_invoice_defers_confirmation_mail(self):
        """Whether the confirmation email of this order waits for its acceptance's signed-copy job."""
        self.ensure_one()
        return bool(
            owned_value(self.env, CONFIRMATION_MAIL_DEFERRED)
            and self.signature
            and self.company_id.auto_invoice_background
        )

    def action_auto_invoice_retry(self):
        # A job that failed before the signed copy existed: Retry Invoice completes the signature first.
        self._auto_invoice_check_retry()
        for order in self.filtered(lambda order: order.company_id.auto_invoice_background):
            order._auto_invoice_lock()
            order.sudo().auto_invoice_acceptance_id._complete_signing()
        return super().action_auto_invoice_retry()
