from markupsafe import Markup

from odoo import models
from odoo.tools import format_amount


class AccountMove(models.Model):
    """An automatic invoice edited since the customer signed: Confirm & Send asks first (auto_invoice.send.confirm),
    and what the customer receives says the signed quotation was adjusted, where it would say it bills what they
    signed: the branded invoice's introduction and the invoice email's sentence. The signature block stays on the
    invoice, the evidence of what was signed; an invoice that bills what was signed keeps the company's texts."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _auto_invoice_differs_from_signed(self):
        """Whether this invoice bills otherwise than the customer signed (the review's differences, read in sudo: the
        customer renders the invoice on the portal); a deposit, otherwise than the deposit asked at signature."""
        self.ensure_one()
        return bool(self.sudo().auto_invoice_differences)

    def _auto_invoice_claims_signed_quotation(self):
        """Whether the company's texts for this invoice say it bills the quotation the customer signed, which an
        adjusted invoice must not: those of an invoice that bills the quotation at once (a deposit's and a final
        invoice's speak of their share)."""
        self.ensure_one()
        return self.sudo()._auto_invoice_billing_kind() == "full" and self._auto_invoice_differs_from_signed()

    def _auto_invoice_adjusted_intro(self):
        """The branded invoice's introduction when this invoice differs from the signed quotation, in place of the
        company's (written for an invoice that bills what was signed); "" otherwise."""
        self.ensure_one()
        if not self._auto_invoice_claims_signed_quotation():
            return ""
        return self.env._(
            "This invoice bills the quotation %(order)s you signed, adjusted since then: see the lines below.",
            order=self._auto_invoice_report_acceptance().order_id.name,
        )

    def _auto_invoice_email_text(self):
        # The company's sentence says that the invoice bills the quotation the customer signed.
        if not self._auto_invoice_claims_signed_quotation():
            return super()._auto_invoice_email_text()
        bold = Markup("<strong>%s</strong>")
        return Markup('<p style="margin: 0;">%s</p>') % self.env._(
            "Thank you for your order. Please find attached your invoice %(invoice)s of %(amount)s for the quotation "
            "%(order)s you signed, adjusted since then: see the lines of the invoice.",
            invoice=bold % self.name,
            amount=bold % format_amount(self.env, self.amount_total, self.currency_id),
            order=bold % self._auto_invoice_report_acceptance().order_id.name,
        )
