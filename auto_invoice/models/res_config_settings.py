from odoo import fields, models
from odoo.exceptions import UserError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    auto_invoice_on_signature = fields.Boolean(related="company_id.auto_invoice_on_signature", readonly=False)
    auto_invoice_amount = fields.Selection(related="company_id.auto_invoice_amount", readonly=False)
    auto_invoice_deposit_percentage = fields.Float(related="company_id.auto_invoice_deposit_percentage", readonly=False)
    auto_invoice_deposit_amount = fields.Monetary(related="company_id.auto_invoice_deposit_amount", readonly=False)
    auto_invoice_after = fields.Selection(related="company_id.auto_invoice_after", readonly=False)
    auto_invoice_review_by = fields.Selection(related="company_id.auto_invoice_review_by", readonly=False)
    auto_invoice_reviewer_id = fields.Many2one(related="company_id.auto_invoice_reviewer_id", readonly=False)
    group_auto_invoice_salesperson_review = fields.Boolean(
        string="Salespeople Send the Invoices of Their Signed Quotations",
        implied_group="auto_invoice.group_auto_invoice_salesperson_review",
        group="sales_team.group_sale_salesman",
        help="Salespeople may edit, confirm and send the draft invoices created at the signature of their own "
        "quotations (and no other invoice), without billing rights.",
    )

    # Reminders of unsigned quotations
    sign_reminder_first_days = fields.Integer(related="company_id.sign_reminder_first_days", readonly=False)
    sign_reminder_interval_days = fields.Integer(related="company_id.sign_reminder_interval_days", readonly=False)
    sign_reminder_max_count = fields.Integer(related="company_id.sign_reminder_max_count", readonly=False)

    # Signers confirm their email address with a code
    auto_invoice_verify_signer_email = fields.Boolean(
        related="company_id.auto_invoice_verify_signer_email", readonly=False
    )

    # The company's seal
    auto_invoice_seal = fields.Boolean(related="company_id.auto_invoice_seal", readonly=False)
    auto_invoice_seal_invoices = fields.Boolean(related="company_id.auto_invoice_seal_invoices", readonly=False)
    auto_invoice_seal_description = fields.Char(related="company_id.auto_invoice_seal_description")
    auto_invoice_timestamp_url = fields.Char(related="company_id.auto_invoice_timestamp_url", readonly=False)

    def action_auto_invoice_generate_seal(self):
        """A self-signed certificate for the company, replacing its current one."""
        self.ensure_one()
        self.company_id._auto_invoice_generate_seal()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_auto_invoice_upload_seal(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("auto_invoice.auto_invoice_seal_upload_action")
        return {**action, "context": {"default_company_id": self.company_id.id}}

    # === Branded invoice and emails === #

    auto_invoice_report_design = fields.Selection(
        related="company_id.auto_invoice_report_design",
        readonly=False,
    )
    auto_invoice_invoice_intro = fields.Html(
        related="company_id.auto_invoice_invoice_intro",
        readonly=False,
    )
    auto_invoice_invoice_intro_deposit = fields.Html(
        related="company_id.auto_invoice_invoice_intro_deposit",
        readonly=False,
    )
    auto_invoice_invoice_intro_final = fields.Html(
        related="company_id.auto_invoice_invoice_intro_final",
        readonly=False,
    )
    auto_invoice_invoice_closing = fields.Html(
        related="company_id.auto_invoice_invoice_closing",
        readonly=False,
    )
    # Invoice email texts
    auto_invoice_email_text_full = fields.Html(related="company_id.auto_invoice_email_text_full", readonly=False)
    auto_invoice_email_text_deposit = fields.Html(related="company_id.auto_invoice_email_text_deposit", readonly=False)
    auto_invoice_email_text_final = fields.Html(related="company_id.auto_invoice_email_text_final", readonly=False)

    def action_auto_invoice_preview_invoice(self):
        """The branded design rendered on the company's latest customer invoice, as a PDF."""
        self.ensure_one()
        invoice = self.env["account.move"].search(
            [("company_id", "=", self.company_id.id), ("move_type", "=", "out_invoice")],
            order="invoice_date desc, id desc",
            limit=1,
        )
        if not invoice:
            raise UserError(
                self.env._(
                    "%(company)s has no customer invoice yet: create one (a draft is enough), then preview again.",
                    company=self.company_id.name,
                )
            )
        return self.env.ref("auto_invoice.action_report_invoice_preview").report_action(invoice)
