import hashlib
import html
import re
from unittest.mock import patch

from markupsafe import escape

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, common, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import format_amount, mute_logger

from .common import PORTAL_USER_AGENT, PortalCommon, expected_content_sha256


@tagged("post_install", "-at_install")
class TestAutoInvoicePortal(PortalCommon, HttpCase):
    """The customer signs through the portal's real route, anonymously with the link's token or logged in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The tours need a real Chromium: on a busy 2-core machine it may take longer than Odoo's 10 s to open its
        # devtools port, and Odoo then skips the tour (a failure here). 60 s before giving up.
        cls.startClassPatcher(patch.object(common, "CHECK_BROWSER_ITERATIONS", common.CHECK_BROWSER_ITERATIONS * 6))

    def test_acceptance_holds_the_evidence_of_the_request(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        consent = order._auto_invoice_consent_text()

        self._accept(order)

        acceptance = order.acceptance_ids
        self.assertRecordValues(
            acceptance,
            [
                {
                    "channel": "portal",
                    "signer_name": "Ada Lovelace",
                    "signer_partner_id": self.customer.id,  # the link's token: the customer it was sent to
                    "user_id": self.env.ref("base.public_user").id,
                    "ip_address": "127.0.0.1",
                    "user_agent": PORTAL_USER_AGENT,
                    "consent_text": consent,
                    "state": "done",
                }
            ],
        )
        self.assertEqual(acceptance.signature, order.signature)
        self.assertEqual(acceptance.document_sha256, hashlib.sha256(acceptance.document_id.raw).hexdigest())
        self.assertEqual(acceptance.document_id.res_model, "sale.order.acceptance")
        self.assertEqual(acceptance.content_sha256, expected_content_sha256(order))
        self.assertTrue(order.auto_invoice_content_matches)
        self.assertFalse(acceptance.certificate_id, "not rendered while the customer waits")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.env.ref("auto_invoice.ir_cron_acceptance_certificate").id)]
            ),
            "the signature triggers the cron that renders it",
        )
        acceptance._attach_certificate()  # what the cron does (its batch loop commits, which a test may not)
        self.assertTrue(acceptance.certificate_id, "the certificate is kept with the acceptance")
        self.assertTrue(self._find_note(order, acceptance.name), "the order links to it; its evidence stays there")
        certificates = order.message_ids.attachment_ids.filtered(lambda a: a.name.startswith("Certificate"))
        self.assertEqual(certificates, acceptance.certificate_id, "the confirmation email carries the certificate...")
        self.assertEqual(
            certificates.res_model, "sale.order.acceptance", "...which the order's other readers can't open"
        )
        invoice = self.assertInvoicedOnce(order)
        self.assertTrue(invoice.message_ids.attachment_ids.filtered(lambda a: a.name.startswith("Certificate")))

    def test_anonymous_signature_with_the_token_in_the_query_string(self):
        # What the portal page's signature form sends: the token in the URL, the name and signature in the body.
        order = self._create_quotation()
        token, terms = order._portal_ensure_token(), order._auto_invoice_signing_terms_sha256()

        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept?access_token={token}&terms_sha256={terms}",
            {"name": "Ada Lovelace", "signature": self.signature},
            headers={"User-Agent": PORTAL_USER_AGENT},
        )

        self.assertIn("redirect_url", result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.acceptance_ids.channel, "portal")
        self.assertInvoicedOnce(order)

    def test_consent_text_is_shown_next_to_the_signature_pad(self):
        order = self._create_quotation()

        page = self.url_open(order.get_portal_url()).text

        self.assertIn(str(escape(order._auto_invoice_consent_text())), page)

    def _plain(self, text):
        """`text` as a reader sees it: entities decoded, every run of blanks (no-break spaces too) one space."""
        return re.sub(r"\s+", " ", html.unescape(text))

    def _page(self, order):
        """The portal page of `order` as its customer reads it, with the link's token."""
        return self._plain(self.url_open(order.get_portal_url()).text)

    def _money(self, order, amount):
        return self._plain(format_amount(self.env, amount, order.currency_id))

    def test_page_says_what_the_signature_leads_to_before_the_dialog(self):
        for values, expected in (
            ({}, "An invoice of {total} will follow: kept as a draft for our review, then sent to you."),
            (
                {"auto_invoice_after": "post"},
                "An invoice of {total} will be issued as soon as you sign, in your customer portal.",
            ),
            (
                {"auto_invoice_after": "send"},
                "An invoice of {total} will be issued as soon as you sign, and sent to you by email.",
            ),
            (
                {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0},
                "A deposit invoice of {deposit} (30%) will follow: kept as a draft for our review, then sent to you.",
            ),
            (
                {"require_payment": True, "prepayment_percent": 1.0},
                "An invoice of {total} will follow once your payment is received: kept as a draft for our review, "
                "then sent to you.",
            ),
        ):
            with self.subTest(**values):
                order = self._create_quotation(lines=[(self.service, 2.0)], **values)
                expected = expected.format(
                    total=self._money(order, order.amount_total),
                    deposit=self._money(order, order.currency_id.round(order.amount_total * 0.3)),
                )

                page = self._page(order)

                self.assertIn("o_auto_invoice_signing_text", page)
                self.assertIn(f"Signing accepts this quotation. {expected}", page, "before the dialog")
                consent = re.search(r'<p class="o_auto_invoice_consent">([^<]*)</p>', page).group(1)
                self.assertTrue(consent.endswith(expected), "the dialog, and the consent recorded, say the same")
                self.assertNotIn("issued at signature", page)

    def test_page_says_what_the_signature_created_and_what_comes_next(self):
        for values, expected in (
            ({}, "Your order is confirmed. An invoice of {total} is kept as a draft for our review, then sent to you."),
            ({"auto_invoice_after": "post"}, "Your order is confirmed. Invoice {name} of {total} is issued."),
            (
                {"auto_invoice_after": "send"},
                "Your order is confirmed. Invoice {name} of {total} is issued and was sent to you by email.",
            ),
            (
                {"auto_invoice_after": "post", "auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": 500.0},
                "Your order is confirmed. Deposit invoice {name} of {total} is issued.",
            ),
        ):
            with self.subTest(**values):
                order = self._create_quotation(lines=[(self.service, 2.0)], **values)
                self.assertIn("redirect_url", self._accept(order))
                invoice = self.assertInvoicedOnce(order)

                page = self._page(order)

                total = self._money(order, invoice.amount_total)
                self.assertIn(expected.format(name=invoice.name, total=total), page)
                self.assertNotIn("o_auto_invoice_signing_text", page, "signed: no more announcement")
                if invoice.state == "posted":
                    link = re.search(r'<a [^>]*o_auto_invoice_outcome_invoice[^>]*href="([^"]*)"', page).group(1)
                    self.assertTrue(link.startswith(f"/my/invoices/{invoice.id}?"), link)
                    self.assertEqual(self.url_open(link).status_code, 200, "the customer opens it with that link")
                else:
                    self.assertNotIn("o_auto_invoice_outcome_invoice", page, "a draft is not on the portal")

    def test_page_of_a_signed_quotation_waiting_for_its_payment(self):
        order = self._create_quotation(lines=[(self.service, 2.0)], require_payment=True, prepayment_percent=1.0)
        self._accept(order)
        self.assertEqual(order.auto_invoice_state, "pending")

        self.assertIn(
            f"Your signature is recorded. An invoice of {self._money(order, order.amount_total)} will follow once your "
            "payment is received",
            self._page(order),
        )

    def test_signing_dialog_suggests_the_signer_not_the_company(self):
        contact = self.env["res.partner"].create({"name": "Grace Hopper", "parent_id": self.customer.id})
        to_pay = {"require_payment": True, "prepayment_percent": 1.0}
        for partner, values, name, label in (
            (self.customer, {}, "", "Accept & Sign"),  # a company: the signer types their name
            (contact, {}, "Grace Hopper", "Accept & Sign"),
            (contact, to_pay, "Grace Hopper", "Sign & Pay"),
        ):
            with self.subTest(partner=partner.name, **values):
                order = self._create_quotation(partner_id=partner.id, **values)
                page = html.unescape(self.url_open(order.get_portal_url()).text)
                self.assertIn(f'"defaultName": "{name}"', page)
                self.assertIn(f'"sendLabel": "{label}"', page)
                self.assertIn(f'<h4 class="modal-title">{label}</h4>', page)
                self.assertNotIn("Validate Order", page)

    def test_optional_lines_of_a_signed_quotation_stay_as_signed(self):
        order = self._create_quotation(lines=[(self.service, 1.0)], require_payment=True, prepayment_percent=1.0)
        order.order_line = [
            Command.create({"display_type": "line_section", "name": "Options", "is_optional": True}),
            Command.create({"product_id": self.service.id, "product_uom_qty": 0.0}),
        ]
        option = order.order_line[-1]
        self.assertTrue(option._can_be_edited_on_portal(), "an option of a quotation waiting for its signature")
        self.assertIn('class="js_quantity', self.url_open(order.get_portal_url()).text)
        self._accept(order)
        self.assertEqual(order.auto_invoice_state, "pending")

        self.assertFalse(option._can_be_edited_on_portal(), "the page no longer offers to change it")
        self.assertNotIn('class="js_quantity', self.url_open(order.get_portal_url()).text)
        response = self.url_open(
            f"/my/orders/{order.id}/update_line_dict",
            json={"params": {"access_token": order.access_token, "line_id": option.id, "input_quantity": 3}},
        )
        error = response.json()["error"]["data"]
        self.assertEqual(
            error["message"],
            "This quotation is signed: its options can no longer be changed. To change your order, please contact "
            f"{order.company_id.name}.",
        )
        self.assertFalse(error["debug"], "no traceback for the customer")
        self.assertEqual(option.product_uom_qty, 0.0)
        self.assertEqual(order.auto_invoice_state, "pending")

    def test_signer_name_is_checked_on_the_server(self):
        order = self._create_quotation()
        for name, error in (
            ("", "Enter the name of the person who signs."),
            ("   ", "Enter the name of the person who signs."),
            ("Ada\u202eLovelace", "The signer's name contains invisible or control characters."),
            ("Ada\x00", "The signer's name contains invisible or control characters."),
            ("Ada\u200bLovelace", "The signer's name contains invisible or control characters."),
            ("Ada\u200c", "The signer's name contains invisible or control characters."),  # a joiner joins nothing
            ("Ada \u200dLovelace", "The signer's name contains invisible or control characters."),
            ("A" * 129, "The signer's name is too long (128 characters at most)."),
        ):
            with self.subTest(name=name):
                self.assertEqual(self._accept(order, name=name), {"error": error})
                self.assertUntouched(order)

    def test_signer_name_with_the_joiners_of_its_script_signs(self):
        # Persian "Ali-Reza" is written with a zero-width non-joiner; Devanagari's explicit half forms with a joiner.
        for name in ("\u0639\u0644\u06cc\u200c\u0631\u0636\u0627", "\u0915\u094d\u200d\u0937 Sharma"):
            with self.subTest(name=name):
                order = self._create_quotation()
                self.assertNotIn("error", self._accept(order, name=name))
                self.assertEqual(order.acceptance_ids.signer_name, name)

    def test_signer_name_is_stored_stripped(self):
        order = self._create_quotation()
        self._accept(order, name="  Ada Lovelace  ")
        self.assertEqual(order.signed_by, "Ada Lovelace")
        self.assertEqual(order.acceptance_ids.signer_name, "Ada Lovelace")

    def test_error_while_confirming_changes_nothing(self):
        order = self._create_quotation()
        with (
            patch.object(self.registry["sale.order"], "_action_confirm", side_effect=TypeError("another module")),
            mute_logger("odoo.http"),
            self.assertRaisesRegex(JsonRpcException, "InternalServerError"),  # no detail for the customer
        ):
            self._accept(order)

        self.assertUntouched(order)

    def test_error_after_the_invoice_is_created_keeps_the_signature(self):
        order = self._create_quotation()
        with (
            patch.object(self.registry["sale.order.acceptance"], "_notify_created", side_effect=TypeError("boom")),
            self.assertLogs("odoo.addons.auto_invoice.models.sale_order_acceptance_invoice", level="ERROR"),
        ):
            result = self._accept(order)

        self.assertIn("redirect_url", result, "the customer's signature went through")
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.signature)
        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertIn("boom", order.auto_invoice_error)
        self.assertFalse(order.invoice_ids, "no invoice left half-linked")

    def test_portal_user_cannot_read_internal_fields(self):
        self._create_portal_user("ai_portal", self.customer)
        order = self._create_quotation(lines=[(self.service, 0.0)])
        self._accept(order)  # nothing to invoice: the failure reason is on the order
        self.assertEqual(order.auto_invoice_state, "failed")
        self.authenticate("ai_portal", "ai_portal")

        def read(fields):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw/sale.order/read",
                {
                    "model": "sale.order",
                    "method": "read",
                    "args": [order.ids],
                    "kwargs": {"fields": fields},
                },
            )

        self.assertEqual(read(["name"])[0]["name"], order.name, "the customer reads their order")
        internal = [
            "auto_invoice_error",
            "auto_invoice_state",
            "auto_invoice_id",
            "acceptance_ids",
            "auto_invoice_acceptance_id",
            "sign_reminder_count",
            "sign_reminder_next_date",
        ]
        for field in internal:
            with self.subTest(field=field), mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
                read([field])
        visible = self.make_jsonrpc_request(
            "/web/dataset/call_kw/sale.order/fields_get",
            {
                "model": "sale.order",
                "method": "fields_get",
                "args": [],
                "kwargs": {"attributes": ["type"]},
            },
        )
        self.assertIn("name", visible)
        self.assertFalse(set(internal) & set(visible), "not among the fields the customer may read")
        with self.assertRaises(AccessError):
            order.acceptance_ids.with_user(self.env.ref("base.public_user")).read(["signer_name"])

    def test_customer_downloads_the_certificate(self):
        self._create_portal_user("ai_portal", self.customer)
        competitor = self.env["res.partner"].create({"name": "Competitor Ltd", "is_company": True})
        rival = self._create_portal_user("ai_rival", competitor)
        order = self._create_quotation()
        self._accept(order)
        url = f"/my/orders/{order.id}/certificate"
        pending = self.url_open(f"{url}?access_token={order.access_token}")
        self.assertIn("The certificate of acceptance is being prepared", pending.text, "until the cron renders it")
        order.acceptance_ids._attach_certificate()  # the cron, once the signature is committed

        response = self.url_open(f"{url}?access_token={order.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(order.acceptance_ids.name.replace("/", "_"), response.headers["Content-Disposition"])

        self.authenticate("ai_portal", "ai_portal")
        self.assertEqual(self.url_open(url).status_code, 200, "the customer's own portal account")

        self.authenticate("ai_rival", "ai_rival")
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303, "another customer is sent away")
        self.assertTrue(response.headers["Location"].endswith("/my"))
        with self.assertRaises(AccessError):
            order.acceptance_ids.with_user(rival).read(["signer_name"])

    def test_signing_a_service_quotation_returns_with_its_draft_invoice(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])

        result = self._accept(order)

        self.assertIn("redirect_url", result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Ada Lovelace")
        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.invoice_line_ids.quantity, 2.0)
        self.assertEqual(invoice.activity_ids.user_id, self.salesman)

    def test_signing_invoices_products_invoiced_on_delivery_at_ordered_quantity(self):
        order = self._create_quotation(lines=[(self.delivered_product, 3.0)])

        self._accept(order)

        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.invoice_line_ids.product_id, self.delivered_product)
        self.assertEqual(invoice.invoice_line_ids.quantity, 3.0)

    def test_double_submitted_signature_creates_one_invoice(self):
        order = self._create_quotation()
        self._accept(order)
        invoice = order.auto_invoice_id

        result = self._accept(order, name="Ada Again")

        self.assertEqual(result, {"error": f"{order.display_name} is already signed."})
        self.assertEqual(self.assertInvoicedOnce(order), invoice)
        self.assertEqual(order.signed_by, "Ada Lovelace", "the first signature stands")

    def test_anonymous_customer_signs_in_the_browser_with_the_emailed_link(self):
        order = self._create_quotation()

        self.start_tour(order.get_portal_url(), "auto_invoice_portal_sign_anonymous")

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Grace Hopper")
        self.assertRecordValues(
            order.acceptance_ids,
            [
                {
                    "channel": "portal",
                    "user_id": self.env.ref("base.public_user").id,
                    "signer_partner_id": self.customer.id,
                    "consent_text": order._auto_invoice_consent_text(),
                }
            ],
        )
        self.assertEqual(self.assertInvoicedOnce(order).state, "draft")

    def test_portal_customer_signs_in_the_browser(self):
        self._create_portal_user("ai_portal", self.customer)
        order = self._create_quotation(name="AI-TOUR-001")

        self.start_tour("/", "auto_invoice_portal_sign", login="ai_portal")

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Ada Lovelace")
        self.assertEqual(self.assertInvoicedOnce(order).state, "draft")
        portal_user = self.env["res.users"].search([("login", "=", "ai_portal")])
        self.assertRecordValues(
            order.acceptance_ids,
            [
                {
                    "channel": "portal",
                    "signer_partner_id": portal_user.partner_id.id,  # logged in: the portal user who signed
                    "user_id": portal_user.id,
                    "ip_address": "127.0.0.1",
                }
            ],
        )
        self.assertIn("Chrome", order.acceptance_ids.user_agent, "the browser's own user agent")
