"""A payment schedule signed with the quotation: OCA's invoice plan is part of the signed content, and each of its
installments is invoiced under the quotation's policy on its day, from the plan the customer signed.

The plan (`sale.invoice.plan`, one line per installment) is OCA's; this module adds it to what the customer signs
(`_auto_invoice_priced_content`), locks it once signed (as prices are locked), says it on the signing page, the PDF and
in the consent stored, and invoices it: at signature what is due then (`sale.order.acceptance._create_invoice`), then
each installment on its date (`_cron_auto_invoice_installments`), or earlier when a billing user asks for it.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import float_repr, float_round, format_amount, format_date

from odoo.addons.auto_invoice.models.sale_order_acceptance_invoice import DEPOSIT_OF_ACCEPTANCE
from odoo.addons.auto_invoice.models.sale_order_signed_content import CONTENT_VERSION
from odoo.addons.auto_invoice.owned_context import own

# The key of the signed content that holds the payment schedule (absent for an order without one).
PLAN_KEY = "invoice_plan"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    auto_invoice_plan_next_id = fields.Many2one(
        comodel_name="sale.invoice.plan",
        string="Next Installment",
        compute="_compute_auto_invoice_plan_next_id",
        help="The next installment of the signed payment schedule that is not invoiced yet.",
    )

    # === COMPUTE METHODS === #

    @api.depends("invoice_plan_ids.invoiced", "state")
    def _compute_auto_invoice_plan_next_id(self):
        for order in self:
            signed = order._auto_invoice_signed_plan() if order.state == "sale" else {}
            order.auto_invoice_plan_next_id = order.invoice_plan_ids.filtered(
                lambda plan, signed=signed: plan.installment in signed and not plan.invoiced
            ).sorted("installment")[:1]

    # === CONSTRAINT METHODS === #

    @api.constrains("use_invoice_plan")
    def _check_auto_invoice_signed_plan_used(self):
        self._auto_invoice_check_signed_content_at_commit()

    # === ACTION METHODS === #

    def action_draft(self):
        res = super().action_draft()
        # A quotation set back to draft is signed again: its next acceptance invoices what is not invoiced afresh.
        self.sudo().invoice_plan_ids.filtered(lambda plan: not plan.invoiced).write(
            {"auto_invoice_state": False, "auto_invoice_error": False}
        )
        return res

    def action_auto_invoice_next_installment(self):
        """Invoice Next Installment Now: the next installment of the signed schedule, today, under the quotation's
        policy (as its day would). For billing users (the button's group, checked here too)."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only users with billing rights can invoice an installment ahead of its day."))
        plan = self.auto_invoice_plan_next_id
        if not plan or self.state != "sale" or not self.sudo().auto_invoice_acceptance_id.auto_invoice:
            raise UserError(
                self.env._(
                    "%(order)s has no installment of a signed payment schedule left to invoice.", order=self.name
                )
            )
        self._auto_invoice_lock()
        invoice = self.sudo().auto_invoice_acceptance_id.with_env(self.env)._invoice_installments(plan, early=True)
        if not invoice:
            return True  # what happened is on the order's chatter (invoiced already, or why it failed)
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": invoice.id,
            "view_mode": "form",
        }

    # === CRON === #

    @api.model
    def _cron_auto_invoice_installments(self):
        """Invoice the installments of signed payment schedules whose day has come, one order at a time, each
        committed with its progress: an order locked by another worker (a second cron run, a person's Invoice Next
        Installment Now) is left for the next run, and every installment is invoiced once."""
        orders = self._auto_invoice_orders_with_installments_due()
        self.env["ir.cron"]._commit_progress(remaining=len(orders))
        for order in orders:
            if order := order.try_lock_for_update():
                order._auto_invoice_schedule_installments(order._auto_invoice_installments_due())
            if not self.env["ir.cron"]._commit_progress(1):
                break

    @api.model
    def _auto_invoice_orders_with_installments_due(self):
        """The confirmed orders whose signed schedule has an installment to invoice today, in sudo."""
        today = fields.Date.context_today(self)
        plans = (
            self.env["sale.invoice.plan"]
            .sudo()
            .search(
                [
                    ("state", "=", "sale"),
                    ("invoiced", "=", False),
                    ("auto_invoice_state", "=", False),
                    "|",
                    ("plan_date", "<=", today),
                    ("invoice_type", "=", "advance"),
                ]
            )
        )
        return plans.sale_id.filtered(lambda order: order._auto_invoice_installments_due())

    # === BUSINESS METHODS: the signed schedule === #

    def _auto_invoice_priced_content(self, version=CONTENT_VERSION):
        content = super()._auto_invoice_priced_content(version=version)
        if plan := self._auto_invoice_plan_content():
            content[PLAN_KEY] = plan
        return content

    def _auto_invoice_plan_content(self):
        """The payment schedule as signed content: one dict per installment, in their order, {"installment": its
        number, "type": "advance" or "installment", "date": ISO date, "percent": string with the plan's precision};
        None for an order without a plan."""
        self.ensure_one()
        if not self.use_invoice_plan or not self.invoice_plan_ids:
            return None
        digits = self.env["decimal.precision"].precision_get("Sales Invoice Plan Percent")
        return [
            {
                "installment": plan.installment,
                "type": plan.invoice_type,
                "date": fields.Date.to_string(plan.plan_date),
                "percent": float_repr(plan.percent, digits),
            }
            for plan in self.invoice_plan_ids.sorted("installment")
        ]

    def _auto_invoice_signed_plan(self):
        """The payment schedule the customer signed with this order's current acceptance, by installment number;
        empty when they signed none."""
        self.ensure_one()
        signed = self.sudo().auto_invoice_acceptance_id._signed_content() or {}
        return {row["installment"]: row for row in signed.get(PLAN_KEY) or []}

    def _auto_invoice_signed_content_changes(self):
        changes = super()._auto_invoice_signed_content_changes()
        acceptance = self.sudo().auto_invoice_acceptance_id
        signed = acceptance._signed_content()
        if signed and acceptance.content_sha256 and self._auto_invoice_plan_content() != signed.get(PLAN_KEY):
            # Named, rather than the generic phrase the core says when it finds no other change.
            generic = self.env._("the signed content")
            changes = [change for change in changes if change != generic] + [self.env._("the payment schedule")]
        return changes

    def _auto_invoice_schedule_installments(self, installments):
        """Hook: `installments` of this order's signed schedule are due. Invoiced here, right away, in the caller's
        transaction (the signature's, the cron's), with the order locked; the background mode of auto_invoice_queue
        enqueues a job per installment instead (auto_invoice_invoice_plan_queue).

        :return: the invoices created now
        """
        self.ensure_one()
        return self.sudo().auto_invoice_acceptance_id.with_env(self.env)._invoice_installments(installments)

    def _auto_invoice_installments_due(self, today=None):
        """The installments of this order's signed schedule to invoice now, in their order: the advance at once, the
        others from their date; never one invoiced already (by the schedule, OCA's wizard or a person) nor one whose
        invoicing was tried already (a failure waits for Invoice Next Installment Now)."""
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id
        if self.state != "sale" or not acceptance.auto_invoice or acceptance.state != "done":
            return self.env["sale.invoice.plan"]
        today = today or fields.Date.context_today(self)
        signed = self._auto_invoice_signed_plan()
        return (
            self.sudo()
            .invoice_plan_ids.filtered(
                lambda plan: (
                    plan.installment in signed
                    and not plan.invoiced
                    and not plan.auto_invoice_state
                    and (
                        signed[plan.installment]["type"] == "advance"
                        or fields.Date.to_date(signed[plan.installment]["date"]) <= today
                    )
                )
            )
            .sorted("installment")
        )

    def _auto_invoice_generate_installment(self, plan):
        """The draft invoice of installment `plan` of this order's signed schedule, through OCA's invoicing (its
        `invoice_plan_id` context links the invoice to the installment): the advance as Odoo's down payment of its
        share of the signed total, an installment as its share of every signed line (`sale.invoice.plan.
        _compute_new_invoice_quantity`). Billed as signed (see auto_invoice's sale_order_signed_billing.py).

        :return: the draft, or an empty recordset when what it bills is invoiced already
        """
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id.with_env(self.env)
        # In the order's company, whoever runs it (the cron's user belongs to the first company).
        order = self.with_company(self.company_id).with_context(
            mail_auto_subscribe_no_notify=True, invoice_plan_id=plan.id, **acceptance._billing_context()
        )
        if plan.invoice_type == "advance":
            invoice = order._auto_invoice_generate_advance(plan)
        else:
            order._force_lines_to_invoice_policy_order()
            invoice = order.with_context(raise_if_nothing_to_invoice=False)._create_invoices(grouped=True, final=True)
        if invoice and not invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            invoice.sudo().unlink()  # every line it would bill is invoiced already
            return self.env["account.move"]
        if invoice and plan.last:
            order._auto_invoice_settle_last_installment(invoice)
        # Dated the day it is posted, as every invoice of an acceptance (auto_invoice's account_move_dates.py), not the
        # plan's date that OCA gives it: an installment invoiced ahead of its day is not dated in the future.
        invoice.sudo().invoice_date = False
        invoice.sudo().transaction_ids = [Command.clear()]  # posted by its policy or a person, as in auto_invoice
        return invoice

    def _auto_invoice_settle_last_installment(self, invoice):
        """Have the last installment bill the rest of the signed quotation to the cent. Each installment bills its
        share of every line's quantity and each invoice rounds its amounts: the last one takes up the cents that the
        earlier roundings left, its untaxed amount on the unit price of its largest line, its taxes on its largest tax.
        Only when the schedule made every invoice of the signed lines: an invoice made by hand bills what a person
        chose."""
        acceptance = self.sudo().auto_invoice_acceptance_id
        signed = acceptance._signed_content()
        schedule = self.invoice_plan_ids.invoice_move_ids.filtered(lambda move: move.state != "cancel") | invoice
        earlier = schedule - invoice
        signed_lines = self._auto_invoice_match_signed_lines(signed)[0]
        if signed_lines.invoice_lines.move_id.filtered(lambda move: move.state != "cancel") - schedule - invoice:
            return
        currency, move = invoice.currency_id, invoice.sudo().with_context(check_move_validity=False)
        untaxed = currency.round(float(signed["amount_untaxed"]) - sum(earlier.mapped("amount_untaxed")))
        lines = move.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.quantity > 0 and line.discount < 100
        )
        if lines and currency.compare_amounts(move.amount_untaxed, untaxed):
            line = max(lines, key=lambda line: abs(line.price_subtotal))
            digits = self.env["decimal.precision"].precision_get("Product Price")
            factor, price = line.quantity * (1 - line.discount / 100), line.price_unit
            start = price + (untaxed - move.amount_untaxed) / factor
            for step in sorted(range(-5, 6), key=abs):  # the nearest unit price that gives the rest once rounded
                line.price_unit = float_round(start + step * 10**-digits, precision_digits=digits)
                if not currency.compare_amounts(move.amount_untaxed, untaxed):
                    break
            else:
                line.price_unit = price
        tax = currency.round(float(signed["amount_tax"]) - sum(earlier.mapped("amount_tax")))
        totals = move.tax_totals
        groups = [group for subtotal in totals["subtotals"] for group in subtotal["tax_groups"]]
        if groups and currency.compare_amounts(move.amount_tax, tax):
            group = max(groups, key=lambda group: abs(group["tax_amount_currency"]))
            group["tax_amount_currency"] += tax - move.amount_tax
            move.tax_totals = totals

    def _auto_invoice_generate_advance(self, plan):
        """The advance of the signed schedule: Odoo's down payment (split by tax) of its share of the signed total,
        as OCA's wizard makes it; a fixed amount once lines were added since, Odoo's percentage being of the order
        as it is now."""
        acceptance = self.sudo().auto_invoice_acceptance_id
        currency, signed_total = self.currency_id, acceptance._signed_total()
        amount = currency.round(signed_total * plan.percent / 100)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=self.ids, **own(DEPOSIT_OF_ACCEPTANCE))
            .create(
                {
                    "advance_payment_method": (
                        "fixed" if currency.compare_amounts(self.amount_total, signed_total) else "percentage"
                    ),
                    "amount": plan.percent,
                    "fixed_amount": amount,
                    "sale_order_ids": [Command.set(self.ids)],
                }
            )
        )
        return wizard._create_invoices(self)

    def _auto_invoice_bill_payments(self):
        # The schedule bills a signed order on its days, whatever its customer paid ahead: their online payments are
        # matched with its installments' invoices as these are posted, the oldest first (account.move._post).
        scheduled = self.filtered(lambda order: order._auto_invoice_signed_plan())
        return super(SaleOrder, self - scheduled)._auto_invoice_bill_payments()

    # === BUSINESS METHODS: what the customer reads === #

    def _auto_invoice_schedule_rows(self):
        """The payment schedule as the customer's documents show it, one dict per installment in their order:
        "label", "when" (in a sentence: "at signature", "on January 15, 2027"), "day" (in a table: "At signature",
        "January 15, 2027"), "share" ("30%"), "amount" (its share of the total, tax included, formatted: the last is
        the rest) and "invoiced". Once signed, the signed schedule and total; an empty list without a schedule."""
        self.ensure_one()
        order = self.sudo()
        acceptance = order.auto_invoice_acceptance_id
        if acceptance:
            rows = list(order._auto_invoice_signed_plan().values())
            total, signed_on = acceptance._signed_total(), fields.Date.to_date(acceptance.signed_on)
        else:
            rows = order._auto_invoice_plan_content() or []
            total, signed_on = order.amount_total, fields.Date.context_today(self)
        if not rows:
            return []
        currency, invoiced = order.currency_id, order.invoice_plan_ids.filtered("invoiced").mapped("installment")
        advance = sum(currency.round(total * float(row["percent"]) / 100) for row in rows if row["type"] == "advance")
        installments = [row for row in rows if row["type"] != "advance"]
        left = total - advance
        result = []
        for row in rows:
            percent = float(row["percent"])
            if row["type"] == "advance":
                amount = currency.round(total * percent / 100)
                label = self.env._("Advance")
            elif row is installments[-1]:  # the rest, to the cent, as OCA's last installment bills it
                percent = 100 - sum(float(other["percent"]) for other in installments[:-1])
                amount = currency.round(left)
                label = self.env._("Installment %(number)s", number=row["installment"])
            else:
                amount = currency.round((total - advance) * percent / 100)
                left -= amount
                label = self.env._("Installment %(number)s", number=row["installment"])
            date = fields.Date.to_date(row["date"])
            at_signature = row["type"] == "advance" or date <= signed_on
            long_date = format_date(self.env, date, date_format="long")
            result.append(
                {
                    "label": label,
                    "when": self.env._("at signature") if at_signature else self.env._("on %(date)s", date=long_date),
                    "day": self.env._("At signature") if at_signature else long_date,
                    "share": f"{self._auto_invoice_percentage_text(percent)}%",
                    "amount": format_amount(self.env, amount, currency),
                    "invoiced": row["installment"] in invoiced,
                }
            )
        return result

    def _auto_invoice_schedule_text(self):
        """The schedule in one phrase: "30% ($ 1,035.00) at signature, 40% ($ 1,380.00) on January 15, 2027 and 30%
        ($ 1,035.00) on March 15, 2027"; "" without a schedule."""
        phrases = [f"{row['share']} ({row['amount']}) {row['when']}" for row in self._auto_invoice_schedule_rows()]
        if len(phrases) < 2:
            return "".join(phrases)
        return self.env._("%(first)s and %(last)s", first=", ".join(phrases[:-1]), last=phrases[-1])

    def _auto_invoice_amount_text(self, policy=None):
        if schedule := self._auto_invoice_schedule_text():
            return self.env._("Invoices by the payment schedule: %(schedule)s", schedule=schedule)
        return super()._auto_invoice_amount_text(policy=policy)

    def _auto_invoice_deposit_agreed_text(self):
        # The schedule's table says what is invoiced when, the deposit of the policy included.
        return "" if self._auto_invoice_schedule_rows() else super()._auto_invoice_deposit_agreed_text()

    def _auto_invoice_next_text(self, policy=None):
        schedule = self._auto_invoice_schedule_text()
        if not schedule:
            return super()._auto_invoice_next_text(policy=policy)
        after = (policy or self).auto_invoice_after
        if after == "send":
            follow = self.env._("Each invoice is issued on its day and sent to you by email.")
        elif after == "post":
            follow = self.env._("Each invoice is issued on its day, in your customer portal.")
        else:
            follow = self.env._("Each invoice is kept as a draft for our review on its day, then sent to you.")
        if self.require_payment:
            follow = self.env._("%(follow)s The first ones follow your payment.", follow=follow)
        return self.env._("Payment schedule: %(schedule)s. %(follow)s", schedule=schedule, follow=follow)
