from odoo import http
from odoo.http import request


class SignerVerification(http.Controller):
    """The signer's page asks for a code and sends it back (see sale_order_signer_verification.py); each answer is the
    signer's page again, saying what happened. Only the signer whose link it is, in their turn, gets a code."""

    @http.route("/my/orders/<int:order_id>/signer/code", type="http", auth="public", methods=["POST"], website=True)
    def auto_invoice_signer_send_code(self, order_id, access_token=None, **kwargs):
        signer = self._auto_invoice_link_signer(order_id, access_token)
        if not signer:
            return request.redirect("/my")
        return self._auto_invoice_signer_page(signer, signer._auto_invoice_send_email_code())

    @http.route("/my/orders/<int:order_id>/signer/verify", type="http", auth="public", methods=["POST"], website=True)
    def auto_invoice_signer_verify_code(self, order_id, access_token=None, code=None, **kwargs):
        signer = self._auto_invoice_link_signer(order_id, access_token)
        if not signer:
            return request.redirect("/my")
        return self._auto_invoice_signer_page(signer, signer._auto_invoice_check_email_code(code))

    def _auto_invoice_link_signer(self, order_id, access_token):
        """The live signer of the quotation whose link carries `access_token`, in sudo; empty for any other token."""
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        return request.env["sale.order.signer"].sudo()._by_token(order, access_token) if order else None

    def _auto_invoice_signer_page(self, signer, outcome):
        return request.redirect(f"{signer._portal_url()}&message=auto_invoice_code_{outcome}")
