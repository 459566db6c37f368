"""The signers a quotation template asks for: roles to fill (the buyer, the director) and the company's
countersigner. A quotation made from the template starts with these lines, each waiting for its contact."""

from odoo import fields, models


class SaleOrderTemplateSigner(models.Model):
    _name = "sale.order.template.signer"
    _description = "Quotation Template Signer"
    _order = "sale_order_template_id, sequence, id"
    _rec_name = "role"

    sale_order_template_id = fields.Many2one(
        comodel_name="sale.order.template", string="Quotation Template", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    role = fields.Char(required=True, translate=True, help="Who signs for the customer, e.g. Buyer or Director.")
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Countersigner",
        domain=[("share", "=", False)],
        help="An internal user who signs for the company, after every signer of the customer.",
    )

    def _order_signer_values(self):
        """The quotation's signer lines for these roles: the countersigner's filled, the customer's to fill."""
        return [
            {
                "sequence": role.sequence,
                "role": role.role,
                "user_id": role.user_id.id,
                "partner_id": role.user_id.partner_id.id,
            }
            for role in self
        ]
