from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import format_amount

from .common import AutoInvoiceCommon

AMOUNTS = {
    "full": {},
    "percentage": {"auto_invoice_deposit_percentage": 30.0},
    "fixed": {"auto_invoice_deposit_amount": 500.0},
}


@tagged("post_install", "-at_install")
class TestAutoInvoicePoliciesPortal(AutoInvoiceCommon, HttpCase):
    """Each amount policy with each after-policy, signed through the portal's real route."""

    def test_every_amount_policy_with_every_after_policy(self):
        for amount, deposit in AMOUNTS.items():
            for after in ("draft", "post", "send"):
                with self.subTest(amount=amount, after=after):
                    order = self._create_quotation(
                        lines=[(self.service, 2.0)], auto_invoice_amount=amount, auto_invoice_after=after, **deposit
                    )
                    expected = {
                        "full": order.amount_total,
                        "percentage": order.currency_id.round(order.amount_total * 0.3),
                        "fixed": 500.0,
                    }[amount]

                    result = self.make_jsonrpc_request(
                        f"/my/orders/{order.id}/accept",
                        {
                            "access_token": order._portal_ensure_token(),
                            "terms_sha256": order._auto_invoice_signing_terms_sha256(),
                            "name": "Ada",
                            "signature": self.signature,
                        },
                    )

                    self.assertIn("redirect_url", result)
                    invoice = self.assertInvoicedOnce(order)
                    self.assertAlmostEqual(invoice.amount_total, expected, places=2)
                    self.assertEqual(invoice.state, "draft" if after == "draft" else "posted")
                    self.assertEqual(invoice.is_move_sent, after == "send")
                    self.assertEqual(bool(invoice.activity_ids), after == "draft", "a review only for drafts")
                    self.assertEqual(order.acceptance_ids.auto_invoice_amount, amount)
                    self.assertEqual(order.acceptance_ids.auto_invoice_after, after)


@tagged("post_install", "-at_install")
class TestAutoInvoicePolicies(AutoInvoiceCommon):
    # --- where the policies come from ----------------------------------------------------------------------------

    def test_company_defaults_template_prefills_quotation_overrides(self):
        company = self.env.company
        company.write({"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": 200.0})
        template = self.env["sale.order.template"].create(
            {
                "name": "Website project",
                "auto_invoice_amount": "percentage",
                "auto_invoice_deposit_percentage": 40.0,
                "auto_invoice_after": "post",
            }
        )

        from_company = self._create_quotation()
        from_template = self._create_quotation(sale_order_template_id=template.id)
        overridden = self._create_quotation(sale_order_template_id=template.id)
        overridden.write({"auto_invoice_amount": "full", "auto_invoice_after": "draft"})

        self.assertRecordValues(
            from_company,
            [
                {
                    "auto_invoice_amount": "fixed",
                    "auto_invoice_deposit_amount": 200.0,
                    "auto_invoice_after": "draft",
                }
            ],
        )
        self.assertRecordValues(
            from_template,
            [
                {
                    "auto_invoice_amount": "percentage",
                    "auto_invoice_deposit_percentage": 40.0,
                    "auto_invoice_after": "post",
                }
            ],
        )
        for order in from_company | from_template | overridden:
            self._sign_in_backend(order)
        self.assertEqual(from_company.auto_invoice_id.amount_total, 200.0)
        self.assertEqual(from_template.auto_invoice_id.state, "posted")
        self.assertAlmostEqual(from_template.auto_invoice_id.amount_total, from_template.amount_total * 0.4, places=2)
        self.assertEqual(overridden.auto_invoice_id.amount_total, overridden.amount_total)
        self.assertEqual(overridden.auto_invoice_id.state, "draft")

    def test_policies_in_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "auto_invoice_amount": "percentage",
                "auto_invoice_deposit_percentage": 25.0,
                "auto_invoice_after": "send",
            }
        )
        settings.execute()
        self.assertRecordValues(
            self.env.company,
            [
                {
                    "auto_invoice_amount": "percentage",
                    "auto_invoice_deposit_percentage": 25.0,
                    "auto_invoice_after": "send",
                }
            ],
        )

    def test_quotation_and_consent_say_what_is_invoiced(self):
        order = self._create_quotation(
            lines=[(self.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        deposit = order.currency_id.round(order.amount_total * 0.3)
        self.assertIn("A deposit invoice of", order.auto_invoice_summary)
        self.assertIn("(30%)", order.auto_invoice_summary)
        self.assertIn("Keep as Draft for Review", order.auto_invoice_summary)
        consent = order._auto_invoice_consent_text()
        self.assertIn(f"A deposit invoice of {format_amount(self.env, deposit, order.currency_id)} (30%)", consent)
        self.assertIn("kept as a draft for our review, then sent to you", consent)

        self._sign_in_backend(order)
        self.assertEqual(order.acceptance_ids.consent_text, False, "no portal statement for a backend signature")

    def test_policies_cannot_change_once_signed(self):
        order = self._create_quotation(require_payment=True)  # signed, still waiting for its payment
        self._sign_in_backend(order)
        with self.assertRaisesRegex(UserError, "is signed: what its signature invoices cannot change"):
            order.with_user(self.salesman).write({"auto_invoice_amount": "percentage"})

    # --- bad values are refused where they are entered -----------------------------------------------------------

    def test_invalid_policies_are_refused(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])  # 1,500.00 untaxed
        template = self.env["sale.order.template"].create({"name": "T"})
        no_email = self.env["res.partner"].create({"name": "No Email Ltd"})
        cases = [
            (order, {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 0.0}, "percentage"),
            (order, {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 100.5}, "percentage"),
            (order, {"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": 0.0}, "deposit amount"),
            (order, {"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": 99999.0}, "more than the"),
            (order, {"partner_invoice_id": no_email.id, "auto_invoice_after": "send"}, "has no email address"),
            (template, {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 150.0}, "percentage"),
            (self.env.company, {"auto_invoice_amount": "fixed", "auto_invoice_deposit_amount": -5.0}, "deposit"),
        ]
        for record, values, message in cases:
            with self.subTest(model=record._name, values=values):
                with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                    record.write(values)
                self.env.invalidate_all()
        self.assertEqual(order.auto_invoice_amount, "full", "nothing changed")

    def test_send_policy_refused_for_a_customer_invoiced_by_hand(self):
        self.customer.invoice_sending_method = "manual"
        with self.assertRaisesRegex(ValidationError, "receives invoices by hand"):
            self._create_quotation(auto_invoice_after="send")

    # --- deposits --------------------------------------------------------------------------------------------------

    def test_deposit_is_split_by_tax_and_the_final_invoice_deducts_it(self):
        reduced_tax = self.env["account.tax"].create({"name": "Reduced 6%", "amount": 6.0, "type_tax_use": "sale"})
        book = self._create_product(
            name="Guide",
            type="service",
            invoice_policy="order",
            lst_price=80.0,
            taxes_id=[Command.set(reduced_tax.ids)],
        )
        order = self._create_quotation(
            lines=[(self.service, 2.0), (book, 5.0)],
            fiscal_position_id=False,
            auto_invoice_amount="percentage",
            auto_invoice_deposit_percentage=30.0,
        )
        self._sign_in_backend(order)

        deposit = self.assertInvoicedOnce(order)
        for tax in order.order_line.tax_ids:
            with self.subTest(tax=tax.name):
                signed_base = sum(
                    order.order_line.filtered(lambda line, t=tax: t in line.tax_ids).mapped("price_subtotal")
                )
                deposit_base = sum(
                    deposit.invoice_line_ids.filtered(lambda line, t=tax: t in line.tax_ids).mapped("price_subtotal")
                )
                self.assertAlmostEqual(deposit_base, signed_base * 0.3, places=2, msg="30% of each tax's base")
        self.assertTrue(order.order_line.filtered("is_downpayment"), "Odoo's own down-payment lines on the order")
        self.assertTrue(order.auto_invoice_content_matches, "a down payment is no change of the signed content")

        deposit.action_post()
        final = order._create_invoices(final=True)  # what Create Invoice > Regular invoice does

        self.assertAlmostEqual(final.amount_total, order.amount_total - deposit.amount_total, places=2)
        self.assertAlmostEqual(final.amount_total + deposit.amount_total, order.amount_total, places=2)

    # --- what happens next --------------------------------------------------------------------------------------------

    def test_send_failure_keeps_a_draft_then_retry_sends(self):
        order = self._create_quotation(auto_invoice_after="send")
        self.invoice_address.email = False  # removed after the policy was chosen

        self._sign_in_backend(order)

        self.assertEqual(order.auto_invoice_state, "failed")
        self.assertIn("has no email address", order.auto_invoice_error)
        invoice = order.acceptance_ids.invoice_ids
        self.assertEqual(invoice.state, "draft", "the post is undone with the send: a draft, never half-done")
        self.assertTrue(order.signature)

        self.invoice_address.email = "accounts@customer.example.com"
        order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertEqual(self.assertInvoicedOnce(order), invoice, "the same invoice, not a second one")
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)

    def test_invoice_reset_to_draft_by_a_user_is_not_posted_again(self):
        order = self._create_quotation(auto_invoice_after="post")
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.button_draft()

        order._auto_invoice_create()  # what a confirmation or a payment would run again
        with self.assertRaisesRegex(UserError, "Only confirmed orders whose automatic invoice failed"):
            order.with_user(self.salesman).action_auto_invoice_retry()

        self.assertEqual(invoice.state, "draft")
        self.assertEqual(self.assertInvoicedOnce(order), invoice)

    def test_credit_note_then_reconfirmation_creates_nothing(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.action_post()
        credit_note = invoice._reverse_moves()
        credit_note.action_post()

        order._auto_invoice_create()
        order.action_cancel()
        order.action_draft()
        order.action_confirm()

        self.assertEqual(order.invoice_ids, invoice | credit_note, "nothing billed again")

    def test_products_invoiced_on_delivery_leave_nothing_to_invoice(self):
        order = self._create_quotation(lines=[(self.service, 1.0), (self.delivered_product, 3.0)])
        self._sign_in_backend(order)
        self.assertInvoicedOnce(order)

        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(order.order_line.mapped("qty_to_invoice"), [0.0, 0.0])
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            wizard.create_invoices()
        self.assertInvoicedOnce(order)

    def test_confirm_and_send_uses_the_customers_sending_method(self):
        self.customer.invoice_sending_method = "manual"  # the customer gets invoices by hand (Download)
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id

        invoice.with_user(self.billing_user).action_auto_invoice_send()

        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.invoice_pdf_report_id, "the PDF is made")
        self.assertFalse(
            invoice.message_ids.filtered(lambda message: message.message_type == "comment" and message.partner_ids),
            "and nothing is emailed to a customer who gets invoices by hand",
        )
