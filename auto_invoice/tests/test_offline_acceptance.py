import base64
import io
from datetime import timedelta

from PIL import Image

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import AutoInvoiceCommon, expected_content_sha256


def png_bytes(size=(400, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestOfflineAcceptance(AutoInvoiceCommon, HttpCase):
    """A salesperson records an acceptance received on paper, by phone or by email."""

    @classmethod
    def _create_quotation(cls, lines=None, **values):
        """A quotation created two days ago: the tests record an acceptance received yesterday."""
        return cls._created_days_ago(super()._create_quotation(lines=lines, **values))

    def _wizard(self, order, **values):
        return (
            self.env["sale.order.offline.acceptance"]
            .with_user(self.salesman)
            .create(
                {
                    "order_id": order.id,
                    "signer_name": "Ada Lovelace",
                    "accepted_on": fields.Datetime.now() - timedelta(days=1),
                    "method": "paper",
                    "note": "Signed copy received by post.",
                    **values,
                }
            )
        )

    def assertUntouched(self, order):
        self.env.invalidate_all()
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature)
        self.assertFalse(order.signed_by)
        self.assertFalse(order.acceptance_ids)
        self.assertFalse(order.invoice_ids)

    def test_offline_acceptance_gives_the_same_invoice_and_evidence_as_a_portal_signature(self):
        online = self._create_quotation()
        offline = self._create_quotation()
        self.make_jsonrpc_request(
            f"/my/orders/{online.id}/accept",
            {
                "access_token": online._portal_ensure_token(),
                "terms_sha256": online._auto_invoice_signing_terms_sha256(),
                "name": "Ada Lovelace",
                "signature": self.signature,
            },
        )
        accepted_on = fields.Datetime.now() - timedelta(days=2)

        self._wizard(offline, method="phone", accepted_on=accepted_on).action_record()

        self.assertEqual(offline.state, "sale", "confirmed as a portal signature confirms")
        portal_acc, offline_acc = online.acceptance_ids, offline.acceptance_ids
        self.assertRecordValues(
            offline_acc,
            [
                {
                    "channel": "offline",
                    "offline_method": "phone",
                    "accepted_on": accepted_on,
                    "signer_name": "Ada Lovelace",
                    "signer_partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "state": "done",
                    "auto_invoice": True,
                    "content_sha256": expected_content_sha256(offline),
                }
            ],
        )
        self.assertGreater(offline_acc.signed_on, accepted_on, "signed_on is when it was recorded")
        self.assertIn("by phone", offline_acc.consent_text)
        self.assertNotIn("Signed copy received by post.", offline_acc.consent_text, "the note is internal")
        self.assertEqual(offline_acc.internal_note, "Signed copy received by post.")
        self.assertEqual(offline_acc.content_sha256, portal_acc.content_sha256, "the same priced content")
        for acceptance in portal_acc | offline_acc:
            self.assertTrue(acceptance._attach_certificate(), "the certificate cron's step renders both alike")
            self.assertTrue(acceptance.document_id and acceptance.document_sha256 and acceptance.certificate_id)
            self.assertTrue(acceptance.signature)

        portal_invoice, offline_invoice = self.assertInvoicedOnce(online), self.assertInvoicedOnce(offline)
        compared = [
            "move_type",
            "state",
            "partner_id",
            "invoice_payment_term_id",
            "fiscal_position_id",
            "currency_id",
            "ref",
            "invoice_user_id",
            "team_id",
            "amount_untaxed",
            "amount_total",
        ]
        self.assertEqual(portal_invoice.read(compared)[0] | {"id": 0}, offline_invoice.read(compared)[0] | {"id": 0})
        self.assertEqual(
            sorted((line.product_id.id, line.quantity, line.price_unit) for line in portal_invoice.invoice_line_ids),
            sorted((line.product_id.id, line.quantity, line.price_unit) for line in offline_invoice.invoice_line_ids),
        )
        self.assertEqual(offline_invoice.auto_invoice_acceptance_id, offline_acc)
        self.assertTrue(offline_invoice.activity_ids, "the same review activity")

    def test_uploaded_scan_becomes_the_signature_and_is_kept_in_the_chatter(self):
        order = self._create_quotation()
        scan = png_bytes()

        self._wizard(order, signature=base64.b64encode(scan), signature_filename="signed.png").action_record()

        self.assertTrue(order.signature)
        self.assertEqual(order.acceptance_ids.signature, order.signature)
        self.assertIn(scan, order.message_ids.attachment_ids.mapped("raw"), "the original upload is kept")

    def test_without_an_image_a_stamp_marks_the_quotation_signed(self):
        order = self._create_quotation(auto_invoice_on_signature=False)

        self._wizard(order, method="email").action_record()

        self.assertEqual(order.state, "sent", "Invoice on Signature off: left to confirm by hand, as in Odoo")
        self.assertTrue(order.signature, "a stamp, so that Odoo no longer asks for a signature")
        self.assertFalse(order._has_to_be_signed())
        self.assertEqual(order.acceptance_ids.offline_method, "email")
        with self.assertRaisesRegex(UserError, "already signed"):
            self._wizard(order).action_record()
        self.assertEqual(len(order.acceptance_ids), 1)

    def test_salesperson_opens_it_from_a_sent_quotation(self):
        order = self._create_quotation()
        view = self.env.ref("sale.view_order_form")
        arch = self.env["sale.order"].with_user(self.salesman).get_views([(view.id, "form")])["views"]["form"]["arch"]
        action = self.env.ref("auto_invoice.sale_order_offline_acceptance_action")
        self.assertIn(f'name="{action.id}"', arch)
        self.assertEqual(action.res_model, "sale.order.offline.acceptance")
        self.assertEqual(order.state, "sent")

    def test_empty_signer_is_refused(self):
        order = self._create_quotation()
        with self.assertRaisesRegex(ValidationError, "Enter the name of the person who signs"):
            self._wizard(order, signer_name="  ").action_record()
        self.assertUntouched(order)

    def test_future_date_is_refused(self):
        order = self._create_quotation()
        with self.assertRaisesRegex(ValidationError, "cannot be in the future"):
            self._wizard(order, accepted_on=fields.Datetime.now() + timedelta(days=1)).action_record()
        self.assertUntouched(order)

    def test_date_before_the_quotation_existed_is_refused(self):
        # The certificate and the public page would state that date as the acceptance's.
        order = self._create_quotation()
        with self.assertRaisesRegex(ValidationError, "cannot have been accepted before"):
            self._wizard(order, accepted_on=order.create_date - timedelta(days=1)).action_record()
        self.assertUntouched(order)

    def test_20_mb_upload_is_refused(self):
        order = self._create_quotation()
        big = png_bytes() + b"\0" * (20 * 1024 * 1024)
        with self.assertRaisesRegex(ValidationError, r"too large \(20.0 MB\).*2 MB at most"):
            self._wizard(order, signature=base64.b64encode(big)).action_record()
        self.assertUntouched(order)

    def test_non_image_upload_is_refused(self):
        order = self._create_quotation()
        for content in (b"%PDF-1.4\n1 0 obj<<>>endobj\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"hello"):
            # Odoo itself refuses an SVG uploaded by a non-admin
            with self.assertRaisesRegex(UserError, "must be an image|Only admins can upload SVG"):
                self._wizard(order, signature=base64.b64encode(content)).action_record()
        self.assertUntouched(order)

    def test_signed_cancelled_or_expired_quotation_is_refused(self):
        signed = self._create_quotation(auto_invoice_on_signature=False)
        self._sign_in_backend(signed)
        cancelled = self._create_quotation()
        cancelled.with_user(self.salesman).action_cancel()
        expired = self._create_quotation(validity_date="2000-01-01")

        for order, message in (
            (signed, "is already signed"),
            (cancelled, "is not a quotation waiting for a signature"),
            (expired, "expired on"),
        ):
            acceptances = order.acceptance_ids
            with self.assertRaisesRegex(UserError, message):
                self._wizard(order).action_record()
            self.assertEqual(order.acceptance_ids, acceptances, order.name)
        self.assertUntouched(expired)
