from odoo import fields, models

from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "auto_invoice.policy.mixin"]

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        default=True,
        help="Create a draft invoice as soon as a customer signs a quotation.",
    )
    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES,
        string="Invoice at Signature",
        default="full",
        required=True,
        help="What the invoice created at the customer's signature bills: the whole quotation, or a deposit that "
        "Odoo's down-payment lines deduct from the final invoice.",
    )
    auto_invoice_deposit_percentage = fields.Float(string="Deposit (%)", default=30.0)
    auto_invoice_deposit_amount = fields.Monetary(string="Deposit Amount", currency_field="currency_id")
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES,
        string="After Creating the Invoice",
        default="draft",
        required=True,
        help="Keep the invoice as a draft for a person to review (then Confirm & Send), post it, or post and send it "
        "to the customer with their usual sending method.",
    )
