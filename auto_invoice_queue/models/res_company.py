from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    auto_invoice_background = fields.Boolean(
        string="Create invoices in the background",
        help="The customer's signature is recorded and confirms the order at once; the signed copy, the confirmation "
        "email and the invoice are prepared by background workers a few seconds after the signature.",
    )
