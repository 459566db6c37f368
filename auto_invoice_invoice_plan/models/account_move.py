from markupsafe import Markup

from odoo import api, models
from odoo.tools import format_amount

from .sale_invoice_plan import PART_PREFIX


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.depends("auto_invoice_part")
    def _compute_auto_invoice_differences(self):
        # An installment bills a share of the signed quotation by design, which the line-by-line comparison would read
        # as a difference: it is compared with what the schedule made it bill.
        installments = self.filtered(lambda move: (move.auto_invoice_part or "").startswith(PART_PREFIX))
        for move in installments:
            made = move.auto_invoice_draft_total
            move.auto_invoice_differences = (
                made
                and move.currency_id.compare_amounts(move.amount_total, made)
                and self.env._(
                    "Installment: %(made)s made by the payment schedule, %(billed)s on the invoice.",
                    made=format_amount(self.env, made, move.currency_id),
                    billed=format_amount(self.env, move.amount_total, move.currency_id),
                )
            ) or False
        return super(AccountMove, self - installments)._compute_auto_invoice_differences()

    def _auto_invoice_email_text(self):
        # The company's sentence for what the invoice bills, then which installment of the schedule it is.
        text = super()._auto_invoice_email_text()
        part = self.sudo().auto_invoice_part or ""
        if not part.startswith(PART_PREFIX):
            return text
        number = int(part.removeprefix(PART_PREFIX))
        order = self.sudo().auto_invoice_acceptance_id.order_id
        installments = [n for n, row in order._auto_invoice_signed_plan().items() if row["type"] != "advance"]
        if number not in installments:
            return text + Markup(" ") + self.env._("It bills the advance of the payment schedule.")
        return (
            text
            + Markup(" ")
            + self.env._(
                "It bills installment %(number)s of %(count)s of the payment schedule.",
                number=installments.index(number) + 1,
                count=len(installments),
            )
        )
