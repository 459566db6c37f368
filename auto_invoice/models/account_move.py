from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

from .sale_order import ACCEPTANCE_READERS


class AccountMove(models.Model):
    _inherit = "account.move"

    auto_invoice_acceptance_id = fields.Many2one(
        comodel_name="sale.order.acceptance",
        string="Acceptance",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=ACCEPTANCE_READERS,
        help="The customer's acceptance this invoice was created from.",
    )
    auto_invoice_part = fields.Char(
        string="Part of the Acceptance",
        readonly=True,
        copy=False,
        groups=ACCEPTANCE_READERS,
        help="Which part of its acceptance's billing this invoice is, when the acceptance bills in parts (an "
        "installment of a payment schedule); empty for the acceptance's own invoice.",
    )
    is_auto_invoice = fields.Boolean(
        string="Is an Automatic Invoice",
        compute="_compute_is_auto_invoice",
        compute_sudo=True,  # whoever sees the invoice, even without access to the acceptance
    )
    auto_invoice_differences = fields.Text(
        string="Differences from the Signed Quotation",
        compute="_compute_auto_invoice_differences",
        compute_sudo=True,
        groups="base.group_user",
        help="What this invoice bills differently from the quotation the customer signed; empty when it matches.",
    )
    auto_invoice_added_lines = fields.Char(
        string="Added to the Order after Signing",
        compute="_compute_auto_invoice_added_lines",
        compute_sudo=True,
        groups="base.group_user",
        help="The lines added to the order after the customer signed, which this invoice does not bill: Odoo invoices "
        "them as usual (Create Invoice on the order).",
    )
    auto_invoice_review_status = fields.Char(
        string="Signed Quotation",
        compute="_compute_auto_invoice_review_status",
        compute_sudo=True,
        groups=ACCEPTANCE_READERS,
        help="The quotation and acceptance this invoice comes from, for the reviewer, in one sentence.",
    )

    # At most one live (not cancelled) automatic invoice per acceptance and part, whatever process inserts it.
    _auto_invoice_acceptance_uniq = models.UniqueIndex(
        "(auto_invoice_acceptance_id, COALESCE(auto_invoice_part, '')) "
        "WHERE auto_invoice_acceptance_id IS NOT NULL AND state != 'cancel'",
        "This acceptance already has its invoice.",
    )

    # === COMPUTE METHODS === #

    @api.depends("auto_invoice_acceptance_id")
    def _compute_is_auto_invoice(self):
        for move in self:
            move.is_auto_invoice = bool(move.auto_invoice_acceptance_id)

    @api.depends(
        "auto_invoice_acceptance_id",
        "invoice_line_ids.sale_line_ids",
        "invoice_line_ids.quantity",
        "invoice_line_ids.price_unit",
        "invoice_line_ids.discount",
        "invoice_line_ids.tax_ids",
        "invoice_line_ids.product_id",
        "amount_total",
        "auto_invoice_draft_total",
    )
    def _compute_auto_invoice_differences(self):
        for move in self:
            signed = move.auto_invoice_acceptance_id._signed_content()
            if not signed:
                move.auto_invoice_differences = False
            elif move._is_downpayment():  # a share of the quotation by design: compared with the deposit asked
                move.auto_invoice_differences = move._auto_invoice_compare_deposit()
            else:
                move.auto_invoice_differences = "\n".join(move._auto_invoice_compare(signed))

    @api.depends("auto_invoice_acceptance_id", "invoice_line_ids.sale_line_ids")
    def _compute_auto_invoice_added_lines(self):
        for move in self:
            order = move.auto_invoice_acceptance_id.order_id
            added = order._auto_invoice_lines_added_after_signing() - move.invoice_line_ids.sale_line_ids
            move.auto_invoice_added_lines = ", ".join((line.name or "").split("\n")[0] for line in added) or False

    @api.depends("auto_invoice_acceptance_id", "amount_total", "currency_id")
    def _compute_auto_invoice_review_status(self):
        for move in self:
            acceptance = move.auto_invoice_acceptance_id
            move.auto_invoice_review_status = acceptance and self.env._(
                "Matches the quotation the customer signed: %(order)s, %(amount)s, signed by %(signer)s "
                "(acceptance %(reference)s).",
                order=acceptance.order_id.name,
                amount=format_amount(self.env, move.amount_total, move.currency_id),
                signer=acceptance._accepted_by(),
                reference=acceptance.name,
            )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("auto_invoice_acceptance_id") or vals.get("auto_invoice_part") for vals in vals_list):
            self._auto_invoice_check_link_write()
        return super().create(vals_list)

    def write(self, vals):
        if "auto_invoice_acceptance_id" in vals or "auto_invoice_part" in vals:
            self._auto_invoice_check_link_write()
        return super().write(vals)

    def unlink(self):
        acceptances, names = self._auto_invoice_acceptances_billed_sudo(), ", ".join(self.mapped("display_name"))
        res = super().unlink()
        acceptances._invoice_removed(names, deleted=True)
        return res

    # === MAIL METHODS === #

    def _message_set_main_attachment_id(self, attachments, force=False, filter_xml=True):
        # The certificate of acceptance on an automatic invoice's note is evidence beside it, not the invoice: never
        # its main attachment (which its preview shows), though message_post takes a note's attachments for it. Not
        # enough alone: the web client previews the newest PDF of the invoice's own attachments when it has no main
        # one, hence a copy kept with the acceptance (sale.order.acceptance._certificate_copy).
        certificates = self.sudo().auto_invoice_acceptance_id.certificate_id
        if certificates:
            attachments = attachments.filtered(
                lambda attachment: attachment.checksum not in certificates.mapped("checksum")
            )
        return super()._message_set_main_attachment_id(attachments, force=force, filter_xml=filter_xml)

    # === ACTION METHODS === #

    def button_cancel(self):
        res = super(AccountMove, self._auto_invoice_down_payment_writer()).button_cancel()
        cancelled = self.filtered(lambda move: move.state == "cancel")
        cancelled._auto_invoice_acceptances_billed_sudo()._invoice_removed(", ".join(cancelled.mapped("display_name")))
        return res

    def button_draft(self):
        restored = self.filtered(lambda move: move.state == "cancel").sudo().auto_invoice_acceptance_id
        res = super(AccountMove, self._auto_invoice_down_payment_writer()).button_draft()
        # A cancelled automatic invoice set back to draft is the acceptance's invoice again.
        restored.filtered(lambda acc: acc.state == "failed").write({"state": "done", "error": False})
        return res

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # However an invoice of a signed order is posted (Odoo's Confirm, Confirm & Send, its policy, a batch post),
        # the customer's online payments end matched with it: the hook is the posting itself, not each button.
        invoices = posted.filtered(lambda move: move.move_type == "out_invoice")
        invoices.sudo().line_ids.sale_line_ids.order_id._auto_invoice_match_payments()
        # Reviewed, whichever button posted it: the salesperson's "Review and send" is done.
        posted._auto_invoice_close_review()
        return posted

    def action_auto_invoice_send(self):
        """Confirm & Send: post the reviewed automatic invoices, match their online payments, then send them as Odoo's
        Send does by default (the customer's sending method, the invoice's extra EDIs), with their PDF. Drafts that no
        longer bill what the customer signed are sent only once the reviewer confirms them in a dialog."""
        self._auto_invoice_check_sendable()
        if question := self.env["auto_invoice.send.confirm"]._ask_before_sending(self):
            return question
        moves = self._auto_invoice_as_sender()  # a salesperson of the review group: checked, then in sudo
        moves._auto_invoice_post()  # which closes the review (_post)
        moves._auto_invoice_send()
        return True

    # === BUSINESS METHODS === #

    def _auto_invoice_close_review(self):
        """Mark the "Review and send" activities of these invoices done. In sudo: the policy posts for the signer."""
        if self and self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review", raise_if_not_found=False):
            self.sudo().activity_feedback(["auto_invoice.mail_activity_type_auto_invoice_review"])

    def _auto_invoice_acceptances_billed_sudo(self):
        """The acceptances these invoices bill: their own, and the current acceptance of their orders, which created
        no invoice for what these bill already (see sale.order._auto_invoice_generate)."""
        moves = self.sudo()
        return moves.auto_invoice_acceptance_id | moves.line_ids.sale_line_ids.order_id.auto_invoice_acceptance_id

    def _is_ready_to_be_sent(self):
        # Odoo's Automatic Invoice emails the posted invoices linked to an online payment once they are "ready". The
        # invoices of a signed order are sent by their acceptance's Post and Send policy or by a person (Confirm &
        # Send), never by the payment that they were matched with.
        return super()._is_ready_to_be_sent() and not self._auto_invoice_sent_by_policy()

    def _auto_invoice_sent_by_policy(self):
        """Whether this invoice is sent by an acceptance's policy or a person, not by Odoo's Automatic Invoice: an
        automatic invoice, or an invoice of an order whose acceptance invoices its payments."""
        self.ensure_one()
        orders = self.sudo().line_ids.sale_line_ids.order_id
        return self.is_auto_invoice or any(order._auto_invoice_bills_payments() for order in orders)

    def _auto_invoice_check_link_write(self):
        # `readonly` is a rule of the views only: only the acceptance itself links its invoice, in sudo.
        if not self.env.su:
            raise AccessError(self.env._("Only the acceptance of a quotation can make an invoice automatic."))

    def _auto_invoice_check_sendable(self):
        if not self.env["account.move"]._auto_invoice_may_review(self.env.user):
            raise AccessError(self.env._("Only users with billing rights can confirm and send invoices."))
        self.check_access("write")  # for a salesperson of the review group: the drafts of their signed quotations
        for move in self:
            if not move.is_auto_invoice:
                raise UserError(
                    self.env._(
                        "%(invoice)s was not created from an accepted quotation.",
                        invoice=move.display_name,
                    )
                )
            if move.state != "draft":
                raise UserError(self.env._("%(invoice)s is already confirmed.", invoice=move.display_name))
            move._auto_invoice_check_sending_method()

    def _auto_invoice_check_sending_method(self):
        """A clear error, before anything is posted, when the customer's sending method cannot reach them."""
        self.ensure_one()
        methods = self.env["account.move.send"]._get_default_sending_methods(self)
        if "email" in methods and not self.partner_id.email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address. Add one to the customer, then send the invoice again.",
                    customer=self.partner_id.display_name,
                )
            )

    def _auto_invoice_down_payment_writer(self):
        """These moves, in sudo when they hold automatic deposit invoices and the user may write them with billing
        rights: cancelling, resetting or posting a down payment makes Odoo rewrite its line on the order, which a
        billing user who is not the order's salesperson may not write. The user stays the one who acts."""
        deposits = self.filtered(lambda move: move.is_auto_invoice and move._is_downpayment())
        if not deposits or not self.env.user.has_group("account.group_account_invoice"):
            return self
        self.check_access("write")
        return self.sudo()

    def _auto_invoice_post(self):
        """Post these automatic invoices; `_post` matches them with their orders' online payments.

        The caller's billing rights are checked (Confirm & Send, or a policy only billing users choose); see
        _auto_invoice_down_payment_writer for deposits."""
        self._auto_invoice_down_payment_writer().action_post()

    def _auto_invoice_send(self):
        """Send these posted invoices through Odoo's send flow with the customer's defaults: their sending method
        (email unless set otherwise) and the invoice's default extra EDIs (Peppol, e-Factura... when installed)."""
        for move in self:
            move._auto_invoice_check_sending_method()
        template = self._auto_invoice_mail_template()
        self.env["account.move.send"]._generate_and_send_invoices(
            self, allow_raising=True, **({"mail_template": template} if template else {})
        )

    # === Branded invoice and emails === #

    def _get_name_invoice_report(self):
        # The company's choice of design, plugged in as localisations do (account.report_invoice dispatches on it).
        # A localisation's own document (Argentina's, Chile's, India's: the legal invoice of their country) wins,
        # whatever the order in which the modules extend this method.
        self.ensure_one()
        name = super()._get_name_invoice_report()
        if (
            name == "account.report_invoice_document"
            and self.company_id.auto_invoice_report_design == "auto_invoice"
            and self.is_sale_document()
        ):
            return "auto_invoice.report_invoice_document"
        return name

    def _auto_invoice_billing_kind(self):
        """What this customer invoice bills of its quotation, for its title and texts: "deposit" (Odoo's down payment
        invoice), "final" (it deducts down payments already invoiced) or "full"."""
        self.ensure_one()
        if self._is_downpayment():
            return "deposit"
        if self.invoice_line_ids.filtered(lambda line: line.is_downpayment and line.display_type == "product"):
            return "final"
        return "full"

    def _auto_invoice_deposit_summary(self):
        """What this customer invoice bills of its quotations, in figures, for both invoice designs.

        {"kind": "full"} for an invoice that bills its quotations at once, and for credit notes. A deposit invoice
        ("kind": "deposit") adds "quotations" (their numbers), "quotation_total", "deposits" (those invoiced before
        this one), "this_deposit" and "left" (to pay after this deposit); a final invoice ("kind": "final") adds
        "quotations", "quotation_total", "deposits" (those it deducts) and "deducted". A deposit is a dict of
        "name", "date" and "amount" (net of its credit notes); amounts are tax included.

        Read in sudo and returned as plain values: the customer renders the invoice on the portal, and a billing
        user may not read sale orders. Odoo invoices an order in the order's currency, so no conversion is needed.
        """
        self.ensure_one()
        kind = self._auto_invoice_billing_kind() if self.move_type == "out_invoice" else "full"
        if kind == "full":
            return {"kind": kind}
        move = self.sudo()
        if kind == "deposit":
            orders = move.line_ids.sale_line_ids.order_id
            down_payment_lines = orders.order_line.filtered("is_downpayment")
        else:
            down_payment_lines = move.invoice_line_ids.filtered("is_downpayment").sale_line_ids
            orders = down_payment_lines.order_id
        deposits = []
        for deposit in down_payment_lines.invoice_lines.move_id.sorted("id"):
            if deposit == move or deposit.move_type != "out_invoice" or deposit.state == "cancel":
                continue
            if not deposit._is_downpayment() or (kind == "deposit" and deposit.id > move.id):
                continue  # the final invoice itself, or a deposit invoiced after this one
            credit_notes = deposit.reversal_move_ids.filtered(lambda note: note.state != "cancel")
            amount = deposit.amount_total - sum(credit_notes.mapped("amount_total"))
            if not move.currency_id.is_zero(amount):
                deposits.append({"name": deposit.name, "date": deposit.invoice_date, "amount": amount})
        summary = {
            "kind": kind,
            "quotations": ", ".join(orders.mapped("name")),
            "quotation_total": sum(orders.mapped("amount_total")),
            "deposits": deposits,
        }
        deposited = sum(deposit["amount"] for deposit in deposits)
        if kind == "deposit":
            summary["this_deposit"] = move.amount_total
            summary["left"] = move.currency_id.round(summary["quotation_total"] - deposited - move.amount_total)
        else:
            summary["deducted"] = deposited
        return summary

    def _auto_invoice_customer_reference(self):
        """The customer's own reference, or "": Odoo puts the order's number in `ref` when the customer gave none
        (several, comma-separated, for an invoice of several orders), and that is no reference of theirs."""
        self.ensure_one()
        order_names = set(self.sudo().line_ids.sale_line_ids.order_id.mapped("name"))
        parts = [part.strip() for part in (self.ref or "").split(",")]
        return ", ".join(part for part in parts if part and part not in order_names)

    def _auto_invoice_report_acceptance(self):
        """The acceptance shown on the branded invoice, in sudo: the customer renders it on the portal, and the
        acceptance is internal. Only what the customer gave is printed (their name, the date, their signature)."""
        self.ensure_one()
        return self.sudo().auto_invoice_acceptance_id

    def _auto_invoice_mail_template(self):
        """The branded invoice email, when the data still has it (a user may delete mail templates)."""
        return self.env.ref("auto_invoice.mail_template_invoice", raise_if_not_found=False)

    def _auto_invoice_email_text(self):
        """The invoice email's sentence on what this invoice bills (the whole quotation, a deposit, the rest after
        deposits), from the company's texts, its placeholders filled in bold."""
        self.ensure_one()
        text = self.company_id._auto_invoice_email_text(self._auto_invoice_billing_kind())
        order = self._auto_invoice_report_acceptance().order_id
        values = {
            "{invoice}": self.name,
            "{order}": order.name or self.invoice_origin or "",
            "{amount}": format_amount(self.env, self.amount_total, self.currency_id),
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, Markup("<strong>%s</strong>") % value)
        return text

    # === The company's seal === #

    def _auto_invoice_seals_pdf(self):
        """Whether the company seals this invoice's PDF: a customer invoice or credit note of a signed quotation."""
        self.ensure_one()
        move = self.sudo()
        return bool(
            move.company_id.auto_invoice_seal_invoices
            and move.is_sale_document()
            and (move.auto_invoice_acceptance_id or move.line_ids.sale_line_ids.order_id.auto_invoice_acceptance_id)
        )

    def _auto_invoice_seal_pdf(self, pdf):
        """`pdf`, the invoice's PDF about to be kept and sent, sealed; unsealed when the seal cannot sign, and the
        salesperson's activity says why (as for the signed documents), or without its timestamp."""
        self.ensure_one()
        sealed, problem = self.company_id._auto_invoice_seal_pdf(pdf)
        if problem:
            acceptance = (
                self.sudo().auto_invoice_acceptance_id
                or (self.sudo().line_ids.sale_line_ids.order_id.auto_invoice_acceptance_id[:1])
            )
            acceptance._warn_unsealed(problem, stamped=False if sealed else None)
        return sealed or pdf
