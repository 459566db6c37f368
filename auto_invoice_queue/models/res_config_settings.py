from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    auto_invoice_background = fields.Boolean(related="company_id.auto_invoice_background", readonly=False)
