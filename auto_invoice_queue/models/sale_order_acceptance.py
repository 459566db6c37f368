import logging

from odoo import models
from odoo.exceptions import LockError, UserError

from odoo.addons.auto_invoice.owned_context import own
from odoo.addons.queue_job.exception import RetryableJobError

from .ir_actions_report import SIGNED_COPIES

_logger = logging.getLogger(__name__)

JOB_CHANNEL = "root.auto_invoice"
JOB_MAX_RETRIES = 8  # concurrency errors and a locked order only: any other error ends the job
LOCKED_RETRY_SECONDS = 3  # the other job of the same order renders a PDF for about that long
INVOICE_JOB_PRIORITY = 10  # queue_job's default
SIGNING_JOB_PRIORITY = 20  # after the invoices waiting in the channel


class SaleOrderAcceptance(models.Model):
    _inherit = "sale.order.acceptance"

    def _defers_signed_document(self):
        # In background mode, the signing request keeps the signature and the signed content's hash; the PDF is
        # rendered by the acceptance's job (its hash is over the bytes stored and sent, whenever rendered).
        return super()._defers_signed_document() or self.sudo().company_id.auto_invoice_background

    def _enqueue_completion(self):
        """The invoice's job, one per acceptance: its identity key keeps a second one from being queued while the
        first waits, and the job itself invoices once. It renders no PDF (unless its policy sends the invoice): a batch
        of acceptances has its invoices before its signed copies."""
        for acceptance in self.sudo():
            acceptance.with_delay(
                channel=JOB_CHANNEL,
                priority=INVOICE_JOB_PRIORITY,
                max_retries=JOB_MAX_RETRIES,
                identity_key=f"auto_invoice.acceptance.{acceptance.id}",
                description=self.env._(
                    "Invoice acceptance %(reference)s of %(order)s",
                    reference=acceptance.name,
                    order=acceptance.order_id.name,
                ),
            )._job_complete()

    def _enqueue_signing(self):
        """The signed copy's job, one per acceptance, after the invoices waiting in the channel (lower priority):
        wkhtmltopdf is most of the work the signing request left."""
        for acceptance in self.sudo():
            acceptance.with_delay(
                channel=JOB_CHANNEL,
                priority=SIGNING_JOB_PRIORITY,
                max_retries=JOB_MAX_RETRIES,
                identity_key=f"auto_invoice.acceptance.{acceptance.id}.signing",
                description=self.env._(
                    "Signed copy and confirmation email of %(reference)s (%(order)s)",
                    reference=acceptance.name,
                    order=acceptance.order_id.name,
                ),
            )._job_complete_signing()

    def _job_lock_order(self):
        """Lock the acceptance's order for a job (its invoice or its signed copy), or have queue_job retry soon."""
        order = self.sudo().order_id
        self.env.flush_all()
        try:
            order.lock_for_update()
        except LockError:
            raise RetryableJobError(
                f"{order.name} is locked by another transaction", seconds=LOCKED_RETRY_SECONDS, ignore_retry=True
            ) from None

    def _job_complete(self):
        """The invoice's job: the invoice of this acceptance, with its order locked. When its policy emails the
        invoice, the signed copy and the order's confirmation come first, as in the synchronous mode.

        Safe to run twice (a retry, a job re-queued after its worker died): each step looks at what is done already.
        A failure of the invoice takes the failure path of the synchronous mode (`_create_invoice`); a concurrency
        error or a locked order is retried by queue_job.

        :return: what the job did, kept as its result
        """
        self.ensure_one()
        acceptance = self.sudo()
        if skipped := self._job_skipped():
            return skipped
        done = []
        if acceptance._is_to_invoice():
            if acceptance.auto_invoice_after == "send":
                done += acceptance._complete_signing()
            invoice = acceptance.order_id._auto_invoice_create()
            done.append(f"invoice {invoice.name or invoice.id}" if invoice else f"invoice: {acceptance.state}")
        return ", ".join(done) or "nothing left to do"

    def _job_complete_signing(self):
        """The signed copy's job: what Odoo's signing route does in the request, with the order locked; once.

        :return: what the job did, kept as its result
        """
        self.ensure_one()
        if skipped := self._job_skipped():
            return skipped
        return ", ".join(self._complete_signing()) or "nothing left to do"

    def _job_skipped(self):
        """Lock the order for a job of this acceptance; why the job does nothing, or None: an acceptance voided (its
        quotation reset) or an order cancelled since the signature. Nothing is rendered from what the order became,
        nor sent as its confirmation; the signature and its evidence stay.

        :return: the job's result when it does nothing
        """
        acceptance = self.sudo()
        if acceptance.state == "void":
            return "void: nothing to do"
        self._job_lock_order()
        if acceptance.order_id.state == "cancel":
            acceptance.order_id.auto_invoice_confirmation_template_id = False
            return "cancelled: nothing to do"
        return None

    def _complete_signing(self):
        """What Odoo's signing route does in the request, done later: keep the signed PDF (evidence), post it on the
        order as Odoo does, render the certificate of acceptance, send the confirmation email that the request
        deferred, with that same PDF and the certificate attached. Each once; call it with the order locked.

        :return: the steps done
        :rtype: list
        """
        self.ensure_one()
        acceptance = self.sudo()
        order = acceptance.order_id
        done = []
        if not acceptance.document_id and acceptance.channel:  # none to render for an acceptance of before 19.0.1.0.0
            document = acceptance._attach_signed_document()
            if acceptance.channel == "portal":
                acceptance._post_signed_document(document)
            done.append("signed document")
        # The certificate now rather than by its cron: rendering it sends the confirmation that waited for it.
        signed_copies = acceptance.with_context(**own(SIGNED_COPIES, acceptance.document_id.ids))
        confirmation = bool(order.auto_invoice_confirmation_template_id)
        if not acceptance.certificate_id and (acceptance.document_id or not acceptance.channel):
            signed_copies._attach_certificate()
            done.append("certificate")
        signed_copies.order_id._auto_invoice_send_deferred_confirmation()
        if confirmation:
            done.append("confirmation email")
        return done

    def _post_signed_document(self, document):
        """The message Odoo's portal route posts at the signature, with the signed PDF: from the signer."""
        self.ensure_one()
        acceptance = self.sudo()
        author = acceptance.partner_id if acceptance.user_id._is_public() else acceptance.user_id.partner_id
        acceptance.order_id.message_post(
            body=self.env._("Order signed by %(signer)s", signer=acceptance._accepted_by()),
            author_id=author.id,
            attachment_ids=document.copy({"res_model": "sale.order", "res_id": acceptance.order_id.id}).ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _job_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job gave up on this acceptance's invoice job (retries exhausted, an unexpected error): the same
        visible failure as in the synchronous mode, and Retry Invoice."""
        reason = self._job_failure_reason(exc_name, exc_message)
        for acceptance in self.sudo():
            if acceptance._is_to_invoice() and acceptance.state == "pending":
                acceptance._mark_failed(UserError(reason))

    def _job_signing_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job gave up on the signed copy's job: the salesperson reads it on the order (the signature and its
        evidence are kept; Retry Invoice, or requeuing the job, completes the copy)."""
        reason = self._job_failure_reason(exc_name, exc_message)
        for acceptance in self.sudo():
            _logger.warning("The signed copy's job of acceptance %s failed: %s", acceptance.name, exc_message)
            acceptance.order_id.message_post(
                body=self.env._("The signed copy could not be completed. %(reason)s", reason=reason),
                author_id=self.env.ref("base.partner_root").id,
                subtype_xmlid="mail.mt_note",
            )

    def _job_failure_reason(self, exc_name, exc_message):
        return self.env._("The background job failed: %(error)s", error=exc_message or exc_name)
