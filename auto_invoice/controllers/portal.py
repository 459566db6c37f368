import base64
import binascii
import io
import re

from PIL import Image

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.sale_management.controllers import portal

from ..models.ir_http import CUSTOMER_ERRORS
from ..models.sale_order import RECORDED_BY_CALLER
from ..models.sale_order_acceptance import SIGNATURE_MAX_BYTES
from ..models.sale_order_issued import SIGNED_COPY_POSTED
from ..owned_context import own, owned_value
from ..sentence import sentence

# Context key of a quotation's page opened from a signer's link: the signer, whose pad posts with their own token.
SIGNER_PAGE = "auto_invoice_signer_page"
# A pad's canvas on a high-density screen is under a megapixel; a PNG compresses a larger blank image under the byte
# limit, and decoding Odoo's 50 megapixels would cost the public request some 200 MB.
SIGNATURE_MAX_PIXELS = 4_000_000
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk that closes every complete PNG


class CustomerPortal(portal.CustomerPortal):
    @http.route(**{CUSTOMER_ERRORS: True})
    def portal_quote_accept(self, order_id, access_token=None, name=None, signature=None, terms_sha256=None):
        # The portal's page sends the token and the terms it showed in the query string (see sale_portal_templates).
        query = request.httprequest.args
        access_token = access_token or query.get("access_token")
        terms_sha256 = terms_sha256 or query.get("terms_sha256")
        if not isinstance(access_token, str | None):  # JSON may hold anything: not a token, so no access by token
            access_token = None
        # A quotation with signers is signed from each signer's own link: its token names the signer.
        signer, access_token = self._auto_invoice_signer(order_id, access_token)
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return super().portal_quote_accept(order_id, access_token=access_token)  # Odoo's "Invalid order."
        if order_sudo.signer_ids and not signer:
            return {
                "error": request.env._(
                    "This quotation is signed by each of its signers from the link they were emailed."
                )
            }
        try:  # the session's user, not order_sudo's superuser
            request.env["sale.order"]._auto_invoice_check_signing_rights()
        except AccessError as error:
            return {"error": error.args[0]}
        # Every refusal before Odoo's route writes anything: a clear answer, and nothing changed.
        if error := order_sudo._auto_invoice_signature_refusal():
            return {"error": error}
        if signature:  # without one, Odoo's own route answers ("Signature is missing.")
            if not self._auto_invoice_is_pad_signature(signature):
                return {"error": request.env._("Invalid signature data.")}
            try:
                name = request.env["sale.order.acceptance"]._check_signer_name(name)
            except ValidationError as error:
                return {"error": error.args[0]}
            if error := order_sudo._auto_invoice_signing_terms_refusal(terms_sha256):
                return {"error": error}
        # The page's statement, in the page's language (another tab may have changed the session's since).
        consent_text = order_sudo.with_context(lang=self._auto_invoice_consent_lang())._auto_invoice_consent_text()
        # This route records the acceptance itself, below, once Odoo's own route has signed and confirmed the order:
        # the signature it writes in sudo is not one for `sale.order.write()` to record (Odoo's route reads the order
        # from the request's environment, this override from its own).
        if signer and signature:
            try:
                last = signer._record_signature(
                    name, signature, request.env["sale.order.acceptance"]._request_evidence()
                )
            except UserError as error:
                return {"error": error.args[0]}
            if not last:  # the next signers' turn: the order waits for them
                return {"force_refresh": True, "redirect_url": f"{signer._portal_url()}&message=auto_invoice_signed"}
        request.update_context(**own(RECORDED_BY_CALLER))
        signing_sudo = order_sudo.with_context(**own(RECORDED_BY_CALLER))
        response, posted = self._auto_invoice_sign(signing_sudo, access_token, name, signature)
        if response.get("error"):
            return response
        evidence = {  # who signed: the request's user, not the superuser that order_sudo runs as
            **request.env["sale.order.acceptance"]._request_evidence(channel="portal"),
            "consent_text": consent_text,
        }
        order_sudo._auto_invoice_record_acceptance(evidence, posted=posted)
        return response

    @http.route()
    def portal_order_page(self, order_id, report_type=None, access_token=None, message=False, download=False, **kw):
        # A signer's link opens the quotation as its own link does, with the signer's pad.
        signer, access_token = self._auto_invoice_signer(order_id, access_token)
        if signer:
            request.update_context(**own(SIGNER_PAGE, signer.id))
        return super().portal_order_page(
            order_id, report_type=report_type, access_token=access_token, message=message, download=download, **kw
        )

    @http.route()
    def portal_quote_decline(self, order_id, access_token=None, decline_message=None, **kwargs):
        # A signer declines for themselves: nobody else is asked, the salesperson is told, nothing is invoiced. The
        # quotation's own link declines nothing once it has signers.
        signer, token = self._auto_invoice_signer(order_id, access_token)
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        if not signer and not (order and order.signer_ids):
            return super().portal_quote_decline(
                order_id, access_token=access_token, decline_message=decline_message, **kwargs
            )
        if not signer:
            return request.redirect("/my")
        if decline_message and not signer._signing_refusal():
            signer._decline(decline_message)
            return request.redirect(f"{signer._portal_url()}&message=auto_invoice_declined")
        return request.redirect(f"{signer._portal_url()}&message=cant_reject")

    def _get_page_view_values(self, document, access_token, values, session_history, no_breadcrumbs, **kwargs):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        if document._name == "sale.order":
            signer_id = owned_value(request.env, SIGNER_PAGE)
            values["auto_invoice_signer"] = request.env["sale.order.signer"].sudo().browse(signer_id or [])
        return values

    def _auto_invoice_signer(self, order_id, access_token):
        """(the signer whose link carries `access_token`, the token that opens their quotation) for a quotation with
        signers; (an empty recordset, `access_token`) otherwise."""
        signers = request.env["sale.order.signer"].sudo()
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        signer = signers._by_token(order, access_token) if order else signers
        return signer, (order._portal_ensure_token() if signer else access_token)

    def _get_http_headers(self, model, report_type, report, download):
        # The one place where the portal hands out an order's PDF (Download, Print): the file enters the register of
        # issued files, unless it is one issued already (a signed order's copy is its signed copy).
        if report_type == "pdf" and model._name == "sale.order" and len(model) == 1:
            model.sudo()._auto_invoice_issue_copy(report, "portal")
        return super()._get_http_headers(model, report_type, report, download)

    def _auto_invoice_sign(self, order_sudo, access_token, name, signature):
        """Sign and confirm the order as Odoo's own route does (it also renders the signed PDF and posts it).

        :return: (the route's response, the attachment of the signed PDF it posted on the order, or None)
        """
        posted = []  # filled by sale.order._create_attachments_for_post as the route posts its PDF
        request.update_context(**own(SIGNED_COPY_POSTED, posted))
        response = super().portal_quote_accept(order_sudo.id, access_token=access_token, name=name, signature=signature)
        if response.get("error") or not posted:
            return response, None
        return response, request.env["ir.attachment"].sudo().browse(posted[-1])

    @http.route(**{CUSTOMER_ERRORS: True})
    def portal_quote_option_update(self, order_id, line_id, access_token=None, **kwargs):
        # Odoo ignores a change it does not allow; a signed quotation waiting for its payment says why, in words for
        # the customer (its page no longer offers the change: see sale.order._can_be_edited_on_portal).
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            order_sudo = None
        if order_sudo and order_sudo.auto_invoice_acceptance_id:
            raise UserError(
                sentence(
                    request.env._(
                        "This quotation is signed: its options can no longer be changed. To change your order, please "
                        "contact %(company)s.",
                        company=order_sudo.company_id.name,
                    )
                )
            )
        return super().portal_quote_option_update(order_id, line_id, access_token=access_token, **kwargs)

    @http.route(["/my/orders/<int:order_id>/certificate"], type="http", auth="public", website=True)
    def portal_order_acceptance_certificate(self, order_id, access_token=None, **kwargs):
        """The certificate of the order's acceptance, for whoever may see the order (a signer's link included)."""
        _signer, access_token = self._auto_invoice_signer(order_id, access_token)
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        acceptance_sudo = order_sudo.auto_invoice_acceptance_id
        if not acceptance_sudo:
            return request.redirect(order_sudo.get_portal_url())
        # An internal user who reads the order (Inventory, Projects) may not read its acceptance: nor its certificate.
        if request.env.user._is_internal() and not acceptance_sudo.with_user(request.env.user).has_access("read"):
            return request.redirect("/my")
        certificate = acceptance_sudo.certificate_id
        if not certificate:  # the one recorded, or the order's page saying it is on its way
            return request.redirect(order_sudo.get_portal_url(query_string="&message=certificate_pending"))
        return request.make_response(
            certificate.raw,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(certificate.raw)),
                (
                    "Content-Disposition",
                    http.content_disposition(self._auto_invoice_certificate_filename(acceptance_sudo)),
                ),
            ],
        )

    def _auto_invoice_certificate_filename(self, acceptance_sudo):
        """The certificate's file name, as Odoo's portal names a report it serves."""
        return "%s.pdf" % re.sub(r"\W+", "_", acceptance_sudo._get_report_base_filename())

    def _auto_invoice_is_pad_signature(self, signature):
        """Whether `signature` is what the signature pad sends: a complete PNG in base64, at most
        SIGNATURE_MAX_BYTES and SIGNATURE_MAX_PIXELS (read from its header, before any pixel is decoded). Anything
        else is refused before Odoo's route stores it as the order's signature (it took a JPEG, an SVG with a
        script, a truncated PNG) or answers the visitor with a traceback (bytes that are no image)."""
        if not isinstance(signature, str) or len(signature) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
            return False
        try:
            data = base64.b64decode(signature, validate=True)
            if len(data) > SIGNATURE_MAX_BYTES or not data.endswith(PNG_END):
                return False  # Odoo loads truncated images (ir_actions_report sets LOAD_TRUNCATED_IMAGES)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                if image.width * image.height > SIGNATURE_MAX_PIXELS:
                    return False
                image.verify()  # every chunk's checksum
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                image.load()  # and its pixels decoded
        except (binascii.Error, ValueError, OSError, SyntaxError, Image.DecompressionBombError):
            return False
        return True

    def _auto_invoice_consent_lang(self):
        """The language the signing page showed its consent statement in: one of the active languages, else the
        request's."""
        lang = request.httprequest.args.get("consent_lang")
        if lang and lang in dict(request.env["res.lang"].get_installed()):
            return lang
        return request.env.lang
