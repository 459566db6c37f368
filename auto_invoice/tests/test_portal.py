import base64
import io
import re

from PIL import Image

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import AutoInvoiceCommon


@tagged("post_install", "-at_install")
class TestAutoInvoicePortal(AutoInvoiceCommon, HttpCase):
    """The customer signs through the portal's real route, anonymously with the link's token or logged in."""

    def _accept(self, order, **params):
        return self.make_jsonrpc_request(f"/my/orders/{order.id}/accept", {
            "access_token": order._portal_ensure_token(),
            "name": "Ada Lovelace",
            "signature": self.signature,
            **params,
        })

    def assertUntouched(self, order):
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature)
        self.assertFalse(order.auto_invoice_state)
        self.assertFalse(order.invoice_ids)

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

        self.assertEqual(result, {"error": "The order is not in a state requiring customer signature."})
        self.assertEqual(self.assertInvoicedOnce(order), invoice)
        self.assertEqual(order.signed_by, "Ada Lovelace", "the first signature stands")

    def test_forged_token_changes_nothing(self):
        order = self._create_quotation()
        order._portal_ensure_token()

        result = self._accept(order, access_token="forged-" + order.access_token)

        self.assertEqual(result, {"error": "Invalid order."})
        self.assertUntouched(order)

    def test_empty_signature_changes_nothing(self):
        order = self._create_quotation()

        result = self._accept(order, signature="")

        self.assertEqual(result, {"error": "Signature is missing."})
        self.assertUntouched(order)

    def test_garbage_signature_changes_nothing(self):
        order = self._create_quotation()

        with self.assertRaisesRegex(JsonRpcException, "UserError"):
            self._accept(order, signature="not an image")

        self.assertUntouched(order)

    def test_giant_signature_changes_nothing(self):
        order = self._create_quotation()
        buffer = io.BytesIO()
        Image.new("1", (8000, 8000), 1).save(buffer, format="PNG")  # 64 Mpx: over Odoo's image limit

        with self.assertRaisesRegex(JsonRpcException, "UserError"):
            self._accept(order, signature=base64.b64encode(buffer.getvalue()).decode())

        self.assertUntouched(order)

    def test_quotation_declined_on_the_portal_is_never_invoiced(self):
        order = self._create_quotation()
        page = self.url_open(order.get_portal_url()).text
        csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

        self.url_open(f"/my/orders/{order.id}/decline", data={
            "access_token": order.access_token, "decline_message": "Too expensive", "csrf_token": csrf_token,
        })
        result = self._accept(order)

        self.assertEqual(order.state, "cancel")
        self.assertEqual(result, {"error": "The order is not in a state requiring customer signature."})
        self.assertFalse(order.signature)
        self.assertFalse(order.invoice_ids)

    def test_expired_quotation_cannot_be_signed(self):
        order = self._create_quotation(validity_date="2000-01-01")

        result = self._accept(order)

        self.assertEqual(result, {"error": "The order is not in a state requiring customer signature."})
        self.assertUntouched(order)

    def _create_portal_user(self, login, company_partner):
        signer = self.env["res.partner"].create({
            "name": "Ada Lovelace", "email": f"{login}@customer.example.com", "parent_id": company_partner.id,
        })
        return new_test_user(self.env, login=login, groups="base.group_portal", partner_id=signer.id)

    def test_customers_only_see_their_own_sent_invoices(self):
        self._create_portal_user("ai_portal", self.customer)
        competitor = self.env["res.partner"].create({"name": "Competitor Ltd", "is_company": True})
        self._create_portal_user("ai_rival", competitor)
        order = self._create_quotation()
        self._accept(order)
        invoice = order.auto_invoice_id
        url = f"/my/invoices/{invoice.id}"

        self.authenticate("ai_portal", "ai_portal")
        self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 303, "a draft is not shown")
        invoice.action_post()
        self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 200)

        self.authenticate("ai_rival", "ai_rival")
        self.assertEqual(self.url_open(url, allow_redirects=False).status_code, 303, "nor to another customer")
        other_quotation = self._create_quotation()
        result = self.make_jsonrpc_request(
            f"/my/orders/{other_quotation.id}/accept", {"name": "Rival", "signature": self.signature},
        )
        self.assertEqual(result, {"error": "Invalid order."}, "nobody signs another customer's quotation")
        self.assertUntouched(other_quotation)

    def test_portal_customer_signs_in_the_browser(self):
        self._create_portal_user("ai_portal", self.customer)
        order = self._create_quotation(name="AI-TOUR-001")

        self.start_tour("/", "auto_invoice_portal_sign", login="ai_portal")

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Ada Lovelace")
        self.assertEqual(self.assertInvoicedOnce(order).state, "draft")
