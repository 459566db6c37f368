"""What an automatic invoice bills differently from the quotation its customer signed: the review's banner, the
question of Confirm & Send (auto_invoice.send.confirm) and the wording of an adjusted invoice read it
(`auto_invoice_differences`, computed in account_move.py)."""

from odoo import fields, models
from odoo.tools import float_compare, float_repr, format_amount, formatLang


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    auto_invoice_draft_total = fields.Monetary(
        string="Total of the Draft",
        readonly=True,
        copy=False,
        currency_field="currency_id",
        help="What the acceptance made this draft bill, tax included: a deposit edited since reads as a difference.",
    )

    def _auto_invoice_compare(self, signed):
        """What this invoice bills differently from the `signed` priced content, one sentence per difference.

        Lines are matched by product and description; quantities, unit prices, discounts and taxes are compared at
        the precisions of the signed content, then the totals in the invoice's currency. Lines that bill what was
        added to the order after signing are named as such, and left out of the totals compared.
        """
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        added_to_order = self.auto_invoice_acceptance_id.order_id._auto_invoice_lines_added_after_signing()
        billed, added = {}, self.env["account.move.line"]
        for line in self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            if line.sale_line_ids and line.sale_line_ids <= added_to_order:
                added |= line  # bills a line added to the order after the signature (a delivered extra, an expense)
            else:
                billed.setdefault((line.product_id.id or False, line.name or ""), []).append(line)
        differences = []
        for signed_line in signed["lines"]:
            key = (signed_line["product_id"] or False, signed_line["description"])
            label = signed_line["description"].split("\n")[0]
            lines = billed.pop(key, [])
            if not lines:
                differences.append(self.env._("%(line)s: signed, not on the invoice.", line=label))
                continue
            differences += self._auto_invoice_compare_line(label, signed_line, lines, sign)
        for lines in billed.values():
            differences.append(
                self.env._(
                    "%(line)s: on the invoice, not in the signed quotation.",
                    line=lines[0].name.split("\n")[0],
                )
            )
        differences += [
            self.env._("%(line)s: added to the order after signing.", line=(line.name or "").split("\n")[0])
            for line in added
        ]
        if self.currency_id.name != signed["currency"]:
            differences.append(
                self.env._(
                    "Currency: %(signed)s signed, %(billed)s on the invoice.",
                    signed=signed["currency"],
                    billed=self.currency_id.name,
                )
            )
        amounts = self._auto_invoice_amounts_without(added)
        signed_currency = self._auto_invoice_signed_currency(signed)
        labels = {
            "amount_untaxed": self.env._("Untaxed amount"),
            "amount_tax": self.env._("Taxes"),
            "amount_total": self.env._("Total"),
        }
        for field, label in labels.items():
            billed = self.currency_id.round(sign * amounts[field])
            if float_repr(billed, self.currency_id.decimal_places) != signed[field]:
                differences.append(
                    self.env._(
                        "%(label)s: %(signed)s signed, %(billed)s on the invoice.",
                        label=label,
                        signed=format_amount(self.env, float(signed[field]), signed_currency),
                        billed=format_amount(self.env, billed, self.currency_id),
                    )
                )
        return differences

    def _auto_invoice_remember_draft_total(self):
        """Remember what these drafts, just made by an acceptance, bill (see _auto_invoice_compare_deposit). In sudo:
        the acceptance makes them for the signer, who may not write invoices."""
        for move in self.sudo():
            move.auto_invoice_draft_total = move.amount_total

    def _auto_invoice_compare_deposit(self):
        """What this deposit invoice bills otherwise than its acceptance made it bill, or False. The acceptance bills
        the deposit its policy asks for, or the online payments made beyond it (_deposit_to_bill): a share of the
        quotation by design, which the line-by-line comparison would read as a difference."""
        self.ensure_one()
        made = self.auto_invoice_draft_total
        if not made or not self.currency_id.compare_amounts(self.amount_total, made):
            return False
        return self.env._(
            "Deposit: %(made)s made at signature, %(billed)s on the invoice.",
            made=format_amount(self.env, made, self.currency_id),
            billed=format_amount(self.env, self.amount_total, self.currency_id),
        )

    def _auto_invoice_signed_currency(self, signed):
        """The currency of the `signed` content (this invoice's, unless it was changed since)."""
        if signed["currency"] == self.currency_id.name:
            return self.currency_id
        currencies = self.env["res.currency"].with_context(active_test=False)
        return currencies.search([("name", "=", signed["currency"])], limit=1) or self.currency_id

    def _auto_invoice_format_price(self, value, digits):
        """A unit price as a reader reads it, "$ 1,035.00": in this invoice's currency, with the `digits` of prices
        (which may be more than the currency's)."""
        currency = self.currency_id
        amount = formatLang(self.env, value, digits=max(digits, currency.decimal_places))
        symbol = currency.symbol or currency.name
        return (
            f"{symbol}\N{NO-BREAK SPACE}{amount}"
            if currency.position == "before"
            else f"{amount}\N{NO-BREAK SPACE}{symbol}"
        )

    def _auto_invoice_amounts_without(self, lines):
        """This invoice's untaxed amount, taxes and total without the product `lines`, as Odoo computes them."""
        self.ensure_one()
        names = ("amount_untaxed", "amount_tax", "amount_total")
        if not lines:
            return {name: self[name] for name in names}
        tax_model = self.env["account.tax"]
        kept = self.invoice_line_ids.filtered(lambda line: line.display_type == "product") - lines
        base_lines = [self._prepare_product_base_line_for_taxes_computation(line) for line in kept]
        base_lines += self._prepare_epd_base_lines_for_taxes_computation_from_base_lines(kept)
        tax_model._add_tax_details_in_base_lines(base_lines, self.company_id)
        tax_model._round_base_lines_tax_details(base_lines, self.company_id)
        totals = tax_model._get_tax_totals_summary(base_lines, self.currency_id, self.company_id)
        return dict(
            zip(
                names,
                (totals["base_amount_currency"], totals["tax_amount_currency"], totals["total_amount_currency"]),
                strict=True,
            )
        )

    def _auto_invoice_compare_line(self, label, signed_line, lines, sign):
        digits = self.env["decimal.precision"].precision_get
        quantity = sign * sum(line.quantity for line in lines)
        differences = []
        price_text = self._auto_invoice_format_price
        for name, signed_value, billed_value, precision, is_money in (
            (self.env._("quantity"), signed_line["quantity"], quantity, digits("Product Unit"), False),
            (self.env._("unit price"), signed_line["price_unit"], lines[0].price_unit, digits("Product Price"), True),
            (self.env._("discount"), signed_line["discount"], lines[0].discount, digits("Discount"), False),
        ):
            if float_compare(float(signed_value), billed_value, precision_digits=precision):
                differences.append(
                    self.env._(
                        "%(line)s: %(what)s %(signed)s signed, %(billed)s on the invoice.",
                        line=label,
                        what=name,
                        signed=price_text(float(signed_value), precision) if is_money else signed_value,
                        billed=price_text(billed_value, precision) if is_money else float_repr(billed_value, precision),
                    )
                )
        if any(line.product_uom_id.id != signed_line["uom_id"] for line in lines):
            differences.append(self.env._("%(line)s: another unit of measure than signed.", line=label))
        if any(sorted(line.tax_ids.ids) != signed_line["tax_ids"] for line in lines):
            differences.append(
                self.env._(
                    "%(line)s: taxes %(signed)s signed, %(billed)s on the invoice.",
                    line=label,
                    signed=", ".join(self.env["account.tax"].browse(signed_line["tax_ids"]).mapped("name")) or "-",
                    billed=", ".join(lines[0].tax_ids.mapped("name")) or "-",
                )
            )
        return differences
