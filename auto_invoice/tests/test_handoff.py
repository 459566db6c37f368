from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from ..models.sale_order import RECORDED_BY_CALLER
from ..owned_context import own
from .common import AutoInvoiceCommon, create_for_legacy_orders


@tagged("post_install", "-at_install")
class TestHandOff(AutoInvoiceCommon, HttpCase, MockEmail):
    """The review step in a business's day: the "Review and send" activity goes to a person who can act, a salesperson
    gains the right to send only when the company grants it, and the customer's confirmation leaves at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.review_type = cls.env.ref("auto_invoice.mail_activity_type_auto_invoice_review")
        cls.review_group = cls.env.ref("auto_invoice.group_auto_invoice_salesperson_review")
        cls.accountant = new_test_user(
            cls.env,
            login="ai_handoff_accountant",
            groups="account.group_account_invoice",
            company_id=cls.env.company.id,
        )

    def _signed_draft(self, **values):
        order = self._create_quotation(lines=[(self.service, 1.0)], **values)
        self._sign_in_backend(order, user=order.user_id)
        invoice = order.auto_invoice_id
        self.assertEqual(invoice.state, "draft")
        return order, invoice

    def _reviewer(self, invoice):
        activity = invoice.activity_ids.filtered(lambda act: act.activity_type_id == self.review_type)
        self.assertEqual(len(activity), 1, "one Review and send activity")
        return activity.user_id

    def _set_settings(self, **values):
        self.env["res.config.settings"].create(values).execute()

    def _grant_salespeople(self):
        self._set_settings(group_auto_invoice_salesperson_review=True)
        self.assertTrue(self.salesman.has_group("auto_invoice.group_auto_invoice_salesperson_review"))

    def test_salesperson_who_cannot_send_is_not_asked_the_reviewer_is_and_the_salesperson_told(self):
        self._set_settings(auto_invoice_reviewer_id=self.accountant.id)
        order, invoice = self._signed_draft()

        self.assertEqual(self._reviewer(invoice), self.accountant)
        told = order.message_ids.filtered(lambda message: self.salesman.partner_id in message.partner_ids)
        self.assertEqual(len(told), 1, "the salesperson is told who reviews")
        self.assertIn(self.accountant.name, told.body)
        self.assertIn(invoice.display_name, told.body)

        invoice.with_user(self.accountant).action_auto_invoice_send()
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(invoice.activity_ids.filtered(lambda act: act.activity_type_id == self.review_type))

    def test_salesperson_with_billing_rights_reviews(self):
        self._set_settings(auto_invoice_reviewer_id=self.accountant.id)
        _order, invoice = self._signed_draft(user_id=self.billing_user.id)

        self.assertEqual(self._reviewer(invoice), self.billing_user)

    def test_nobody_named_the_salesperson_is_asked_and_told_who_can_send(self):
        order, invoice = self._signed_draft()

        self.assertEqual(self._reviewer(invoice), self.salesman)
        told = order.message_ids.filtered(lambda message: self.salesman.partner_id in message.partner_ids)
        self.assertIn("you cannot send invoices", told.body)
        with self.assertRaises(AccessError):
            invoice.with_user(self.salesman).action_auto_invoice_send()
        with self.assertRaises(AccessError):
            invoice.invoice_line_ids.with_user(self.salesman).write({"price_unit": 99.0})
        self.assertEqual(invoice.state, "draft")

    def test_named_reviewer_reviews_even_when_the_salesperson_could(self):
        self._grant_salespeople()
        self._set_settings(auto_invoice_review_by="reviewer", auto_invoice_reviewer_id=self.accountant.id)
        _order, invoice = self._signed_draft()

        self.assertEqual(self._reviewer(invoice), self.accountant)

    def test_granted_salesperson_edits_confirms_and_sends_their_signed_draft(self):
        self._grant_salespeople()
        _order, invoice = self._signed_draft()
        self.assertEqual(self._reviewer(invoice), self.salesman)

        invoice.invoice_line_ids.with_user(self.salesman).write({"price_unit": 1450.0})
        invoice.with_user(self.salesman).write(
            {"invoice_line_ids": [Command.create({"name": "Travel", "quantity": 1, "price_unit": 50.0})]}
        )
        with self.mock_mail_gateway():
            question = invoice.with_user(self.salesman).action_auto_invoice_send()
            self.assertEqual(question["res_model"], "auto_invoice.send.confirm", "edited: asked first")
            self.env["auto_invoice.send.confirm"].with_user(self.salesman).browse(question["res_id"]).action_confirm()

        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(invoice.amount_untaxed, 1500.0)
        sent = [mail for mail in self._mails if invoice.name in (mail["subject"] or "")]
        self.assertEqual(len(sent), 1, "emailed to the customer")
        message = invoice.message_ids.filtered(lambda message: message.message_type == "comment")[:1]
        self.assertEqual(message.author_id, self.salesman.partner_id, "sent by the salesperson")

    def test_granted_salesperson_gets_nothing_else(self):
        self._grant_salespeople()
        _order, invoice = self._signed_draft()
        by_hand = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_user_id": self.salesman.id,
                "invoice_line_ids": [Command.create({"name": "By hand", "quantity": 1, "price_unit": 10.0})],
            }
        )
        other_order, other_invoice = self._signed_draft(user_id=self.billing_user.id)
        as_salesman = self.env["account.move"].with_user(self.salesman)

        for label, attempt in (
            ("an invoice made by hand", lambda: by_hand.with_user(self.salesman).write({"ref": "X"})),
            ("its lines", lambda: by_hand.invoice_line_ids.with_user(self.salesman).write({"price_unit": 1.0})),
            ("another salesperson's draft", lambda: other_invoice.with_user(self.salesman).write({"ref": "X"})),
            ("Odoo's Confirm", lambda: invoice.with_user(self.salesman).action_post()),
            ("posting by a write", lambda: invoice.with_user(self.salesman).write({"state": "posted"})),
            ("a new invoice", lambda: as_salesman.create({"move_type": "out_invoice", "partner_id": self.customer.id})),
            ("Confirm & Send of another's", lambda: other_invoice.with_user(self.salesman).action_auto_invoice_send()),
        ):
            with self.subTest(label), self.assertRaises(AccessError):
                attempt()
        self.assertEqual((invoice.state, other_invoice.state, by_hand.ref), ("draft", "draft", False))

        invoice.with_user(self.billing_user).action_post()
        with self.assertRaises(AccessError):
            invoice.with_user(self.salesman).write({"ref": "after posting"})

    def test_confirmation_leaves_with_the_certificates_cron_not_the_mail_queue(self):
        # The certificates' cron runs through its server action, which asks mail to leave everything to the mail
        # queue's next run (up to an hour): the customer's confirmation leaves when the cron commits.
        order = self._create_quotation(lines=[(self.service, 1.0)])
        cron = self.env.ref("auto_invoice.ir_cron_acceptance_certificate")
        with self.mock_mail_gateway():
            self._sign_in_backend(order)
            self.assertFalse(order.acceptance_ids.certificate_id)
            cron.sudo().method_direct_trigger()

        self.assertTrue(order.acceptance_ids.certificate_id)
        subject = f"order {order.name} confirmed"
        confirmation = self._new_mails.filtered(lambda mail: subject in (mail.subject or ""))
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.state, "sent", "sent, not left in the mail queue")
        self.assertEqual(len([mail for mail in self._mails if subject in (mail["subject"] or "")]), 1)

    def test_reviewer_must_be_able_to_send(self):
        with self.assertRaises(ValidationError):
            self._set_settings(auto_invoice_review_by="reviewer", auto_invoice_reviewer_id=self.salesman.id)
        self.assertFalse(self.env.company.auto_invoice_reviewer_id)

    def test_reviewer_is_emailed_by_the_company_about_the_quotations_invoice(self):
        self._set_settings(auto_invoice_reviewer_id=self.accountant.id)
        with self.mock_mail_gateway():
            order, invoice = self._signed_draft()

        mails = self._new_mails.filtered(lambda mail: self.accountant.partner_id in mail.recipient_ids)
        self.assertEqual(len(mails), 1, "one email to the reviewer")
        self.assertIn(order.name, mails.subject)
        self.assertIn(self.customer.name, mails.subject)
        self.assertEqual(mails.author_id, self.env.company.partner_id, "from the company, not OdooBot")
        self.assertNotIn("Journal Entry", mails.body_html)
        self.assertNotIn("PO-4711", mails.subject, "the draft is named by its quotation, not the customer's reference")
        self.assertIn("Confirm &amp; Send", mails.body_html)

    def test_reviewers_email_leaves_the_customers_record_alone(self):
        # Odoo's portal writes a signup token on the customer of every record it notifies, for the customer's button.
        # The reviewer's email has no customer: jobs invoicing several orders of one customer at once would conflict
        # on the customer's row (a serialization failure, each job run again).
        self.env["ir.config_parameter"].sudo().set_param("auth_signup.invitation_scope", "b2c")
        self._set_settings(auto_invoice_reviewer_id=self.accountant.id)
        order, invoice = self._signed_draft()
        customer = invoice.partner_id.sudo()
        self.assertFalse(customer.user_ids)
        customer.signup_type = False
        self.env.flush_all()

        acceptance = order.sudo().auto_invoice_acceptance_id
        with self.mock_mail_gateway():
            acceptance._notify_reviewer(invoice, self.accountant, "Check it.")
            acceptance._tell_salesperson_of_reviewer(invoice, self.salesman, self.accountant)
            acceptance._schedule_for_salesperson(order, summary="Look", user_id=self.salesman.id)

        self.assertEqual(len(self._new_mails), 3, "the reviewer's email, the salesperson's note and activity")
        self.assertIn(f"model=account.move&amp;res_id={invoice.id}", self._new_mails[0].body_html, "its button")
        self.assertFalse(customer.signup_type, "no signup token written on the customer")

    def test_one_run_of_the_certificates_cron_takes_every_acceptance_waiting(self):
        # More acceptances at once than the cron once took in a run (50): none waits for its next daily run. Legacy
        # ones (signed before acceptances existed) wait for a certificate without any PDF to render first.
        orders = self.env["sale.order"]
        for _index in range(51):
            orders |= self._create_quotation(lines=[(self.service, 1.0)], auto_invoice_on_signature=False)
        orders.sudo().with_context(**own(RECORDED_BY_CALLER)).write({"signature": self.signature, "signed_by": "Ada"})
        create_for_legacy_orders(self.env)
        waiting = orders.sudo().acceptance_ids
        self.assertEqual(len(waiting), 51)
        acceptance_model = type(self.env["sale.order.acceptance"])
        with patch.object(acceptance_model, "_attach_certificate", autospec=True) as attach:
            self.env.ref("auto_invoice.ir_cron_acceptance_certificate").sudo().method_direct_trigger()

        taken = self.env["sale.order.acceptance"].union(*(call.args[0] for call in attach.call_args_list))
        self.assertEqual(taken, waiting, "each acceptance waiting, once, in one run")

    def test_confirmation_whose_order_is_being_updated_waits_for_the_next_run(self):
        # Seen in make docs-images: the cron's confirmation email met a concurrent update of its order. Caught as "a
        # broken template", it cleared the order's waiting email and posted in an aborted transaction: the run failed.
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order)
        template = order.auto_invoice_confirmation_template_id
        self.assertTrue(template, "the confirmation waits for the certificate")
        cron = self.env.ref("auto_invoice.ir_cron_acceptance_certificate")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        busy = psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
        with patch.object(type(order), "_auto_invoice_send_confirmation", autospec=True, side_effect=busy):
            cron.sudo().method_direct_trigger()
        self.assertEqual(order.auto_invoice_confirmation_template_id, template, "still waiting, not lost")
        self.assertFalse(self._find_note(order, "could not be sent"), "no failure told: it is tried again")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "in seconds")
        with self.mock_mail_gateway():
            cron.sudo().method_direct_trigger()
        self.assertFalse(order.auto_invoice_confirmation_template_id, "sent at the next run")
        self.assertTrue(order.acceptance_ids.certificate_id)
        self.assertTrue(self._new_mails.filtered(lambda mail: self.customer in mail.recipient_ids))

    def test_certificate_whose_order_is_being_updated_is_retried_soon_and_the_others_go(self):
        # With the server's own cron thread, a salesperson or a job may update an order while the cron renders its
        # certificate: that one waits seconds for a fresh snapshot, the others go out now, the run does not fail.
        orders = self.env["sale.order"]
        for _index in range(3):
            orders |= self._create_quotation(lines=[(self.service, 1.0)], auto_invoice_on_signature=False)
        orders.sudo().with_context(**own(RECORDED_BY_CALLER)).write({"signature": self.signature, "signed_by": "Ada"})
        create_for_legacy_orders(self.env)
        busy_one = orders[1].sudo().acceptance_ids
        acceptance_model = type(self.env["sale.order.acceptance"])
        original = acceptance_model._attach_certificate

        def attach(acceptance):
            if acceptance == busy_one:
                raise psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
            return original(acceptance)

        cron = self.env.ref("auto_invoice.ir_cron_acceptance_certificate")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        with patch.object(acceptance_model, "_attach_certificate", autospec=True, side_effect=attach):
            cron.sudo().method_direct_trigger()

        self.assertEqual(len(orders.sudo().acceptance_ids.filtered("certificate_id")), 2, "the others are rendered")
        self.assertFalse(busy_one.certificate_id, "tried again, not lost")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertTrue(triggers, "the cron runs again in seconds")
        self.assertLess(min(triggers.mapped("call_at")), fields.Datetime.now() + timedelta(minutes=1))
