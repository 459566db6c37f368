from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    auto_invoice_order_ids = fields.One2many(
        comodel_name="sale.order",
        inverse_name="auto_invoice_id",
        string="Accepted Quotations",
        readonly=True,
    )
    is_auto_invoice = fields.Boolean(
        string="Is an Automatic Invoice",
        compute="_compute_is_auto_invoice",
        compute_sudo=True,  # whoever sees the invoice, even without access to the order
    )

    # === COMPUTE METHODS === #

    @api.depends("auto_invoice_order_ids")
    def _compute_is_auto_invoice(self):
        for move in self:
            move.is_auto_invoice = bool(move.auto_invoice_order_ids)

    # === ACTION METHODS === #

    def action_auto_invoice_send(self):
        """Confirm & Send: post the reviewed automatic invoices, then email them with their PDF."""
        self._auto_invoice_check_sendable()
        self.action_post()
        self.env["account.move.send"]._generate_and_send_invoices(self, sending_methods=["email"])
        self.activity_feedback(["auto_invoice.mail_activity_type_auto_invoice_review"])
        return True

    # === BUSINESS METHODS === #

    def _auto_invoice_check_sendable(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only users with billing rights can confirm and send invoices."))
        self.check_access("write")
        for move in self:
            if not move.is_auto_invoice:
                raise UserError(self.env._(
                    "%(invoice)s was not created from an accepted quotation.", invoice=move.display_name,
                ))
            if move.state != "draft":
                raise UserError(self.env._("%(invoice)s is already confirmed.", invoice=move.display_name))
            if not move.partner_id.email:
                raise UserError(self.env._(
                    "%(customer)s has no email address. Add one to the customer, then send the invoice again.",
                    customer=move.partner_id.display_name,
                ))
