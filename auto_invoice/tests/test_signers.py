import re

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AutoInvoiceCommon, pdf_text

UA = "Mozilla/5.0 AutoInvoiceSignersTest/1.0"


class SignersCase(AutoInvoiceCommon, HttpCase):
    """Two contacts of the customer and a countersigner of the company; quotations they sign from their links."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        contacts = cls.env["res.partner"].create(
            [
                {"name": "Bea Buyer", "email": "bea@example.com", "parent_id": cls.customer.id},
                {"name": "Dan Director", "email": "dan@example.com", "parent_id": cls.customer.id},
            ]
        )
        cls.buyer, cls.director = contacts
        cls.countersigner = new_test_user(
            cls.env,
            login="ai_countersigner",
            groups="sales_team.group_sale_salesman_all_leads",
            name="Cora Countersigner",
        )

    def _quotation(self, signing_order="sequence", countersign=False):
        signers = [
            Command.create({"partner_id": p.id, "sequence": i}) for i, p in enumerate(self.buyer | self.director)
        ]
        if countersign:
            signers.append(Command.create({"user_id": self.countersigner.id}))
        order = self._create_quotation(lines=[(self.service, 1.0)], state="draft", signing_order=signing_order)
        order.signer_ids = signers
        order.action_quotation_sent()
        return order

    def _signer(self, order, partner):
        return order.signer_ids.filtered(lambda signer: signer.partner_id == partner)

    def _sign(self, order, partner, name=None):
        signer = self._signer(order, partner)
        return self._accept_on_portal(order, UA, access_token=signer.sudo().access_token, name=name or partner.name)


@tagged("post_install", "-at_install")
class TestSeveralSigners(SignersCase):
    """A quotation signed by several people, each from their own link, in order or all at once, the company's
    countersigner last: the invoice when the last one signs, once."""

    def test_signers_in_order_then_the_invoice_once(self):
        order = self._quotation()
        self.assertEqual(self._signer(order, self.buyer).state, "to_sign")
        self.assertEqual(self._signer(order, self.director).state, "waiting")

        early = self._sign(order, self.director)
        self.assertIn("not your turn", early["error"])
        self.assertIn("Bea Buyer", early["error"], "says who signs first")

        self.assertNotIn("error", self._sign(order, self.buyer))
        self.assertEqual(order.state, "sent", "not confirmed until the last signature")
        self.assertFalse(order.signature)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(self._signer(order, self.director).state, "to_sign", "the next one's turn")
        buyer = self._signer(order, self.buyer)
        self.assertRecordValues(buyer, [{"state": "signed", "signed_by": "Bea Buyer", "user_agent": UA}])
        self.assertTrue(buyer.content_sha256 and buyer.ip_address)

        self.assertIn("already signed", self._sign(order, self.buyer)["error"], "a link used twice")
        self.assertNotIn("error", self._sign(order, self.director))

        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, "Dan Director", "Odoo's signature is the last one")
        acceptance = order.acceptance_ids
        self.assertEqual(len(acceptance), 1)
        self.assertEqual(acceptance.signer_ids.mapped("signed_by"), ["Bea Buyer", "Dan Director"])
        self.assertEqual(set(acceptance.signer_ids.mapped("content_sha256")), {acceptance.content_sha256})
        self.assertEqual(len(order.invoice_ids), 1, "one invoice, at the last signature")
        certificate, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("auto_invoice.action_report_acceptance_certificate", acceptance.ids)
        )
        text = " ".join(pdf_text(certificate).split())
        signatures = text[text.index("Signatures") :]
        self.assertLess(signatures.index("Bea Buyer"), signatures.index("Dan Director"), "every signer, in order")
        self.assertIn("bea@example.com", text)

    def test_the_quotations_own_link_and_a_backend_signature_are_refused(self):
        order = self._quotation()
        own_link = self._accept_on_portal(order, UA)
        self.assertIn("from the link they were emailed", own_link["error"])
        with self.assertRaisesRegex(UserError, "from the link they were emailed"):
            order.with_user(self.salesman).write({"signature": self.signature, "signed_by": "Someone"})
        self.assertFalse(order.acceptance_ids)
        self.assertEqual(order.signer_ids.mapped("state"), ["to_sign", "waiting"])

    def test_all_at_once_and_the_countersigner_last(self):
        order = self._quotation("parallel", countersign=True)
        self.assertEqual(order.signer_ids.mapped("state"), ["to_sign", "to_sign", "waiting"])
        cora = self.countersigner.partner_id
        self.assertIn("not your turn", self._sign(order, cora)["error"])

        self.assertNotIn("error", self._sign(order, self.director))
        self.assertNotIn("error", self._sign(order, self.buyer))
        self.assertEqual(self._signer(order, cora).state, "to_sign", "the company signs once the customer has")
        self.assertFalse(order.invoice_ids)
        self.assertNotIn("error", self._sign(order, cora))

        self.assertEqual(order.state, "sale")
        self.assertEqual(len(order.acceptance_ids.signer_ids), 3)
        self.assertEqual(len(order.invoice_ids), 1)
        certificate, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("auto_invoice.action_report_acceptance_certificate", order.acceptance_ids.ids)
        )
        text = " ".join(pdf_text(certificate).split())
        self.assertIn(f"Signed by Bea Buyer, Dan Director for {self.customer.name}, countersigned by", text)
        self.assertIn(f"Cora Countersigner for {order.company_id.name}", text)

    def test_decline_stops_everyone(self):
        order = self._quotation("parallel")
        buyer = self._signer(order, self.buyer)
        page = self.url_open(buyer._portal_url()).text
        action = f"/my/orders/{order.id}/decline?access_token={buyer.sudo().access_token}"
        self.assertIn(action, page, "the signer's page declines for the signer")
        response = self.url_open(
            action,
            data={
                "decline_message": "Wrong scope",
                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            },
        )
        self.assertIn("You declined to sign this quotation", response.text)
        self.assertEqual(buyer.declined_reason, "Wrong scope")
        self.assertEqual(order.state, "sent", "the quotation stays, for the salesperson to decide")
        self.assertEqual(order.signer_ids.mapped("state"), ["declined", "waiting"])
        self.assertIn("declined", self._sign(order, self.director)["error"])
        self.assertFalse(order.acceptance_ids or order.invoice_ids)
        self.assertIn("Signer declined", order.activity_ids.mapped("summary"))

    def test_a_change_after_the_first_signature_is_not_signed_by_the_others(self):
        order = self._quotation()
        self._sign(order, self.buyer)
        order.order_line.price_unit = 1.0
        refused = self._sign(order, self.director)
        self.assertIn("changed since Bea Buyer signed", refused["error"])
        self.assertFalse(order.acceptance_ids)

    def test_reset_voids_the_signatures_collected_and_starts_again(self):
        order = self._quotation()
        first = self._signer(order, self.buyer)
        old_token = first.sudo().access_token
        self._sign(order, self.buyer)
        with self.assertRaisesRegex(UserError, "being signed: its signers cannot change"):
            order.with_user(self.salesman).signer_ids = [Command.clear()]

        order._action_cancel()
        order.action_draft()

        void = self.env["sale.order.signer"].search([("order_id", "=", order.id), ("state", "=", "void")])
        self.assertEqual(len(void), 2, "kept as evidence")
        self.assertEqual(first.signed_by, "Bea Buyer")
        self.assertEqual(order.signer_ids.mapped("state"), ["waiting", "waiting"], "the list starts again")
        order.action_quotation_sent()
        stale = self._accept_on_portal(order, UA, access_token=old_token, name="Bea Buyer")
        self.assertIn("error", stale, "the old link signs nothing")
        self.assertFalse(order.acceptance_ids)

    def test_each_signer_is_emailed_their_own_link_and_its_page_offers_the_pad_in_turn(self):
        order = self._quotation()
        mails = self.env["mail.mail"].search(
            [("model", "=", "sale.order.signer"), ("res_id", "in", order.signer_ids.ids)]
        )
        self.assertEqual(mails.recipient_ids, self.buyer, "only the first signer is asked")
        link = re.search(r'href="[^"]*(/my/orders/\d+\?access_token=[\w-]+)"', mails.body_html).group(1)
        self.assertEqual(link, self._signer(order, self.buyer)._portal_url())

        page = self.url_open(link).text
        self.assertIn("Next to sign", page)
        self.assertIn(f"accept?access_token={self._signer(order, self.buyer).sudo().access_token}", page, "their pad")
        waiting = self.url_open(self._signer(order, self.director)._portal_url()).text
        self.assertIn("It is not your turn to sign yet", waiting)
        self.assertNotIn("/accept?access_token=", waiting, "no pad out of turn")
        own_link = self.url_open(order.get_portal_url()).text
        self.assertNotIn("/accept?access_token=", own_link, "the quotation's own link signs for nobody")

        mail_queue = self.env["ir.cron.trigger"].search_count
        mail_cron = [("cron_id", "=", self.env.ref("mail.ir_cron_mail_scheduler_action").id)]
        queued = mail_queue(mail_cron)
        self._sign(order, self.buyer)
        self.assertGreater(mail_queue(mail_cron), queued, "the mail queue runs now, not at its next hourly run")
        mails = self.env["mail.mail"].search(
            [("model", "=", "sale.order.signer"), ("res_id", "in", order.signer_ids.ids)]
        )
        self.assertEqual(
            mails.recipient_ids, self.buyer | self.director, "the next one is emailed once it is their turn"
        )

    def test_reordered_before_anyone_signs_asks_the_new_first(self):
        order = self._quotation()
        self._signer(order, self.director).with_user(self.salesman).sequence = -1
        self.assertEqual(self._signer(order, self.director).state, "to_sign")
        self.assertEqual(self._signer(order, self.buyer).state, "waiting")
        self.assertIn("not your turn", self._sign(order, self.buyer)["error"])

    def test_a_copy_of_a_quotation_being_signed_asks_its_signers_afresh(self):
        order = self._quotation()
        self._sign(order, self.buyer)
        copy = order.copy()
        self.assertEqual(copy.signer_ids.partner_id, self.buyer | self.director)
        self.assertEqual(copy.signer_ids.mapped("state"), ["waiting", "waiting"])
        self.assertFalse(copy.signer_ids.filtered("signed_on"))
        self.assertNotEqual(
            set(copy.signer_ids.sudo().mapped("access_token")), set(order.signer_ids.sudo().mapped("access_token"))
        )

    def test_a_salesperson_cannot_create_a_signer_already_signed_over_rpc(self):
        order = self._quotation()
        signers = self.env["sale.order.signer"].with_user(self.salesman)
        for state in ("signed", "declined", "to_sign", "void"):
            with self.subTest(state=state), self.assertRaisesRegex(UserError, "recorded by signing"):
                signers.create({"order_id": order.id, "partner_id": self.customer.id, "state": state})
        added = signers.create({"order_id": order.id, "partner_id": self.customer.id, "state": "waiting"})
        self.assertEqual(added.state, "waiting", "what the form sends for a new line")
        self.assertEqual(len(order._auto_invoice_signers_left()), 3, "nobody counts as signed")
