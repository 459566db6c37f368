import re
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AutoInvoiceCommon, pdf_pages, pdf_text
from .test_documents import DEBIAN_ENGINE, PATCHED_ENGINE, wkhtmltopdf_engine

# A real browser's user agent as some send it: long, with the extensions and frameworks it names, 400 characters.
LONG_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-S928B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/131.0.6778.135 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/492.0.0.52.80;IABMV/1;] "
    "Instagram 358.0.0.46.83 Android (34/14; 480dpi; 1080x2340; samsung; SM-S928B; e3q; qcom; ro_RO; 672535977) "
    "Edg/131.0.2903.86 OPR/115.0.0.0 AutoInvoiceCustomerDetails/1.0 (certificate-layout-check)"
)


def blanks_normalised(text):
    return re.sub(r"\s+", " ", text).strip()


@tagged("post_install", "-at_install")
class TestCustomerDetails(AutoInvoiceCommon, HttpCase):
    """What the customer and the business owner read, in the details a new user notices: a certificate on one page,
    times at the right time zone, percentages, names, addresses and labels as people write them. An HttpCase:
    wkhtmltopdf fetches the reports' assets from the running server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", "primary_color": "#0B5394"})
        # No time zone anywhere unless a test sets one: times in UTC.
        (cls.customer | cls.invoice_address | cls.company.partner_id).tz = False

    def _certificate(self, acceptance):
        """The certificate of `acceptance` as its cron renders it (wkhtmltopdf), its bytes."""
        self.assertTrue(acceptance.with_context(force_report_rendering=True)._attach_certificate())
        return acceptance.certificate_id.raw

    def _sign_branded(self, order):
        """Sign `order` in the backend, its signed quotation (branded) rendered by wkhtmltopdf."""
        order.with_context(force_report_rendering=True).with_user(self.salesman).write(
            {"signature": self.signature, "signed_by": "Ada Lovelace"}
        )
        return order.acceptance_ids

    # === The certificate: one page === #

    def test_certificate_with_a_long_user_agent_fits_on_one_page_and_keeps_it_whole(self):
        self.assertEqual(len(LONG_USER_AGENT), 400)
        orders = {engine: self._create_quotation() for engine in (PATCHED_ENGINE, DEBIAN_ENGINE)}
        for order in orders.values():
            self._accept_on_portal(order, LONG_USER_AGENT)
            self.assertEqual(order.acceptance_ids.user_agent, LONG_USER_AGENT)
        # The demo's company seals its documents: the certificate then says so, on the same page.
        self.company.sudo()._auto_invoice_generate_seal()
        for engine, order in orders.items():
            with self.subTest(engine=engine), wkhtmltopdf_engine(engine):
                acceptance = order.acceptance_ids

                pages = pdf_pages(self._certificate(acceptance))

                self.assertEqual(len(pages), 1, f"one page, 'Check this document' included: {pages[1:]}")
                text = blanks_normalised(pages[0])
                for evidence in (
                    "Check this document",
                    acceptance.verification_ref,
                    acceptance.document_sha256,
                    acceptance.content_sha256,
                    "from IP address 127.0.0.1",
                    "This file is sealed by Brightline Studio",
                ):
                    with self.subTest(evidence=evidence):
                        self.assertIn(evidence, text)
                self.assertIn(LONG_USER_AGENT, text, "the whole user agent, readable")

    # === Times at the customer's time zone === #

    def test_customer_without_time_zone_reads_the_companys(self):
        self.company.auto_invoice_report_design = "auto_invoice"
        self.company.partner_id.tz = "Europe/Bucharest"
        order = self._create_quotation()
        # 23:53 UTC on 6 December is 01:53 on 7 December in Bucharest.
        late_evening = datetime(2026, 12, 6, 23, 53)

        self.assertEqual(order._auto_invoice_when_text(late_evening), "12/07/2026 01:53 AM (Europe/Bucharest)")
        acceptance = self._sign_branded(order)
        self.assertEqual(acceptance._verification_date(late_evening), "7 December 2026", "the verification page")
        self.assertEqual(self.company._auto_invoice_customer_tz(self.customer), "Europe/Bucharest")
        when = f"{self._formatted_datetime(acceptance.signed_on, 'Europe/Bucharest')} (Europe/Bucharest)"
        quotation = blanks_normalised(pdf_text(acceptance.document_id.raw))
        certificate = blanks_normalised(pdf_text(self._certificate(acceptance)))
        email = self.env.ref("auto_invoice.mail_template_order_confirmed")._render_field("body_html", order.ids)

        self.assertIn(f"Accepted by Ada Lovelace on {when}", quotation, "the signed quotation")
        self.assertIn(f"on {when}", certificate, "the certificate")
        self.assertIn(f"Signed by Ada Lovelace on {when}.", blanks_normalised(email[order.id]), "the confirmation")
        invoice = order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()
        self.assertIn(f"Accepted by Ada Lovelace on {when}", blanks_normalised(pdf_text(self._render_pdf(invoice))))

    def test_customer_time_zone_first_and_utc_when_no_one_has_one(self):
        order = self._create_quotation()
        late_evening = datetime(2026, 12, 6, 23, 53)

        self.assertEqual(order._auto_invoice_when_text(late_evening), "12/06/2026 11:53 PM (UTC)")
        self.company.partner_id.tz = "Europe/Bucharest"
        self.customer.tz = "America/New_York"  # the customer's own comes first
        self.assertEqual(order._auto_invoice_when_text(late_evening), "12/06/2026 06:53 PM (America/New_York)")

    # === Percentages === #

    def test_deposit_line_prints_the_percentage_without_needless_decimals(self):
        for percentage, expected in ((30.0, "Deposit of 30%"), (12.5, "Deposit of 12.5%")):
            with self.subTest(percentage=percentage):
                order = self._create_quotation(
                    auto_invoice_amount="percentage", auto_invoice_deposit_percentage=percentage
                )
                self._sign_in_backend(order)

                line = order.auto_invoice_id.invoice_line_ids.filtered(lambda line: line.display_type == "product")

                self.assertEqual(line.name, expected)
                self.assertIn(f"({expected.split()[-1]})", order._auto_invoice_amount_text(), "as the quotation says")

    # === Sentences that end with a name === #

    def test_sentences_ending_with_a_name_that_ends_with_a_period_end_with_one(self):
        self.company.name = "Brightline Studio Inc."
        order = self._create_quotation()
        acceptance = self._sign_branded(order)

        by_reference = self.url_open(f"/verify/{acceptance.verification_ref}").text
        by_file = self.url_open(
            "/verify", files={"document": ("quotation.pdf", acceptance.document_id.raw, "application/pdf")}
        ).text

        self.assertIn("issued by Brightline Studio Inc.", by_reference)
        for page in (by_reference, by_file):
            self.assertNotIn("Inc..", page, "one period")
        other = self.env["res.company"].create({"name": "Not Mine Ltd."})
        admin = new_test_user(self.env, login="ai_details_admin", groups="base.group_system,base.group_user")
        with self.assertRaises(AccessError) as refusal:
            other.with_user(admin)._auto_invoice_generate_seal()
        self.assertEqual(str(refusal.exception), "You may not change the seal of Not Mine Ltd.")

    # === The branded documents' addresses === #

    def test_branded_bill_to_prints_the_state_as_the_country_writes_addresses(self):
        self.company.auto_invoice_report_design = "auto_invoice"
        address = {
            "street": "1 Market St",
            "city": "San Francisco",
            "zip": "94105",
            "state_id": self.env.ref("base.state_us_5").id,  # California
            "country_id": self.env.ref("base.us").id,
        }
        (self.customer | self.invoice_address).write(address)
        order = self._create_quotation()
        acceptance = self._sign_branded(order)
        invoice = order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()

        for document, pdf in (("quotation", acceptance.document_id.raw), ("invoice", self._render_pdf(invoice))):
            with self.subTest(document=document):
                self.assertIn("San Francisco CA 94105", pdf_text(pdf), "the state, where the US address format puts it")

    # === An offline acceptance's certificate === #

    def test_offline_certificate_says_what_was_accepted_in_words_at_the_orders_time(self):
        order = self._created_days_ago(self._create_quotation())
        # The salesperson opened the dialog a minute before recording (its default: the time it was opened).
        accepted_on = fields.Datetime.now() - timedelta(minutes=1, seconds=1)
        self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
            {"order_id": order.id, "signer_name": "Ada Lovelace", "accepted_on": accepted_on, "method": "phone"}
        ).action_record()
        acceptance = order.acceptance_ids

        text = blanks_normalised(pdf_text(self._certificate(acceptance)))

        self.assertEqual(order.signed_on, accepted_on, "the order is signed when the customer accepted")
        when = self._formatted_datetime(order.signed_on)
        self.assertIn(f"Accepted by Ada Lovelace for Ada Customer on {when} (UTC)", text)
        total = self._money(order.amount_total, order.currency_id)
        agreed = (
            f"What the signer agreed to Ada Lovelace accepted quotation {order.name} from Brightline Studio for "
            f"{total} on behalf of Ada Customer, by phone."
        )
        self.assertIn(agreed, text)
        self.assertNotIn("recorded by", acceptance.consent_text, "a statement, not a log line")

    def test_offline_consent_says_how_it_was_accepted(self):
        for method, how in (("paper", "on a signed paper copy."), ("email", "by email."), ("phone", "by phone.")):
            with self.subTest(method=method):
                order = self._create_quotation()
                self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
                    {"order_id": order.id, "signer_name": "Ada Lovelace", "method": method}
                ).action_record()

                consent = order.acceptance_ids.consent_text

                self.assertTrue(consent.startswith(f"Ada Lovelace accepted quotation {order.name} from "), consent)
                self.assertTrue(consent.endswith(f"on behalf of Ada Customer, {how}"), consent)
