from datetime import timedelta

import psycopg2
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import format_amount, mute_logger

from ..models.sale_order import RECORDED_BY_CALLER
from .common import AutoInvoiceCommon, create_for_legacy_orders, expected_content_sha256

USER_AGENT = "AutoInvoiceTest-Backend/1.0"


@tagged("post_install", "-at_install")
class TestAutoInvoiceChannels(AutoInvoiceCommon, HttpCase):
    """Each way of signing records its channel and the facts of its own HTTP request."""

    def _signature_vals(self):
        return {"signature": self.signature, "signed_by": "Ada Lovelace"}

    def _sign_through_the_web_client(self, order, context=None):
        """Write the signature of `order` as the salesperson's web client does (call_kw), with `context`."""
        self.authenticate("ai_salesman", "ai_salesman")
        self.make_jsonrpc_request(
            "/web/dataset/call_kw/sale.order/write",
            {
                "model": "sale.order",
                "method": "write",
                "args": [order.ids, self._signature_vals()],
                "kwargs": {"context": context} if context else {},
            },
            headers={"User-Agent": USER_AGENT},
        )

    def test_backend_signature_through_the_web_client(self):
        order = self._create_quotation()

        self._sign_through_the_web_client(order)

        self.assertRecordValues(
            order.acceptance_ids,
            [
                {
                    "channel": "backend",
                    "user_id": self.salesman.id,
                    "signer_partner_id": self.customer.id,
                    "ip_address": "127.0.0.1",
                    "user_agent": USER_AGENT,
                    "consent_text": False,  # nobody was shown the portal's statement
                }
            ],
        )
        self.assertEqual(order.acceptance_ids.content_sha256, expected_content_sha256(order))
        self.assertInvoicedOnce(order)

    def test_rpc_signature_through_the_json2_api(self):
        order = self._create_quotation()
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.salesman)
            ._generate("rpc", "auto_invoice test", fields.Datetime.now() + timedelta(days=1))
        )

        response = self.url_open(
            "/json/2/sale.order/write",
            json={"ids": order.ids, "vals": self._signature_vals()},
            headers={"Authorization": f"bearer {key}", "User-Agent": USER_AGENT, "X-Odoo-Database": self.env.cr.dbname},
        )

        response.raise_for_status()
        self.assertRecordValues(
            order.acceptance_ids,
            [
                {
                    "channel": "api",
                    "user_id": self.salesman.id,
                    "ip_address": "127.0.0.1",
                    "user_agent": USER_AGENT,
                }
            ],
        )
        self.assertInvoicedOnce(order)

    def test_rpc_signature_through_xmlrpc(self):
        order = self._create_quotation()

        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.salesman.id,
            "ai_salesman",
            "sale.order",
            "write",
            [order.ids, self._signature_vals()],
        )

        # Odoo runs XML-RPC calls outside their HTTP request (borrow_request): no address to record.
        self.assertRecordValues(order.acceptance_ids, [{"channel": "api", "user_id": self.salesman.id}])
        self.assertInvoicedOnce(order)

    def test_caller_context_key_sent_over_rpc_still_records_the_acceptance(self):
        # The key of the code that records its own acceptance is honoured in sudo only, never from an RPC client.
        order = self._create_quotation()

        self._sign_through_the_web_client(order, context={RECORDED_BY_CALLER: True})

        self.assertRecordValues(order.acceptance_ids, [{"channel": "backend", "user_id": self.salesman.id}])
        self.assertInvoicedOnce(order)

    def test_forged_derived_fields_are_refused_over_rpc(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        unrelated = self.init_invoice("out_invoice", partner=self.customer, amounts=[100.0])
        self.authenticate("ai_billing", "ai_billing")

        def call(model, record, vals):
            return self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{model}/write",
                {
                    "model": model,
                    "method": "write",
                    "args": [record.ids, vals],
                    "kwargs": {},
                },
            )

        with mute_logger("odoo.http"):
            for model, record, vals in (
                ("sale.order", order, {"auto_invoice_state": "failed"}),
                ("sale.order", order, {"auto_invoice_acceptance_id": False}),
                ("account.move", unrelated, {"auto_invoice_acceptance_id": order.acceptance_ids.id}),
            ):
                with self.subTest(model=model, vals=vals), self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    call(model, record, vals)
        self.assertFalse(unrelated.is_auto_invoice, "Confirm & Send does not appear on an unrelated invoice")
        self.assertEqual(order.auto_invoice_state, "done")


@tagged("post_install", "-at_install")
class TestAutoInvoiceEvidence(AutoInvoiceCommon):
    def _signed_order(self, **values):
        order = self._create_quotation(**values)
        self._sign_in_backend(order)
        return order

    # --- the record is evidence ---------------------------------------------------------------------------------

    def test_acceptance_cannot_be_changed_or_deleted_even_in_sudo(self):
        acceptance = self._signed_order().acceptance_ids

        with self.assertRaisesRegex(UserError, r"evidence: it cannot be changed \(ip_address, signer_name\)"):
            acceptance.sudo().write({"signer_name": "Someone Else", "ip_address": "10.0.0.1"})
        with self.assertRaisesRegex(UserError, "evidence: it cannot be deleted"):
            acceptance.sudo().unlink()
        self.assertEqual(acceptance.signer_name, "Ada Lovelace")

    def test_signed_document_is_kept_once_and_never_replaced(self):
        acceptance = self._signed_order().acceptance_ids
        document, sha256 = acceptance.document_id, acceptance.document_sha256
        self.assertTrue(document and sha256)
        forged = self.env["ir.attachment"].create({"name": "forged.pdf", "raw": b"%PDF-1.4 forged"})

        with self.assertRaisesRegex(UserError, r"evidence: it cannot be changed \(document_id, document_sha256\)"):
            acceptance.sudo().write({"document_id": forged.id, "document_sha256": "0" * 64})
        self.assertEqual(acceptance._attach_signed_document(b"%PDF-1.4 later"), document, "rendered once")
        self.assertRecordValues(acceptance, [{"document_id": document.id, "document_sha256": sha256}])

    def test_salesperson_cannot_forge_write_or_delete_an_acceptance(self):
        order = self._signed_order()
        acceptance = order.acceptance_ids.with_user(self.salesman)
        self.assertEqual(acceptance.signer_name, "Ada Lovelace", "the salesperson reads it")

        with self.assertRaises(AccessError):
            acceptance.write({"state": "void"})
        with self.assertRaises(AccessError):
            acceptance.unlink()
        other = self._create_quotation()
        with self.assertRaises(AccessError):
            self.env["sale.order.acceptance"].with_user(self.salesman).create(
                {
                    "order_id": other.id,
                    "partner_id": self.customer.id,
                    "signer_name": "Forged",
                    "signed_on": "2026-01-01 00:00:00",
                }
            )
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"auto_invoice_state": "pending"})
        self.assertEqual(order.acceptance_ids.state, "done")

    def test_an_order_with_an_acceptance_cannot_be_deleted(self):
        order = self._signed_order(lines=[(self.service, 0.0)])  # nothing invoiced
        order.action_cancel()
        with (
            self.assertRaises(psycopg2.errors.ForeignKeyViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            order.unlink()

    # --- exactly once, in the database ---------------------------------------------------------------------------

    def test_database_refuses_a_second_live_acceptance(self):
        order = self._signed_order()
        acceptance = order.acceptance_ids

        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                """
                INSERT INTO sale_order_acceptance (name, order_id, partner_id, signer_name, signed_on, state)
                VALUES ('ACC/BYPASS', %s, %s, 'Replayed', now(), 'pending')
            """,
                [order.id, acceptance.partner_id.id],
            )

    def test_database_refuses_a_second_invoice_for_one_acceptance(self):
        order = self._signed_order()
        other_invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[100.0])

        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE account_move SET auto_invoice_acceptance_id = %s WHERE id = %s",
                [order.acceptance_ids.id, other_invoice.id],
            )

    # --- tamper evidence -----------------------------------------------------------------------------------------

    def assertEachRefused(self, changes):
        """Each of `changes` ({label: change()}) is refused: the order was signed."""
        for what, change in changes.items():
            # The refusal comes after the write, which the request's rollback undoes: a savepoint stands for it here.
            with (
                self.subTest(what),
                self.assertRaisesRegex(UserError, "was signed by Ada Lovelace"),
                self.env.cr.savepoint(),
            ):
                change()
            self.env.invalidate_all()

    def test_priced_content_of_a_signed_order_cannot_change(self):
        order = self._signed_order()
        line = order.order_line[0]
        changes = {
            "price": lambda: line.write({"price_unit": 1.0}),
            "quantity": lambda: line.write({"product_uom_qty": 9.0}),
            "discount": lambda: line.write({"discount": 50.0}),
            "tax": lambda: line.write({"tax_ids": [Command.clear()]}),
            "description": lambda: line.write({"name": "Something else"}),
            "payment terms": lambda: order.write({"payment_term_id": self.pay_terms_a.id}),
        }
        # A new line is refused until the order is confirmed, and allowed after: see test_signed_content.
        signed = order.acceptance_ids.content_sha256
        self.assertEachRefused(changes)
        self.assertEqual(expected_content_sha256(order), signed)
        self.assertTrue(order.auto_invoice_content_matches)

    def test_signed_order_waiting_for_its_payment_is_locked_too(self):
        order = self._signed_order(require_payment=True)
        self.assertEqual(order.state, "sent", "Odoo itself still allows editing it")

        self.assertEachRefused(
            {
                "removed line": lambda: order.order_line[0].unlink(),
                "price": lambda: order.order_line[0].write({"price_unit": 1.0}),
            }
        )
        self.assertTrue(order.auto_invoice_content_matches)

    def test_new_section_and_note_are_not_priced_content(self):
        order = self._signed_order()
        order.write(
            {
                "order_line": [
                    Command.create({"display_type": "line_note", "name": "Delivery on Monday"}),
                ]
            }
        )
        self.assertTrue(order.auto_invoice_content_matches)

    def test_reset_to_quotation_allows_changes_that_need_a_new_signature(self):
        order = self._signed_order(lines=[(self.service, 1.0)])
        order.auto_invoice_id.button_cancel()
        order.action_cancel()
        order.action_draft()

        order.order_line.price_unit = 1200.0

        self.assertFalse(order.auto_invoice_acceptance_id, "no live acceptance: the quotation waits for a signature")
        self._sign_in_backend(order)
        self.assertEqual(
            order.acceptance_ids.filtered(lambda acc: acc.state != "void").content_sha256,
            expected_content_sha256(order),
        )

    def test_order_shows_a_change_made_behind_the_orm(self):
        order = self._signed_order()
        self.env.cr.execute("UPDATE sale_order_line SET price_unit = 1 WHERE order_id = %s", [order.id])
        self.env.invalidate_all()
        self.assertFalse(order.auto_invoice_content_matches)

    # --- the review before Confirm & Send ------------------------------------------------------------------------

    def test_draft_invoice_shows_what_differs_from_the_signed_quotation(self):
        order = self._signed_order(lines=[(self.service, 2.0)])
        invoice = order.auto_invoice_id
        self.assertFalse(invoice.auto_invoice_differences, "the draft matches what was signed")

        invoice.write({"invoice_line_ids": [Command.update(invoice.invoice_line_ids.id, {"quantity": 3.0})]})

        differences = invoice.auto_invoice_differences
        self.assertIn("Website design: quantity 2.00 signed, 3.00 on the invoice.", differences)
        self.assertIn(
            f"Total: {format_amount(self.env, order.amount_total, order.currency_id)} signed, "
            f"{format_amount(self.env, invoice.amount_total, invoice.currency_id)} on the invoice.",
            differences,
            "amounts with their currency, as the reviewer reads them",
        )

    def test_review_says_a_changed_price_with_its_currency(self):
        order = self._signed_order(lines=[(self.service, 1.0)])
        invoice = order.auto_invoice_id

        invoice.write({"invoice_line_ids": [Command.update(invoice.invoice_line_ids.id, {"price_unit": 1400.0})]})

        self.assertIn(
            f"Website design: unit price {format_amount(self.env, 1500.0, order.currency_id)} signed, "
            f"{format_amount(self.env, 1400.0, order.currency_id)} on the invoice.",
            invoice.auto_invoice_differences,
        )

    def test_review_banner_names_the_signed_quotation_in_one_sentence(self):
        order = self._signed_order(lines=[(self.service, 2.0)])
        invoice = order.auto_invoice_id.with_user(self.billing_user)
        total = format_amount(self.env, invoice.amount_total, invoice.currency_id)

        self.assertEqual(
            invoice.auto_invoice_review_status,
            f"Matches the quotation the customer signed: {order.name}, {total}, signed by Ada Lovelace "
            f"(acceptance {order.acceptance_ids.name}).",
        )
        arch = etree.fromstring(invoice.get_view(view_type="form")["arch"])
        banner = arch.xpath("//div[hasclass('alert-success')][field[@name='auto_invoice_review_status']]")
        self.assertTrue(banner, "the banner shows the sentence")
        self.assertEqual([field.get("name") for field in banner[0].iter("field")], ["auto_invoice_review_status"])
        self.assertFalse((banner[0].text or "").strip(), "nothing around it to break over several lines")

    def test_certificate_is_not_taken_for_the_invoice_in_the_draft_preview(self):
        order = self._signed_order(lines=[(self.service, 2.0)])
        invoice = order.auto_invoice_id
        acceptance = order.acceptance_ids

        self.assertTrue(acceptance._attach_certificate())

        certificates = invoice.message_ids.attachment_ids.filtered(
            lambda attachment: attachment.checksum == acceptance.certificate_id.checksum
        )
        self.assertTrue(certificates, "the draft carries the certificate in its chatter")
        self.assertFalse(invoice.message_main_attachment_id, "but the preview does not show it as the invoice")
        scan = self.env["ir.attachment"].create(
            {"name": "scan.pdf", "raw": b"%PDF-1.4 scan", "mimetype": "application/pdf"}
        )
        invoice.message_post(body="A scan", attachment_ids=scan.ids)
        self.assertEqual(invoice.message_main_attachment_id, scan, "another document still becomes the main one")

    def test_review_names_added_and_missing_lines(self):
        order = self._signed_order(lines=[(self.service, 1.0)])
        invoice = order.auto_invoice_id
        extra = self._create_product(name="Hosting", type="service", lst_price=10.0)

        invoice.write(
            {
                "invoice_line_ids": [
                    Command.unlink(invoice.invoice_line_ids.id),
                    Command.create({"product_id": extra.id, "quantity": 1.0, "price_unit": 10.0}),
                ]
            }
        )

        self.assertIn("Website design: signed, not on the invoice.", invoice.auto_invoice_differences)
        self.assertIn("Hosting: on the invoice, not in the signed quotation.", invoice.auto_invoice_differences)

    # --- history -------------------------------------------------------------------------------------------------

    def test_orders_signed_before_acceptances_existed_get_one(self):
        legacy_invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[100.0])
        # What 19.0.1.0.0 left: a signed order, its outcome in columns of sale_order, and no acceptance.
        signed = self._create_quotation(state="sale", signature=self.signature, signed_by="Old Signer")
        never_signed = self._create_quotation()
        self.env.cr.execute(
            """
            ALTER TABLE sale_order ADD COLUMN auto_invoice_id integer, ADD COLUMN auto_invoice_error text;
            UPDATE sale_order SET signed_on = '2026-01-05 10:00:00', auto_invoice_state = 'done', auto_invoice_id = %s
             WHERE id = %s;
        """,
            [legacy_invoice.id, signed.id],
        )
        self.env.invalidate_all()
        self.assertFalse(signed.acceptance_ids)

        migrated = create_for_legacy_orders(self.env)

        self.assertEqual(migrated, signed)
        self.assertFalse(never_signed.acceptance_ids)
        self.assertRecordValues(
            signed.acceptance_ids,
            [
                {
                    "channel": False,
                    "ip_address": False,
                    "signer_name": "Old Signer",
                    "signed_on": fields.Datetime.to_datetime("2026-01-05 10:00:00"),
                    "state": "done",
                }
            ],
        )
        self.assertEqual(signed.auto_invoice_id, legacy_invoice)
        self.assertEqual(signed.acceptance_ids.content_sha256, expected_content_sha256(signed))
        self.assertFalse(create_for_legacy_orders(self.env), "once only")
