import binascii

from odoo import fields
from odoo.http import request

from odoo.addons.auto_invoice.controllers import portal
from odoo.addons.auto_invoice.owned_context import own

from ..models.sale_order import CONFIRMATION_MAIL_DEFERRED


class CustomerPortal(portal.CustomerPortal):
    def _auto_invoice_sign(self, order_sudo, access_token, name, signature):
        if not (order_sudo.company_id.auto_invoice_background and signature and order_sudo._has_to_be_signed()):
            return super()._auto_invoice_sign(order_sudo, access_token, name, signature)
        # Odoo's route without its rendering: the signed PDF, its message and the confirmation email follow in the
        # acceptance's job; the customer waits for the signature and the confirmation only.
        try:
            order_sudo.write({"signed_by": name, "signed_on": fields.Datetime.now(), "signature": signature})
            # The whole row now, as Odoo's route does: a bad image is refused here, and a second signing request of
            # this order conflicts on its row (retried by Odoo, then refused as already signed), not on the unique
            # index of the acceptance inserted below, which answers the customer with an error and its traceback.
            order_sudo.flush_recordset()
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}, None
        if not order_sudo._has_to_be_paid():
            order_sudo.with_context(**own(CONFIRMATION_MAIL_DEFERRED))._validate_order()
        query_string = "&message=sign_ok"
        if order_sudo._has_to_be_paid():
            query_string += "&allow_payment=yes"
        return {"force_refresh": True, "redirect_url": order_sudo.get_portal_url(query_string=query_string)}, None
