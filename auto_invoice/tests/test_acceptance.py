from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import AutoInvoiceCommon


@tagged("post_install", "-at_install")
class TestAutoInvoiceAcceptance(AutoInvoiceCommon):
    def test_backend_signature_confirms_and_creates_complete_draft(self):
        order = self._create_quotation()
        self._sign_in_backend(order)

        self.assertEqual(order.state, "sale", "a signature recorded in the backend confirms the quotation")
        self.assertTrue(order.signed_on, "the acceptance is timestamped")
        acceptance = order.acceptance_ids
        self.assertRecordValues(
            acceptance,
            [
                {
                    "channel": "api",  # no HTTP request: server-side code (the HTTP channels are in test_evidence)
                    "signer_name": "Ada Lovelace",
                    "signer_partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "state": "done",
                    "ip_address": False,
                }
            ],
        )
        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(acceptance.invoice_ids, invoice)
        self.assertEqual(invoice.auto_invoice_acceptance_id, acceptance)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "draft",
                    "move_type": "out_invoice",
                    "partner_id": self.invoice_address.id,
                    "invoice_payment_term_id": self.payment_term.id,
                    "fiscal_position_id": self.fiscal_pos_a.id,
                    "currency_id": order.currency_id.id,
                    "ref": "PO-4711",
                    "invoice_origin": order.name,
                    "invoice_user_id": self.salesman.id,
                    "team_id": self.team.id,
                }
            ],
        )
        self.assertEqual(
            sorted((line.product_id, line.quantity) for line in invoice.invoice_line_ids),
            sorted((line.product_id, line.product_uom_qty) for line in order.order_line),
            "every line of the signed quotation at its ordered quantity, delivered-quantity products included",
        )
        self.assertEqual(invoice.amount_total, order.amount_total)

    def test_salesperson_is_asked_to_review(self):
        order = self._create_quotation()
        self._sign_in_backend(order)

        invoice = order.auto_invoice_id
        activity = invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review"))
        self.assertEqual(activity.user_id, self.salesman)
        self.assertTrue(
            self._find_note(order, f'data-oe-model="account.move" data-oe-id="{invoice.id}"'),
            "the order's chatter links to the invoice",
        )
        self.assertTrue(
            self._find_note(invoice, f'data-oe-model="sale.order" data-oe-id="{order.id}"'),
            "the invoice's chatter links to the accepted quotation",
        )

    def test_review_is_done_however_a_billing_user_posts_the_draft(self):
        for button in ("action_post", "action_auto_invoice_send"):  # Odoo's Confirm, and Confirm & Send
            with self.subTest(button=button):
                order = self._create_quotation()
                self._sign_in_backend(order)
                invoice = order.auto_invoice_id
                self.assertTrue(invoice.activity_ids)

                getattr(invoice.with_user(self.billing_user), button)()

                self.assertEqual(invoice.state, "posted")
                self.assertFalse(invoice.activity_ids, "nothing left for the salesperson to review")

    def test_salesperson_email_is_queued_not_sent_in_the_signing_transaction(self):
        order = self._create_quotation()
        mail_model = type(self.env["mail.mail"])
        queue_cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        self.env["ir.cron.trigger"].search([("cron_id", "=", queue_cron.id)]).unlink()
        with (
            patch.object(mail_model, "send", autospec=True) as send,
            patch.object(mail_model, "send_after_commit", autospec=True) as send_after_commit,
        ):
            self._sign_in_backend(order, user=self.env.user)  # not the salesperson: the salesperson is emailed

        invoice = order.auto_invoice_id
        email = self.env["mail.mail"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("recipient_ids", "in", self.salesman.partner_id.ids),
            ]
        )
        self.assertEqual(len(email), 1, "the review activity's email to the salesperson")
        self.assertEqual(email.state, "outgoing")
        sent = self.env["mail.mail"].union(
            *(call.args[0] for call in send.call_args_list + send_after_commit.call_args_list)
        )
        self.assertNotIn(email, sent, "left to the mail queue, not sent by the transaction that signed")
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", queue_cron.id)]), "the mail queue is woken now"
        )

    def test_company_setting_is_the_default_per_quotation(self):
        self.env.company.auto_invoice_on_signature = False
        order = self._create_quotation()
        self.assertFalse(order.auto_invoice_on_signature)

        self._sign_in_backend(order)

        self.assertEqual(order.state, "sent", "without the option, signing keeps Odoo's own behaviour")
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.auto_invoice_state)
        self.assertEqual(order.acceptance_ids.state, "done", "the evidence is recorded all the same")
        self.assertFalse(order.acceptance_ids.auto_invoice)

    def test_setting_lives_in_sales_settings(self):
        settings = self.env["res.config.settings"].create({"auto_invoice_on_signature": False})
        settings.execute()

        self.assertFalse(self.env.company.auto_invoice_on_signature)
        self.assertFalse(self._create_quotation().auto_invoice_on_signature)

    def test_quotation_overrides_company_setting(self):
        self.env.company.auto_invoice_on_signature = False
        enabled = self._create_quotation(auto_invoice_on_signature=True)
        self.env.company.auto_invoice_on_signature = True
        disabled = self._create_quotation(auto_invoice_on_signature=False)

        self._sign_in_backend(enabled)
        self._sign_in_backend(disabled)

        self.assertInvoicedOnce(enabled)
        self.assertFalse(disabled.invoice_ids)

    def test_repeated_signature_writes_create_nothing_more(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id

        with self.assertRaisesRegex(UserError, "is already signed"):
            self._sign_in_backend(order)
        order.with_user(self.salesman).write({"signed_by": "Someone Else"})
        order._auto_invoice_create()

        self.assertEqual(self.assertInvoicedOnce(order), invoice)
        self.assertEqual(len(order.acceptance_ids), 1)
        self.assertEqual(order.acceptance_ids.signer_name, "Ada Lovelace", "the acceptance keeps its evidence")

    def test_reconfirmation_without_new_signature_creates_nothing(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id

        order.action_cancel()  # as a manager: cancelling the draft invoice takes billing rights
        self.assertEqual(invoice.state, "cancel", "cancelling the order cancels its draft invoice")
        order.with_user(self.salesman).action_draft()
        order.with_user(self.salesman).action_confirm()

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.invoice_ids, invoice, "a re-confirmation is not an acceptance")
        self.assertEqual(order.acceptance_ids.state, "void", "the reset voided the acceptance, kept as history")

    def test_signing_again_after_reset_invoices_only_what_is_left(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        first_invoice = order.auto_invoice_id
        first_invoice.action_post()

        order.action_cancel()
        order.with_user(self.salesman).action_draft()
        self.assertFalse(order.signature, "resetting to draft clears the signature")
        extra = self._create_product(name="Extra training", type="service", invoice_policy="order", lst_price=300.0)
        order.order_line = [Command.create({"product_id": extra.id, "product_uom_qty": 1.0})]
        self._sign_in_backend(order)

        second_invoice = order.auto_invoice_id
        self.assertNotEqual(second_invoice, first_invoice, "a new acceptance gets its own invoice")
        self.assertEqual(first_invoice.state, "posted")
        self.assertEqual(second_invoice.state, "draft")
        self.assertEqual(second_invoice.invoice_line_ids.product_id, extra, "only what was not invoiced yet")
        self.assertEqual(order.invoice_ids, first_invoice | second_invoice)
        first, second = order.acceptance_ids.sorted("id")
        self.assertEqual((first.state, first.invoice_ids), ("void", first_invoice), "history stays whole")
        self.assertEqual((second.state, second.invoice_ids), ("done", second_invoice))

    def test_declined_quotation_is_never_invoiced(self):
        order = self._create_quotation()
        order._action_cancel()  # what the portal's "Decline" does

        with self.assertRaisesRegex(UserError, "is not a quotation waiting for a signature"):
            self._sign_in_backend(order)

        self.assertEqual(order.state, "cancel")
        self.assertFalse(order.signature)
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.auto_invoice_state)

    def test_online_payment_keeps_acceptance_pending_until_confirmation(self):
        order = self._create_quotation(require_payment=True)
        self._sign_in_backend(order)

        self.assertEqual(order.state, "sent", "signing alone does not confirm when a payment is required")
        self.assertEqual(order.auto_invoice_state, "pending")
        self.assertFalse(order.invoice_ids)

        order.with_user(self.salesman).action_confirm()  # what a completed payment does

        self.assertInvoicedOnce(order)

    def test_backend_signature_must_meet_what_the_portal_asks(self):
        expired = self._create_quotation(validity_date="2000-01-01")
        unrequested = self._create_quotation(require_signature=False)
        unnamed = self._create_quotation()

        with self.assertRaisesRegex(UserError, "expired on 2000-01-01"):
            self._sign_in_backend(expired)
        with self.assertRaisesRegex(UserError, "does not ask for a signature"):
            self._sign_in_backend(unrequested)
        with self.assertRaisesRegex(UserError, "Enter the name of the person who signs"):
            unnamed.with_user(self.salesman).write({"signature": self.signature, "signed_by": "  "})

        for order in expired | unrequested | unnamed:
            self.assertFalse(order.signature)
            self.assertFalse(order.acceptance_ids)
            self.assertFalse(order.invoice_ids)

    def test_quotation_created_with_its_signature_is_accepted(self):
        order = self._create_quotation(signature=self.signature, signed_by="Ada Lovelace")

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.acceptance_ids.signer_name, "Ada Lovelace")
        self.assertInvoicedOnce(order)

    def test_confirmed_order_imported_with_its_signature_is_history(self):
        order = self._create_quotation(state="sale", signature=self.signature, signed_by="Ada Lovelace")

        self.assertTrue(order.signature)
        self.assertFalse(order.acceptance_ids, "importing a signed order is no new acceptance")
        self.assertFalse(order.invoice_ids)

    def test_signing_again_for_less_announces_a_credit_note(self):
        order = self._create_quotation(lines=[(self.service, 3.0)])
        self._sign_in_backend(order)
        order.auto_invoice_id.action_post()
        order.action_cancel()
        order.with_user(self.salesman).action_draft()
        order.order_line.product_uom_qty = 1.0

        self._sign_in_backend(order)

        credit_note = order.auto_invoice_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertTrue(self._find_note(order, "Credit Note"), "announced as the credit note it is")
        self.assertFalse(self._find_note(credit_note, "Invoice created as a draft"))
        self.assertIn("Credit Note", credit_note.activity_ids.summary)
