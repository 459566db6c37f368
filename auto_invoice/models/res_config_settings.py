from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    auto_invoice_on_signature = fields.Boolean(related="company_id.auto_invoice_on_signature", readonly=False)
    auto_invoice_amount = fields.Selection(related="company_id.auto_invoice_amount", readonly=False)
    auto_invoice_deposit_percentage = fields.Float(related="company_id.auto_invoice_deposit_percentage", readonly=False)
    auto_invoice_deposit_amount = fields.Monetary(related="company_id.auto_invoice_deposit_amount", readonly=False)
    auto_invoice_after = fields.Selection(related="company_id.auto_invoice_after", readonly=False)

    # Reminders of unsigned quotations
    sign_reminder_first_days = fields.Integer(related="company_id.sign_reminder_first_days", readonly=False)
    sign_reminder_interval_days = fields.Integer(related="company_id.sign_reminder_interval_days", readonly=False)
    sign_reminder_max_count = fields.Integer(related="company_id.sign_reminder_max_count", readonly=False)
