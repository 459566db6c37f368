import re
from unittest.mock import patch
from urllib.parse import urlsplit

from lxml import etree
from psycopg2.errors import CheckViolation

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import freeze_time
from odoo.tools import mute_logger
from odoo.tools.safe_eval import datetime as safe_datetime
from odoo.tools.safe_eval import safe_eval

from .common import AutoInvoiceCommon

REMINDER_LOGGER = "odoo.addons.auto_invoice.models.sale_order_reminder"


@tagged("post_install", "-at_install")
class TestSignReminder(AutoInvoiceCommon, HttpCase):
    """The reminder cron, run as the scheduler runs it (its own transaction, progress committed), across days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {"sign_reminder_first_days": 3, "sign_reminder_interval_days": 7, "sign_reminder_max_count": 2}
        )
        cls.cron = cls.env.ref("auto_invoice.ir_cron_sign_reminder")
        cls.follow_up_type = cls.env.ref("auto_invoice.mail_activity_type_sign_follow_up")

    def _send_quotation(self, day="2030-01-01 09:00:00", **values):
        """A quotation marked as sent on `day`, valid until March unless said otherwise."""
        values.setdefault("validity_date", "2030-03-01")
        with freeze_time(day):
            order = self._create_quotation(state="draft", **values)
            order.with_user(self.salesman).action_quotation_sent()
            self.env.flush_all()  # stored computes run at the flush: on that day
        return order

    def _run_cron(self, day):
        with freeze_time(f"{day} 06:00:00"):
            self.cron.sudo().method_direct_trigger()
        self.env.invalidate_all()

    def _reminders(self, order):
        """The reminder emails queued for `order`."""
        return self.env["mail.mail"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id), ("subject", "ilike", "Reminder")]
        )

    def _follow_ups(self, order):
        return order.activity_ids.filtered(lambda act: act.activity_type_id == self.follow_up_type)

    def test_reminders_go_on_the_exact_days_then_the_salesperson_is_asked_to_call(self):
        order = self._send_quotation()
        self.assertEqual(order.sign_reminder_sent_on, fields.Datetime.to_datetime("2030-01-01 09:00:00"))
        self.assertEqual(order.sign_reminder_next_date, fields.Date.to_date("2030-01-04"))

        sent_on = {}
        for day in ("2030-01-03", "2030-01-04", "2030-01-05", "2030-01-10", "2030-01-11", "2030-01-12"):
            self._run_cron(day)
            sent_on[day] = order.sign_reminder_count

        self.assertEqual(
            sent_on,
            {
                "2030-01-03": 0,
                "2030-01-04": 1,  # first reminder: 3 days after sending
                "2030-01-05": 1,
                "2030-01-10": 1,
                "2030-01-11": 2,  # second: 7 days after the first
                "2030-01-12": 2,  # at most 2
            },
        )
        self.assertEqual(order.sign_reminder_last_on.date(), fields.Date.to_date("2030-01-11"))
        self.assertFalse(order.sign_reminder_next_date, "no reminder after the last one")
        mails = self._reminders(order)
        self.assertEqual(len(mails), 2, "two emails really queued")
        self.assertEqual(set(mails.mapped("state")), {"outgoing"})
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertEqual(set(mails.mapped("email_from")), {self.salesman.email_formatted}, "from the salesperson")
        self.assertEqual(len(order.message_ids.filtered(lambda msg: "Reminder" in (msg.subject or ""))), 2)
        self.assertFalse(self._follow_ups(order), "the last reminder gets its interval to work first")

        self._run_cron("2030-01-18")
        activity = self._follow_ups(order)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("after 2 reminder(s)", activity.note)

        self._run_cron("2030-01-19")
        self._run_cron("2030-03-05")  # expired meanwhile: still one activity
        self.assertEqual(len(self._follow_ups(order)), 1, "never twice")
        self.assertEqual(len(self._reminders(order)), 2)

    def test_no_reminder_after_expiry_and_a_call_at_expiry(self):
        order = self._send_quotation(validity_date="2030-01-08")
        self._run_cron("2030-01-04")
        self.assertEqual(order.sign_reminder_count, 1)
        self.assertFalse(order.sign_reminder_next_date, "the second one would come after the expiry date")

        self._run_cron("2030-01-08")
        self.assertFalse(self._follow_ups(order), "still valid on its expiry date")
        for day in ("2030-01-09", "2030-01-11", "2030-01-20"):
            self._run_cron(day)

        self.assertEqual(len(self._reminders(order)), 1)
        activity = self._follow_ups(order)
        self.assertEqual(len(activity), 1)
        self.assertIn("expired on", activity.note)

    def test_late_cron_sends_nothing_on_an_expired_quotation(self):
        order = self._send_quotation(validity_date="2030-01-05")
        self._run_cron("2030-01-10")  # the first reminder was due on the 4th: the cron did not run since
        self.assertFalse(self._reminders(order))
        self.assertTrue(self._follow_ups(order))

    def test_no_reminder_after_cancel_signature_or_decline(self):
        cancelled = self._send_quotation()
        signed = self._send_quotation()
        signed_only = self._send_quotation(auto_invoice_on_signature=False)  # stays a quotation once signed
        declined = self._send_quotation()
        cancelled.with_user(self.salesman).action_cancel()
        self._sign_in_backend(signed)
        self._sign_in_backend(signed_only)
        self._decline_on_portal(declined)
        self.env.invalidate_all()
        self.assertEqual(declined.state, "cancel")
        self.assertEqual(signed_only.state, "sent")

        for day in ("2030-01-04", "2030-01-11", "2030-01-18", "2030-03-05"):
            self._run_cron(day)

        for order in cancelled | signed | signed_only | declined:
            self.assertFalse(order.sign_reminder_next_date)
            self.assertFalse(self._reminders(order), order.name)
            self.assertFalse(self._follow_ups(order), order.name)

    def test_call_the_customer_activity_is_closed_when_the_salesperson_confirms(self):
        # The customer accepted some other way (a purchase order, a call) and the salesperson confirms by hand.
        order = self._send_quotation(sign_reminder_max_count=1)
        self._run_cron("2030-01-04")  # the one reminder
        self._run_cron("2030-01-11")  # its interval passed: call the customer
        self.assertTrue(self._follow_ups(order), "the salesperson was asked to call")

        order.with_user(self.salesman).action_confirm()

        self.assertEqual(order.state, "sale")
        self.assertFalse(self._follow_ups(order), "nobody needs to call about a confirmed order")
        done = order.message_ids.filtered(lambda message: message.mail_activity_type_id == self.follow_up_type)
        self.assertTrue(done, "marked done, with its feedback in the chatter")

    def test_no_reminder_without_email_signature_request_or_cadence(self):
        no_email = self.env["res.partner"].create({"name": "Bob Without Email"})
        orders = (
            self._send_quotation(partner_id=no_email.id, partner_invoice_id=no_email.id)
            | self._send_quotation(require_signature=False)
            | self._send_quotation(sign_reminder_max_count=0)
        )
        self._run_cron("2030-01-04")
        self._run_cron("2030-01-11")
        self.assertFalse(any(orders.mapped("sign_reminder_next_date")))
        self.assertFalse(self._reminders(orders[0]) | self._reminders(orders[1]) | self._reminders(orders[2]))

    def test_cadence_is_taken_from_the_company_and_editable_per_quotation(self):
        self.env.company.sign_reminder_first_days = 5
        order = self._send_quotation()
        self.assertEqual(order.sign_reminder_first_days, 5)
        self.assertEqual(order.sign_reminder_next_date, fields.Date.to_date("2030-01-06"))

        order.with_user(self.salesman).sign_reminder_first_days = 1

        self.assertEqual(order.sign_reminder_next_date, fields.Date.to_date("2030-01-02"))
        self._run_cron("2030-01-02")
        self.assertEqual(order.sign_reminder_count, 1)

    def test_settings_show_the_cadence(self):
        settings = self.env["res.config.settings"].sudo().create({"sign_reminder_max_count": 4})
        settings.execute()
        self.assertEqual(self.env.company.sign_reminder_max_count, 4)
        with self.assertRaises(CheckViolation), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            self.env.company.sign_reminder_interval_days = 0
            self.env.flush_all()

    def test_one_failing_quotation_does_not_stop_the_others(self):
        broken, fine = self._send_quotation(), self._send_quotation()
        send = type(self.env["sale.order"])._sign_reminder_send

        def send_or_fail(order):
            if order == broken:
                raise ValueError("the template could not be rendered")
            return send(order)

        with (
            patch.object(self.registry["sale.order"], "_sign_reminder_send", send_or_fail),
            self.assertLogs(REMINDER_LOGGER, level="ERROR") as logs,
        ):
            self._run_cron("2030-01-04")

        self.assertIn(broken.name, logs.output[0])
        self.assertEqual((broken.sign_reminder_count, fine.sign_reminder_count), (0, 1))
        self.assertFalse(self._reminders(broken), "nothing half-done for the failing one")
        self._run_cron("2030-01-05")
        self.assertEqual((broken.sign_reminder_count, fine.sign_reminder_count), (1, 1), "tried again the next day")

    def test_deleted_reminder_template_is_said_once_and_sends_nothing(self):
        order = self._send_quotation()
        self.env.ref("auto_invoice.mail_template_sign_reminder").unlink()

        with self.assertLogs(REMINDER_LOGGER, level="WARNING") as logs:
            self._run_cron("2030-01-04")

        self.assertEqual(
            [record.levelname for record in logs.records], ["WARNING"], "a warning, not an error per order"
        )
        self.assertIn("template 'Reminder to Sign' was deleted", logs.output[0])
        self.assertEqual(order.sign_reminder_count, 0)
        self.assertFalse(self._reminders(order))

    def test_reminder_email_has_a_working_sign_link(self):
        order = self._send_quotation()
        self._run_cron("2030-01-04")

        mail = self._reminders(order)
        self.assertEqual(len(mail), 1)
        self.assertIn("Review &amp; Sign", mail.body_html)
        url = re.search(rf'href="([^"]*/my/orders/{order.id}\?access_token=[^"]+)"', mail.body_html).group(1)
        self.assertIn(f"access_token={order.access_token}", url)
        link = urlsplit(url)
        response = self.url_open(f"{link.path}?{link.query}")  # anonymous, as the customer's mail client
        self.assertEqual(response.status_code, 200)
        self.assertIn(order.name, response.text)
        self.assertIn("Accept & Sign", response.text, "the page to sign")


@tagged("post_install", "-at_install")
class TestUnsignedQuotationFilters(AutoInvoiceCommon):
    """The quotation list's filters, read from the search view the Quotations menu uses."""

    def _filter_domain(self, name):
        view = self.env.ref("sale.sale_order_view_search_inherit_quotation")
        arch = self.env["sale.order"].get_views([(view.id, "search")])["views"]["search"]["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
        return safe_eval(
            node.get("domain"),
            {"context_today": safe_datetime.date.today, "datetime": safe_datetime, "uid": self.env.uid},
        )

    def _search(self, name, orders):
        return self.env["sale.order"].search(self._filter_domain(name) + [("id", "in", orders.ids)])

    def test_filters_return_the_right_orders(self):
        awaiting = self._create_quotation()
        expired = self._create_quotation(validity_date="2000-01-01")
        invoiced = self._create_quotation()
        self._sign_in_backend(invoiced)
        failed = self._create_quotation(lines=[(self.service, 0.0)])
        self._sign_in_backend(failed)
        draft = self._create_quotation(state="draft")
        orders = awaiting | expired | invoiced | failed | draft

        self.assertEqual(self._search("sign_awaiting", orders), awaiting)
        self.assertEqual(self._search("sign_expired", orders), expired)
        self.assertEqual(self._search("sign_invoiced", orders), invoiced)
        self.assertEqual(self._search("auto_invoice_failed", orders), failed)

    def test_list_shows_days_since_sent_and_reminders_sent(self):
        with freeze_time("2030-01-01 09:00:00"):
            order = self._create_quotation()
            self.env.flush_all()
        with freeze_time("2030-01-06 09:00:00"):
            order.invalidate_recordset(["sign_reminder_days_since_sent"])
            self.assertEqual(order.sign_reminder_days_since_sent, 5)
        view = self.env.ref("sale.view_quotation_tree_with_onboarding")
        arch = self.env["sale.order"].get_views([(view.id, "list")])["views"]["list"]["arch"]
        self.assertIn('name="sign_reminder_days_since_sent"', arch)
        self.assertIn('name="sign_reminder_count"', arch)

    def test_manual_create_invoice_never_duplicates_the_auto_invoice(self):
        order = self._create_quotation(lines=[(self.service, 2.0)])
        self._sign_in_backend(order)
        invoice = self.assertInvoicedOnce(order)

        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            wizard.create_invoices()

        self.assertEqual(order.invoice_ids, invoice, "Odoo's own Create Invoice created nothing more")
