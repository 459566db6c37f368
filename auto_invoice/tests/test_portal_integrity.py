import html
import json
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import AutoInvoiceCommon, create_for_legacy_orders, expected_content_sha256

OUT_OF_DATE = "This quotation changed since you opened it: reload the page to see it as it is now, then sign again."


@tagged("post_install", "-at_install")
class TestAutoInvoicePortalIntegrity(AutoInvoiceCommon, HttpCase):
    """What the customer signs on the portal is what the page showed, once, whatever the request holds."""

    def _page(self, order):
        return self.url_open(order.get_portal_url()).text

    def _call_url(self, page):
        """The URL the page's signature form posts to (portal.signature_form's `callUrl`), as the browser does."""
        props = re.search(r'<owl-component name="portal.signature_form" props="([^"]*)"', page).group(1)
        return json.loads(html.unescape(props))["callUrl"]

    def _sign(self, call_url, **params):
        return self.make_jsonrpc_request(call_url, {"name": "Ada Lovelace", "signature": self.signature, **params})

    def _accept(self, order, **params):
        """Sign `order` as its portal page does now."""
        return self._sign(self._call_url(self._page(order)), **params)

    def assertUntouched(self, order):
        self.env.invalidate_all()
        self.assertIn(order.state, ("draft", "sent"))
        self.assertFalse(order.signature)
        self.assertFalse(order.acceptance_ids)
        self.assertFalse(order.invoice_ids)

    # --- 13: the page signed is the page shown ----------------------------------------------------------------------

    def test_signature_of_an_out_of_date_page_is_refused(self):
        for change in ("quantity", "deposit"):
            with self.subTest(change=change):
                order = self._create_quotation(lines=[(self.service, 2.0)])
                call_url = self._call_url(self._page(order))
                if change == "quantity":  # the salesperson edits the quotation while the customer reads it
                    order.with_user(self.salesman).write(
                        {"order_line": [Command.update(order.order_line.id, {"product_uom_qty": 5.0})]}
                    )
                else:  # what the signature invoices, stated next to the pad, changed
                    order.with_user(self.salesman).write(
                        {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0}
                    )

                self.assertEqual(self._sign(call_url), {"error": OUT_OF_DATE})
                self.assertUntouched(order)

                self.assertIn("redirect_url", self._accept(order), "the reloaded page can be signed")
                self.assertEqual(order.acceptance_ids.content_sha256, expected_content_sha256(order))

    def test_signature_without_the_page_it_was_shown_is_refused(self):
        order = self._create_quotation()

        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept?access_token={order._portal_ensure_token()}",
            {"name": "Ada Lovelace", "signature": self.signature},
        )

        self.assertEqual(result, {"error": OUT_OF_DATE})
        self.assertUntouched(order)

    def test_acceptance_records_the_consent_the_page_showed(self):
        order = self._create_quotation(auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0)
        page = self._page(order)
        shown = html.unescape(re.search(r'<p class="o_auto_invoice_consent">([^<]*)</p>', page).group(1))

        self._sign(self._call_url(page))

        self.assertEqual(order.acceptance_ids.consent_text, shown)

    # --- 4: a cleared signature never leads to a second one ---------------------------------------------------------

    def test_signature_of_a_confirmed_order_cannot_be_cleared(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        self._accept(order)
        acceptance = order.acceptance_ids
        self.assertEqual(order.state, "sale")

        with self.assertRaisesRegex(UserError, "signed by Ada Lovelace"):
            order.with_user(self.salesman).write({"signature": False})

        self.assertTrue(order.signature)
        self.assertEqual(order.auto_invoice_acceptance_id, acceptance)

    def test_cleared_signature_of_a_quotation_voids_its_acceptance_and_can_be_signed_again(self):
        # Signed, waiting for its online payment: still a quotation.
        order = self._create_quotation(lines=[(self.service, 2.0)], require_payment=True, prepayment_percent=1.0)
        self._accept(order)
        first = order.acceptance_ids
        self.assertEqual((order.state, first.state), ("sent", "pending"))

        order.with_user(self.salesman).write({"signature": False})  # the developer-mode signature tab, or RPC

        self.assertEqual(first.state, "void")
        self.assertFalse(order.auto_invoice_acceptance_id)
        self.assertTrue(order._has_to_be_signed(), "the portal asks for a new signature")
        self.assertIn("redirect_url", self._accept(order, name="Ada Again"))
        self.assertEqual(order.auto_invoice_acceptance_id.signer_name, "Ada Again")
        self.assertEqual(len(order.acceptance_ids), 2)

    def test_accepted_order_without_its_signature_is_never_signed_twice(self):
        # An order whose signature went before this version: its acceptance is live, its signature gone.
        order = self._create_quotation(lines=[(self.service, 2.0)], require_payment=True, prepayment_percent=1.0)
        page = self._page(order)
        self._sign(self._call_url(page))
        acceptance = order.acceptance_ids
        self.env["ir.attachment"].search(
            [("res_model", "=", "sale.order"), ("res_field", "=", "signature"), ("res_id", "=", order.id)]
        ).unlink()
        self.env.invalidate_all()
        self.assertFalse(order.signature)

        self.assertFalse(order._has_to_be_signed(), "the portal does not offer to sign")
        result = self._sign(self._call_url(page), name="Ada Again")

        self.assertEqual(result, {"error": f"{order.display_name} is already accepted."})
        self.assertEqual(order.acceptance_ids, acceptance)
        self.assertFalse(order.signature)

    def test_double_click_answers_a_clear_error(self):
        order = self._create_quotation()
        call_url = self._call_url(self._page(order))
        self._sign(call_url)

        self.assertEqual(self._sign(call_url, name="Ada Again"), {"error": f"{order.display_name} is already signed."})
        self.assertEqual(order.signed_by, "Ada Lovelace")
        self.assertEqual(len(order.acceptance_ids), 1)

    def test_expired_cancelled_quotations_answer_their_reason(self):
        expired = self._create_quotation(validity_date=fields.Date.today() + timedelta(days=1))
        cancelled = self._create_quotation()
        expired_url, cancelled_url = self._call_url(self._page(expired)), self._call_url(self._page(cancelled))
        expired.validity_date = fields.Date.today() - timedelta(days=1)
        cancelled.with_user(self.salesman).action_cancel()

        self.assertEqual(
            self._sign(expired_url),
            {
                "error": f"{expired.display_name} expired on {expired.validity_date}: extend its expiration date "
                "before it is signed."
            },
        )
        self.assertEqual(
            self._sign(cancelled_url),
            {"error": f"{cancelled.display_name} is not a quotation waiting for a signature."},
        )
        self.assertFalse(expired.signature or cancelled.signature)

    # --- 15: input that is not text ---------------------------------------------------------------------------------

    def test_signer_name_that_is_not_text_is_refused(self):
        order = self._create_quotation()
        call_url = self._call_url(self._page(order))
        for name in (42, 4.2, True, ["Ada"], {"name": "Ada"}):
            with self.subTest(name=name):
                self.assertEqual(self._sign(call_url, name=name), {"error": "The signer's name must be text."})
                self.assertUntouched(order)

    def test_request_values_that_are_not_text_are_refused(self):
        order = self._create_quotation()
        call_url = self._call_url(self._page(order))
        for signature in (42, ["iVBOR"], {"png": "iVBOR"}):
            with self.subTest(signature=signature):
                self.assertEqual(self._sign(call_url, signature=signature), {"error": "Invalid signature data."})
        for token in (42, ["token"], {"token": order.access_token}):
            with self.subTest(access_token=token):
                self.assertEqual(
                    self.make_jsonrpc_request(
                        f"/my/orders/{order.id}/accept",
                        {"access_token": token, "name": "Ada", "signature": self.signature},
                    ),
                    {"error": "Invalid order."},
                )
        self.assertUntouched(order)

    def _post_raw(self, url, body):
        """A request to `url` whose body is `body` as sent, typed as JSON; returns the decoded answer."""
        with mute_logger("odoo.http"):  # Odoo logs the failed request's traceback, on the server only
            response = self.url_open(url, data=body, headers={"Content-Type": "application/json"})
        return response.json()

    def test_malformed_request_answers_the_customer_without_a_traceback(self):
        order = self._create_quotation()
        url = f"/my/orders/{order.id}/accept?access_token={order.access_token}"
        for label, body in (
            ("params a list", json.dumps({"jsonrpc": "2.0", "method": "call", "params": ["Ada"], "id": 1})),
            ("params a string", json.dumps({"jsonrpc": "2.0", "method": "call", "params": "Ada", "id": 1})),
            ("deeply nested", '{"params": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ):
            with self.subTest(label):
                answer = self._post_raw(url, body)
                self.assertEqual(
                    answer["error"]["data"],
                    {
                        "name": "InternalServerError",
                        "message": "The request could not be processed.",
                        "arguments": ["The request could not be processed."],
                        "context": {},
                        "debug": "",
                    },
                )
                self.assertNotIn("Traceback", json.dumps(answer))
                self.assertUntouched(order)

    def test_other_routes_keep_odoo_error_answer(self):
        # The customer-safe answer is the signing route's: a JSON-RPC route of Odoo or another module (here sale's
        # payment route, beside ours) is left as Odoo answers it.
        order = self._create_quotation()
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": ["Ada"], "id": 1})

        answer = self._post_raw(f"/my/orders/{order.id}/transaction?access_token={order.access_token}", body)

        self.assertEqual(answer["error"]["data"]["name"], "builtins.ValueError", "Odoo's own answer")
        self.assertIn("Traceback (most recent call last)", answer["error"]["data"]["debug"])

    def test_staff_keep_odoo_error_details(self):
        order = self._create_quotation()
        self.authenticate("ai_salesman", "ai_salesman")
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": ["Ada"], "id": 1})

        answer = self._post_raw(f"/my/orders/{order.id}/accept?access_token={order.access_token}", body)

        self.assertEqual(answer["error"]["data"]["name"], "builtins.ValueError")
        self.assertIn("Traceback (most recent call last)", answer["error"]["data"]["debug"])
        self.assertUntouched(order)

    # --- 16: the portal's channel, whoever signs --------------------------------------------------------------------

    def test_internal_user_signing_on_the_portal_page_is_recorded_as_portal(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        self.authenticate("ai_salesman", "ai_salesman")  # a tablet at the counter, a salesperson's session open

        self.assertIn("redirect_url", self._accept(order))

        self.assertRecordValues(
            order.acceptance_ids,
            [{"channel": "portal", "user_id": self.salesman.id, "signer_partner_id": self.customer.id}],
        )

    # --- siblings -----------------------------------------------------------------------------------------------

    def test_call_the_customer_activity_is_closed_by_signing_or_declining(self):
        follow_up_type = self.env.ref("auto_invoice.mail_activity_type_sign_follow_up")
        signed, declined = self._create_quotation(), self._create_quotation()
        for order in signed | declined:
            order.sign_reminder_sent_on = fields.Datetime.now() - timedelta(days=30)
            order._sign_reminder_schedule_follow_up(fields.Date.today())
            self.assertEqual(order.activity_ids.activity_type_id, follow_up_type)

        self._accept(signed)
        self._decline_on_portal(declined)

        self.env.invalidate_all()
        self.assertEqual((signed.state, declined.state), ("sale", "cancel"))
        for order in signed | declined:
            self.assertFalse(order.activity_ids.filtered(lambda act: act.activity_type_id == follow_up_type))
            done = order.message_ids.filtered(lambda message: message.mail_activity_type_id == follow_up_type)
            self.assertTrue(done, "marked done, with its feedback in the chatter")

    def test_offline_note_stays_internal(self):
        order = self._created_days_ago(self._create_quotation())
        note = "Customer hinted at a 10% discount on the next project; margin is thin."
        self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
            {
                "order_id": order.id,
                "signer_name": "Ada Lovelace",
                "accepted_on": fields.Datetime.now() - timedelta(hours=2),
                "method": "phone",
                "note": note,
            }
        ).action_record()
        acceptance = order.acceptance_ids

        self.assertNotIn("margin", acceptance.consent_text, "the consent is what the customer agreed to")
        self.assertEqual(acceptance.internal_note, note, "kept with the evidence, for us")
        self.assertTrue(self._find_note(order, "margin is thin"), "and in the order's internal chatter")
        # What the customer downloads (tests render reports as HTML, without the PDF engine).
        acceptance._attach_certificate()
        certificate = self.url_open(f"/my/orders/{order.id}/certificate?access_token={order._portal_ensure_token()}")
        self.assertEqual(certificate.status_code, 200)
        self.assertIn("Ada Lovelace", certificate.text)
        self.assertNotIn("margin is thin", html.unescape(certificate.text))


@tagged("post_install", "-at_install")
class TestAutoInvoiceLegacyMigration(AutoInvoiceCommon):
    """The migration to acceptances on a database with many orders: only the signed ones, in batches."""

    def _legacy_orders(self):
        """Three orders signed before acceptances existed, and orders the migration must leave alone."""
        signed = self.env["sale.order"]
        for index in range(3):
            signed |= self._create_quotation(state="sale", signature=self.signature, signed_by=f"Signer {index}")
        others = self._create_quotation() | self._create_quotation(state="sale")
        accepted = self._create_quotation()
        self._sign_in_backend(accepted)  # has its acceptance already
        self.env.flush_all()
        self.env.invalidate_all()
        return signed, others | accepted

    def _migrate_and_spy(self, **kwargs):
        """Run the migration; return what it migrated and the ids of each read of orders from the database."""
        order_model = self.registry["sale.order"]
        original_fetch = order_model.fetch
        fetched = []

        def spy_fetch(records, field_names=None):
            fetched.append(set(records.ids))
            return original_fetch(records, field_names)

        with patch.object(order_model, "fetch", spy_fetch):
            migrated = create_for_legacy_orders(self.env, **kwargs)
        return migrated, fetched

    def test_legacy_migration_never_loads_the_orders_that_need_nothing(self):
        signed, others = self._legacy_orders()

        migrated, fetched = self._migrate_and_spy()

        self.assertEqual(migrated, signed)
        self.assertEqual(set(signed.acceptance_ids.mapped("signer_name")), {"Signer 0", "Signer 1", "Signer 2"})
        self.assertFalse(set().union(*fetched) & set(others.ids), "orders that need nothing are never read")
        self.assertFalse(create_for_legacy_orders(self.env), "once only")

    def test_legacy_migration_works_in_batches(self):
        signed, _others = self._legacy_orders()

        migrated, fetched = self._migrate_and_spy(batch_size=2)

        self.assertEqual(migrated, signed)
        self.assertEqual(len(signed.acceptance_ids), 3)
        self.assertLessEqual(max(len(ids) for ids in fetched), 2, "one batch of orders in memory at a time")
