from contextlib import contextmanager
from contextvars import ContextVar

from odoo import models

# {order id: PDF}: the signed copies that the quotation report returns instead of rendering again, while an
# acceptance's job sends the confirmation email (a context variable of the Python code, which no RPC client can set).
_signed_copies = ContextVar("auto_invoice_queue_signed_copies", default=None)


@contextmanager
def signed_copies_reused(copies):
    token = _signed_copies.set(copies)
    try:
        yield
    finally:
        _signed_copies.reset(token)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # The email sends the very PDF that the acceptance keeps and hashes, and wkhtmltopdf runs once per signature.
        copies = _signed_copies.get()
        ids = [res_ids] if isinstance(res_ids, int) else res_ids
        if copies and ids and len(ids) == 1 and ids[0] in copies:
            if self._get_report(report_ref) == self.env.ref("sale.action_report_saleorder", raise_if_not_found=False):
                return copies[ids[0]], "pdf"
        return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
