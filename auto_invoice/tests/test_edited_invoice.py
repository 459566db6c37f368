from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import format_amount

from odoo.addons.mail.tests.common import MockEmail

from ..wizard.auto_invoice_send_confirm import SEND_CONFIRMED
from .common import AutoInvoiceCommon, pdf_text

FULL_INTRO = "This invoice bills the quotation you signed."
CONFIRM_MODEL = "auto_invoice.send.confirm"


@tagged("post_install", "-at_install")
class TestEditedInvoice(AutoInvoiceCommon, HttpCase, MockEmail):
    """A draft edited since the customer signed: Confirm & Send asks first, showing what differs, and the invoice sent
    says it bills the signed quotation as adjusted since, never that it is what the customer signed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_branded_company(auto_invoice_report_design="auto_invoice")
        cls.company.auto_invoice_invoice_intro = f"<p>{FULL_INTRO}</p>"

    def _signed_draft(self, price=1190.25):
        """The draft invoice of a quotation signed at one line of `price`."""
        order = self._create_quotation(lines=[(self.service, 1.0)])
        order.order_line.price_unit = price
        self._sign_in_backend(order)
        return order.auto_invoice_id

    def _edit_price(self, invoice, price=1207.50):
        """The billing user changes the price of the invoice's line, as in the draft's form."""
        invoice.with_user(self.billing_user).write(
            {"invoice_line_ids": [Command.update(invoice.invoice_line_ids.id, {"price_unit": price})]}
        )
        self.assertTrue(invoice.auto_invoice_differences, "the review banner shows the difference")

    def _edited_draft(self):
        invoice = self._signed_draft()
        self._edit_price(invoice)
        return invoice

    def _sent_mails(self, invoice):
        return [mail for mail in self._mails if invoice.partner_id.email in str(mail["email_to"])]

    def _confirm_and_send(self, invoices):
        return (
            invoices.with_user(self.billing_user).with_context(force_report_rendering=True).action_auto_invoice_send()
        )

    def _dialog(self, action):
        """The confirmation dialog that `action` opens, as the billing user sees it."""
        self.assertIsInstance(action, dict, "Confirm & Send opens a dialog")
        self.assertEqual((action["res_model"], action["target"]), (CONFIRM_MODEL, "new"))
        return self.env[CONFIRM_MODEL].with_user(self.billing_user).browse(action["res_id"])

    def _label(self, invoice):
        """How the dialog names `invoice`: drafts have no number yet, so by their quotation too."""
        return f"{invoice.display_name}, quotation {invoice.auto_invoice_acceptance_id.order_id.name} of Ada Customer:"

    def _price(self, amount):
        return format_amount(self.env, amount, self.env.company.currency_id)

    def assertNotSent(self, invoice):
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.is_move_sent)
        self.assertFalse(self._sent_mails(invoice), "nothing goes to the customer")

    # --- Confirm & Send asks first --------------------------------------------------------------------------------

    def test_edited_draft_asks_before_sending(self):
        invoice = self._edited_draft()

        with self.mock_mail_gateway():
            action = self._confirm_and_send(invoice)

            dialog = self._dialog(action)
            self.assertEqual(dialog.move_ids, invoice)
            self.assertNotSent(invoice)

    def test_dialog_shows_the_differences(self):
        invoice = self._edited_draft()

        dialog = self._dialog(self._confirm_and_send(invoice))

        self.assertIn(
            f"Website design: unit price {self._price(1190.25)} signed, {self._price(1207.50)} on the invoice.",
            dialog.differences,
        )
        self.assertIn(self._label(invoice), dialog.differences, "each invoice that differs is named")
        arch = dialog.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Confirm &amp; Send anyway", arch)
        self.assertIn('special="cancel"', arch)

    def test_confirming_posts_and_sends_the_invoice_with_its_pdf(self):
        invoice = self._edited_draft()
        dialog = self._dialog(self._confirm_and_send(invoice))

        with self.mock_mail_gateway():
            dialog.with_context(force_report_rendering=True).action_confirm()

        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 1207.50, "sent as the reviewer confirmed it")
        sent = self._sent_mails(invoice)
        self.assertEqual(len(sent), 1, "one email to the customer")
        pdf = invoice.invoice_pdf_report_id
        attachments = {name: content for name, content, _mimetype in sent[0]["attachments"]}
        self.assertTrue(attachments[pdf.name].startswith(b"%PDF-"), "the email carries the PDF")
        order = invoice.auto_invoice_acceptance_id.order_id
        self.assertIn(
            f"for the quotation <strong>{order.name}</strong> you signed, adjusted since then", sent[0]["body"]
        )
        self.assertNotIn(" you signed.", sent[0]["body"], "the email's sentence says it was adjusted")
        self.assertFalse(invoice.activity_ids, "the review activity is done")

    def test_unedited_draft_is_sent_at_once(self):
        invoice = self._signed_draft()
        self.assertFalse(invoice.auto_invoice_differences)

        with self.mock_mail_gateway():
            result = self._confirm_and_send(invoice)

        self.assertIs(result, True, "no dialog")
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.is_move_sent)
        sent = self._sent_mails(invoice)
        self.assertEqual(len(sent), 1)
        self.assertIn(" you signed.", sent[0]["body"], "the email's sentence of an invoice that bills what was signed")
        self.assertNotIn("adjusted", sent[0]["body"])
        self.assertFalse(self.env[CONFIRM_MODEL].search([]), "no dialog was made")

    def test_several_invoices_ask_once_naming_each_that_differs(self):
        first, second, unedited = self._edited_draft(), self._edited_draft(), self._signed_draft()
        invoices = first | second | unedited

        with self.mock_mail_gateway():
            dialog = self._dialog(self._confirm_and_send(invoices))

            self.assertEqual(dialog.move_ids, invoices, "all of them are sent once confirmed")
            for invoice in invoices:
                self.assertNotSent(invoice)
            for invoice in first | second:
                self.assertIn(self._label(invoice), dialog.differences)
            self.assertNotIn(self._label(unedited), dialog.differences, "it bills what was signed")

            dialog.with_context(force_report_rendering=True).action_confirm()

        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertTrue(all(invoices.mapped("is_move_sent")))

    def test_invoice_edited_again_while_the_dialog_is_open_is_asked_again(self):
        invoice = self._edited_draft()
        dialog = self._dialog(self._confirm_and_send(invoice))
        self._edit_price(invoice, 1300.0)

        with self.mock_mail_gateway():
            action = dialog.action_confirm()

            again = self._dialog(action)
            self.assertIn(f"{self._price(1300.0)} on the invoice", again.differences)
            self.assertNotSent(invoice)

    def test_a_clients_context_never_skips_the_question(self):
        invoice = self._edited_draft()
        self.authenticate(self.billing_user.login, self.billing_user.login)

        for value in (True, invoice.ids, {"value": invoice.ids}):
            with self.subTest(value=value), self.mock_mail_gateway():
                action = self.make_jsonrpc_request(
                    "/web/dataset/call_kw/account.move/action_auto_invoice_send",
                    {
                        "model": "account.move",
                        "method": "action_auto_invoice_send",
                        "args": [invoice.ids],
                        "kwargs": {"context": {SEND_CONFIRMED: value}},
                    },
                )

                self._dialog(action)
                self.assertNotSent(invoice)

    # --- what the sent invoice says ----------------------------------------------------------------------------

    def test_pdf_says_the_quotation_was_adjusted_only_when_the_invoice_differs(self):
        edited, unedited = self._edited_draft(), self._signed_draft()
        order = edited.auto_invoice_acceptance_id.order_id

        edited_text = " ".join(pdf_text(self._render_pdf(edited)).split())
        unedited_text = " ".join(pdf_text(self._render_pdf(unedited)).split())

        self.assertNotIn(FULL_INTRO, edited_text)
        self.assertIn(
            f"This invoice bills the quotation {order.name} you signed, adjusted since then: see the lines below.",
            edited_text,
        )
        self.assertIn("Accepted by Ada Lovelace", edited_text, "the signature stays, the evidence of what was signed")
        self.assertIn(FULL_INTRO, unedited_text, "an invoice that bills what was signed keeps the company's intro")
        self.assertNotIn("adjusted", unedited_text)
        self.assertIn("Accepted by Ada Lovelace", unedited_text)

    def test_deposit_draft_matches_its_deposit_and_asks_once_edited(self):
        # A deposit bills a share of the quotation by design: compared with the deposit asked, not line by line.
        order = self._create_quotation(
            lines=[(self.service, 1.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        self._sign_in_backend(order)
        deposit = order.auto_invoice_id
        self.assertFalse(deposit.auto_invoice_differences, "a deposit of what was asked matches")

        deposit.with_user(self.billing_user).write(
            {"invoice_line_ids": [Command.update(deposit.invoice_line_ids.id, {"price_unit": 100.0})]}
        )

        asked = format_amount(self.env, order.amount_total * 0.3, order.currency_id)
        self.assertIn(f"Deposit: {asked} made at signature", deposit.auto_invoice_differences)
        dialog = self._dialog(self._confirm_and_send(deposit))
        self.assertIn(asked, dialog.differences)
        self.assertEqual(deposit.state, "draft")
