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

    # Reminders of unsigned quotations
    sign_reminder_first_days = fields.Integer(
        string="First Reminder After (Days)",
        default=3,
        help="Days between sending a quotation and the first reminder to sign it.",
    )
    sign_reminder_interval_days = fields.Integer(
        string="Reminder Interval (Days)",
        default=7,
        help="Days between two reminders.",
    )
    sign_reminder_max_count = fields.Integer(
        string="Reminders at Most",
        default=2,
        help="How many reminders a quotation gets at most; 0 sends none.",
    )

    _sign_reminder_cadence_valid = models.Constraint(
        "CHECK(sign_reminder_first_days >= 0 AND sign_reminder_interval_days >= 1 AND sign_reminder_max_count >= 0)",
        "Reminders: the first one needs 0 days or more, the interval 1 day or more, and the count 0 or more.",
    )
