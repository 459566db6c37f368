"""The certificate of acceptance: rendered by a cron out of the signing request, kept with the acceptance, announced
on the order and its invoices, and the order's confirmation email that waited for it sent with it."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_amount

_logger = logging.getLogger(__name__)


class SaleOrderAcceptance(models.Model):
    _inherit = "sale.order.acceptance"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_attach_certificates(self):
        """Render the certificates of the acceptances that have none yet (triggered by each signature), each with the
        commit that sends its confirmation email.

        Out of the customer's signing request: the certificate is drawn from the acceptance alone, which never
        changes, so rendering it a moment later gives the same document. Every acceptance waiting now is counted as
        remaining, so that Odoo runs the cron again at once when its time runs out (not at its next daily run); each is
        tried once per run, in the order signed: one whose rendering fails is tried again at the next run.
        """
        # An acceptance whose signed PDF is still to be rendered (background mode) waits for it; one recorded before
        # acceptances had documents (no channel) has none to wait for.
        acceptances = self.search(
            [
                ("certificate_id", "=", False),
                ("state", "!=", "void"),
                "|",
                ("document_id", "!=", False),
                ("channel", "=", False),
            ],
            order="id",
        )
        self.env["sale.order"]._auto_invoice_send_unclaimed_confirmations()
        self.env["ir.cron"]._commit_progress(remaining=len(acceptances))
        busy = self.browse()
        for acceptance in acceptances:
            try:
                with self.env.cr.savepoint():  # which flushes: a concurrent update of its order fails here, alone
                    acceptance._lock_order()
                    acceptance._attach_certificate()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                busy |= acceptance
            if not self.env["ir.cron"]._commit_progress(1):
                break
        if busy:
            self._retry_certificates_soon(busy)

    def _lock_order(self):
        """Lock the order before its certificate and confirmation change it: an order updated since this run's snapshot
        (the salesperson, a payment, a job) or locked now raises a concurrency error here, before any work and without
        an error in the server's log, and the cron tries it again in seconds."""
        self.env.cr.execute(
            SQL("SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", self.sudo().order_id.id),
            log_exceptions=False,
        )

    def _retry_certificates_soon(self, acceptances):
        """The certificates of `acceptances` met a concurrent update of their order (the salesperson, a payment, a
        job): this run's snapshot cannot write them, the next one can. In a few seconds, not at the cron's daily run."""
        _logger.info(
            "Certificates of %s postponed: their orders were being updated", ", ".join(acceptances.mapped("name"))
        )
        if cron := self.env.ref("auto_invoice.ir_cron_acceptance_certificate", raise_if_not_found=False):
            cron.sudo()._trigger(at=fields.Datetime.now() + timedelta(seconds=10))

    def _attach_certificate(self):
        """Render the certificate of acceptance, keep it, say so on the order and on its invoices, and send the
        order's confirmation email that waited for it (sale_order_confirmation).

        :return: whether it was rendered; a failure (no PDF engine, say) is logged, and leaves no partial copy
        """
        self.ensure_one()
        acceptance = self.sudo()
        lang = acceptance.order_id.partner_id.lang  # the customer's, as the certificate itself (it is emailed)
        try:
            with self.env.cr.savepoint():
                pdf = (
                    self.env["ir.actions.report"]
                    .sudo()
                    ._render_qweb_pdf("auto_invoice.action_report_acceptance_certificate", acceptance.ids)[0]
                )
                rendered, pdf = pdf, acceptance._seal_document(pdf)
                certificate = (
                    self.env["ir.attachment"]
                    .sudo()
                    .create(
                        {
                            "name": f"{acceptance.with_context(lang=lang)._get_report_base_filename()}.pdf",
                            "raw": pdf,
                            "mimetype": "application/pdf",
                            "res_model": acceptance._name,
                            "res_id": acceptance.id,
                        }
                    )
                )
                acceptance.write({"certificate_id": certificate.id})
                self.env["auto_invoice.issued.file"]._issue(
                    "certificate", acceptance, pdf, "certificate", sealed=pdf != rendered
                )
                acceptance._post_certificate(certificate)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # its order is being updated: the cron tries it again in seconds (_cron_attach_certificates)
        except Exception as error:  # the acceptance stands without its printed copy; the next run tries again
            _logger.warning("Certificate of acceptance %s not rendered: %s", acceptance.name, error, exc_info=True)
            acceptance.order_id._auto_invoice_send_deferred_confirmation()  # without it, rather than late
            return False
        acceptance.order_id._auto_invoice_send_deferred_confirmation()
        return True

    def _post_certificate(self, certificate):
        """Tell the order and the invoices that the certificate exists. Its evidence (IP address, user agent,
        signature) is for the readers of acceptances: every reader of a message can download its attachments, and
        Inventory or Project users read sales orders; the order's note links to the acceptance, which keeps the file.
        The invoices' readers read acceptances: their notes carry a copy, the reviewer's document at hand (kept with the
        acceptance, see _certificate_copy)."""
        acceptance = self.sudo()
        author = self.env.ref("base.partner_root").id
        acceptance.order_id.message_post(
            body=self.env._(
                "Certificate of acceptance %(acceptance)s: print it from the acceptance.",
                acceptance=acceptance._get_html_link(),
            ),
            author_id=author,
            subtype_xmlid="mail.mt_note",
        )
        for invoice in acceptance.invoice_ids.filtered(lambda move: move.state != "cancel"):
            invoice.message_post(
                body=self.env._("Certificate of acceptance %(reference)s.", reference=acceptance.name),
                author_id=author,
                subtype_xmlid="mail.mt_note",
                attachment_ids=acceptance._certificate_copy().ids,
            )

    def _certificate_copy(self):
        """A copy of the certificate for a note on this acceptance's invoices, kept with the acceptance (in sudo): the
        readers of acceptances open it, and the readers of the note through it.

        Not an attachment of the invoice: Odoo's web client previews the newest PDF attached to a record that has no
        main attachment (and registers it as such: mail's thread_model_patch.js), so the draft's preview would be the
        certificate, not the invoice to review. A copy: a note's attachments can be deleted with it, the acceptance's
        evidence stays."""
        self.ensure_one()
        acceptance = self.sudo()
        return acceptance.certificate_id.copy({"res_model": acceptance._name, "res_id": acceptance.id})

    @api.model
    def _trigger_certificates(self):
        if cron := self.env.ref("auto_invoice.ir_cron_acceptance_certificate", raise_if_not_found=False):
            cron.sudo()._trigger()

    # === The certificate === #

    def _certificate_when(self, value):
        """A UTC datetime of this acceptance as the customer's documents say it (sale.order._auto_invoice_when_text)."""
        self.ensure_one()
        return self.order_id._auto_invoice_when_text(value)

    def _certificate_total(self):
        """The total of the signed content, formatted in its currency ("$ 3,360.00"), or "" when not recorded."""
        self.ensure_one()
        signed = self._signed_content()
        if not signed or not signed.get("amount_total"):
            return ""
        currency = self.order_id.currency_id
        if currency.name != signed.get("currency"):
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", signed["currency"])], limit=1)
            )
        return format_amount(self.env, float(signed["amount_total"]), currency) if currency else ""

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Certificate of acceptance %(reference)s", reference=self.name)
