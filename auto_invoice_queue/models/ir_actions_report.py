from odoo import models

from odoo.addons.auto_invoice.owned_context import owned_value

# Context key of the acceptance's signed-copy job (`sale.order.acceptance._complete_signing`, in sudo): the ids of the
# signed copies (the acceptances' documents) that the quotation report returns instead of rendering its order again,
# so that the confirmation email sends the very PDF that the acceptance keeps and hashes, and wkhtmltopdf runs once.
# Honoured only as the job sets it (an owned value, in sudo: see auto_invoice/owned_context.py), never from a client's
# context (a report URL's ?context=, RPC); an id that is not the live acceptance's document of the order being
# rendered changes nothing.
SIGNED_COPIES = "auto_invoice_queue_signed_copy_ids"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        ids = [res_ids] if isinstance(res_ids, int) else res_ids
        signed_copy_ids = owned_value(self.env, SIGNED_COPIES, su=True)
        if signed_copy_ids and ids and len(ids) == 1:
            if self._get_report(report_ref) == self.env.ref("sale.action_report_saleorder", raise_if_not_found=False):
                if signed_copy := self._auto_invoice_signed_copy(ids[0], signed_copy_ids):
                    return signed_copy, "pdf"
        return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    def _auto_invoice_signed_copy(self, order_id, signed_copy_ids):
        """The bytes of the order's signed copy if it is one of `signed_copy_ids`, or None."""
        acceptance = (
            self.env["sale.order.acceptance"]
            .sudo()
            .search([("order_id", "=", order_id), ("state", "!=", "void")], limit=1)
        )
        document = acceptance.document_id
        return document.raw if document and document.id in signed_copy_ids else None
