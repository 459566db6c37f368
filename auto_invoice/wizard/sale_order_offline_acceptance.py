import base64
import binascii
import io

import pytz
from PIL import Image, ImageDraw, ImageFont

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import file_open

from ..models.sale_order import RECORDED_BY_CALLER
from ..models.sale_order_acceptance import SIGNATURE_MAX_BYTES
from ..owned_context import own

STAMP_FONT = "web/static/fonts/sign/NotoSans-Reg.ttf"  # Odoo's own (its signature pad's), whatever the system has
SIGNATURE_MIMETYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # no SVG: it can carry scripts


class SaleOrderOfflineAcceptance(models.TransientModel):
    """Record that the customer accepted a quotation outside the portal (on paper, by phone, by email).

    The acceptance goes through the same path as a portal signature (`sale.order._auto_invoice_record_acceptance`):
    same evidence with the channel `offline`, same confirmation and automatic invoice, same policies.
    """

    _name = "sale.order.offline.acceptance"
    _description = "Record an Offline Acceptance"

    order_id = fields.Many2one(comodel_name="sale.order", string="Quotation", required=True, ondelete="cascade")
    has_signers = fields.Boolean(compute="_compute_has_signers")
    signer_id = fields.Many2one(
        comodel_name="sale.order.signer",
        domain="[('order_id', '=', order_id), ('state', '=', 'to_sign')]",
        compute="_compute_signer_id",
        store=True,
        readonly=False,
        help="A quotation signed by several people: the signer whose paper signature this records, one whose turn it "
        "is. The others still sign from their own link.",
    )
    signer_name = fields.Char(
        string="Accepted By",
        compute="_compute_signer_name",
        store=True,
        readonly=False,
        help="The name of the person who accepted the quotation.",
    )
    accepted_on = fields.Datetime(required=True, default=fields.Datetime.now)
    method = fields.Selection(
        selection=[("paper", "Signed on Paper"), ("phone", "By Phone"), ("email", "By Email")],
        string="Accepted",
        required=True,
        default="paper",
    )
    signature = fields.Binary(
        string="Signature or Signed Scan",
        attachment=False,
        help="Optional: an image of the signature or of the signed quotation (PNG, JPEG, GIF or WebP, 2 MB at most).",
    )
    signature_filename = fields.Char()
    note = fields.Text(
        help="How and where the customer accepted; kept with the acceptance for your team, never shown to the customer."
    )

    @api.depends("order_id")
    def _compute_has_signers(self):
        for wizard in self:
            wizard.has_signers = bool(wizard.order_id.signer_ids)

    @api.depends("order_id")
    def _compute_signer_id(self):
        for wizard in self:
            wizard.signer_id = wizard.order_id._auto_invoice_signers_due()[:1] if wizard.order_id.signer_ids else False

    @api.depends("signer_id")
    def _compute_signer_name(self):
        for wizard in self:
            wizard.signer_name = wizard.signer_id.partner_id.name or wizard.signer_name

    def action_record(self):
        """Check everything first, then record the acceptance as a portal signature would; changes nothing on error."""
        self.ensure_one()
        order = self.order_id
        order.check_access("write")
        if error := order._auto_invoice_signature_refusal():
            raise UserError(error)
        if order.sudo().auto_invoice_acceptance_id:
            raise UserError(self.env._("%(order)s is already accepted.", order=order.display_name))
        signer = self.env["sale.order.acceptance"]._check_signer_name(self.signer_name)
        if self.accepted_on > fields.Datetime.now():
            raise ValidationError(self.env._("The date of the acceptance cannot be in the future."))
        if self.accepted_on < order.create_date.replace(microsecond=0):  # the certificate and the page state it
            raise ValidationError(
                self.env._(
                    "%(order)s was created on %(date)s: it cannot have been accepted before.",
                    order=order.display_name,
                    date=fields.Datetime.to_string(fields.Datetime.context_timestamp(self, order.create_date)),
                )
            )
        upload = self._check_signature_upload()
        # The order needs an image to count as signed for Odoo (no second signature on the portal, shown as signed):
        # the upload, else a stamp that says how it was accepted, never an imitation of a handwritten signature.
        image = upload or self._stamp_image(signer)
        note = (self.note or "").strip() or False
        if order.sudo().signer_ids and not self._record_signer(signer, image, note):
            return {"type": "ir.actions.act_window_close"}  # the others' turn: the order waits for them
        # Checked above, recorded below with this wizard's evidence: written in sudo, with the key of the code that
        # records its own acceptance (see RECORDED_BY_CALLER). The order is signed when the customer accepted: its
        # documents (the signed quotation, the certificate, the invoice) state that time, the acceptance when it was
        # recorded besides.
        order.sudo().with_context(**own(RECORDED_BY_CALLER)).write(
            {"signed_by": signer, "signed_on": self.accepted_on, "signature": base64.b64encode(image)}
        )
        acceptance = order._auto_invoice_record_acceptance(
            {
                "channel": "offline",
                "user_id": self.env.uid,
                "consent_text": self.with_context(lang=order._get_lang())._consent_text(signer),
                "internal_note": note,
                "accepted_on": self.accepted_on,
                "offline_method": self.method,
            }
        )
        body = self.env._(
            "Offline acceptance %(reference)s recorded: %(consent)s",
            reference=acceptance.sudo().name,
            consent=self._consent_text(signer),
        )
        order.message_post(
            body=self.env._("%(body)s Note: %(note)s", body=body, note=note) if note else body,
            attachments=[(self.signature_filename or "signature", upload)] if upload else None,
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}

    def _record_signer(self, name, image, note):
        """Record the paper signature of one of several signers, as its own link would; returns whether it was the
        last one (the order's acceptance is then recorded as for a single signature)."""
        order = self.order_id
        signer = self.signer_id
        if not signer or signer.order_id != order:
            raise UserError(
                self.env._("%(order)s is signed by several people: choose whose signature this is.", order=order.name)
            )
        evidence = {"channel": "offline", "recorded_by_id": self.env.uid, "signed_on": self.accepted_on}
        last = signer._record_signature(name, base64.b64encode(image), evidence)
        if not last:
            body = self.env._(
                "Paper signature of %(signer)s recorded (%(method)s).",
                signer=name,
                method=dict(self._fields["method"]._description_selection(self.env))[self.method],
            )
            order.message_post(
                body=self.env._("%(body)s Note: %(note)s", body=body, note=note) if note else body,
                subtype_xmlid="mail.mt_note",
            )
        return last

    def _check_signature_upload(self):
        """The uploaded file's bytes, or None; a clear error unless it is an image of SIGNATURE_MAX_BYTES at most."""
        if not self.signature:
            return None
        try:
            raw = base64.b64decode(self.signature, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(self.env._("The uploaded signature is not a valid file.")) from None
        if len(raw) > SIGNATURE_MAX_BYTES:
            raise ValidationError(
                self.env._(
                    "The uploaded signature is too large (%(size)s MB): upload an image of %(max)s MB at most.",
                    size=round(len(raw) / 1024 / 1024, 1),
                    max=SIGNATURE_MAX_BYTES // 1024 // 1024,
                )
            )
        if guess_mimetype(raw) not in SIGNATURE_MIMETYPES:
            raise ValidationError(
                self.env._("The uploaded signature must be an image (PNG, JPEG, GIF or WebP): scan the paper as one.")
            )
        try:
            with Image.open(io.BytesIO(raw)) as image:
                image.verify()
        except Exception:  # Pillow raises many kinds of errors for a broken file
            raise ValidationError(self.env._("The uploaded signature is not a readable image.")) from None
        return raw

    def _consent_text(self, signer):
        """What the signer agreed to, in words, in the environment's language: stored as the acceptance's consent
        text (in the customer's language), the certificate prints it under "What the signer agreed to". The quotation,
        its total and the customer, as a portal signature's statement says them, and how it was accepted; who recorded
        it and when, the certificate says beside it. The salesperson's note is not part of it (kept apart, internal).
        """
        order = self.order_id
        values = {
            "signer": signer,
            "order": order.name,
            "company": order.company_id.name,
            "amount": format_amount(self.env, order.amount_total, order.currency_id),
            "customer": order.partner_id.commercial_partner_id.name,
        }
        if self.method == "phone":
            return self.env._(
                "%(signer)s accepted quotation %(order)s from %(company)s for %(amount)s on behalf of %(customer)s, "
                "by phone.",
                **values,
            )
        if self.method == "email":
            return self.env._(
                "%(signer)s accepted quotation %(order)s from %(company)s for %(amount)s on behalf of %(customer)s, "
                "by email.",
                **values,
            )
        return self.env._(
            "%(signer)s accepted quotation %(order)s from %(company)s for %(amount)s on behalf of %(customer)s, "
            "on a signed paper copy.",
            **values,
        )

    def _stamp_image(self, signer):
        """A PNG stamp for an acceptance recorded without an image: who accepted, how and when."""
        order = self.order_id
        tz = pytz.timezone(order.company_id._auto_invoice_customer_tz(order.partner_id))
        accepted_on = pytz.utc.localize(self.accepted_on).astimezone(tz)  # the day the customer's documents say
        lines = [
            self.env._("Accepted offline"),
            signer,
            f"{dict(self._fields['method']._description_selection(self.env))[self.method]}, "
            f"{fields.Date.to_string(accepted_on.date())}",
        ]
        with file_open(STAMP_FONT, "rb") as font_file:
            font = ImageFont.truetype(font_file, 22)
        image = Image.new("RGB", (560, 130), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle([(2, 2), (557, 127)], outline="#1f4e79", width=3)
        for index, line in enumerate(lines):
            draw.text((18, 12 + index * 36), line[:40], fill="#1f4e79", font=font)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
