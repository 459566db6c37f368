from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        default=True,
        help="Create a draft invoice as soon as a customer signs a quotation.",
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
