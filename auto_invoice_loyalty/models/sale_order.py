from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _update_programs_and_rewards(self):
        # sale_loyalty recomputes the programs of an order when it is confirmed, which the signature brings (Odoo's
        # portal route confirms the order after the page's terms were checked) or the payment that follows. The
        # points it grants (a loyalty card, a next-order coupon) are the customer's as for any order; its rewards are
        # part of what the customer signed and pays online: a recomputation that would change them (a promotion ended
        # or changed meanwhile) is undone, and they stay as signed. To change them, reset the quotation and have it
        # signed again.
        if not (self.signature or self.sudo().auto_invoice_acceptance_id):
            return super()._update_programs_and_rewards()
        signed_sha256 = self._auto_invoice_content_sha256()
        with self.env.cr.savepoint() as savepoint:
            res = super()._update_programs_and_rewards()
            if self._auto_invoice_content_sha256() != signed_sha256:
                savepoint.close(rollback=True)
                self._auto_invoice_note_rewards_kept()
        return res

    def _auto_invoice_note_rewards_kept(self):
        self.sudo().message_post(
            body=self.env._(
                "The promotions of %(order)s changed since the customer signed it: its rewards stay as signed, and "
                "its loyalty points were not updated.",
                order=self.name,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
