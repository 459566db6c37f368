from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import AutoInvoiceCommon, OnlinePaymentCommon


@tagged("post_install", "-at_install")
class TestAutoInvoicePostingRights(AutoInvoiceCommon):
    """Only users with billing rights choose a policy that posts or sends; everyone else gets the company's or the
    quotation template's choice."""

    def _own_quotation(self, **values):
        """A quotation that the salesperson creates themselves, as in the form (no policy in the values)."""
        return (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "require_signature": True,
                    "require_payment": False,
                    "order_line": [fields.Command.create({"product_id": self.service.id, "product_uom_qty": 1.0})],
                    **values,
                }
            )
        )

    def test_salesperson_cannot_choose_a_policy_that_posts(self):
        for after in ("post", "send"):
            with self.subTest(after=after):
                order = self._own_quotation()
                order.with_user(self.salesman).action_quotation_sent()

                with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
                    order.with_user(self.salesman).write({"auto_invoice_after": after})
                with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
                    self._own_quotation(auto_invoice_after=after)
                self.env.invalidate_all()
                self.assertEqual(order.auto_invoice_after, "draft", "nothing changed")

                self._sign_in_backend(order, self.salesman)

                invoice = self.assertInvoicedOnce(order)
                self.assertEqual(invoice.state, "draft", "kept for a person to review")
                self.assertFalse(invoice.is_move_sent)

    def test_offline_acceptance_by_a_salesperson_keeps_the_draft(self):
        order = self._own_quotation()
        order.with_user(self.salesman).action_quotation_sent()
        with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
            order.with_user(self.salesman).write({"auto_invoice_after": "post"})

        self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
            {"order_id": order.id, "signer_name": "Ada Lovelace", "method": "phone"}
        ).action_record()

        self.assertEqual(self.assertInvoicedOnce(order).state, "draft")

    def test_salesperson_gets_the_company_and_template_choice(self):
        self.env.company.auto_invoice_after = "post"
        template = self.env["sale.order.template"].create({"name": "Sent at signature", "auto_invoice_after": "send"})

        from_company = self._own_quotation()
        from_template = self._own_quotation(sale_order_template_id=template.id)
        # the form sends the values its onchange computed: the company's and the template's choice are accepted
        as_in_the_form = self._own_quotation(auto_invoice_after="post")
        from_company.with_user(self.salesman).write({"auto_invoice_after": "draft"})  # more care is anyone's choice
        from_company.with_user(self.salesman).write({"auto_invoice_after": "post"})  # and back to the company's

        self.assertEqual(from_company.auto_invoice_after, "post")
        self.assertEqual(from_template.auto_invoice_after, "send")
        self.assertEqual(as_in_the_form.auto_invoice_after, "post")
        with self.assertRaisesRegex(AccessError, "billing rights"):
            from_company.with_user(self.salesman).write({"auto_invoice_after": "send"})

    def test_salesperson_cannot_keep_a_posting_policy_while_switching_template(self):
        posting = self.env["sale.order.template"].create({"name": "Posted at signature", "auto_invoice_after": "post"})
        reviewed = self.env["sale.order.template"].create({"name": "Reviewed", "auto_invoice_after": "draft"})
        order = self._own_quotation(sale_order_template_id=posting.id)
        self.assertEqual(order.auto_invoice_after, "post", "the template's choice, made by billing")

        # Over RPC, as one write: the new template, and the old template's Post kept.
        with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
            order.with_user(self.salesman).write({"sale_order_template_id": reviewed.id, "auto_invoice_after": "post"})
        self.env.invalidate_all()
        self.assertEqual(order.sale_order_template_id, posting, "nothing changed")

        order.with_user(self.salesman).write({"sale_order_template_id": reviewed.id})
        self.assertEqual(order.auto_invoice_after, "draft", "the new template's choice")

    def test_billing_user_chooses_any_policy(self):
        order = self._create_quotation(user_id=self.billing_user.id)
        order.with_user(self.billing_user).write({"auto_invoice_after": "post"})
        self._sign_in_backend(order, self.billing_user)
        self.assertEqual(self.assertInvoicedOnce(order).state, "posted")

    def test_salesperson_duplicating_a_quotation_gets_the_default(self):
        # chosen by a billing user
        order = self._create_quotation(auto_invoice_after="post")
        billing_order = self._create_quotation(auto_invoice_after="post", user_id=self.billing_user.id)

        by_salesperson = order.with_user(self.salesman).copy()
        by_billing_user = billing_order.with_user(self.billing_user).copy()

        self.assertEqual(by_salesperson.auto_invoice_after, "draft", "the company's choice, not another user's")
        self.assertEqual(by_billing_user.auto_invoice_after, "post")

    def test_template_and_company_policies_need_billing_rights(self):
        sales_manager = new_test_user(
            self.env, login="ai_sales_manager", groups="sales_team.group_sale_manager", company_id=self.env.company.id
        )
        admin = new_test_user(
            self.env, login="ai_admin_no_billing", groups="base.group_system", company_id=self.env.company.id
        )
        template = self.env["sale.order.template"].with_user(sales_manager).create({"name": "T"})
        with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
            template.write({"auto_invoice_after": "post"})
        with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
            self.env["sale.order.template"].with_user(sales_manager).create({"name": "U", "auto_invoice_after": "send"})
        with self.assertRaisesRegex(AccessError, "billing rights"), self.env.cr.savepoint():
            self.env.company.with_user(admin).write({"auto_invoice_after": "send"})
        template.write({"auto_invoice_after": "draft"})

        self.env.invalidate_all()
        self.assertEqual(template.auto_invoice_after, "draft")
        self.assertEqual(self.env.company.auto_invoice_after, "draft")

    def test_form_shows_the_policy_read_only_to_salespeople(self):
        with Form(self._create_quotation().with_user(self.salesman)) as form:
            self.assertTrue(form._get_modifier("auto_invoice_after", "readonly"))
        order = self._create_quotation(user_id=self.billing_user.id)
        with Form(order.with_user(self.billing_user)) as form:
            self.assertFalse(form._get_modifier("auto_invoice_after", "readonly"))
            form.auto_invoice_after = "post"
        self.assertEqual(order.auto_invoice_after, "post")


@tagged("post_install", "-at_install")
class TestAutoInvoicePostingPayment(OnlinePaymentCommon, MockEmail):
    """However an automatic invoice is posted, it ends matched with the online payment; only its Post and Send
    policy (or a person) sends it. Real transactions through Odoo's post-processing."""

    def _emails_to_customer(self):
        return [mail for mail in self._mails if self.invoice_address.email in str(mail["email_to"])]

    # --- 9: the Post policy posts, it does not send ----------------------------------------------------------------

    def test_post_policy_invoice_is_not_emailed_by_automatic_invoice(self):
        for automatic_invoice in (False, True):
            with self.subTest(automatic_invoice=automatic_invoice):
                self._set_automatic_invoice(automatic_invoice)
                order = self._signed_quotation_to_pay(1.0, auto_invoice_after="post")

                with self.mock_mail_gateway():
                    transaction = self._pay(order, order.amount_total)
                    self.env["payment.transaction"]._cron_send_invoice()  # Odoo's retry of its invoice emails

                invoice = self.assertInvoicedOnce(order)
                self.assertEqual(invoice.state, "posted")
                self.assertPaymentMatched(invoice, transaction)
                self.assertFalse(invoice.is_move_sent, "the Post policy does not send")
                self.assertFalse(self._emails_to_customer(), "no invoice email to the customer")

    def test_send_policy_invoice_is_emailed_once(self):
        self._set_automatic_invoice(True)
        order = self._signed_quotation_to_pay(1.0, auto_invoice_after="send")

        with self.mock_mail_gateway():
            transaction = self._pay(order, order.amount_total)
            self.env["payment.transaction"]._cron_send_invoice()

        invoice = self.assertInvoicedOnce(order)
        self.assertTrue(invoice.is_move_sent)
        self.assertPaymentMatched(invoice, transaction)
        self.assertEqual(len(self._emails_to_customer()), 1, "sent once, by its policy")

    # --- 11: Odoo's own Confirm, or a batch post, matches the online payment -----------------------------------

    def test_odoo_confirm_of_the_reviewed_draft_matches_the_payment(self):
        for automatic_invoice in (False, True):
            with self.subTest(automatic_invoice=automatic_invoice):
                self._set_automatic_invoice(automatic_invoice)
                order = self._signed_quotation_to_pay(1.0)
                transaction = self._pay(order, order.amount_total)
                invoice = self.assertInvoicedOnce(order)
                self.assertEqual(invoice.state, "draft")

                with self.mock_mail_gateway():
                    invoice.with_user(self.billing_user).action_post()  # Odoo's Confirm, not Confirm & Send
                    self.env["payment.transaction"]._cron_send_invoice()

                self.assertIn(invoice.payment_state, ("paid", "in_payment"), "the customer paid")
                self.assertPaymentMatched(invoice, transaction)
                self.assertFalse(self._emails_to_customer(), "confirmed, not sent: a person sends it")

    def test_batch_post_of_reviewed_drafts_matches_the_payments(self):
        orders = [self._signed_quotation_to_pay(0.3) for _index in range(2)]
        transactions = [self._pay(order, order.currency_id.round(order.amount_total * 0.3)) for order in orders]
        invoices = orders[0].auto_invoice_id | orders[1].auto_invoice_id

        wizard = (
            self.env["validate.account.move"]
            .with_user(self.billing_user)
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({})
        )
        wizard.validate_move()

        for invoice, transaction in zip(invoices, transactions, strict=True):
            self.assertEqual(invoice.state, "posted")
            self.assertEqual(invoice.payment_state, "partial")
            self.assertPaymentMatched(invoice, transaction)

    # --- 14: Set to Quotation keeps signature and acceptance together -------------------------------------------

    def test_set_to_quotation_on_a_signed_draft_waiting_for_payment(self):
        order = self._create_quotation(
            lines=[(self.service, 2.0)], require_payment=True, prepayment_percent=1.0, state="draft"
        )
        self._sign_in_backend(order)
        self.assertEqual((order.state, order.auto_invoice_state), ("draft", "pending"))

        order.with_user(self.salesman).action_draft()  # already a quotation: nothing to reset

        self.assertTrue(order.signature)
        self.assertEqual(order.acceptance_ids.state, "pending", "the signature and its acceptance stay together")
        self._pay(order, order.amount_total)
        self.assertEqual(order.state, "sale")
        self.assertInvoicedOnce(order)

    def test_set_to_quotation_on_a_signed_sent_quotation_waiting_for_payment(self):
        order = self._signed_quotation_to_pay(1.0)
        self.assertEqual(order.state, "sent")

        order.with_user(self.salesman).action_draft()

        self.assertEqual(order.state, "draft")
        self.assertFalse(order.signature, "the signature is cleared")
        self.assertEqual(order.acceptance_ids.state, "void", "and its acceptance voided with it")
        self._sign_in_backend(order)  # signed again: a new acceptance, invoiced when the payment confirms
        self._pay(order, order.amount_total)
        self.assertEqual(order.acceptance_ids.sorted("id").mapped("state"), ["void", "done"])
        self.assertInvoicedOnce(order)
