import base64
import io
import os
from unittest.mock import patch

from PIL import Image, PngImagePlugin

from odoo.tests import HttpCase, tagged

from .common import PortalCommon


@tagged("post_install", "-at_install")
class TestAutoInvoicePortalRefusals(PortalCommon, HttpCase):
    """What the portal's signing route refuses (a forged token, a signature the pad never draws, a quotation no longer
    waiting for one, another customer's documents), and that a refusal changes nothing."""

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

        self.assertEqual(self._accept(order, signature="not an image"), {"error": "Invalid signature data."})

        self.assertUntouched(order)

    def test_giant_signature_changes_nothing(self):
        order = self._create_quotation()
        buffer = io.BytesIO()
        Image.new("1", (8000, 8000), 1).save(buffer, format="PNG")  # 64 Mpx: over Odoo's image limit

        result = self._accept(order, signature=base64.b64encode(buffer.getvalue()).decode())

        self.assertEqual(result, {"error": "Invalid signature data."})
        self.assertUntouched(order)

    def test_signature_of_too_many_pixels_is_refused_before_it_is_decoded(self):
        order = self._create_quotation()
        buffer = io.BytesIO()
        Image.new("1", (5000, 1000), 1).save(buffer, format="PNG")  # 5 Mpx in a few kB: under Odoo's 50 Mpx
        decoded = []
        load = PngImagePlugin.PngImageFile.load

        def spy_load(image):
            decoded.append(image.size)
            return load(image)

        with patch.object(PngImagePlugin.PngImageFile, "load", spy_load):
            result = self._accept(order, signature=base64.b64encode(buffer.getvalue()).decode())

        self.assertEqual(result, {"error": "Invalid signature data."})
        self.assertNotIn((5000, 1000), decoded, "its pixels were never decoded")
        self.assertUntouched(order)

    def test_only_a_signature_pad_png_is_taken(self):
        """What the signature pad never sends is refused with a clear answer, never Odoo's traceback, and changes
        nothing: another format, markup, a truncated image or encoding, megabytes of noise (make stress found those
        answered with a traceback, and a 10 MB PNG taken as a signature)."""
        noise, jpeg = io.BytesIO(), io.BytesIO()
        Image.frombytes("L", (1500, 1500), os.urandom(1500 * 1500)).save(noise, format="PNG", compress_level=0)
        Image.new("RGB", (300, 100), "white").save(jpeg, format="JPEG")
        png = base64.b64decode(self.signature)
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        for label, signature in (
            ("noise PNG over 2 MB", base64.b64encode(noise.getvalue()).decode()),
            ("random bytes", base64.b64encode(os.urandom(3_000_000)).decode()),
            ("JPEG", base64.b64encode(jpeg.getvalue()).decode()),
            ("SVG with a script", base64.b64encode(svg).decode()),
            ("truncated PNG", base64.b64encode(png[: len(png) // 2]).decode()),
            ("truncated base64", self.signature[: len(self.signature) // 2 + 1]),
            ("a data: URL", "data:image/png;base64," + self.signature),
        ):
            order = self._create_quotation()
            with self.subTest(signature=label):
                self.assertEqual(self._accept(order, signature=signature), {"error": "Invalid signature data."})
                self.assertUntouched(order)

    def test_quotation_declined_on_the_portal_is_never_invoiced(self):
        order = self._create_quotation()
        self._decline_on_portal(order)
        result = self._accept(order)

        self.assertEqual(order.state, "cancel")
        self.assertEqual(result, {"error": f"{order.display_name} is not a quotation waiting for a signature."})
        self.assertFalse(order.signature)
        self.assertFalse(order.invoice_ids)

    def test_expired_quotation_cannot_be_signed(self):
        order = self._create_quotation(validity_date="2000-01-01")

        result = self._accept(order)

        self.assertEqual(
            result,
            {"error": f"{order.display_name} expired on 2000-01-01: extend its expiration date before it is signed."},
        )
        self.assertUntouched(order)

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
            f"/my/orders/{other_quotation.id}/accept",
            {"name": "Rival", "signature": self.signature},
        )
        self.assertEqual(result, {"error": "Invalid order."}, "nobody signs another customer's quotation")
        self.assertUntouched(other_quotation)
