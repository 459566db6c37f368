import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    """The confirmation email of a signed order carries its certificate of acceptance.

    The certificate is rendered out of the signing request (sale.order.acceptance._cron_attach_certificates), so the
    confirmation that the signature brings waits for it: kept here, then sent by the certificate's rendering with the
    certificate attached (or without it, if the rendering fails: the customer's confirmation is never held back).
    """

    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    auto_invoice_confirmation_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Confirmation Email Deferred",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="The confirmation email of a signed order, sent with the certificate of acceptance attached as soon as "
        "the certificate is rendered (not by Odoo's queue of deferred order emails, which would send it without).",
    )

    def write(self, vals):
        if "auto_invoice_confirmation_template_id" in vals and not self.env.su:
            raise AccessError(self.env._("Only the certificate of acceptance sends a deferred confirmation email."))
        return super().write(vals)

    def _send_order_notification_mail(self, mail_template, *args, **kwargs):
        # Odoo's arguments passed on as they came: whoever wraps or patches Odoo's method sees Odoo's own call.
        if not self._auto_invoice_confirms_signature(mail_template):
            return super()._send_order_notification_mail(mail_template, *args, **kwargs)
        allow_deferred_sending = kwargs.get("allow_deferred_sending", args[0] if args else True)
        acceptance = self.sudo().auto_invoice_acceptance_id
        if allow_deferred_sending and not acceptance.certificate_id:
            self.sudo().auto_invoice_confirmation_template_id = mail_template
            self.env["sale.order.acceptance"]._trigger_certificates()
            return None
        return self._auto_invoice_send_confirmation(mail_template)

    def _auto_invoice_confirms_signature(self, mail_template):
        """Whether `mail_template` is the confirmation of this order that its signature brings."""
        self.ensure_one()
        return bool(mail_template and self.signature and mail_template == self._get_confirmation_template())

    def _auto_invoice_send_confirmation(self, mail_template):
        """Send the confirmation as Odoo does, with the certificate of acceptance attached when it exists. The file
        stays the acceptance's: the order's other readers (Inventory, Project) see the message, not the evidence."""
        self.ensure_one()
        order = self.with_user(SUPERUSER_ID) if self.env.su else self  # as Odoo's own sending in sudo
        # Odoo's message_post_with_source(), with one attachment more than the template's own (its report). Sent when
        # the transaction commits, also from the certificates' cron, whose server action would otherwise leave it to
        # the mail queue's next run (mail's ir.actions.server sets mail_notify_force_send=False): up to an hour for the
        # customer who has just signed.
        composer = (
            order.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=self.ids,
                default_template_id=mail_template.id,
                force_send=True,
                mail_notify_force_send=True,
            )
            .create(
                {
                    "message_type": "notification",
                    "subtype_id": self.env.ref("mail.mt_comment").id,
                    "email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                }
            )
        )
        # Signed by several people: each of them gets what they signed, not only the customer.
        composer.partner_ids |= self.sudo()._auto_invoice_report_signers().partner_id
        if certificate := self.sudo().auto_invoice_acceptance_id.certificate_id:
            composer.attachment_ids += certificate  # read first: the template's own are computed on reading
        composer._action_send_mail()

    def _auto_invoice_send_deferred_confirmation(self):
        """Send the confirmation email that waited for the certificate, once; none for an order no longer confirmed
        (cancelled, or set back to a quotation) since."""
        for order in self.sudo().filtered("auto_invoice_confirmation_template_id"):
            template = order.auto_invoice_confirmation_template_id
            order.auto_invoice_confirmation_template_id = False
            if order.state != "sale":
                continue
            try:
                with self.env.cr.savepoint():
                    order._auto_invoice_send_confirmation(template)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise  # the order is being updated: the caller's transaction is tried again, the email with it
            except Exception as error:  # a broken template of another module: the salesperson reads why, once
                _logger.warning("Confirmation email of %s not sent: %s", order.name, error, exc_info=True)
                order.message_post(
                    body=self.env._("The confirmation email could not be sent: %(error)s", error=error),
                    author_id=self.env.ref("base.partner_root").id,
                    subtype_xmlid="mail.mt_note",
                )

    @api.model
    def _auto_invoice_send_unclaimed_confirmations(self):
        """The deferred confirmations that no certificate will send: orders without a live acceptance (signed before
        the addon was installed, say). Sent without one by the certificates' cron."""
        orders = self.sudo().search(
            [("auto_invoice_confirmation_template_id", "!=", False), ("auto_invoice_acceptance_id", "=", False)]
        )
        orders._auto_invoice_send_deferred_confirmation()
