from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        res = super()._post_process()
        # Whatever arrived first, the payment of a signed order ends matched with the order's open invoices (a payment
        # that comes before its invoice is matched when the invoice is posted: account.move._post).
        self.filtered(lambda tx: tx.state == "done").sale_order_ids._auto_invoice_match_payments()
        return res

    def _invoice_sale_orders(self):
        """Odoo's Automatic Invoice (on a done online payment): the orders whose acceptance invoices them are billed
        for what the payment covers beyond what is invoiced already, under their acceptance's policy, instead of
        Odoo's invoice of everything paid on top of the acceptance's (see sale.order._auto_invoice_bill_payments).

        Nothing is linked to the transaction here: Odoo would post a draft linked to it, which the policy may keep for
        review; the payment is matched after Odoo records it (`_post_process`).
        """
        signed = self.filtered(
            lambda tx: tx.sale_order_ids and all(order._auto_invoice_bills_payments() for order in tx.sale_order_ids)
        )
        res = super(PaymentTransaction, self - signed)._invoice_sale_orders()
        for transaction in signed:
            transaction.with_company(transaction.company_id).sale_order_ids._auto_invoice_bill_payments()
        return res

    def _auto_invoice_unmatched_lines(self):
        """The receivable lines of this transaction's payment that are not matched yet."""
        self.ensure_one()
        return self.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        )
