"""The register of the files we issued: one row per file that left the company with our word on it.

The public verification page (controllers/verification.py) reads only this register: a file is ours if the SHA-256 of
its exact bytes is here, and the page says what became of it since (superseded by a later copy, its acceptance
withdrawn, its invoice cancelled or credited). The hashes shown on acceptances and invoices are views of it.

Written only by the code that issues a file, in sudo: no group has any right on it but reading, and create, write and
unlink refuse every environment but the superuser's (RPC, import and the web client included).
"""

import hashlib

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from ..sentence import sentence

KINDS = [
    ("quotation", "Quotation"),
    ("order", "Order"),
    ("signed_quotation", "Signed Quotation"),
    ("certificate", "Certificate of Acceptance"),
    ("invoice", "Invoice"),
]
CHANNELS = [
    ("signature", "Signature"),
    ("certificate", "Certificate of Acceptance"),
    ("email", "Email"),
    ("portal", "Portal Download"),
    ("invoice", "Invoice Sent"),
    ("migration", "Recorded Before the Register"),
]
STATES = [
    ("current", "Current"),
    ("superseded", "Superseded"),
    ("withdrawn", "Withdrawn"),
    ("cancelled", "Cancelled"),
    ("credited", "Credited"),
]
# The record a kind of file belongs to: a later file of the same kind and record supersedes it.
DOCUMENT_FIELD = {
    "quotation": "order_id",
    "order": "order_id",
    "signed_quotation": "acceptance_id",
    "certificate": "acceptance_id",
    "invoice": "move_id",
}


class AutoInvoiceIssuedFile(models.Model):
    _name = "auto_invoice.issued.file"
    _description = "Issued File"
    _order = "issued_on desc, id desc"
    _rec_name = "document_name"

    kind = fields.Selection(selection=KINDS, required=True, readonly=True, index=True)
    document_name = fields.Char(string="Document", required=True, readonly=True)
    sha256 = fields.Char(string="SHA-256", required=True, readonly=True, index=True)
    sealed = fields.Boolean(readonly=True, help="Whether the file carries the company's seal.")
    issued_on = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    channel = fields.Selection(selection=CHANNELS, string="Issued By", required=True, readonly=True)
    state = fields.Selection(selection=STATES, required=True, readonly=True, default="current", index=True)
    state_date = fields.Datetime(
        string="State Since", readonly=True, help="When the file stopped being current: empty while it is."
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, readonly=True, index=True)
    order_id = fields.Many2one(comodel_name="sale.order", readonly=True, index="btree_not_null", ondelete="set null")
    acceptance_id = fields.Many2one(
        comodel_name="sale.order.acceptance", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    move_id = fields.Many2one(
        comodel_name="account.move", string="Invoice", readonly=True, index="btree_not_null", ondelete="set null"
    )
    partner_id = fields.Many2one(comodel_name="res.partner", string="Customer", readonly=True)

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        self._check_issuer()
        return super().create(vals_list)

    def write(self, vals):
        self._check_issuer()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The register of issued files is evidence: its rows cannot be deleted."))

    def _check_issuer(self):
        if not self.env.su:
            raise AccessError(self.env._("Only the code that issues a file writes the register of issued files."))

    # === BUSINESS METHODS === #

    @api.model
    def _issue(self, kind, record, data, channel, sealed=False):
        """Register the file `data` of `record` (an order, an acceptance or an invoice), issued now by `channel`: the
        previous current file of the same document is superseded by it. The same bytes issued again are the same row.

        :return: the row (in sudo)
        """
        register = self.sudo()
        sha256 = self._sha256(data)
        link = DOCUMENT_FIELD[kind]
        domain = [("kind", "=", kind), (link, "=", record.id)]
        if same := register.search([*domain, ("sha256", "=", sha256)], limit=1):
            return same
        now = fields.Datetime.now()
        register.search([*domain, ("state", "=", "current")]).write({"state": "superseded", "state_date": now})
        issued = register.create(
            {
                "kind": kind,
                "sha256": sha256,
                "sealed": sealed,
                "channel": channel,
                "issued_on": now,
                "state": "withdrawn" if link == "acceptance_id" and record.sudo().state == "void" else "current",
                **record.sudo()._auto_invoice_issued_values(kind),
            }
        )
        record.invalidate_recordset()  # the hashes shown on it are views of the register
        return issued

    def _mark(self, state, when=None):
        """These files, current until now, are `state` from `when` (now): withdrawn, cancelled, credited."""
        self.sudo().filtered(lambda row: row.state == "current").write(
            {"state": state, "state_date": when or fields.Datetime.now()}
        )

    def _restore(self, state):
        """These files, `state` until now (their invoice back from cancelled, say), are current again: the latest
        copy of each document; the earlier ones stay superseded."""
        self.sudo().filtered(lambda row: row.state == state).write({"state": "current", "state_date": False})

    @api.model
    def _sha256(self, data):
        return hashlib.sha256(data).hexdigest()

    @api.model
    def _find(self, sha256):
        """The row of the file with this SHA-256 (the latest issued, should the same bytes be two documents)."""
        return self.sudo().search([("sha256", "=", sha256)], limit=1)

    def _current_copy(self):
        """The current file of the same document as this row, or an empty recordset."""
        self.ensure_one()
        link = DOCUMENT_FIELD[self.kind]
        return self.sudo().search(
            [("kind", "=", self.kind), (link, "=", self[link].id), ("state", "!=", "superseded")], limit=1
        )

    # === The verification page === #

    def _verdict(self):
        """What the verification page says of this file, in the environment's language: which document it is, as
        the file itself says, and what became of it since; never more than the file contains."""
        self.ensure_one()
        row = self.sudo()
        said = [sentence(getattr(row, f"_verdict_{row.kind}")())]
        if row.acceptance_id:
            said += row.acceptance_id._verification_history()
        said += row._verdict_fate()
        return " ".join(said)

    def _is_live(self):
        """Whether this file stands as issued: the current copy of a document neither withdrawn, cancelled nor
        credited."""
        self.ensure_one()
        return self.state == "current" and self.sudo().acceptance_id.state != "void"

    def _verdict_date(self, value):
        """The date of a UTC datetime at the customer's time zone, spelled out, as the documents state it."""
        tz = pytz.timezone(self.company_id._auto_invoice_customer_tz(self.partner_id))
        return format_date(self.env, pytz.utc.localize(value).astimezone(tz).date(), date_format="d MMMM y")

    def _verdict_quotation(self):
        values = self._verdict_values()
        if self.order_id.sudo().auto_invoice_acceptance_id.signed_on or self.order_id.sudo().signature:
            return self.env._(
                "This is the quotation %(order)s as %(company)s sent it to %(customer)s on %(date)s, before it was "
                "signed; it has not been changed.",
                **values,
            )
        return self.env._(
            "This is the quotation %(order)s as %(company)s sent it to %(customer)s on %(date)s; it has not been "
            "changed.",
            **values,
        )

    def _verdict_order(self):
        return self.env._(
            "This is the order %(order)s as %(company)s issued it to %(customer)s on %(date)s; it has not been "
            "changed.",
            **self._verdict_values(),
        )

    def _verdict_signed_quotation(self):
        return self.env._(
            "This is the quotation %(order)s that %(signer)s accepted for %(customer)s on %(date)s, issued by "
            "%(company)s; it has not been changed.",
            **self.acceptance_id._verification_facts(),
        )

    def _verdict_certificate(self):
        return self.env._(
            "This is the certificate of acceptance %(reference)s: the quotation %(order)s that %(signer)s accepted "
            "for %(customer)s on %(date)s, issued by %(company)s; it has not been changed.",
            reference=self.document_name,
            **self.acceptance_id._verification_facts(),
        )

    def _verdict_invoice(self):
        invoice = self.move_id
        return self.env._(
            "This is the invoice %(invoice)s that %(company)s issued to %(customer)s on %(date)s; it has not been "
            "changed.",
            invoice=self.document_name,
            company=self.company_id.name,
            customer=self.partner_id.name,
            date=format_date(self.env, invoice.invoice_date, date_format="d MMMM y")
            if invoice.invoice_date
            else self._verdict_date(self.issued_on),
        )

    def _verdict_values(self):
        return {
            "order": self.document_name,
            "company": self.company_id.name,
            "customer": self.partner_id.name,
            "date": self._verdict_date(self.issued_on),
        }

    def _verdict_fate(self):
        """The sentences saying what became of this file since it was issued, if it is no longer current."""
        if self.state == "superseded":
            current = self._current_copy()
            return [
                self.env._(
                    "This is an earlier copy, issued on %(issued)s; the current copy was issued on %(current)s.",
                    issued=self._verdict_date(self.issued_on),
                    current=self._verdict_date(current.issued_on or self.state_date),
                )
            ]
        if self.state == "cancelled":
            return [self.env._("This invoice was cancelled on %(date)s.", date=self._verdict_date(self.state_date))]
        if self.state == "credited":
            return [
                self.env._(
                    "A credit note was issued for this invoice on %(date)s.", date=self._verdict_date(self.state_date)
                )
            ]
        if self.state == "withdrawn" and self.kind == "quotation":  # a copy of a quotation being signed by several
            return [
                self.env._(
                    "The signatures collected on this quotation were voided on %(date)s, when it was set back to "
                    "draft: it is no longer what its signers sign.",
                    date=self._verdict_date(self.state_date),
                )
            ]
        return []  # current; a withdrawn acceptance says so in its history
