from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from .auto_invoice_policy_mixin import AFTER_POLICIES, AMOUNT_POLICIES, POLICY_FIELDS


class SaleOrder(models.Model):
    """What the signature of a quotation invoices (the whole quotation or a deposit) and what happens to that invoice
    (kept as a draft for review, posted, posted and sent): the company's choice, else its quotation template's, else
    the quotation's own, editable until signed and kept on the acceptance once signed."""

    _name = "sale.order"
    _inherit = ["sale.order", "auto_invoice.policy.mixin"]

    auto_invoice_amount = fields.Selection(
        selection=AMOUNT_POLICIES,
        string="Invoice at Signature",
        compute="_compute_auto_invoice_policies",
        store=True,
        readonly=False,
        precompute=True,
    )
    auto_invoice_deposit_percentage = fields.Float(
        string="Deposit (%)", compute="_compute_auto_invoice_policies", store=True, readonly=False, precompute=True
    )
    auto_invoice_deposit_amount = fields.Monetary(
        string="Deposit Amount",
        compute="_compute_auto_invoice_deposit_amount",
        store=True,
        readonly=False,
        precompute=True,
    )
    auto_invoice_after = fields.Selection(
        selection=AFTER_POLICIES,
        string="After Creating the Invoice",
        compute="_compute_auto_invoice_policies",
        store=True,
        readonly=False,
        precompute=True,
        help="What happens to the invoice created at the signature. The quotation template's choice, else the "
        "company's; only users with billing rights can choose to post or send it.",
    )
    auto_invoice_summary = fields.Char(
        string="Invoiced at Signature", compute="_compute_auto_invoice_summary", groups="base.group_user"
    )

    # === COMPUTE METHODS === #

    @api.depends("company_id", "sale_order_template_id")
    def _compute_auto_invoice_policies(self):
        for order in self:
            company, template = order.company_id, order.sale_order_template_id
            amount_source = template if template.auto_invoice_amount else company
            order.auto_invoice_amount = amount_source.auto_invoice_amount
            order.auto_invoice_deposit_percentage = amount_source.auto_invoice_deposit_percentage
            order.auto_invoice_after = template.auto_invoice_after or company.auto_invoice_after

    @api.depends("company_id", "sale_order_template_id", "currency_id")
    def _compute_auto_invoice_deposit_amount(self):
        # Apart from the other policies: a new currency (a new pricelist) converts the company's amount again, and
        # leaves the quotation's other choices alone. A template's amount is in the quotation's currency.
        for order in self:
            company, template = order.company_id, order.sale_order_template_id
            order.auto_invoice_deposit_amount = (
                template.auto_invoice_deposit_amount
                if template.auto_invoice_amount
                else company.currency_id._convert(
                    company.auto_invoice_deposit_amount,
                    order.currency_id or company.currency_id,
                    company,
                    (order.date_order or fields.Datetime.now()).date(),
                )
            )

    @api.depends(lambda self: ["auto_invoice_on_signature", "amount_total", "currency_id", *POLICY_FIELDS])
    def _compute_auto_invoice_summary(self):
        after = dict(self._fields["auto_invoice_after"]._description_selection(self.env))
        for order in self:
            order.auto_invoice_summary = order.auto_invoice_on_signature and self.env._(
                "%(invoice)s; then: %(after)s",
                invoice=order._auto_invoice_amount_text(),
                after=after.get(order.auto_invoice_after, ""),
            )

    # === CONSTRAINT METHODS === #

    # amount_total: checked whenever it is recomputed, whatever lowered it (Discount, a line's price, an RPC write).
    @api.constrains(*POLICY_FIELDS, "auto_invoice_on_signature", "partner_invoice_id", "order_line", "amount_total")
    def _check_auto_invoice_policy(self):
        res = super()._check_auto_invoice_policy()
        for order in self.filtered(lambda order: order.auto_invoice_on_signature and order.state in ("draft", "sent")):
            # A quotation still without a total is being prepared: its signature is refused until it has one.
            if order.amount_total > 0 and (problem := order._auto_invoice_deposit_problem()):
                raise ValidationError(problem)
            if order.auto_invoice_after == "send" and (problem := order._auto_invoice_sending_problem()):
                raise ValidationError(problem)
        return res

    # === BUSINESS METHODS === #

    def _auto_invoice_default_after(self):
        # What `_compute_auto_invoice_policies` gives: the template's choice, else the company's.
        self.ensure_one()
        return self.sale_order_template_id.auto_invoice_after or self.company_id.auto_invoice_after

    @api.model
    def _auto_invoice_default_after_fields(self):
        return ("sale_order_template_id", "company_id")

    def _auto_invoice_sending_problem(self):
        """Why an invoice of this order could not be sent automatically to its customer, or None."""
        self.ensure_one()
        partner = self.partner_invoice_id
        method = partner.commercial_partner_id.with_company(self.company_id).invoice_sending_method or "email"
        if method == "manual":
            return self.env._(
                "%(customer)s receives invoices by hand (Invoice sending: Download): choose another policy than "
                "Post and Send, or another sending method on the customer.",
                customer=partner.display_name,
            )
        if method == "email" and not partner.email:
            return self.env._(
                "%(customer)s has no email address: add one, or choose another policy than Post and Send.",
                customer=partner.display_name,
            )
        return None

    def _auto_invoice_deposit_problem(self):
        """Why the fixed deposit of this quotation cannot be invoiced at its signature, or None: more than its total."""
        self.ensure_one()
        deposit, currency = self.auto_invoice_deposit_amount, self.currency_id
        if self.auto_invoice_amount != "fixed" or currency.compare_amounts(deposit, self.amount_total) <= 0:
            return None
        return self.env._(
            "The deposit of %(order)s (%(deposit)s) is more than the quotation's total (%(total)s).",
            order=self.display_name,
            deposit=format_amount(self.env, deposit, currency),
            total=format_amount(self.env, self.amount_total, currency),
        )
