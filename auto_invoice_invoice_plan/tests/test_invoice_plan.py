from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from odoo.addons.auto_invoice.tests.common import pdf_text

from .common import SECOND_ON, SIGNED_ON, THIRD_ON, InvoicePlanCommon


@tagged("post_install", "-at_install")
class TestInvoicePlanSchedule(InvoicePlanCommon):
    """A 30/40/30 schedule signed with the quotation: the first installment at signature, the next ones by the
    server's cron on their days, each once, adding up to the signed total."""

    def test_each_installment_is_invoiced_on_its_day_and_the_sum_is_the_signed_total(self):
        order = self._sign(self._planned_quotation())
        self.assertEqual((order.state, order.auto_invoice_state), ("sale", "done"))
        invoices = self._schedule_invoices(order)
        self.assertEqual(list(invoices), [1], "only the installment due at signature")
        first = invoices[1]
        self.assertEqual(first.state, "draft", "kept for review, the quotation's policy")
        self.assertEqual(first.amount_untaxed, 1666.66, "30 % of 5,555.53, not the whole quotation")
        self.assertEqual(
            sorted(first.invoice_line_ids.mapped("quantity")), [0.3, 0.6], "30 % of each line, each with its tax"
        )
        self.assertEqual(first.auto_invoice_acceptance_id, order.auto_invoice_acceptance_id)
        review = first.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review")
        )
        self.assertEqual(review.user_id, self.salesman, "the salesperson reviews it, as any automatic invoice")

        self._run_cron(SECOND_ON - timedelta(days=1))
        self.assertEqual(list(self._schedule_invoices(order)), [1], "nothing before its day")
        self._run_cron(SECOND_ON)
        self.assertEqual(sorted(self._schedule_invoices(order)), [1, 2])
        self._run_cron(SECOND_ON)
        self.assertEqual(len(order.invoice_ids), 2, "a second run of the day invoices nothing again")
        self._run_cron(THIRD_ON)
        invoices = self._schedule_invoices(order)
        self.assertEqual(sorted(invoices), [1, 2, 3])
        self.assertEqual(invoices[2].amount_untaxed, 2222.21)
        self.assertAddsUpToTheSignedQuotation(order, order.invoice_ids)
        self.assertFalse(order.auto_invoice_plan_next_id, "nothing left on the schedule")

    def test_the_last_installment_takes_up_the_cents_of_the_roundings(self):
        self.design.lst_price = 1111.15
        self.print_run.lst_price = 0.35
        order = self._planned_quotation()
        order.order_line.filtered(lambda line: line.product_id == self.print_run).product_uom_qty = 3
        self._sign(order)
        self._run_cron(SECOND_ON)
        self._run_cron(THIRD_ON)
        self.assertAddsUpToTheSignedQuotation(order, order.invoice_ids)

    def test_each_policy_applies_to_each_installment(self):
        for after, state, sent in (("post", "posted", False), ("send", "posted", True)):
            with self.subTest(after=after), self.env.cr.savepoint() as savepoint:
                order = self._planned_quotation(auto_invoice_after=after)
                self._sign(order)
                self._run_cron(SECOND_ON)
                invoices = self._schedule_invoices(order)
                self.assertEqual([invoices[n].state for n in (1, 2)], [state, state])
                self.assertEqual([invoices[n].is_move_sent for n in (1, 2)], [sent, sent])
                if sent:
                    self.assertTrue(
                        self._find_note(invoices[2], "It bills installment 2 of 3 of the payment schedule."),
                        "the email says which installment it bills",
                    )
                savepoint.rollback()

    def test_an_advance_is_a_down_payment_deducted_by_the_installments(self):
        order = self._sign(self._planned_quotation(shares=(50, 50), advance=20))
        invoices = self._schedule_invoices(order)
        self.assertEqual(sorted(invoices), [0, 1], "the advance at once, and the installment due today")
        self.assertTrue(invoices[0]._is_downpayment())
        self.assertEqual(invoices[0].amount_total, order.currency_id.round(order.amount_total * 0.2))
        self._run_cron(SECOND_ON)
        self.assertAddsUpToTheSignedQuotation(order, order.invoice_ids)

    def test_the_last_installment_is_said_as_the_rest_it_bills(self):
        order = self._planned_quotation(shares=(30, 40))  # OCA's last installment bills the rest: 70 %
        with freeze_time(f"{SIGNED_ON} 09:00:00"):
            self.assertEqual([row["share"] for row in order._auto_invoice_schedule_rows()], ["30%", "70%"])
        self._sign(order)
        self._run_cron(SECOND_ON)
        self.assertEqual(self._schedule_invoices(order)[2].amount_untaxed, 5555.53 - 1666.66)

    def test_the_consent_and_the_quotation_say_the_schedule(self):
        order = self._planned_quotation()
        with freeze_time(f"{SIGNED_ON} 09:00:00"):
            consent = order._auto_invoice_consent_text().replace("\xa0", " ")
            rows = order._auto_invoice_schedule_rows()
        self.assertIn("Payment schedule: 30% ($ 1,936.66) at signature, 40% ($ 2,582.21) on February 15, 2027", consent)
        self.assertIn("and 30% ($ 1,936.66) on March 15, 2027.", consent)
        self.assertIn("Each invoice is kept as a draft for our review on its day", consent)
        self.assertEqual([row["share"] for row in rows], ["30%", "40%", "30%"])
        self._sign(order)
        acceptance = order.auto_invoice_acceptance_id
        self.assertEqual(
            [row["installment"] for row in acceptance._signed_content()["invoice_plan"]], [1, 2, 3], "and it is signed"
        )


@tagged("post_install", "-at_install")
class TestInvoicePlanLock(InvoicePlanCommon):
    """The schedule is signed content: refused once signed, as prices are."""

    def test_a_signed_schedule_cannot_change(self):
        order = self._sign(self._planned_quotation())
        plans = order.invoice_plan_ids.sorted("installment")
        changes = {
            "a date": lambda: plans[1].write({"plan_date": THIRD_ON}),
            "a share": lambda: plans[1:].write({"percent": 35}),
            "an installment removed": lambda: order.write({"invoice_plan_ids": [Command.unlink(plans[2].id)]}),
            "an installment added": lambda: order.write(
                {
                    "invoice_plan_ids": [
                        Command.create(
                            {"installment": 0, "plan_date": THIRD_ON, "invoice_type": "advance", "percent": 10}
                        )
                    ]
                }
            ),
            "the schedule dropped": lambda: order.write({"use_invoice_plan": False}),
        }
        for name, change in changes.items():
            with self.subTest(change=name):
                with self.assertRaisesRegex(UserError, "the payment schedule"), self.env.cr.savepoint():
                    change()
                    self.env.flush_all()
                self.env.invalidate_all()

    def test_invoicing_an_installment_keeps_its_signed_share(self):
        order = self._sign(self._planned_quotation())
        self._run_cron(SECOND_ON)
        self.env.invalidate_all()
        order.invoice_plan_ids.mapped("amount")  # OCA's compute of the amount rewrites the percent of an invoiced one
        self.assertEqual(order.invoice_plan_ids.mapped("percent"), [30.0, 40.0, 30.0], "OCA rewrites it otherwise")
        self.assertTrue(order.auto_invoice_content_matches)


@tagged("post_install", "-at_install")
class TestInvoicePlanBesideAPerson(InvoicePlanCommon):
    """What people do to a signed schedule: invoice by hand, credit, cancel, reset and sign again."""

    def test_an_installment_invoiced_through_ocas_wizard_is_not_invoiced_again(self):
        order = self._sign(self._planned_quotation())
        wizard = (
            self.env["sale.make.planned.invoice"]
            .with_user(self.accountant)
            .with_context(active_model="sale.order", active_id=order.id, active_ids=order.ids)
        )
        with freeze_time(f"{SIGNED_ON} 12:00:00"):
            wizard.create({}).create_invoices_by_plan()
        self.assertEqual(len(order.invoice_ids), 2, "installment 2 invoiced by hand")
        self._run_cron(SECOND_ON)
        self.assertEqual(len(order.invoice_ids), 2, "the cron does not invoice it again")
        self._run_cron(THIRD_ON)
        self.assertEqual(len(order.invoice_ids), 3)
        self.assertAddsUpToTheSignedQuotation(order, order.invoice_ids)

    def test_everything_invoiced_by_hand_leaves_nothing_to_the_cron(self):
        order = self._sign(self._planned_quotation())
        order._auto_invoice_check_signed_content()
        first = self._schedule_invoices(order)[1]
        rest = order.with_user(self.accountant)._create_invoices(final=True)
        self.assertEqual(rest.amount_untaxed, 5555.53 - 1666.66, "Odoo's Create Invoice bills the rest")
        self._run_cron(SECOND_ON)
        self._run_cron(THIRD_ON)
        self.assertEqual(order.invoice_ids, first | rest, "the schedule bills nothing twice")
        self.assertTrue(self._find_note(order, "nothing left to invoice"))

    def test_a_credit_note_on_an_installment_is_not_billed_again(self):
        order = self._sign(self._planned_quotation(auto_invoice_after="post"))
        first = self._schedule_invoices(order)[1]
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=first.ids)
            .create({"journal_id": first.journal_id.id, "reason": "goodwill"})
        )
        reversal.refund_moves()
        self._run_cron(SECOND_ON)
        self._run_cron(THIRD_ON)
        installments = self._schedule_invoices(order)
        self.assertEqual(sorted(installments), [1, 2, 3], "one invoice per installment, the credited one included")
        self.assertEqual(installments[2].amount_untaxed, 2222.21, "40 %, not 40 % and what was credited")
        self.assertAddsUpToTheSignedQuotation(order, order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice"))

    def test_a_line_added_after_signing_is_left_to_odoos_invoicing(self):
        order = self._sign(self._planned_quotation())
        order.write({"order_line": [Command.create({"product_id": self.service.id, "product_uom_qty": 1})]})
        self._run_cron(SECOND_ON)
        self._run_cron(THIRD_ON)
        installments = order.invoice_ids
        self.assertEqual(len(installments), 3)
        self.assertNotIn(self.service, installments.invoice_line_ids.product_id, "never folded into an installment")
        signed_total = order.auto_invoice_acceptance_id._signed_total()
        self.assertEqual(order.currency_id.round(sum(installments.mapped("amount_total"))), signed_total)
        added = order.with_user(self.accountant)._create_invoices()
        self.assertEqual(added.invoice_line_ids.product_id, self.service, "Odoo's Create Invoice bills it")

    def test_an_installment_whose_invoice_is_cancelled_is_billed_again_by_a_person_only(self):
        order = self._sign(self._planned_quotation())
        self._schedule_invoices(order)[1].with_user(self.accountant).button_cancel()
        self.assertEqual(order.auto_invoice_state, "done", "no Retry Invoice: the schedule goes on")
        self.assertTrue(self._find_note(order, "does not invoice its installment again by itself"))
        self._run_cron(SECOND_ON)
        self.assertEqual(sorted(self._schedule_invoices(order)), [2], "installment 2 on its day, not 1 again")
        with freeze_time(f"{SECOND_ON} 15:00:00"):
            order.with_user(self.accountant).action_auto_invoice_next_installment()
        self.assertEqual(sorted(self._schedule_invoices(order)), [1, 2], "a billing user bills it again")

    def test_a_cancelled_order_stops_its_schedule(self):
        order = self._sign(self._planned_quotation())
        self._schedule_invoices(order)[1].button_cancel()
        order.with_user(self.salesman)._action_cancel()
        self._run_cron(THIRD_ON)
        self.assertFalse(self._schedule_invoices(order))

    def test_a_quotation_reset_and_signed_again_follows_its_new_schedule(self):
        order = self._sign(self._planned_quotation())
        self._schedule_invoices(order)[1].button_cancel()
        void = order.auto_invoice_acceptance_id
        order._action_cancel()
        order.action_draft()
        self.assertEqual(void.state, "void")
        order.invoice_plan_ids.filtered(lambda plan: plan.installment == 3).unlink()
        order.invoice_plan_ids.filtered(lambda plan: plan.installment == 2).percent = 70
        order.state = "sent"
        self._sign(order)
        self.assertNotEqual(order.auto_invoice_acceptance_id, void)
        self._run_cron(THIRD_ON)
        invoices = self._schedule_invoices(order)
        self.assertEqual(sorted(invoices), [1, 2], "the new schedule: two installments")
        self.assertEqual(invoices[2].amount_untaxed, 5555.53 - 1666.66)
        self.assertFalse(void.invoice_ids.filtered(lambda move: move.state != "cancel"), "the void one bills nothing")


@tagged("post_install", "-at_install")
class TestInvoicePlanAhead(InvoicePlanCommon):
    """Invoice Next Installment Now, and who may press it."""

    def test_a_billing_user_invoices_the_next_installment_today(self):
        order = self._sign(self._planned_quotation())
        with freeze_time(f"{SIGNED_ON} 15:00:00"):
            action = order.with_user(self.accountant).action_auto_invoice_next_installment()
        second = self._schedule_invoices(order)[2]
        self.assertEqual(action["res_id"], second.id)
        self.assertFalse(second.invoice_date, "dated the day it is posted, not its planned day")
        self._run_cron(SECOND_ON)
        self.assertEqual(len(order.invoice_ids), 2, "its day invoices nothing again")
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_auto_invoice_next_installment()

    def test_what_the_schedule_records_is_not_written_over_rpc(self):
        order = self._sign(self._planned_quotation())
        plan = order.invoice_plan_ids.filtered(lambda plan: plan.installment == 1)
        first = self._schedule_invoices(order)[1]
        for user in (self.salesman, self.accountant):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    plan.with_user(user).write({"auto_invoice_state": False})
                with self.assertRaises(AccessError):
                    first.with_user(user).write({"auto_invoice_part": "installment:9"})
        self.assertEqual((plan.auto_invoice_state, first.auto_invoice_part), ("done", "installment:1"))

    def test_a_salesperson_of_the_review_group_reviews_an_installment(self):
        self.salesman.group_ids |= self.env.ref("auto_invoice.group_auto_invoice_salesperson_review")
        order = self._sign(self._planned_quotation())
        self._run_cron(SECOND_ON)
        second = self._schedule_invoices(order)[2].with_user(self.salesman)
        second.write({"narration": "Second installment"})
        second.action_auto_invoice_send()
        self.assertEqual(second.state, "posted")


@tagged("post_install", "-at_install")
class TestInvoicePlanPayment(InvoicePlanCommon):
    """An online payment of the whole order after the first installment: matched with the installments' invoices,
    oldest first, as they are posted."""

    def test_a_schedule_signed_with_an_online_payment_starts_when_it_is_paid(self):
        order = self._planned_quotation(auto_invoice_after="post", require_payment=True, prepayment_percent=0.3)
        self._sign(order)
        self.assertEqual((order.state, order.auto_invoice_state), ("sent", "pending"), "waits for its payment")
        self.assertFalse(order.invoice_ids)
        with freeze_time(f"{SIGNED_ON} 10:10:00"):
            transaction = self._pay(order, order.currency_id.round(order.amount_total * 0.3))
        first = self._schedule_invoices(order)[1]
        self.assertEqual(order.state, "sale", "confirmed by the payment")
        self.assertEqual(list(self._schedule_invoices(order)), [1], "then the installment due, and only it")
        self.assertPaymentMatched(first, transaction)
        self.assertEqual(first.payment_state, "paid")

    def test_a_payment_of_the_whole_order_is_matched_oldest_first(self):
        self._set_automatic_invoice(True)  # Odoo's Automatic Invoice would bill the rest at once
        order = self._sign(self._planned_quotation(auto_invoice_after="post"))
        self._pay(order, order.amount_total)
        first = self._schedule_invoices(order)[1]
        self.assertEqual(first.payment_state, "paid")
        self._run_cron(SECOND_ON)
        self._run_cron(THIRD_ON)
        invoices = order.invoice_ids.filtered(lambda move: move.state == "posted")
        self.assertEqual(len(invoices), 3, "the payment invoices nothing beyond the schedule")
        self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
        self.assertAddsUpToTheSignedQuotation(order, invoices)


@tagged("post_install", "-at_install")
class TestInvoicePlanPortal(InvoicePlanCommon):
    """What the customer reads and signs: the schedule on the portal page and on the quotation's PDF."""

    def test_the_customer_signs_the_schedule_shown_on_the_page_and_the_pdf(self):
        order = self._planned_quotation()
        with freeze_time(f"{SIGNED_ON} 09:00:00"):
            page = self.url_open(order.get_portal_url()).text.replace("\xa0", " ")
            self.assertIn("Payment schedule", page)
            self.assertIn("on February 15, 2027", page)
            self.assertIn("$ 2,582.21", page, "each installment's amount, taxes included")
            text = pdf_text(self._render_pdf(order, report="sale.action_report_saleorder", user=self.salesman))
            self.assertIn("Payment schedule", text)
            self.assertIn("40%", text)
            self.assertIn("At signature", text)
            result = self._accept_on_portal(order, "Firefox/plan")
        self.assertIn("redirect_url", result, "the customer's signature went through")
        self.assertEqual(list(self._schedule_invoices(order)), [1], "the first installment at signature")
        self.assertIn("Payment schedule: 30%", order.auto_invoice_acceptance_id.consent_text, "the consent stored")
        with freeze_time(f"{SIGNED_ON} 09:05:00"):
            page = self.url_open(order.get_portal_url()).text
        self.assertEqual(page.count("Invoiced</span>"), 1, "the page marks the installment invoiced")
