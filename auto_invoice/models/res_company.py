from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        default=True,
        help="Create a draft invoice as soon as a customer signs a quotation.",
    )
