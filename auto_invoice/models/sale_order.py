import logging

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    auto_invoice_on_signature = fields.Boolean(
        string="Invoice on Signature",
        compute="_compute_auto_invoice_on_signature",
        store=True,
        readonly=False,
        precompute=True,
        help="Create a draft invoice as soon as the customer signs this quotation.",
    )
    auto_invoice_id = fields.Many2one(
        comodel_name="account.move",
        string="Automatic Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The invoice created from the customer's acceptance of this quotation.",
    )
    auto_invoice_state = fields.Selection(
        selection=[
            ("pending", "Waiting for Confirmation"),
            ("done", "Created"),
            ("failed", "Failed"),
        ],
        string="Automatic Invoice Status",
        copy=False,
        readonly=True,
    )
    auto_invoice_error = fields.Text(
        string="Automatic Invoice Error",
        copy=False,
        readonly=True,
    )

    # === COMPUTE METHODS === #

    @api.depends("company_id")
    def _compute_auto_invoice_on_signature(self):
        for order in self:
            order.auto_invoice_on_signature = order.company_id.auto_invoice_on_signature

    # === CRUD METHODS === #

    def write(self, vals):
        # Only detect here: a signature may come from the portal, a backend widget, an import or RPC.
        unsigned = self.filtered(lambda order: not order.signature) if vals.get("signature") else self.browse()
        res = super().write(vals)
        if accepted := unsigned.filtered("signature"):
            accepted._auto_invoice_record_acceptance()
        return res

    # === ACTION METHODS === #

    def action_draft(self):
        res = super().action_draft()
        # Back to a quotation, the signature is cleared: an acceptance not invoiced yet is void.
        void = self.filtered(lambda order: order.state == "draft" and order.auto_invoice_state in ("pending", "failed"))
        void.write({"auto_invoice_state": False, "auto_invoice_error": False})
        void.activity_unlink(["auto_invoice.mail_activity_type_auto_invoice_failed"])
        return res

    def action_auto_invoice_retry(self):
        """Create the invoice of a failed acceptance again, once its cause is fixed."""
        self.check_access("write")
        if invalid := self.filtered(lambda order: order.state != "sale" or order.auto_invoice_state != "failed"):
            raise UserError(self.env._(
                "Only confirmed orders whose automatic invoice failed can be retried: %(orders)s",
                orders=", ".join(invalid.mapped("display_name")),
            ))
        invoices = self._auto_invoice_create()
        if failed := self.filtered(lambda order: order.auto_invoice_state == "failed"):
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "title": self.env._("The invoice could not be created"),
                    "message": "\n".join(failed.mapped("auto_invoice_error")),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return self.action_view_invoice(invoices)

    # === BUSINESS METHODS === #

    def _validate_order(self):
        # The acceptance may already have confirmed the order within the same signing request.
        orders = self.filtered(lambda order: order.state in ("draft", "sent"))
        return super(SaleOrder, orders)._validate_order() if orders else None

    def _action_confirm(self):
        res = super()._action_confirm()
        self.filtered(lambda order: order.auto_invoice_state == "pending")._auto_invoice_create()
        return res

    def _auto_invoice_record_acceptance(self):
        """Entry point: a customer acceptance was just recorded on these orders.

        Every way of accepting a quotation (portal signature, backend signature, RPC) comes here. The quotations that
        need no online payment are confirmed now, as the portal does; the confirmation then creates the invoice (see
        `_action_confirm`). The others keep their acceptance pending until the payment confirms them.
        """
        accepted = self.filtered(lambda order: order.auto_invoice_on_signature and order.state in ("draft", "sent"))
        if not accepted:
            return
        accepted.filtered(lambda order: not order.signed_on).signed_on = fields.Datetime.now()
        accepted.write({"auto_invoice_state": "pending", "auto_invoice_error": False})
        for order in accepted.filtered(lambda order: not order._has_to_be_paid()):
            order._validate_order()  # one by one: some overrides (sale_loyalty) expect a single order

    def _auto_invoice_create(self):
        """Entry point: create the invoice of each order's recorded acceptance, at most once.

        Safe to repeat: an order whose acceptance is invoiced already is skipped. A failure is recorded on its order
        and never undoes the acceptance nor the confirmation.

        :return: the created invoices
        :rtype: account.move
        """
        invoices = self.env["account.move"]
        for order in self:
            invoices |= order._auto_invoice_create_one()
        return invoices

    def _auto_invoice_create_one(self):
        self.ensure_one()
        # Write the pending changes first: a concurrent acceptance of the same order then waits for this
        # transaction and is retried by Odoo (and refused as already signed) instead of skipping a locked row.
        self.flush_recordset()
        try:
            self.lock_for_update()  # serialises concurrent retries
        except LockError:
            raise UserError(self.env._(
                "The invoice of %(order)s is being created right now. Please try again in a moment.",
                order=self.display_name,
            )) from None
        if self.state != "sale" or self.auto_invoice_state not in ("pending", "failed"):
            return self.env["account.move"]
        try:
            with self.env.cr.savepoint():
                invoice = self._auto_invoice_generate()
        except psycopg2.OperationalError:
            raise  # a concurrency error: Odoo retries the whole request
        except Exception as error:  # whatever the cause, it is recorded on the order and the acceptance stays
            self._auto_invoice_mark_failed(error)
            return self.env["account.move"]
        self._auto_invoice_mark_done(invoice)
        return invoice

    def _auto_invoice_generate(self):
        """Invoice the accepted quotation in full, every line at its ordered quantity, as one draft.

        Override to change what the invoice of an acceptance contains.
        """
        self.ensure_one()
        self._force_lines_to_invoice_policy_order()
        # The review activity notifies the salesperson; skip the "assigned to you" email of the creation.
        invoice = self.with_context(mail_auto_subscribe_no_notify=True)._create_invoices(grouped=True, final=True)
        if not invoice:
            raise UserError(self._nothing_to_invoice_error_message())
        return invoice

    def _auto_invoice_mark_done(self, invoice):
        self.ensure_one()
        self.write({"auto_invoice_id": invoice.id, "auto_invoice_state": "done", "auto_invoice_error": False})
        self.activity_feedback(
            ["auto_invoice.mail_activity_type_auto_invoice_failed"],
            feedback=self.env._("Invoice %(invoice)s created.", invoice=invoice.display_name),
        )
        self._auto_invoice_notify_created_sudo(invoice)

    def _auto_invoice_notify_created_sudo(self, invoice):
        """Ask the salesperson to review the draft: an activity on the invoice, a note on both documents.

        In sudo because salespeople only read invoices, and the customer's signing request runs as the public user.
        """
        self.ensure_one()
        invoice_sudo = invoice.sudo()
        odoobot = self.env.ref("base.partner_root")
        invoice_sudo.activity_schedule(
            "auto_invoice.mail_activity_type_auto_invoice_review",
            user_id=self._auto_invoice_responsible().id,
            note=self.env._("Created from the customer's acceptance of %(order)s.", order=self.name),
        )
        invoice_sudo.message_post(
            body=self.env._(
                "Draft created automatically from the customer's acceptance of %(order)s, signed by %(signer)s on "
                "%(date)s (UTC). Review it, then press Confirm & Send.",
                order=self._get_html_link(),
                signer=self.signed_by or self.partner_id.name,
                date=fields.Datetime.to_string(self.signed_on),
            ),
            author_id=odoobot.id,
            subtype_xmlid="mail.mt_note",
        )
        self.sudo().message_post(
            body=self.env._(
                "Draft invoice %(invoice)s created from the customer's acceptance, waiting for review.",
                invoice=invoice._get_html_link(),
            ),
            author_id=odoobot.id,
            subtype_xmlid="mail.mt_note",
        )

    def _auto_invoice_mark_failed(self, error):
        self.ensure_one()
        reason = str(error) or repr(error)
        _logger.warning(
            "Automatic invoice of %s failed: %s", self.name, reason, exc_info=not isinstance(error, UserError)
        )
        self.write({"auto_invoice_state": "failed", "auto_invoice_error": reason})
        order_sudo = self.sudo()
        order_sudo.message_post(
            body=self.env._(
                "The invoice could not be created automatically: %(reason)s. "
                "The customer's acceptance is kept. Fix the cause, then press Retry Invoice.",
                reason=reason,
            ),
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
        )
        failure_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_failed")
        if failure_type not in order_sudo.activity_ids.activity_type_id:
            order_sudo.activity_schedule(
                "auto_invoice.mail_activity_type_auto_invoice_failed",
                user_id=self._auto_invoice_responsible().id,
                note=reason,
            )

    def _auto_invoice_responsible(self):
        self.ensure_one()
        return self.user_id or self.team_id.user_id or self.create_uid
