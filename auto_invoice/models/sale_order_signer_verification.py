"""A signer confirms their email address with a code before signing from their link (the company's setting *Verify
Signers by Email*): six digits emailed to them, valid CODE_VALIDITY, CODE_ATTEMPTS tries, at most one new code per
CODE_RESEND_DELAY. Only a hash of the code is kept. The confirmation holds in the browser that typed the code (its
session): the link forwarded to someone else signs nothing without a code of their own. The signer keeps when their
address was confirmed, as evidence of their signature."""

import secrets
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq, email_normalize
from odoo.tools.misc import hmac

CODE_VALIDITY = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODE_RESEND_DELAY = timedelta(minutes=1)
CODE_HMAC_SCOPE = "auto_invoice.signer_email_code"
# Key of the HTTP session (kept on the server): the signers whose address this browser confirmed.
VERIFIED_SESSION_KEY = "auto_invoice_verified_signers"


class SaleOrderSigner(models.Model):
    _inherit = "sale.order.signer"

    email_verified_on = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the signer confirmed their email address with the code emailed to them, before signing from their "
        "link (the company's setting Verify Signers by Email).",
    )
    email_code_hash = fields.Char(copy=False, groups="base.group_system")
    email_code_expires_on = fields.Datetime(copy=False, groups="base.group_system")
    email_code_attempts = fields.Integer(copy=False, groups="base.group_system")
    email_code_sent_on = fields.Datetime(copy=False, groups="base.group_system")

    def _record_signature(self, name, signature, evidence):
        # A signature from the signer's link needs their address confirmed in this browser; one recorded from paper
        # (`offline`) is vouched for by the salesperson who records it. Whatever else refuses it says so first.
        if evidence.get("channel") != "offline" and not self._signing_refusal():
            if self._auto_invoice_email_code_required():
                raise UserError(
                    self.env._(
                        "Please confirm your email address with the code we email you before you sign %(order)s.",
                        order=self.sudo().order_id.name,
                    )
                )
        return super()._record_signature(name, signature, evidence)

    def _auto_invoice_email_code_required(self):
        """Whether this signer must still type an emailed code before their pad accepts a signature: the company
        verifies signers by email, and this browser has not confirmed the signer's address (a signer signed in to
        their own account, the company's countersigner say, needs none: their password said who they are)."""
        self.ensure_one()
        signer = self.sudo()
        if not signer.company_id.auto_invoice_verify_signer_email:
            return False
        if not self.env.user._is_public() and signer.partner_id == self.env.user.partner_id:
            return False
        return not (signer.email_verified_on and self._auto_invoice_verified_in_session())

    def _auto_invoice_verified_in_session(self):
        return bool(request) and self.id in (request.session.get(VERIFIED_SESSION_KEY) or [])

    def _auto_invoice_email_code_state(self):
        """Where this signer's last code stands: `none` (none asked for), `live` (it may be typed), `expired`, or
        `locked` (tried CODE_ATTEMPTS times)."""
        self.ensure_one()
        signer = self.sudo()
        if not signer.email_code_hash:
            return "none"
        if signer.email_code_attempts >= CODE_ATTEMPTS:
            return "locked"
        return "live" if signer.email_code_expires_on > fields.Datetime.now() else "expired"

    def _auto_invoice_email_code_attempts_left(self):
        self.ensure_one()
        return max(CODE_ATTEMPTS - self.sudo().email_code_attempts, 0)

    def _auto_invoice_masked_email(self):
        """The signer's address as the page shows it to whoever holds the link: b***@example.com."""
        self.ensure_one()
        email = self._auto_invoice_code_address()
        if not email:
            return ""
        local, _at, domain = email.rpartition("@")
        return f"{local[:1]}***@{domain}"

    def _auto_invoice_code_address(self):
        return email_normalize(self.sudo().partner_id.email) or ""

    def _auto_invoice_code_hash(self, code):
        """The hash kept of `code`: bound to this signer and to the address it was sent to."""
        return hmac(self.env(su=True), CODE_HMAC_SCOPE, (self.id, self._auto_invoice_code_address(), code))

    def _auto_invoice_lock(self):
        """Take this signer's row until the transaction ends: two tries at once take turns (the second one, out of
        date, fails to serialize and Odoo runs it again), so that no try is left uncounted."""
        self.env.cr.execute("UPDATE sale_order_signer SET write_date = write_date WHERE id = %s", [self.id])
        self.invalidate_recordset()

    def _auto_invoice_no_code_needed(self):
        """`refused` (the signer cannot sign now) or `verified` (nothing to confirm) when no code is sent or checked,
        else None."""
        if self._signing_refusal():
            return "refused"
        if not self._auto_invoice_email_code_required():
            return "verified"
        return None

    def _auto_invoice_send_email_code(self):
        """Email this signer a new code, whose turn it is to sign.

        :return: what happened, for the page to say: `sent`, `wait` (a code was sent less than CODE_RESEND_DELAY ago),
            `no_email`, `verified` (nothing to confirm), `refused` (the signer cannot sign now)
        """
        self.ensure_one()
        signer = self.sudo()
        if outcome := signer._auto_invoice_no_code_needed():
            return outcome
        if not signer._auto_invoice_code_address():
            return "no_email"
        signer._auto_invoice_lock()
        now = fields.Datetime.now()
        if signer.email_code_sent_on and signer.email_code_sent_on > now - CODE_RESEND_DELAY:
            return "wait"
        code = f"{secrets.randbelow(10**6):06d}"
        signer.write(
            {
                "email_code_hash": signer._auto_invoice_code_hash(code),
                "email_code_expires_on": now + CODE_VALIDITY,
                "email_code_attempts": 0,
                "email_code_sent_on": now,
            }
        )
        signer._auto_invoice_email_code(code)
        return "sent"

    def _auto_invoice_email_code(self, code):
        """Email `code` to this signer, apart from the order's chatter, and delete the email once sent: the code is
        kept nowhere but in the signer's inbox. It leaves once the transaction that keeps its hash commits."""
        template = self.env.ref("auto_invoice.mail_template_signer_email_code", raise_if_not_found=False)
        if not template:
            return
        mail_id = template.sudo().with_context(auto_invoice_email_code=code).send_mail(self.id)
        self.env["mail.mail"].sudo().browse(mail_id).send_after_commit()

    def _auto_invoice_check_email_code(self, code):
        """Check the code this signer typed; every try counts, and a code stops after CODE_ATTEMPTS. The address is
        then confirmed in this browser's session.

        :return: what happened, for the page to say: `verified`, `wrong`, `locked` (this was the last try), `expired`
            or `none` (no code that may still be typed: a new one is needed), `refused` (the signer cannot sign now)
        """
        self.ensure_one()
        signer = self.sudo()
        if outcome := signer._auto_invoice_no_code_needed():
            return outcome
        signer._auto_invoice_lock()
        if (state := signer._auto_invoice_email_code_state()) != "live":
            return state
        code = "".join(code.split()) if isinstance(code, str) else ""
        if not consteq(signer._auto_invoice_code_hash(code), signer.email_code_hash):
            signer.email_code_attempts += 1
            return "wrong" if signer._auto_invoice_email_code_state() == "live" else "locked"
        signer.write(
            {
                "email_verified_on": fields.Datetime.now(),
                "email_code_hash": False,
                "email_code_expires_on": False,
                "email_code_attempts": 0,
            }
        )
        signer._auto_invoice_remember_verified()
        return "verified"

    def _auto_invoice_remember_verified(self):
        """This browser confirmed the signer's address: its session (kept on the server) says so until it ends."""
        if request:
            verified = request.session.get(VERIFIED_SESSION_KEY) or []
            request.session[VERIFIED_SESSION_KEY] = [*verified, self.id]
