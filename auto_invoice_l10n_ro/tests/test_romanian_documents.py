import re

from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.tests.common import pdf_text
from odoo.addons.mail.tests.common import MockEmail

from .common import RomanianCommon

WORD = re.compile(r"[^\W\d_]{3,}")
URL = re.compile(r"https?://\S+|&\w+;|\b[0-9a-f]{32,}\b")  # links, entities, hashes
# Words written the same in both languages; everything else an English render shows must be gone in Romanian.
SAME_IN_BOTH = {
    "Total",
    "Email",
    "IBAN",
    "CUI",  # the Romanian fiscal code, named so in English too: "Fiscal Code (CUI)"
    "RON",
    "lei",
    "SHA",
    "PDF",
    "Odoo",
    "UTC",
    "API",
    "Document",
    "document",  # "Check this document": "Verificați acest document"
    "Browser",
    "online",
    "link",
    "agent",
    "Ref",
}


def words(text):
    return set(WORD.findall(URL.sub(" ", text)))


@tagged("post_install", "-at_install")
class TestRomanianDocuments(RomanianCommon, HttpCase, MockEmail):
    """What a Romanian customer holds reads Romanian: each document is rendered for the same customer in English and
    in Romanian, and no word of the English render may remain in the Romanian one but names and numbers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.name = "Proiectare site"
        cls.delivered_product.name = "Ruter wireless"
        cls.salesman.name = "Ioana Popescu"
        cls.order = cls._create_quotation()

    def _names(self, *records):
        """The words of the names and addresses the documents print: data, not translations."""
        company = self.env.company
        partners = company.partner_id | self.customer | self.invoice_address | self.salesman.partner_id
        texts = [
            *(record.display_name for record in records),
            *partners.mapped("contact_address"),
            *partners.mapped("name"),
        ]
        texts += [self.service.name, self.delivered_product.name, company.name, self.order.client_order_ref]
        texts += [acceptance.signer_name for acceptance in self.order.acceptance_ids]
        texts += self.order.acceptance_ids.mapped("name") + [str(self.salesman.signature)]
        texts += self.order.acceptance_ids.mapped("verification_ref")  # printed on the certificate, random
        texts += self.order.acceptance_ids.document_id.mapped("name")  # named in the signer's language, when signed
        texts += company.partner_id.bank_ids.mapped("acc_number") + [self.team.name, self.salesman.email]
        texts += self.order.order_line.tax_ids.mapped("name") + self.order.order_line.tax_ids.mapped("invoice_label")
        return words(" ".join(text for text in texts if text))

    def _in_both_languages(self, render):
        """`render()` for the customer in English, then in Romanian."""
        partners = self.customer | self.invoice_address
        partners.lang = "en_US"
        english = render()
        partners.lang = "ro_RO"
        self.env.invalidate_all()
        return english, render()

    def assertRomanian(self, english, romanian, *records, expected=()):
        left = (words(romanian) & words(english)) - SAME_IN_BOTH - self._names(*records)
        self.assertEqual(sorted(left), [], "English left in the Romanian document")
        for text in expected:
            self.assertIn(text, romanian)

    def _pdf(self, report, record, user=None):
        return pdf_text(self._render_pdf(record, report, user=user or self.salesman))

    def test_quotation_pdf_in_both_designs(self):
        for design in ("standard", "auto_invoice"):
            with self.subTest(design=design):
                self.env.company.auto_invoice_report_design = design
                english, romanian = self._in_both_languages(
                    lambda: self._pdf("sale.action_report_saleorder", self.order)
                )
                self.assertIn("Quotation", english)
                self.assertRomanian(english, romanian, self.order, expected=("Ofertă",))

    def test_invoice_pdf_in_both_designs(self):
        self._sign_in_backend(self.order)
        invoice = self.order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()
        for design in ("standard", "auto_invoice"):
            with self.subTest(design=design):
                self.env.company.auto_invoice_report_design = design
                english, romanian = self._in_both_languages(
                    lambda: self._pdf("account.account_invoices", invoice, self.billing_user)
                )
                self.assertIn("Invoice", english)
                self.assertRomanian(english, romanian, invoice, self.order, expected=("Factură",))

    def test_certificate_of_acceptance(self):
        self._sign_in_backend(self.order)
        acceptance = self.order.auto_invoice_acceptance_id
        english, romanian = self._in_both_languages(
            lambda: self._pdf("auto_invoice.action_report_acceptance_certificate", acceptance)
        )
        self.assertIn("Certificate", english)
        self.assertRomanian(english, romanian, acceptance, self.order, expected=("Certificat de acceptare",))

    def test_confirmation_email_with_its_certificate(self):
        def sign():
            order = self._create_quotation()
            with self.mock_mail_gateway():
                self._sign_in_backend(order)
                order.acceptance_ids._attach_certificate()  # as its cron does once the signature is committed
            mail = self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids)
            self.assertEqual(len(mail), 1)
            self.assertIn(order.acceptance_ids.certificate_id, mail.attachment_ids)
            text = re.sub(r"<[^>]+>", " ", mail.body_html).replace(order.signed_by, " ")  # data, not words
            files = " ".join(name.rsplit(".", 1)[0] for name in mail.attachment_ids.mapped("name"))
            return f"{mail.subject}\n{text}\n{files}", order

        (english, first), (romanian, second) = self._in_both_languages(sign)
        self.assertIn("Certificate of acceptance", english)
        records = (first, second, first.acceptance_ids, second.acceptance_ids)
        self.assertRomanian(english, romanian, *records, expected=("Certificat de acceptare", "confirmată"))

    def test_quotation_email(self):
        def send():
            order = self._create_quotation(state="draft")
            with self.mock_mail_gateway():
                self._quotation_composer(order).action_send_mail()
            mail = self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids)
            self.assertEqual(len(mail), 1)
            text = re.sub(r"<[^>]+>", " ", mail.body_html)
            return f"{mail.subject}\n{text}", order

        (english, first), (romanian, second) = self._in_both_languages(send)
        self.assertIn("Review", english)
        self.assertRomanian(english, romanian, first, second, expected=("Verificați și semnați", "ofertă"))

    def test_portal_consent_in_the_page_language_is_the_one_kept(self):
        """The signing page in Romanian; the signature posted after another tab switched the session to English:
        the acceptance keeps the statement the page showed, word for word."""
        url = self.order.get_portal_url()
        page = self.url_open(f"/ro{url}").text
        consent = re.search(r'<p class="o_auto_invoice_consent">(.*?)</p>', page, re.S).group(1).strip()
        self.assertIn("Prin semnare, accept oferta", consent)
        self.assertIn("consent_lang=ro_RO", page.replace("&amp;", "&"))

        self.opener.cookies.set("frontend_lang", "en_US")
        self.make_jsonrpc_request(
            f"/my/orders/{self.order.id}/accept?consent_lang=ro_RO",
            {
                "access_token": self.order.access_token,
                "terms_sha256": self.order._auto_invoice_signing_terms_sha256(),
                "name": "Ioan Brădeanu",
                "signature": self.signature,
            },
        )
        self.env.invalidate_all()
        self.assertEqual(self.order.auto_invoice_acceptance_id.consent_text, consent.replace("&nbsp;", "\xa0"))

    def test_branded_footer_names_the_fiscal_code_and_the_trade_register_number_and_keeps_numbers_whole(self):
        company = self.env.company
        company.write({"auto_invoice_report_design": "auto_invoice", "phone": "+40 21 555 0100"})
        company.partner_id.nrc = "J40/1234/2020"
        bank = company.partner_id.bank_ids.filtered(lambda account: account.acc_number == "RO98RNCB1234567890123456")
        bank.allow_out_payment = False  # Odoo keeps a trusted account's number: untrusted, changed, trusted again
        bank.acc_number = "RO49 AAAA 1B31 0075 9384 0000"
        bank.allow_out_payment = True
        self._sign_in_backend(self.order)
        invoice = self.order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()
        self.assertEqual(invoice.partner_bank_id, bank)
        # Footers of different lengths: wherever the line breaks, it breaks between two numbers.
        for email in ("facturare@atelier-carpati.example", "f@ac.example", "facturare.clienti@atelier-carpati.example"):
            with self.subTest(email=email):
                company.email = email
                lines = [" ".join(line.split()) for line in self._pdf("account.account_invoices", invoice).splitlines()]
                text = " ".join(lines)
                start = next(index for index, line in enumerate(lines) if line.startswith(f"{company.name} · "))
                footer = lines[start:]

                for label, number in company.with_context(lang="ro_RO")._auto_invoice_footer_numbers(bank):
                    with self.subTest(number=number):
                        self.assertTrue(any(f"{label}: {number}" in line for line in footer), f"{number}: {footer}")
                self.assertIn("CUI: 1234567897", text, "the fiscal code, named as Romanian documents name it")
                self.assertIn("Nr. Reg. Com.: J40/1234/2020", text, "the trade register number")
                self.assertNotIn("Nr. Reg. Com.: 1234567897", text)
