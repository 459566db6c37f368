import json

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from ..models.account_move_send import MAIL_LAYOUT
from ..models.portal_mixin import INTERNAL_NOTICE
from ..models.res_company import PATCHED_QT_KEY
from ..models.sale_order import RECORDED_BY_CALLER
from ..models.sale_order_acceptance_invoice import DEPOSIT_OF_ACCEPTANCE
from ..models.sale_order_issued import SIGNED_COPY_POSTED
from ..models.sale_order_signed_billing import BILLED_ACCEPTANCE
from ..owned_context import own, owned_value
from .common import AutoInvoiceCommon


@tagged("post_install", "-at_install")
class TestContextKeysFromClients(AutoInvoiceCommon, HttpCase):
    """Every context key of the addon, as a client sends it (a JSON value: JSON-RPC's context, a report URL's
    ?context=), changes nothing; only the addon's own code, which sets an owned value, is heard."""

    def _call_kw(self, user, model, method, args, context, **kwargs):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": {"context": context, **kwargs}},
        )

    def test_plain_values_are_never_owned(self):
        for value in json.loads('[true, 1, "1", [1, 2], {"value": true}]'):
            env = self.env(context={**self.env.context, RECORDED_BY_CALLER: value}, su=True)
            with self.subTest(value=value):
                self.assertIsNone(owned_value(env, RECORDED_BY_CALLER, su=True))
        self.assertTrue(owned_value(self.env(context=own(RECORDED_BY_CALLER), su=True), RECORDED_BY_CALLER, su=True))
        self.assertIsNone(owned_value(self.env(context=own(RECORDED_BY_CALLER)), RECORDED_BY_CALLER, su=True))

    def test_readers_ignore_what_a_client_sends(self):
        order = self._create_quotation()
        self._sign_in_backend(order)
        acceptance = order.sudo().auto_invoice_acceptance_id
        client = json.loads(
            json.dumps(
                {
                    RECORDED_BY_CALLER: True,
                    BILLED_ACCEPTANCE: acceptance.id,
                    MAIL_LAYOUT: "mail.mail_notification_light",
                    PATCHED_QT_KEY: not self.env.company._auto_invoice_engine_is_patched(),
                    SIGNED_COPY_POSTED: [],
                    INTERNAL_NOTICE: True,
                }
            )
        )
        env = self.env(context={**self.env.context, **client}, su=True)

        self.assertEqual(
            env["res.company"].browse(self.env.company.id)._auto_invoice_engine_is_patched(),
            self.env.company._auto_invoice_engine_is_patched(),
            "the engine says what it is",
        )
        self.assertEqual(env["account.move.send"]._get_mail_layout(), self.env["account.move.send"]._get_mail_layout())
        self.assertFalse(order.with_env(env)._auto_invoice_billed_acceptance(), "no acceptance bills Odoo's invoicing")
        order.with_env(env).message_post(attachments=[(f"{order.name}.pdf", b"%PDF-1.4 from a client")])
        self.assertEqual(env.context[SIGNED_COPY_POSTED], [], "a client's list is not the signing route's")
        self.assertEqual(order.with_env(env)._mail_get_partners()[order.id], order.partner_id, "its customer named")
        billing = order.with_context(**acceptance._billing_context())
        self.assertEqual(billing._auto_invoice_billed_acceptance(), acceptance, "the acceptance's own key is heard")

    def test_signature_written_over_rpc_with_the_callers_key_is_checked_and_recorded(self):
        order = self._create_quotation()

        self._call_kw(
            self.salesman,
            "sale.order",
            "write",
            [order.ids, {"signature": self.signature, "signed_by": "Ada Lovelace"}],
            {RECORDED_BY_CALLER: True},
        )

        self.assertEqual(len(order.acceptance_ids), 1, "recorded as an acceptance, with the checks of a backend one")
        self.assertEqual(order.acceptance_ids.channel, "backend")

    def test_odoo_invoicing_over_rpc_with_the_billed_acceptance_key_bills_every_line(self):
        # Signed and invoiced in full; a line added since is Odoo's to invoice. A client naming the acceptance in the
        # context of Odoo's Create Invoice would have it bill as signed (nothing, the extra left out).
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order)
        acceptance = order.sudo().auto_invoice_acceptance_id
        order.order_line = [Command.create({"product_id": self.service.id, "product_uom_qty": 2.0, "name": "Extra"})]
        extra = order.order_line.filtered(lambda line: line.name == "Extra")
        context = {"active_model": "sale.order", "active_ids": order.ids, BILLED_ACCEPTANCE: acceptance.id}
        context.update({DEPOSIT_OF_ACCEPTANCE: True})
        wizard_id = self._call_kw(
            self.salesman,
            "sale.advance.payment.inv",
            "create",
            [{"advance_payment_method": "delivered", "sale_order_ids": [Command.set(order.ids)]}],
            context,
        )

        self._call_kw(self.salesman, "sale.advance.payment.inv", "create_invoices", [[wizard_id]], context)

        invoice = order.invoice_ids - order.auto_invoice_id
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, extra, "Odoo's invoice of what was added")
