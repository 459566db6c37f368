import importlib.util
import re
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import format_amount, mute_logger

from odoo.addons.mail.tests.common import MockEmail

from ..models.sale_order import RECORDED_BY_CALLER
from ..owned_context import own
from ..wizard.mail_compose_message import BRANDED_LAYOUT
from .common import AutoInvoiceCommon

# Texts of Odoo's own notification layouts and sale's access button: none of them may show in a branded email.
ODOO_LAYOUT_TEXTS = ("Accept &amp; Sign", "Sign &amp; Pay", "View Quotation", "Your Sales Order", "Powered by")


@tagged("post_install", "-at_install")
class TestAutoInvoiceEmails(AutoInvoiceCommon, MockEmail):
    """Every email the customer gets, as it is queued (the mail.mail's body, layout included): one design."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_branded_company(
            phone="+32 2 555 01 23",
            email="hello@brightline.example.com",
            website="https://brightline.example.com",
            primary_color="#0B5394",
            secondary_color="#E69138",
        )

    def _customer_mail(self, partner):
        """The one email queued for `partner` since the mock started."""
        mails = self._new_mails.filtered(lambda mail: partner in mail.recipient_ids)
        self.assertEqual(len(mails), 1, f"one email to {partner.name}")
        return mails

    def assertOneDesign(self, mail, record, noun):
        """The branded layout around one card: one button to `record` on the portal and its plain-text fallback
        link, nothing of Odoo's layouts, the company's contacts once, and `noun` naming the document."""
        body = mail.body_html
        self.assertEqual(mail.mail_message_id.email_layout_xmlid, BRANDED_LAYOUT)
        path = record.get_portal_url().split("?")[0]
        links = re.findall(rf'<a [^>]*href="[^"]*{re.escape(path)}\?access_token={record.access_token}"[^>]*>', body)
        self.assertEqual(len(links), 2, "one button to the document and its plain-text fallback link")
        self.assertEqual(len([link for link in links if "inline-block" in link]), 1, "exactly one of them a button")
        self.assertEqual(len(re.findall(rf'href="[^"]*{re.escape(path)}', body)), 2, "no other link to it")
        self.assertIn(f">{record.get_base_url()}{record.get_portal_url()}</a>", body, "the fallback shows the URL")
        for text in ODOO_LAYOUT_TEXTS:
            self.assertNotIn(text, body)
        for contact in (self.company.phone, self.company.email, self.company.website):
            self.assertEqual(body.count(contact), 1, f"{contact} once")
        self.assertIn(noun, body.lower())
        self.assertRegex(body, r"max-width:\s*600px;\s*margin:\s*0 auto", "a centred card")
        self.assertRegex(body, r"background-color:\s*#0B5394", "in the company's colour")
        salesperson = record.invoice_user_id if record._name == "account.move" else record.user_id
        self.assertEqual(salesperson, self.salesman)
        signoff = rf"Kind regards,<br>\s*<strong>{re.escape(self.salesman.name)}</strong>\s*<br>\s*{self.company.name}"
        self.assertEqual(
            len(re.findall(signoff, body)), 1, "one sign-off, from the salesperson, the same in every email"
        )
        return body.replace("&nbsp;", "\xa0")  # as format_amount writes its blanks

    def _money(self, move):
        return format_amount(self.env, move.amount_total, move.currency_id)

    def test_quotation_to_sign(self):
        order = self._create_quotation(state="draft")
        with self.mock_mail_gateway():
            self._quotation_composer(order).action_send_mail()
        body = self.assertOneDesign(self._customer_mail(self.customer), order, "quotation")
        self.assertIn("Review &amp; Sign", body)
        self.assertNotIn("order is confirmed", body.split("Review &amp; Sign")[1], "nothing after the button says so")

    def test_sale_send_wizard_keeps_its_layout_for_odoo_templates(self):
        order = self._create_quotation(state="draft", require_signature=False)
        composer = self._quotation_composer(order)
        self.assertEqual(composer.template_id, self.env.ref("sale.email_template_edi_sale"))
        self.assertEqual(composer.email_layout_xmlid, "mail.mail_notification_layout_with_responsible_signature")

    def test_reminder(self):
        order = self._create_quotation(state="draft")
        order.with_user(self.salesman).action_quotation_sent()
        with self.mock_mail_gateway():
            order._sign_reminder_send()  # what the reminder cron does for each quotation due
        body = self.assertOneDesign(self._customer_mail(self.customer), order, "quotation")
        self.assertIn("Review &amp; Sign", body)
        self.assertNotIn("Sales Order", body)

    def test_signature_confirmation(self):
        order = self._create_quotation()
        with self.mock_mail_gateway():
            self._sign_in_backend(order)
            self.assertEqual(order.state, "sale")
            to_customer = self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids)
            self.assertFalse(to_customer, "the confirmation waits for the certificate, out of the signing request")
            order.acceptance_ids._attach_certificate()  # as its cron does once the signature is committed
        mail = self._customer_mail(self.customer)
        certificate = order.acceptance_ids.certificate_id
        self.assertTrue(certificate, "rendered")
        self.assertIn(certificate, mail.attachment_ids, "the certificate of acceptance goes to the customer")
        names = mail.attachment_ids.mapped("name")
        self.assertEqual(len(names), 2, f"the order's PDF and the certificate: {names}")
        self.assertEqual(mail.subject, f"{order.company_id.name}: order {order.name} confirmed")
        body = self.assertOneDesign(mail, order, "order")
        self.assertIn(f"Your order {order.name} is confirmed", body)
        self.assertIn("View Order", body)
        self.assertNotIn("quotation", body.lower(), "signed: an order, no more a quotation")

    def test_signature_confirmation_of_a_deposit(self):
        order = self._create_quotation(
            lines=[(self.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        with self.mock_mail_gateway():
            self._sign_in_backend(order)
            order.acceptance_ids._attach_certificate()  # as its cron does once the signature is committed
        body = self.assertOneDesign(self._customer_mail(self.customer), order, "order")
        money = self._money(order.auto_invoice_id)
        self.assertIn(f"A deposit invoice of {money} (30%) follows in a separate email.", re.sub(r"[ \n]+", " ", body))

    def test_confirmation_of_an_order_signed_before_the_addon_is_not_lost(self):
        # Signed with no acceptance recorded (before the addon was installed), confirmed now: its confirmation waits
        # for a certificate that no acceptance will render; the certificates' cron sends it without one.
        order = self._create_quotation(require_payment=True)
        order.sudo().with_context(**own(RECORDED_BY_CALLER)).write(
            {"signature": self.signature, "signed_by": "Ada Lovelace"}
        )
        self.assertFalse(order.sudo().acceptance_ids)
        with self.mock_mail_gateway():
            order.with_context(send_email=True).action_confirm()
            self.env["sale.order"]._auto_invoice_send_unclaimed_confirmations()  # what the cron does first
        mail = self._customer_mail(self.customer)
        self.assertIn(f"Your order {order.name} is confirmed", mail.body_html)
        self.assertFalse(order.auto_invoice_confirmation_template_id, "sent once")

    def test_confirmation_that_fails_to_render_keeps_the_certificate_and_says_why(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        template = order.auto_invoice_confirmation_template_id
        with (
            patch.object(type(template), "_generate_template", side_effect=UserError("broken template")),
            mute_logger("odoo.addons.auto_invoice.models.sale_order_confirmation"),
            self.mock_mail_gateway(),
        ):
            self.assertTrue(order.acceptance_ids._attach_certificate())
        self.assertTrue(order.acceptance_ids.certificate_id, "the certificate is kept")
        self.assertFalse(self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids))
        self.assertIn("could not be sent: broken template", " ".join(order.message_ids.mapped("body")))

    def test_confirmation_without_signature_keeps_odoos_template(self):
        order = self._create_quotation(require_signature=False)
        with self.mock_mail_gateway():
            order.with_context(send_email=True).action_confirm()
        mail = self._customer_mail(self.customer)
        self.assertNotEqual(mail.mail_message_id.email_layout_xmlid, BRANDED_LAYOUT, "Odoo's email, Odoo's layout")
        self.assertEqual(order._get_confirmation_template(), self.env.ref("sale.mail_template_sale_confirmation"))

    def test_confirmation_template_chosen_in_settings_stays(self):
        chosen = self.env.ref("sale.mail_template_sale_confirmation").copy({"name": "Our own confirmation"})
        self.env["ir.config_parameter"].sudo().set_param("sale.default_confirmation_template", chosen.id)
        order = self._create_quotation()
        self._sign_in_backend(order)
        self.assertEqual(order._get_confirmation_template(), chosen)

    def test_invoice_of_the_whole_quotation(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        with self.mock_mail_gateway():
            invoice.with_user(self.billing_user).action_auto_invoice_send()
        body = self.assertOneDesign(self._customer_mail(self.invoice_address), invoice, "invoice")
        self.assertIn(f"Your invoice {invoice.name}", body)
        self.assertIn(f"of <strong>{self._money(invoice)}</strong> for the quotation <strong>{order.name}", body)
        self.assertNotIn("deposit", body.lower())

    def test_deposit_and_final_invoices(self):
        order = self._create_quotation(
            lines=[(self.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id
        with self.mock_mail_gateway():
            deposit.with_user(self.billing_user).action_auto_invoice_send()
        body = self.assertOneDesign(self._customer_mail(self.invoice_address), deposit, "deposit")
        self.assertIn(f"Your deposit invoice {deposit.name}", body)
        self.assertIn(f"a deposit (down payment) of <strong>{self._money(deposit)}</strong>", body)
        self.assertIn(f"on the quotation <strong>{order.name}</strong>", body)
        self.assertNotIn("amounting to", body, "the deposit is never called the quotation's amount")

        final = order._create_invoices(final=True)
        final.action_post()
        self.assertEqual(final._auto_invoice_billing_kind(), "final")
        with self.mock_mail_gateway():
            self.env["account.move.send"]._generate_and_send_invoices(
                final, mail_template=final._auto_invoice_mail_template()
            )
        body = self.assertOneDesign(self._customer_mail(self.invoice_address), final, "invoice")
        self.assertIn(f"Your final invoice {final.name}", body)
        self.assertIn("the rest of the quotation", body)
        self.assertIn(f"of <strong>{self._money(final)}</strong>", body)

    def test_company_texts_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.invoice_address.lang = "fr_FR"
        self.company.auto_invoice_email_text_full = "<p>Invoice {invoice} of {amount} for {order}.</p>"
        self.company.with_context(
            lang="fr_FR"
        ).auto_invoice_email_text_full = "<p>Facture {invoice} de {amount} pour {order}.</p>"
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        with self.mock_mail_gateway():
            invoice.with_user(self.billing_user).action_auto_invoice_send()
        body = self._customer_mail(self.invoice_address).body_html.replace("&nbsp;", "\xa0")
        self.assertIn(
            f"Facture <strong>{invoice.name}</strong> de <strong>"
            f"{format_amount(self.env, invoice.amount_total, invoice.currency_id, 'fr_FR')}</strong> "
            f"pour <strong>{order.name}</strong>.",
            body,
        )

    def test_settings_show_the_email_texts(self):
        settings = self.env["res.config.settings"].create({"auto_invoice_email_text_deposit": "<p>Deposit</p>"})
        settings.execute()
        self.assertEqual(str(self.company.auto_invoice_email_text_deposit), "<p>Deposit</p>")
        arch = settings.get_views([(False, "form")])["views"]["form"]["arch"]
        for kind in ("full", "deposit", "final"):
            self.assertIn(f'name="auto_invoice_email_text_{kind}"', arch)


@tagged("post_install", "-at_install")
class TestAutoInvoiceEmailsMigration(AutoInvoiceCommon):
    """19.0.1.2.0 and 19.0.1.3.0 on a database that has the noupdate emails of the version before."""

    def _migrate(self, version="19.0.1.2.0", previous="19.0.1.1.0"):
        path = Path(__file__).parents[1] / "migrations" / version / "post-migration.py"
        spec = importlib.util.spec_from_file_location(f"auto_invoice_post_migration_{version.replace('.', '_')}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, previous)

    def test_emails_without_a_language_speak_the_customers(self):
        quotation = self.env.ref("auto_invoice.mail_template_quotation_sign")
        confirmed = self.env.ref("auto_invoice.mail_template_order_confirmed")
        invoice = self.env.ref("auto_invoice.mail_template_invoice")
        quotation.lang = confirmed.lang = False  # as 19.0.1.2.0 left them
        invoice.lang = "{{ object.company_id.partner_id.lang }}"  # someone's choice

        self._migrate("19.0.1.3.0", "19.0.1.2.0")

        self.assertEqual(quotation.lang, "{{ object.partner_id.lang }}")
        self.assertEqual(confirmed.lang, "{{ object.partner_id.lang }}")
        self.assertEqual(invoice.lang, "{{ object.company_id.partner_id.lang }}")

    def test_emails_left_in_odoos_layout_get_the_branded_one(self):
        quotation = self.env.ref("auto_invoice.mail_template_quotation_sign")
        reminder = self.env.ref("auto_invoice.mail_template_sign_reminder")
        invoice = self.env.ref("auto_invoice.mail_template_invoice")
        quotation.email_layout_xmlid = False  # as 19.0.1.1.0 left them
        reminder.email_layout_xmlid = "mail.mail_notification_light"
        invoice.email_layout_xmlid = "mail.mail_notification_layout_with_responsible_signature"  # someone's choice

        self._migrate()

        self.assertEqual(quotation.email_layout_xmlid, BRANDED_LAYOUT)
        self.assertEqual(reminder.email_layout_xmlid, BRANDED_LAYOUT)
        self.assertEqual(invoice.email_layout_xmlid, "mail.mail_notification_layout_with_responsible_signature")
