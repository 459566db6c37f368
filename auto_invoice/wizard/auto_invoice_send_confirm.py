from odoo import api, fields, models
from odoo.fields import Command

from ..owned_context import own, owned_value

# Context key of the confirmation dialog: the ids of the invoices its reviewer chose to send as they are (an owned
# value: a client's context, JSON-RPC's or a URL's, never skips the question).
SEND_CONFIRMED = "auto_invoice_send_confirmed"


class AutoInvoiceSendConfirm(models.TransientModel):
    """Confirm & Send of drafts that no longer bill what the customer signed: the reviewer reads what differs, then
    sends anyway or goes back to the draft.

    account.move.action_auto_invoice_send asks `_ask_before_sending` first, whoever calls it (the button, RPC): a
    differing draft is posted and sent only through this dialog's Confirm & Send anyway, which says so with an owned
    context value (SEND_CONFIRMED). A draft that matches is sent at once, without a dialog.
    """

    _name = "auto_invoice.send.confirm"
    _description = "Confirm Sending an Invoice that Differs from the Signed Quotation"

    move_ids = fields.Many2many(comodel_name="account.move", string="Invoices", required=True, readonly=True)
    differences = fields.Text(
        string="Differences from the Signed Quotation",
        readonly=True,
        help="Each invoice that bills otherwise than the quotation its customer signed, and how, as the dialog opened.",
    )

    # === ACTION METHODS === #

    def action_confirm(self):
        """Confirm & Send anyway: post and send the invoices as Confirm & Send does. When what they bill changed since
        the dialog opened, Confirm & Send starts again: it asks with what they bill now, or sends at once when they
        match again."""
        self.ensure_one()
        moves = self.move_ids
        if self._summary(moves) != self.differences:
            return moves.action_auto_invoice_send()
        moves.with_context(**own(SEND_CONFIRMED, tuple(moves.ids))).action_auto_invoice_send()
        return {"type": "ir.actions.act_window_close"}

    # === BUSINESS METHODS === #

    @api.model
    def _ask_before_sending(self, moves):
        """The dialog's action when some of `moves` differ from their signed quotations and were not confirmed in this
        dialog; None when Confirm & Send may send them at once."""
        confirmed = owned_value(self.env, SEND_CONFIRMED, default=())
        # The comparison reads the invoices' sale lines in sudo. What it alone put in the cache is forgotten, so that
        # Odoo's posting reads them with the user's rules, as it would without the question (with sale_stock, a billing
        # user may not read another salesperson's order lines); what was cached before stays, as Odoo left it.
        lines = self.env["account.move.line"]
        cached_before = set(lines._fields["sale_line_ids"]._get_all_cache_ids(self.env))
        differ = any(move._auto_invoice_differs_from_signed() and move.id not in confirmed for move in moves)
        cached_now = set(lines._fields["sale_line_ids"]._get_all_cache_ids(self.env))
        lines.browse(cached_now - cached_before).invalidate_recordset(["sale_line_ids"])
        if not differ:
            return None
        dialog = self.create({"move_ids": [Command.set(moves.ids)], "differences": self._summary(moves)})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send an Invoice that Differs from the Signed Quotation?"),
            "res_model": self._name,
            "res_id": dialog.id,
            "views": [(self.env.ref("auto_invoice.auto_invoice_send_confirm_view_form").id, "form")],
            "target": "new",
        }

    @api.model
    def _summary(self, moves):
        """Each invoice of `moves` that differs from its signed quotation, and its differences, as the dialog lists
        them."""
        return "\n\n".join(
            "\n".join(
                [self._invoice_label(move)] + [f"- {line}" for line in move.auto_invoice_differences.splitlines()]
            )
            for move in moves
            if move._auto_invoice_differs_from_signed()
        )

    @api.model
    def _invoice_label(self, move):
        """The invoice as the dialog names it: drafts have no number, and those of one customer read alike."""
        return self.env._(
            "%(invoice)s, quotation %(order)s of %(customer)s:",
            invoice=move.display_name,
            order=move._auto_invoice_report_acceptance().order_id.name,
            customer=move.commercial_partner_id.name,
        )
