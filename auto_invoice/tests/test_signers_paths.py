import base64
import re
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import Form, new_test_user, tagged
from odoo.tests.common import freeze_time

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from ..models.sale_order_signer import SIGNING_LOCK
from .common import pdf_text
from .test_signers import SignersCase


@tagged("post_install", "-at_install")
class TestSignersPaths(SignersCase):
    """Several signers beyond the portal's pad: the documents they get, paper and backend signatures, reminders to
    whoever is due, the template's roles, an expired quotation."""

    def _sign_both(self, order):
        for partner in self.buyer | self.director:
            self.assertNotIn("error", self._sign(order, partner))

    def test_the_signed_pdf_shows_every_signature_with_its_name_and_time(self):
        render = IrActionsReport._render_qweb_pdf

        def render_for_real(report, report_ref, res_ids=None, data=None):  # the route runs as in production
            return render(report.with_context(force_report_rendering=True), report_ref, res_ids=res_ids, data=data)

        for design in ("standard", "auto_invoice"):
            with self.subTest(design=design), patch.object(IrActionsReport, "_render_qweb_pdf", render_for_real):
                self.env.company.auto_invoice_report_design = design
                order = self._quotation()
                self._sign(order, self.buyer)
                partial = " ".join(pdf_text(self._render_order_pdf(order)).split())
                self.assertIn("Bea Buyer", partial, "the signatures collected so far")
                self.assertNotIn("Dan Director", partial)
                self._sign(order, self.director)

                text = " ".join(pdf_text(order.acceptance_ids.document_id.raw).split())
                signatures = text[text.index("Signatures") :]
                self.assertLess(signatures.index("Bea Buyer"), signatures.index("Dan Director"), "in order")
                for signer in order.signer_ids:
                    self.assertIn(f"Signed on {order._auto_invoice_when_text(signer.signed_on)}", signatures)

    def _render_order_pdf(self, order):
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("sale.action_report_saleorder", order.ids)
        )
        return pdf

    def test_every_signer_gets_the_confirmation_with_the_signed_pdf_and_the_certificate(self):
        order = self._quotation(countersign=True)
        self._sign_both(order)
        self.assertNotIn("error", self._sign(order, self.countersigner.partner_id))
        order.acceptance_ids.with_context(force_report_rendering=True)._attach_certificate()  # as its cron does

        confirmation = order.message_ids.filtered(
            lambda message: order.acceptance_ids.certificate_id in message.attachment_ids
        )
        self.assertEqual(len(confirmation), 1)
        self.assertLessEqual(
            self.buyer | self.director | self.countersigner.partner_id | self.customer, confirmation.partner_ids
        )
        self.assertEqual(len(confirmation.attachment_ids), 2, "the signed PDF and the certificate")

        certificate = self.url_open(
            f"/my/orders/{order.id}/certificate?access_token={self._signer(order, self.buyer).sudo().access_token}"
        )
        self.assertEqual(certificate.headers["Content-Type"], "application/pdf", "a signer's own link opens it")
        self.assertEqual(certificate.content, order.acceptance_ids.certificate_id.raw)

    def test_a_backend_signature_names_the_signer_whose_turn_it_is_and_is_theirs(self):
        order = self._quotation(countersign=True)
        cora = self.countersigner
        with self.assertRaisesRegex(UserError, "written by them: Bea Buyer"):
            order.with_user(self.salesman).write({"signature": self.signature, "signed_by": "Bea Buyer"})
        with self.assertRaisesRegex(UserError, "whose turn it is"):
            order.with_user(cora).write({"signature": self.signature, "signed_by": cora.name})
        self._sign_both(order)
        with self.assertRaisesRegex(UserError, "Cora Countersigner"):
            order.with_user(cora).write({"signature": self.signature, "signed_by": "Bea Buyer"})
        self.assertEqual(order.state, "sent", "nothing changed")

        order.with_user(cora).write({"signature": self.signature, "signed_by": cora.name})

        signer = self._signer(order, cora.partner_id)
        self.assertRecordValues(signer, [{"state": "signed", "signed_by": cora.name, "recorded_by_id": cora.id}])
        self.assertIn(signer.channel, ("backend", "api"))
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_by, cora.name)
        self.assertEqual(order.acceptance_ids.signer_ids, order.signer_ids)
        self.assertEqual(len(order.invoice_ids), 1)

        # Who accepted for the customer is its signers, not the company's countersigner who signed last.
        signed_copy = self.env["auto_invoice.issued.file"].search(
            [("acceptance_id", "=", order.acceptance_ids.id), ("kind", "=", "signed_quotation")]
        )
        verdict = signed_copy._verdict()
        self.assertIn("that Bea Buyer and Dan Director accepted", verdict)
        self.assertNotIn(cora.name, verdict)
        self.assertIn("signed by Bea Buyer and Dan Director", order.invoice_ids.auto_invoice_review_status)

    def test_a_backend_signature_of_a_signer_before_the_last_waits_for_the_others(self):
        user = self._create_portal_user("ai_bea_internal", self.customer)
        user.write({"group_ids": [Command.set([self.env.ref("sales_team.group_sale_salesman").id])]})
        self.env.company.auto_invoice_verify_signer_email = True  # signed in as themselves: no emailed code needed
        order = self._create_quotation(lines=[(self.service, 1.0)], state="draft")
        order.signer_ids = [
            Command.create({"partner_id": user.partner_id.id, "sequence": 1}),
            Command.create({"partner_id": self.director.id, "sequence": 2}),
        ]
        order.action_quotation_sent()
        order.with_user(user).write({"signature": self.signature, "signed_by": user.partner_id.name})
        self.assertEqual(order.signer_ids.mapped("state"), ["signed", "to_sign"])
        self.assertFalse(order.signature, "the order's own signature is the last one")
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.invoice_ids)

    def test_offline_acceptance_records_one_signers_paper_signature(self):
        order = self._quotation()
        wizard = Form(
            self.env["sale.order.offline.acceptance"].with_user(self.salesman).with_context(default_order_id=order.id)
        )
        self.assertEqual(wizard.signer_id, self._signer(order, self.buyer), "the signer whose turn it is")
        self.assertEqual(wizard.signer_name, "Bea Buyer")
        wizard.save().action_record()

        buyer = self._signer(order, self.buyer)
        self.assertRecordValues(
            buyer,
            [{"state": "signed", "signed_by": "Bea Buyer", "channel": "offline", "recorded_by_id": self.salesman.id}],
        )
        self.assertTrue(buyer.signature, "the stamp stands for the paper signature")
        self.assertEqual(order.state, "sent", "the director still signs")
        self.assertTrue(self._find_note(order, "Paper signature of Bea Buyer recorded"))

        wizard = Form(
            self.env["sale.order.offline.acceptance"].with_user(self.salesman).with_context(default_order_id=order.id)
        )
        self.assertEqual(wizard.signer_id, self._signer(order, self.director))
        wizard.save().action_record()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.acceptance_ids.channel, "offline")
        self.assertEqual(len(order.invoice_ids), 1)

    def test_an_offline_signature_needs_a_signer_whose_turn_it_is(self):
        order = self._quotation()
        wizard = (
            self.env["sale.order.offline.acceptance"]
            .with_user(self.salesman)
            .create({"order_id": order.id, "signer_name": "Dan Director"})
        )
        wizard.signer_id = self._signer(order, self.director)
        with self.assertRaisesRegex(UserError, "not your turn"):
            wizard.action_record()
        self.assertEqual(order.signer_ids.mapped("state"), ["to_sign", "waiting"])

    def test_reminders_go_to_whoever_is_due_and_the_follow_up_names_who_has_not_signed(self):
        self.env.company.write(
            {"sign_reminder_first_days": 3, "sign_reminder_interval_days": 7, "sign_reminder_max_count": 1}
        )
        with freeze_time("2030-01-01 09:00:00"):
            order = self._create_quotation(lines=[(self.service, 1.0)], state="draft", validity_date="2030-03-01")
            order.signer_ids = [
                Command.create({"partner_id": p.id, "sequence": i}) for i, p in enumerate(self.buyer | self.director)
            ]
            order.with_user(self.salesman).action_quotation_sent()
            self.env.flush_all()
        cron = self.env.ref("auto_invoice.ir_cron_sign_reminder")
        with freeze_time("2030-01-04 06:00:00"):
            cron.sudo().method_direct_trigger()
        self.env.invalidate_all()

        reminders = self.env["mail.mail"].search(
            [
                ("model", "=", "sale.order.signer"),
                ("res_id", "in", order.signer_ids.ids),
                ("subject", "like", "Reminder"),
            ]
        )
        self.assertEqual(reminders.recipient_ids, self.buyer, "the signer whose turn it is")
        link = re.search(r'href="[^"]*(/my/orders/\d+\?access_token=[\w-]+)"', reminders.body_html).group(1)
        self.assertEqual(link, self._signer(order, self.buyer)._portal_url(), "with their own link")
        to_customer = self.env["mail.mail"].search([("model", "=", "sale.order"), ("res_id", "=", order.id)])
        self.assertNotIn(self.customer, to_customer.recipient_ids, "not the quotation's link, which signs nothing")
        self.assertEqual(order.sign_reminder_count, 1)

        with freeze_time("2030-01-11 06:00:00"):
            cron.sudo().method_direct_trigger()
        self.env.invalidate_all()
        follow_up = order.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref("auto_invoice.mail_activity_type_sign_follow_up")
        )
        self.assertEqual(len(follow_up), 1)
        self.assertIn("Not signed yet: Bea Buyer, Dan Director", follow_up.note)

    def test_a_template_lists_the_roles_that_sign_its_quotations(self):
        template = self.env["sale.order.template"].create(
            {
                "name": "Two signatures and ours",
                "require_signature": True,
                "signing_order": "parallel",
                "signer_ids": [
                    Command.create({"role": "Buyer", "sequence": 1}),
                    Command.create({"role": "Director", "sequence": 2}),
                    Command.create({"role": "Company", "sequence": 3, "user_id": self.countersigner.id}),
                ],
            }
        )
        self.salesman.group_ids += self.env.ref("sale_management.group_sale_order_template")
        form = Form(self.env["sale.order"].with_user(self.salesman))
        form.partner_id = self.customer
        form.sale_order_template_id = template
        self.assertEqual(form.signing_order, "parallel")
        self.assertEqual(len(form.signer_ids), 3)
        for index, partner in enumerate(self.buyer | self.director):
            with form.signer_ids.edit(index) as line:
                self.assertFalse(line.partner_id, "a role for the salesperson to fill")
                line.partner_id = partner
        order = form.save()
        self.assertEqual(order.signer_ids.mapped("role"), ["Buyer", "Director", "Company"])
        self.assertEqual(
            order.signer_ids.mapped("partner_id"), self.buyer | self.director | self.countersigner.partner_id
        )

    def test_an_expired_quotation_is_signed_by_nobody(self):
        order = self._quotation()
        self._sign(order, self.buyer)
        order.validity_date = fields.Date.subtract(fields.Date.today(), days=1)
        refused = self._sign(order, self.director)
        self.assertIn("expired", refused["error"])
        self.assertEqual(self._signer(order, self.director).state, "to_sign", "nothing changed")
        self.assertFalse(order.acceptance_ids or order.invoice_ids)
        self.assertEqual(order.state, "sent")
        self.assertTrue(base64.b64decode(self._signer(order, self.buyer).signature), "the first signature is kept")

    def test_only_a_salesperson_countersigns_for_the_company(self):
        order = self._quotation()
        clerk = new_test_user(self.env, login="ai_clerk", groups="base.group_user", name="Carl Clerk")
        with self.assertRaisesRegex(ValidationError, "Carl Clerk cannot countersign"), self.env.cr.savepoint():
            order.with_user(self.salesman).signer_ids = [Command.create({"user_id": clerk.id})]
            self.env.flush_all()  # as the request that saves the form ends
        self.assertEqual(self.env["sale.order.signer"].search_count([("order_id", "=", order.id)]), 2, "none added")

    def test_a_copy_showing_signatures_voided_since_is_withdrawn_in_the_register(self):
        order = self._quotation()
        self._sign(order, self.buyer)
        buyer = self._signer(order, self.buyer)
        download = self.url_open(f"{buyer._portal_url()}&report_type=pdf&download=true")
        self.assertEqual(download.status_code, 200)
        register = self.env["auto_invoice.issued.file"].sudo()
        copy = register.search([("order_id", "=", order.id), ("kind", "=", "quotation")])
        self.assertEqual(len(copy), 1, "the copy the signer downloaded, with the signature collected")
        self.assertEqual(copy.sha256, register._sha256(download.content))
        self.assertEqual(copy.state, "current")

        order._action_cancel()
        order.action_draft()

        self.assertEqual(copy.state, "withdrawn")
        self.assertIn("The signatures collected on this quotation were voided on", copy._verdict())

    def test_a_double_click_while_the_signature_is_recorded_gets_a_clear_answer(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        first_click = db_connect(self.env.cr.dbname).cursor()  # another connection: the first request, still recording
        try:
            first_click.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SIGNING_LOCK, buyer.id])
            second = self._sign(order, self.buyer)
        finally:
            first_click.rollback()
            first_click.close()
        self.assertIn("The signature of Bea Buyer is being recorded", second["error"])
        self.assertEqual(buyer.state, "to_sign", "nothing changed")
        self.assertNotIn("error", self._sign(order, self.buyer), "once it is recorded, the next click is answered")
