from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    auto_invoice_background = fields.Boolean(
        string="Create invoices in the background",
        help="The customer's signing request records the acceptance and confirms the order; the signed copy, the "
        "confirmation email and the invoice follow seconds later in a job (channel root.auto_invoice).",
    )
