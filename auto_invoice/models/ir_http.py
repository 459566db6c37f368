import json
import logging

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from odoo import models
from odoo.exceptions import UserError
from odoo.http import Response, SessionExpiredException, request
from odoo.tools import json_default

_logger = logging.getLogger(__name__)

# The routing key of the public verification page (controllers/verification.py), and its upload limit.
VERIFICATION_ROUTE = "auto_invoice_verification"
VERIFY_MAX_MB = 20  # no document we issue comes near it

# The routing key of the routes whose JSON-RPC errors are answered for customers without the server's details: this
# addon's own (and those it overrides), declared with `@http.route(auto_invoice_customer_errors=True)`. Every other
# route of the database keeps Odoo's answer.
CUSTOMER_ERRORS = "auto_invoice_customer_errors"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _handle_error(cls, exception):
        """On the routes that declare CUSTOMER_ERRORS, customers (the portal's visitors and users) never get the
        server's traceback in a JSON-RPC error: Odoo puts it in every answer (`data.debug`), and a malformed request
        on the signing route would show our code to whoever holds a link. Staff keep Odoo's answer."""
        if isinstance(exception, RequestEntityTooLarge) and cls._auto_invoice_route_has(VERIFICATION_ROUTE):
            return cls._auto_invoice_verification_too_large()
        response = super()._handle_error(exception)
        if (
            request.dispatcher.routing_type != "jsonrpc"
            or not cls._auto_invoice_route_hides_errors()
            or cls._auto_invoice_is_staff()
        ):
            return response
        try:
            answer = json.loads(response.get_data())
        except ValueError:
            return response
        if not isinstance(answer, dict) or not isinstance(answer.get("error"), dict):
            return response
        answer["error"]["data"] = cls._auto_invoice_customer_error_data(exception, answer["error"].get("data") or {})
        response.set_data(json.dumps(answer, default=json_default))
        return response

    @classmethod
    def _auto_invoice_route_hides_errors(cls):
        """Whether the request's route declares CUSTOMER_ERRORS (its routing, as Odoo matches the path again)."""
        return cls._auto_invoice_route_has(CUSTOMER_ERRORS)

    @classmethod
    def _auto_invoice_route_has(cls, key):
        """Whether the request's route declares the routing `key`."""
        try:
            rule, _args = cls._match(request.httprequest.path)
        except Exception:  # noqa: BLE001 - no route (a 404), or none to tell: Odoo's answer
            return False
        return bool(rule.endpoint.routing.get(key))

    @classmethod
    def _auto_invoice_verification_too_large(cls):
        """The verification page saying, in a sentence, that the upload is too large: werkzeug refuses a form it
        cannot parse within Odoo's limits before the page's code runs."""
        env = request.env
        message = env._("This file is over %(size)s MB: no document we issue is that large.", size=VERIFY_MAX_MB)
        values = {"reference": "", "max_mb": VERIFY_MAX_MB, "verdict": "error", "message": message}
        html = env["ir.ui.view"].sudo()._render_template("auto_invoice.verification_page", values)
        return Response(html, status=413, content_type="text/html;charset=utf-8")

    @classmethod
    def _auto_invoice_is_staff(cls):
        """Whether the request's user is an internal user; when that cannot be told (no session, or a transaction
        the error aborted), the answer is the customer's."""
        if request.env is None or not request.session.uid:
            return False
        try:
            return request.env.user._is_internal()
        except Exception:  # noqa: BLE001 - deciding not to show details must never raise in the error handler
            _logger.info("could not tell whether the user of a failed request is internal", exc_info=True)
            return False

    @classmethod
    def _auto_invoice_customer_error_data(cls, exception, data):
        """Odoo's error data without its traceback; an unexpected error (not a message written for users) also loses
        its type and text."""
        if isinstance(exception, UserError | HTTPException | SessionExpiredException):
            return {**data, "debug": ""}
        message = request.env._("The request could not be processed.")
        return {"name": "InternalServerError", "message": message, "arguments": [message], "context": {}, "debug": ""}
