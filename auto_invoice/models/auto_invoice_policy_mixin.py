from odoo import api, models
from odoo.exceptions import ValidationError

AMOUNT_POLICIES = [
    ("full", "The Whole Quotation"),
    ("percentage", "A Deposit (Percentage)"),
    ("fixed", "A Deposit (Fixed Amount)"),
]
AFTER_POLICIES = [
    ("draft", "Keep as Draft for Review"),
    ("post", "Post"),
    ("send", "Post and Send"),
]
POLICY_FIELDS = [
    "auto_invoice_amount",
    "auto_invoice_deposit_percentage",
    "auto_invoice_deposit_amount",
    "auto_invoice_after",
]


class AutoInvoicePolicyMixin(models.AbstractModel):
    """What an acceptance invoices and what happens to that invoice: the checks shared by the three levels that carry
    these policies (company default, quotation template, quotation). Each level defines the fields of POLICY_FIELDS.
    """

    _name = "auto_invoice.policy.mixin"
    _description = "Invoice on Signature Policies"

    @api.constrains(*POLICY_FIELDS)
    def _check_auto_invoice_policy(self):
        for record in self:
            if record.auto_invoice_amount == "percentage" and not 0 < record.auto_invoice_deposit_percentage <= 100:
                raise ValidationError(self.env._("The deposit percentage must be above 0 and at most 100."))
            if record.auto_invoice_amount == "fixed" and record.auto_invoice_deposit_amount <= 0:
                raise ValidationError(self.env._("The deposit amount must be above 0."))
