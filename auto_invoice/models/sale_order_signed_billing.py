"""What the invoice of an acceptance bills: the lines the customer signed, for whom they signed, never more.

Odoo builds the invoice (`_create_invoices`, or its down-payment wizard for a deposit) from the order as it is when the
invoice is made, which may be later than the signature (a background job, Retry Invoice, the payment that confirms
the order) and after lines were added to the confirmed order (a delivered extra, a re-invoiced expense). While an
acceptance makes its invoice (`sale.order.acceptance._billing_context()`), these hooks keep to its signed content:
only the signed lines are invoiceable, and the invoice goes to the invoice address, fiscal position, payment terms and
currency it recorded. Lines added after signing stay for Odoo's own invoicing.
"""

from odoo import models

from ..owned_context import owned_value

# The context key that `sale.order.acceptance._billing_context()` sets, and only these hooks read: the id of the
# acceptance whose invoice is being made, as an owned value (owned_context.py): a client's context never sets it. Any
# other acceptance (another order's, a void one) is ignored.
BILLED_ACCEPTANCE = "auto_invoice_billed_acceptance_id"


class SaleOrder(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _get_invoiceable_lines(self, final=False):
        lines = super()._get_invoiceable_lines(final=final)
        signed = self._auto_invoice_billed_acceptance()._signed_content()
        if not signed:
            return lines
        return self._auto_invoice_keep_signed_lines(lines, self._auto_invoice_match_signed_lines(signed)[0])

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        if signed := self._auto_invoice_billed_acceptance()._signed_content():
            values.update(self._auto_invoice_signed_billing_values(signed))
        return values

    def _force_lines_to_invoice_policy_order(self):
        # Billed in full as signed: the signed lines at their ordered quantity; those added since keep Odoo's own
        # quantity to invoice (what is delivered of a delivered extra).
        signed = self._auto_invoice_billed_acceptance()._signed_content()
        if not signed:
            return super()._force_lines_to_invoice_policy_order()
        for line in self._auto_invoice_match_signed_lines(signed)[0].filtered(lambda line: line.state == "sale"):
            line.qty_to_invoice = line.product_uom_qty - line.qty_invoiced
        return None

    def _auto_invoice_billed_acceptance(self):
        """The acceptance of this order whose invoice is being made, in sudo, or an empty recordset: only the order's
        own live acceptance counts, whatever id a caller puts in the context."""
        acceptance_id = owned_value(self.env, BILLED_ACCEPTANCE)
        acceptance = self.env["sale.order.acceptance"]
        if not acceptance_id or len(self) != 1:
            return acceptance
        acceptance = self.sudo().auto_invoice_acceptance_id
        return acceptance if acceptance.id == acceptance_id else acceptance.browse()

    def _auto_invoice_signed_billing_values(self, signed):
        """The invoice values that say who is billed, as the customer signed them (`signed`: the acceptance's priced
        content; version 1 recorded the payment terms and the currency only)."""
        values = {"invoice_payment_term_id": signed["payment_term_id"] or False}
        currency = self.currency_id if self.currency_id.name == signed["currency"] else None
        if currency:
            values["currency_id"] = currency.id
        if "partner_invoice_id" in signed:
            values["partner_id"] = signed["partner_invoice_id"]
            values["fiscal_position_id"] = signed["fiscal_position_id"] or False
        return values

    def _auto_invoice_keep_signed_lines(self, lines, signed_lines):
        """`lines` (Odoo's invoiceable lines, in their order) without the priced lines that are not `signed_lines`,
        and without the sections, subsections and notes that only headed those. Down payments (deducted by a final
        invoice) are kept."""
        kept, heading = [], []  # heading: the section, subsection and notes waiting for a line to head
        for line in lines:
            if line.display_type == "line_section":
                heading = [line]
            elif line.display_type == "line_subsection":
                heading = [head for head in heading if head.display_type == "line_section"] + [line]
            elif line.display_type:  # a note: it goes with what follows it, as in Odoo
                if heading:
                    heading.append(line)
                else:
                    kept.append(line)
            elif line.is_downpayment:
                kept.append(line)
            elif line in signed_lines:
                kept += heading + [line]
                heading = []
        return self.env["sale.order.line"].browse(line.id for line in kept)
