"""e-Factura for automatic invoices: Confirm & Send and the Post and Send policy submit them to ANAF's SPV.

The invoice is posted and emailed (PDF and CIUS-RO XML) as before; its submission to SPV follows in the background,
through Odoo's own extra EDI `ro_edi`, in a job of its own (the cron `ir_cron_spv_submit`, triggered at once):
`l10n_ro_edi` commits as soon as SPV has the invoice, which must never happen inside the customer's signing request
nor inside the savepoint of a policy, and SPV's answer (up to a minute) is nobody's wait. An SPV error leaves the
invoice posted and sent, the error on the invoice and an activity for the salesperson; Odoo's guards (one
`l10n_ro_edi.document` per invoice) and the row lock of the job make a second submission impossible.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.auto_invoice.models.sale_order import ACCEPTANCE_READERS
from odoo.addons.auto_invoice.owned_context import own

from .account_move_send import SPV_LATER

# Written by this addon's own code only, in sudo: the queue of SPV submissions and SPV's last answer.
SPV_FIELDS = {"auto_invoice_spv_pending", "auto_invoice_spv_error"}


class AccountMove(models.Model):
    _inherit = "account.move"

    auto_invoice_spv_pending = fields.Boolean(
        string="E-Factura to Submit",
        copy=False,
        readonly=True,
        groups=ACCEPTANCE_READERS,  # internal: never read by the customer's portal user
        help="This invoice is posted and sent; its e-Factura is on its way to ANAF's SPV.",
    )
    auto_invoice_spv_error = fields.Text(
        string="E-Factura Error",
        copy=False,
        readonly=True,
        groups=ACCEPTANCE_READERS,  # SPV's messages are internal details
        help="Why SPV did not take this invoice's e-Factura the last time it was submitted.",
    )

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(SPV_FIELDS & set(vals) for vals in vals_list):
            self._auto_invoice_spv_check_write()
        return super().create(vals_list)

    def write(self, vals):
        if SPV_FIELDS & set(vals):
            self._auto_invoice_spv_check_write()
        return super().write(vals)

    # === ACTION METHODS === #

    def action_auto_invoice_spv_resend(self):
        """Submit the e-Factura of these posted invoices again, after an SPV error: queued once, sent once."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._("Only users with billing rights can send an e-Factura."))
        self.check_access("write")
        for move in self:
            move._auto_invoice_spv_check_resendable()
        self._auto_invoice_spv_queue()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._("The e-Factura is on its way to SPV: its answer appears on the invoice."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # === BUSINESS METHODS === #

    def _auto_invoice_check_sending_method(self):
        # EXTENDS auto_invoice: said before anything is posted, as Odoo would only say it after.
        res = super()._auto_invoice_check_sending_method()
        if self._auto_invoice_spv_applicable() and not self.company_id.l10n_ro_edi_access_token:
            raise UserError(
                self.env._(
                    "%(company)s has no ANAF access token, so %(invoice)s cannot be sent as e-Factura. Generate it in "
                    "Settings (Accounting, Romanian Electronic Invoicing), then send the invoice again.",
                    company=self.company_id.display_name,
                    invoice=self.display_name,
                )
            )
        return res

    def _auto_invoice_send(self):
        # EXTENDS auto_invoice: the email now, the submission to SPV in its own job (see the module's docstring).
        to_spv = self.filtered(lambda move: move._auto_invoice_spv_applicable())
        res = super(AccountMove, self.with_context(**own(SPV_LATER)))._auto_invoice_send()
        to_spv._auto_invoice_spv_queue()
        return res

    def _auto_invoice_spv_check_write(self):
        # `readonly` is a rule of the views only: queueing an invoice for SPV skips the checks of Send e-Factura Again.
        if not self.env.su:
            raise AccessError(self.env._("Only the e-Factura job records what is sent to SPV and what SPV answered."))

    def _auto_invoice_spv_applicable(self):
        """Whether Odoo's send flow would submit this invoice to SPV (Odoo's own `ro_edi` test)."""
        self.ensure_one()
        return self.env["account.move.send"]._is_ro_edi_applicable(self)

    def _auto_invoice_spv_check_resendable(self):
        self.ensure_one()
        if self.state != "posted" or not self.is_sale_document():
            raise UserError(
                self.env._(
                    "Only posted customer invoices are sent as e-Factura (%(invoice)s).", invoice=self.display_name
                )
            )
        if self.l10n_ro_edi_document_ids or self.l10n_ro_edi_state:
            raise UserError(
                self.env._(
                    "SPV has the e-Factura of %(invoice)s already: it is never sent twice. Use Fetch E-Factura "
                    "Status to follow it.",
                    invoice=self.display_name,
                )
            )
        if self.auto_invoice_spv_pending:
            raise UserError(
                self.env._("The e-Factura of %(invoice)s is on its way to SPV already.", invoice=self.display_name)
            )
        if not self._auto_invoice_spv_applicable():
            raise UserError(
                self.env._(
                    "%(invoice)s is not an e-Factura: its customer does not receive CIUS-RO invoices.",
                    invoice=self.display_name,
                )
            )
        self._auto_invoice_check_sending_method()

    def _auto_invoice_spv_queue(self):
        """Queue these invoices for SPV and wake the job up (in sudo: the signer of a quotation triggers it)."""
        if not self:
            return
        self.sudo().write({"auto_invoice_spv_pending": True, "auto_invoice_spv_error": False})
        self.env.ref("auto_invoice_l10n_ro.ir_cron_spv_submit").sudo()._trigger()

    @api.model
    def _cron_auto_invoice_spv_submit(self, batch_size=20):
        """Submit the queued e-Facturas to SPV, one committed invoice at a time; an invoice another job holds waits."""
        domain = [("auto_invoice_spv_pending", "=", True)]
        moves = self.search(domain, order="id", limit=batch_size).try_lock_for_update()
        for move in moves:
            move._auto_invoice_spv_submit()
            self.env["ir.cron"]._commit_progress(1, remaining=self.search_count(domain))

    def _auto_invoice_spv_submit(self):
        """Submit this invoice's e-Factura through Odoo's send flow, with its extra EDI `ro_edi` only (no email)."""
        self.ensure_one()
        self.sudo().auto_invoice_spv_pending = False  # the cron's user may be changed to one who is not the superuser
        if self.state != "posted" or self.l10n_ro_edi_document_ids or self.l10n_ro_edi_state:
            return  # cancelled or reset since, or submitted by a person meanwhile: never a second submission
        salesperson = self.invoice_user_id or self.env.user
        self.env["account.move.send"]._generate_and_send_invoices(
            self,
            from_cron=True,
            sending_methods=[],
            extra_edis={"ro_edi"},
            author_user_id=salesperson.id,
            author_partner_id=salesperson.partner_id.id,
        )
        if self.auto_invoice_spv_error:
            self._auto_invoice_spv_notify_error()

    def _auto_invoice_spv_notify_error(self):
        """One open activity for the salesperson, on the invoice, saying what SPV answered."""
        activity_type = self.env.ref("auto_invoice_l10n_ro.mail_activity_type_spv_error", raise_if_not_found=False)
        order = self.line_ids.sale_line_ids.order_id[:1]
        responsible = order._auto_invoice_responsible() if order else self.invoice_user_id
        if activity_type and responsible and activity_type not in self.activity_ids.activity_type_id:
            self.activity_schedule(
                activity_type_id=activity_type.id, user_id=responsible.id, note=self.auto_invoice_spv_error
            )
