from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    auto_invoice_on_signature = fields.Boolean(
        related="company_id.auto_invoice_on_signature",
        readonly=False,
    )
