from odoo import fields, models

from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES
from .sale_order_signers import SIGNING_ORDERS


class SaleOrderTemplate(models.Model):
    """Quotations made from a template take its policies; an empty policy leaves the company's default."""

    _name = "sale.order.template"
    _inherit = ["sale.order.template", "auto_invoice.policy.mixin"]

    signer_ids = fields.One2many(
        comodel_name="sale.order.template.signer",
        inverse_name="sale_order_template_id",
        string="Signers",
        copy=True,
        help="The roles that sign the quotations made from this template, each filled with a contact of the customer "
        "on the quotation. Empty: the customer signs once.",
    )
    signing_order = fields.Selection(
        selection=SIGNING_ORDERS,
        default="sequence",
        required=True,
    )
    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES,
        string="Invoice at Signature",
        help="Empty: the company's default (Settings).",
    )
    auto_invoice_deposit_percentage = fields.Float(string="Deposit (%)")
    auto_invoice_deposit_amount = fields.Float(
        string="Deposit Amount", help="In the currency of the quotation made from the template."
    )
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES,
        string="After Creating the Invoice",
        help="Empty: the company's default (Settings).",
    )
