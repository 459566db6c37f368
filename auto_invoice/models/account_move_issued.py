"""The invoices in the register of issued files: what became of them (cancelled, credited) after they were issued, and
the hash of the sealed PDF shown on the invoice, a view of the register."""

from odoo import api, fields, models
from odoo.exceptions import AccessError


class AccountMove(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    auto_invoice_pdf_sha256 = fields.Char(
        string="Sealed PDF SHA-256",
        compute="_compute_auto_invoice_pdf_sha256",
        compute_sudo=True,
        help="The SHA-256 of the invoice's PDF as the company last sealed it: the public verification page recognises "
        "it, and every earlier copy, from the register of issued files.",
    )

    # === COMPUTE METHODS === #

    @api.depends("invoice_pdf_report_id")
    def _compute_auto_invoice_pdf_sha256(self):
        files = (
            self.env["auto_invoice.issued.file"]
            .sudo()
            .search([("move_id", "in", self.ids), ("kind", "=", "invoice"), ("sealed", "=", True)])
        )
        for move in self:
            move.auto_invoice_pdf_sha256 = files.filtered(lambda row, move=move: row.move_id == move)[:1].sha256

    def write(self, vals):
        if "auto_invoice_pdf_sha256" in vals:
            # the public page vouches for the file of this hash: only the register knows it
            raise AccessError(self.env._("Only the company's seal records the SHA-256 of a sealed invoice."))
        return super().write(vals)

    # === ACTION METHODS === #

    def button_cancel(self):
        res = super().button_cancel()
        self._auto_invoice_issued_files().filtered(lambda row: row.move_id.state == "cancel")._mark("cancelled")
        return res

    def button_draft(self):
        res = super().button_draft()
        self._auto_invoice_issued_files()._restore("cancelled")
        return res

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # A credit note of an invoice we issued: the invoice's files say it was credited, from the day it is posted.
        refunds = posted.filtered(lambda move: move.move_type == "out_refund" and move.reversed_entry_id)
        refunds.reversed_entry_id._auto_invoice_issued_files()._mark("credited")
        return posted

    # === BUSINESS METHODS === #

    def _auto_invoice_issued_files(self):
        return self.env["auto_invoice.issued.file"].sudo().search([("move_id", "in", self.ids)])

    def _auto_invoice_issued_values(self, kind):
        """The register's fields naming this invoice as the document of an issued file."""
        self.ensure_one()
        return {
            "move_id": self.id,
            "document_name": self.name,
            "company_id": self.company_id.id,
            "partner_id": self.commercial_partner_id.id,
        }
