from werkzeug.datastructures import FileStorage

from odoo import http
from odoo.http import request

from ..models.ir_http import VERIFICATION_ROUTE, VERIFY_MAX_MB


class DocumentVerification(http.Controller):
    """The public page where anyone checks a document we issued: drop the PDF, or type the reference printed on the
    certificate. It says which document it is and that it is unchanged, or that we did not issue it as it is; it shows
    nothing the file itself does not contain. Nothing is changed by a check (hence no CSRF token: a command-line tool
    may post a file), but each is counted per address to rate-limit the page."""

    @http.route(
        ["/verify", "/verify/<string:reference>"],
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        csrf=False,
        sitemap=False,
        **{VERIFICATION_ROUTE: True},
    )
    def verify_document(self, reference=None, **post):
        values = {"reference": reference or "", "max_mb": VERIFY_MAX_MB, "verdict": None}
        if request.httprequest.method == "POST" or reference:
            values.update(self._verification_answer(reference, post))
        return request.render("auto_invoice.verification_page", values, status=values.pop("status", 200))

    def _verification_answer(self, reference, post):
        """{"verdict": "genuine"|"past"|"unknown"|"error", "message": a sentence, "status": the HTTP status}: "past" for
        a file of ours that no longer stands as issued (an earlier copy, withdrawn, cancelled, credited, added to)."""
        env = request.env
        checks = env["auto_invoice.verification.check"]
        address = request.httprequest.remote_addr or ""
        checks._warn_shared_address(address, request.httprequest.headers.get("X-Forwarded-For"))
        if not checks._allow(address):
            return self._error(env._("You have checked many documents in a short time: try again in a minute."), 429)
        upload = request.httprequest.files.get("document")
        if isinstance(upload, FileStorage) and upload.filename:
            return self._file_answer(upload)
        typed = post.get("reference") if isinstance(post.get("reference"), str) else None
        reference = (typed or reference or "").strip()
        if not reference:
            return self._error(env._("Choose the PDF file to check, or type the reference printed on it."), 400)
        if found := env["sale.order.acceptance"]._verify_reference(reference):
            message, live = found
            return {"verdict": "genuine" if live else "past", "message": message, "reference": reference}
        return {
            "verdict": "unknown",
            "message": env._("No document has this reference: check it and try again."),
            "reference": reference,
            "status": 404,
        }

    def _file_answer(self, upload):
        env = request.env
        data = upload.stream.read(VERIFY_MAX_MB * 1024 * 1024 + 1)
        if len(data) > VERIFY_MAX_MB * 1024 * 1024:
            return self._error(
                env._("This file is over %(size)s MB: no document we issue is that large.", size=VERIFY_MAX_MB), 413
            )
        if not data:
            return self._error(env._("This file is empty: choose the PDF file to check."), 400)
        if not data.startswith(b"%PDF-"):
            return self._error(
                env._("This file is not a PDF: choose the PDF of the quotation, the certificate or the invoice."), 400
            )
        if found := env["sale.order.acceptance"]._verify_file(data):
            message, live = found
            # Ours, but no longer as it was issued (an earlier copy, withdrawn, cancelled, something added): said apart.
            return {"verdict": "genuine" if live else "past", "message": message}
        return {
            "verdict": "unknown",
            "message": env._("This file was not issued by us, or it was changed after it was issued."),
        }

    def _error(self, message, status):
        return {"verdict": "error", "message": message, "status": status}
