"""The quotations and orders we send or let the customer download enter the register of issued files, and a signed
order's PDF is its signed copy, the one the acceptance keeps (and the company seals)."""

from odoo import models

from ..owned_context import owned_value

# Context key of the portal's signing route (auto_invoice/controllers/portal.py, in sudo): a list that collects the
# order's PDF which Odoo's route posts at the signature. The acceptance keeps that very attachment's bytes and seals
# them in place, so that the chatter's copy and the followers' email carry the file whose SHA-256 the register holds.
SIGNED_COPY_POSTED = "auto_invoice_signed_copy_posted"


class SaleOrder(models.Model):
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    def _message_post_after_hook(self, message, msg_values):
        # Every PDF that leaves with a message to the customer (the quotation email, the confirmation) is issued; an
        # internal note leaves nobody's hands.
        res = super()._message_post_after_hook(message, msg_values)
        leaves = message.subtype_id and not message.subtype_id.internal
        if leaves and message.message_type in ("comment", "notification", "email_outgoing"):
            for attachment in message.sudo().attachment_ids.filtered(lambda a: a.mimetype == "application/pdf"):
                self._auto_invoice_issue_copy(attachment.raw, "email")
        return res

    def _create_attachments_for_post(self, values_list, extra_list):
        attachments = super()._create_attachments_for_post(values_list, extra_list)
        posted = owned_value(self.env, SIGNED_COPY_POSTED, su=True)
        if posted is not None and len(self) == 1:
            posted.extend(
                attachments.filtered(
                    lambda a: (a.res_model, a.res_id, a.name) == (self._name, self.id, f"{self.name}.pdf")
                ).ids
            )
        return attachments

    def _auto_invoice_issue_copy(self, data, channel):
        """Register `data`, a PDF of this order sent or downloaded by `channel`, unless it is a file issued already
        (the signed copy, the same quotation twice): a quotation before it is confirmed, else an order."""
        self.ensure_one()
        register = self.env["auto_invoice.issued.file"].sudo()
        if self.signature and not self.sudo().auto_invoice_acceptance_id.document_id:
            return  # being signed: the acceptance issues its signed copy (the PDF Odoo's route posts becomes it)
        if not data or register._find(register._sha256(data)):
            return
        kind = "quotation" if self.state in ("draft", "sent") else "order"
        register._issue(kind, self, data, channel)

    def _auto_invoice_issued_values(self, kind):
        """The register's fields naming this order as the document of an issued file of `kind`."""
        self.ensure_one()
        return {
            "order_id": self.id,
            "document_name": self.name,
            "company_id": self.company_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
        }

    def _auto_invoice_signed_copy(self):
        """The bytes of this order's signed copy when its PDF is still the one signed (the priced content unchanged
        since: no line added, no price changed), else None."""
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id
        if not acceptance.document_id or not acceptance.content_sha256:
            return None
        if acceptance._content_values(self.sudo())["content_sha256"] != acceptance.content_sha256:
            return None
        document = acceptance.document_id.raw
        return document if document and document.startswith(b"%PDF-") else None  # a test run keeps HTML
