import json
from urllib.parse import quote

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.auto_invoice.tests.common import AutoInvoiceCommon, pdf_text
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models.ir_actions_report import SIGNED_COPIES
from ..models.sale_order import CONFIRMATION_MAIL_DEFERRED

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) ClientContext/1.0"


@tagged("post_install", "-at_install")
class TestBackgroundKeysFromClients(AutoInvoiceCommon, HttpCase):
    """The background mode's context keys, sent by clients as they can send any context: a report URL's ?context=
    (a portal user of another customer), JSON-RPC's context (a salesperson). Neither may change what is rendered or
    sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True
        cls.competitor = cls.env["res.partner"].create({"name": "Competitor Ltd", "is_company": True})
        cls.portal_b = cls._create_portal_user("ai_ctx_portal_b", cls.competitor)

    def _signed_in_background(self, **values):
        """A quotation signed on the portal, its jobs performed (the signed copy kept): the order and its copy."""
        order = self._create_quotation(**values)
        with trap_jobs() as trap:
            result = self._accept_on_portal(order, USER_AGENT)
        self.assertNotIn("error", result)
        for job in trap.enqueued_jobs:
            env = job.recordset.env
            job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
                force_report_rendering=True
            )
        trap.perform_enqueued_jobs()
        document = order.auto_invoice_acceptance_id.document_id
        self.assertTrue(document.raw.startswith(b"%PDF-"), "the signed copy is kept")
        return order, document

    def _report_url(self, order, context):
        return f"/report/pdf/sale.report_saleorder/{order.id}?context={quote(json.dumps(context))}"

    def test_report_url_with_the_signed_copies_key_shows_another_customer_nothing(self):
        order, document = self._signed_in_background()
        self.authenticate(self.portal_b.login, self.portal_b.login)

        for context in ({SIGNED_COPIES: document.ids}, {SIGNED_COPIES: list(range(1, document.id + 5))}):
            with self.subTest(context=context), mute_logger("odoo.http"):
                response = self.url_open(self._report_url(order, context))
            self.assertNotEqual(response.content, document.raw, "never the signed copy of another customer")
            self.assertFalse(response.content.startswith(b"%PDF-"), "no PDF of an order they may not read")
            self.assertNotIn(order.name, response.text)

    def test_report_url_with_the_signed_copies_key_renders_the_order_afresh_for_its_reader(self):
        # The salesperson may read the order: the key still names no file, the report renders the order as it is. (A
        # signed order whose priced content is still the one signed prints as its signed copy, key or not: a line is
        # added first, so that only the key could bring the signed copy back.)
        order, document = self._signed_in_background()
        order.order_line = [Command.create({"product_id": self.service.id, "product_uom_qty": 1.0})]
        self.authenticate(self.salesman.login, self.salesman.login)

        response = self.url_open(self._report_url(order, {SIGNED_COPIES: document.ids, "force_report_rendering": 1}))

        self.assertTrue(response.content.startswith(b"%PDF-"))
        self.assertNotEqual(response.content, document.raw, "rendered by the report, not read from the key's file")
        self.assertIn(order.name, pdf_text(response.content))

    def test_deferral_key_over_rpc_never_swallows_a_confirmation(self):
        # Signed, waiting for its online payment (the signing job has run); the salesperson confirms it over RPC with
        # the key that defers a signed order's confirmation to a job: no job will send it, so it leaves now.
        order, _document = self._signed_in_background(require_payment=True, prepayment_percent=0.3)
        self.assertEqual(order.state, "sent", "waiting for its payment")
        self.authenticate(self.salesman.login, self.salesman.login)

        self.make_jsonrpc_request(
            "/web/dataset/call_kw/sale.order/action_confirm",
            {
                "model": "sale.order",
                "method": "action_confirm",
                "args": [order.ids],
                "kwargs": {"context": {"send_email": True, CONFIRMATION_MAIL_DEFERRED: True}},
            },
        )

        self.assertEqual(order.state, "sale")
        subject = order._get_confirmation_template()._render_field("subject", order.ids)[order.id]
        confirmation = order.message_ids.filtered(lambda message: message.subject == subject)
        self.assertEqual(len(confirmation), 1, "the customer's confirmation is sent, not left to a job")
        self.assertFalse(order.auto_invoice_confirmation_template_id, "nothing waits for a job")
