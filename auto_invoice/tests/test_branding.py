from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from ..models.res_company import PATCHED_QT_KEY
from ..owned_context import own
from .common import AutoInvoiceCommon, pdf_pages, pdf_text


@tagged("post_install", "-at_install")
class TestAutoInvoiceBranding(AutoInvoiceCommon, HttpCase, MockEmail):
    """Real PDFs rendered by wkhtmltopdf (an HttpCase, so that it fetches the report's assets), read with pdftotext."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_branded_company(
            auto_invoice_report_design="auto_invoice",
            primary_color="#0B5394",
            secondary_color="#E69138",
            external_report_layout_id=cls.env.ref("web.external_layout_standard").id,
        )
        cls.company.company_registry = "0477.472.701"
        cls.bank_account = cls.env["res.partner.bank"].create(
            {"acc_number": "BE71 0961 2345 6769", "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.order = cls._create_quotation()
        cls.order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        cls.invoice = cls.order.auto_invoice_id
        cls.invoice.partner_bank_id = cls.bank_account

    def assertInlineStylesOnly(self, body):
        """No style sheet (many mail clients drop them): neither <style> nor <link rel="stylesheet">."""
        self.assertNotRegex(body, r"(?i)<style\b")
        self.assertNotRegex(body, r"(?i)<link\b[^>]*stylesheet")
        self.assertRegex(body, r'<a [^>]*style="[^"]*display:\s*inline-block', "a styled button")

    def test_branded_invoice_pdf_text_layer(self):
        self.invoice.action_post()
        text = pdf_text(self._render_pdf(self.invoice))

        for expected in (
            "Brightline Studio",
            self.invoice.name,
            "Ada Customer",
            self._money(self.invoice.amount_total, self.invoice.currency_id),
            self.order.name,
            # the language's formats (en_US), at the customer's time zone: neither they nor the company have one: UTC
            f"Accepted by Ada Lovelace on {self._formatted_datetime(self.order.acceptance_ids.signed_on)} (UTC)",
            f"Payment reference: {self.invoice.payment_reference}",
            "BE71 0961 2345 6769",
            "Bank account: BE71 0961 2345 6769",  # the footer labels its numbers (IBAN for a valid IBAN)
            "Company ID: 0477.472.701",
            "Website design",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)

    def test_standard_design_stays_odoo_default(self):
        company = self.env["res.company"].create({"name": "Plain Company"})
        self.assertEqual(company.auto_invoice_report_design, "standard", "Odoo's design is the default")
        self.company.auto_invoice_report_design = "standard"
        self.assertEqual(self.invoice._get_name_invoice_report(), "account.report_invoice_document")
        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", self.invoice.ids)[0]
        self.assertNotIn(b"o_auto_invoice_report", html)
        self.assertIn(b"o_main_table", html, "Odoo's own invoice document")
        self.assertNotIn("Accepted by", pdf_text(self._render_pdf(self.invoice)))

        self.company.auto_invoice_report_design = "auto_invoice"
        self.assertEqual(self.invoice._get_name_invoice_report(), "auto_invoice.report_invoice_document")
        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", self.invoice.ids)[0]
        self.assertIn(b"o_auto_invoice_report", html)

    def test_unpatched_engine_gets_header_and_footer_in_the_body(self):
        # Debian's wkhtmltopdf ignores --header-html/--footer-html: the company block and footer must be in the body.
        invoice = self.invoice.with_context(force_report_rendering=True)
        for patched, header_in_body in ((False, True), (True, False)):
            with self.subTest(patched=patched):
                html = (
                    self.env["ir.actions.report"]
                    .with_context(**own(PATCHED_QT_KEY, patched))
                    ._render_qweb_html("account.account_invoices", invoice.ids, data={"report_type": "pdf"})[0]
                )
                bodies, _ids, header, footer, _args = self.env["ir.actions.report"]._prepare_html(html)
                self.assertEqual("Brightline Studio" in bodies[0].split("auto_invoice_title")[0], header_in_body)
                self.assertEqual("Brightline Studio" in header, not header_in_body)
                self.assertEqual('class="topage"' in footer, not header_in_body, "page x / y in the engine's footer")

    def test_standard_design_keeps_company_block_and_text_on_unpatched_engine(self):
        # Odoo's own design, as Confirm & Send attaches it by default: on Debian's wkhtmltopdf (unpatched Qt) its
        # header and footer would be dropped and its web font drawn without a text layer.
        self.company.write(
            {
                "auto_invoice_report_design": "standard",
                "vat": "BE0477472701",
                "report_footer": "<p>Brightline Studio, +32 2 555 0100, hello@brightline.example</p>",
            }
        )
        self.invoice.action_post()
        report = self.env.ref("account.account_invoices")
        html = self.env["ir.actions.report"]._render_qweb_html(report, self.invoice.ids, data={"report_type": "pdf"})[0]
        for patched in (False, True):
            with self.subTest(patched=patched):
                bodies, _ids, header, _footer, _args = report.with_context(
                    **own(PATCHED_QT_KEY, patched)
                )._prepare_html(html, report_model="account.move")
                self.assertEqual("Brightline Studio" in bodies[0], not patched, "the company block is in the body")
                self.assertEqual("Brightline Studio" in header, patched, "or in the engine's header")

        if self.company._auto_invoice_engine_is_patched():
            return  # the real render below is the unpatched engine's case
        text = pdf_text(self._render_pdf(self.invoice))
        for expected in (
            "Brightline Studio",
            "BE0477472701",
            "hello@brightline.example",
            self.invoice.name,
            "Ada Customer",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, text, "company block, footer and lines are text in the PDF")

    def test_confirm_and_send_attaches_branded_pdf_with_branded_email(self):
        with self.mock_mail_gateway():
            self.invoice.with_user(self.billing_user).with_context(
                force_report_rendering=True
            ).action_auto_invoice_send()

        text = pdf_text(self.invoice.invoice_pdf_report_id.raw)
        self.assertIn("Brightline Studio", text)
        self.assertIn("Accepted by Ada Lovelace", text)
        self.assertIn(f"Payment reference: {self.invoice.payment_reference}", text)
        sent = [mail for mail in self._mails if self.invoice_address.email in str(mail["email_to"])]
        self.assertEqual(len(sent), 1)
        body = sent[0]["body"]
        self.assertIn("View Invoice", body)
        self.assertIn(
            f"/my/invoices/{self.invoice.id}?access_token=", body, "the button opens the invoice on the portal"
        )
        self.assertIn(self.order.name, body, "the email names the signed quotation")
        self.assertRegex(body, r"background-color:\s*#0B5394", "in the company's colour")
        self.assertInlineStylesOnly(body)

    def test_quotation_email_has_review_and_sign_button(self):
        order = self._create_quotation(state="draft")
        action = order.with_user(self.salesman).action_quotation_send()
        template = self.env["mail.template"].browse(action["context"]["default_template_id"])
        self.assertEqual(template, self.env.ref("auto_invoice.mail_template_quotation_sign"))

        composer = (
            self.env["mail.compose.message"].with_user(self.salesman).with_context(**action["context"]).create({})
        )
        with self.mock_mail_gateway():
            composer.action_send_mail()
        sent = [mail for mail in self._mails if self.customer.email in str(mail["email_to"])]
        self.assertEqual(len(sent), 1)
        body = sent[0]["body"]
        self.assertIn("Review &amp; Sign", body)
        self.assertRegex(body, rf'href="[^"]*/my/orders/{order.id}\?access_token={order.access_token}"')
        self.assertRegex(body, r"background-color:\s*#0B5394", "in the company's colour")
        self.assertInlineStylesOnly(body)

        order.require_signature = False
        self.assertEqual(order._find_mail_template(), self.env.ref("sale.email_template_edi_sale"))

    def test_portal_invoice_uses_selected_design(self):
        portal_user = self._create_portal_user("ai_brand_portal", self.customer)
        with self.mock_mail_gateway():
            self.invoice.with_user(self.billing_user).with_context(
                force_report_rendering=True
            ).action_auto_invoice_send()
        self.authenticate(portal_user.login, portal_user.login)
        page = self.url_open(f"/my/invoices/{self.invoice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertRegex(page.text, rf"/my/invoices/{self.invoice.id}\?[^\"]*report_type=html", "the invoice's frame")

        html = self.url_open(f"/my/invoices/{self.invoice.id}?report_type=html").text
        self.assertIn("o_auto_invoice_report", html)
        self.assertIn("Accepted by", html, "the acceptance, internal, is read in sudo for the customer")

        pdf = self.url_open(f"/my/invoices/{self.invoice.id}?report_type=pdf&download=true").content
        text = pdf_text(pdf)
        self.assertIn("Brightline Studio", text)
        self.assertIn("Accepted by Ada Lovelace", text)

    def test_inherited_block_changes_the_pdf(self):
        self.env["ir.ui.view"].create(
            {
                "name": "Payment block: pay by card",
                "type": "qweb",
                "inherit_id": self.env.ref("auto_invoice.report_invoice_payment").id,
                "arch": """
                    <xpath expr="//div[@name='auto_invoice_payment']" position="inside">
                        <div>Card payments: call 555-0100</div>
                    </xpath>
                """,
            }
        )
        text = pdf_text(self._render_pdf(self.invoice))
        self.assertIn("Card payments: call 555-0100", text)
        self.assertIn("Accepted by Ada Lovelace", text, "the other blocks are unchanged")

    def test_long_invoice_in_another_currency_breaks_cleanly(self):
        eur = self.setup_other_currency("EUR")
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "currency_id": eur.id,
                "invoice_date": "2026-03-02",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"Consulting block {number:02d}",
                            "quantity": 1,
                            "price_unit": 1000 + number,
                            "tax_ids": [],
                        }
                    )
                    for number in range(1, 56)
                ],
            }
        )
        pages = pdf_pages(self._render_pdf(invoice))

        self.assertGreater(len(pages), 1, "55 lines span several pages")
        for number in range(1, 56):
            label, amount = f"Consulting block {number:02d}", self._money(1000 + number, eur)
            lines = [line for page in pages for line in page.splitlines() if label in line]
            with self.subTest(line=label):
                self.assertEqual(len(lines), 1, "each line is printed once, whole")
                self.assertTrue(lines[0].rstrip().endswith(amount), "with its amount in euros on the same row")
        total = self._money(invoice.amount_total, eur)
        self.assertIn("€", total)
        last_page = [line for line in pages[-1].splitlines() if line.strip()]
        self.assertTrue(
            any("Total" in line and line.rstrip().endswith(total) for line in last_page),
            "the total stays next to its label",
        )
        self.assertNotIn("$", "\n".join(pages), "no amount in the company's currency")

    def test_preview_from_settings(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_auto_invoice_preview_invoice()
        self.assertEqual(action["report_name"], "auto_invoice.report_invoice_preview")
        latest = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("move_type", "=", "out_invoice")],
            order="invoice_date desc, id desc",
            limit=1,
        )
        self.assertEqual(action["context"]["active_ids"], latest.ids)
        self.company.auto_invoice_report_design = "standard"  # the preview shows the branded design anyway
        text = pdf_text(self._render_pdf(self.invoice, action["report_name"]))
        self.assertIn("Brightline Studio", text)
        self.assertIn("Accepted by Ada Lovelace", text)

        empty_company = self.env["res.company"].create({"name": "No Invoices Yet"})
        self.env.user.company_ids |= empty_company
        settings = self.env["res.config.settings"].with_company(empty_company).create({})
        with self.assertRaisesRegex(UserError, "No Invoices Yet has no customer invoice yet"):
            settings.action_auto_invoice_preview_invoice()
