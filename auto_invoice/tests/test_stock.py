from unittest.mock import patch

from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .test_signed_content import SignedContentCommon


@tagged("post_install", "-at_install", "auto_invoice_stock")
class TestAutoInvoiceWithStock(SignedContentCommon):
    """Beside sale_stock: the warehouse delivers signed, automatically invoiced orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.warehouse_user = new_test_user(
            cls.env, login="ai_warehouse", groups="stock.group_stock_user", company_id=company.id
        )
        # Odoo itself lets only users who may also sell add the line of an extra product that a delivery ships.
        cls.warehouse_seller = new_test_user(
            cls.env,
            login="ai_warehouse_seller",
            groups="stock.group_stock_user,sales_team.group_sale_salesman_all_leads",
            company_id=company.id,
        )
        cls.cable = cls._create_product(name="Cable", type="consu", invoice_policy="delivery", lst_price=9.0)

    def _signed_invoiced_order(self, lines=None):
        order = self._signed_order(lines=lines or [(self.service, 1.0), (self.delivered_product, 3.0)])
        self.assertInvoicedOnce(order)
        self.assertTrue(order.picking_ids, "sale_stock made the delivery")
        return order

    def _validate(self, picking, quantities, user=None, backorder=True):
        """The warehouse user ships `quantities` ({product: quantity}) with `picking` and validates it."""
        user = user or self.warehouse_user
        picking = picking.with_user(user)
        for product, quantity in quantities.items():
            move = picking.move_ids.filtered(lambda move, product=product: move.product_id == product)
            if not move:  # a product the order does not have
                move = (
                    self.env["stock.move"]
                    .with_user(self.warehouse_user)
                    .create(
                        {
                            "picking_id": picking.id,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "location_id": picking.location_id.id,
                            "location_dest_id": picking.location_dest_id.id,
                        }
                    )
                )
            move.write({"quantity": quantity, "picked": True})
        result = picking.button_validate()
        if isinstance(result, dict):  # the backorder question
            wizard = Form.from_action(self.env(user=user), result).save()
            wizard.process() if backorder else wizard.process_cancel_backorder()
        self.env.cr.flush()  # the end of the warehouse user's request: the signed content is checked there

    def test_delivery_with_an_extra_product_is_validated_and_named_in_the_review(self):
        order = self._signed_invoiced_order()
        invoice = order.auto_invoice_id

        self._validate(order.picking_ids, {self.delivered_product: 3.0, self.cable: 1.0}, self.warehouse_seller)

        extra = order.order_line.filtered(lambda line: line.product_id == self.cable)
        self.assertRecordValues(extra, [{"product_uom_qty": 0.0, "qty_delivered": 1.0, "qty_to_invoice": 1.0}])
        self.assertEqual(order._auto_invoice_lines_added_after_signing(), extra)
        self.assertTrue(order.auto_invoice_content_matches, "the signed lines are intact")
        router = order.order_line.filtered(lambda line: line.product_id == self.delivered_product)
        self.assertEqual(router.qty_to_invoice, 0.0, "invoiced at the signature")
        self.assertRefused(lambda: router.with_user(self.salesman).write({"price_unit": 1.0}))

        # The reviewer bills the delivered extra on the draft, linked to its order line as Odoo's invoicing links it.
        invoice.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.cable.id,
                            "name": extra.name,
                            "quantity": 1.0,
                            "price_unit": extra.price_unit,
                            "tax_ids": [Command.set(extra.tax_ids.ids)],
                            "sale_line_ids": [Command.set(extra.ids)],
                        }
                    )
                ]
            }
        )
        self.assertEqual(
            invoice.with_user(self.billing_user).auto_invoice_differences,
            f"{extra.name.splitlines()[0]}: added to the order after signing.",
        )

    def test_partial_delivery_with_a_backorder(self):
        order = self._signed_invoiced_order()
        router = order.order_line.filtered(lambda line: line.product_id == self.delivered_product)

        self._validate(order.picking_ids, {self.delivered_product: 1.0})

        backorder = order.picking_ids.filtered("backorder_id")
        self.assertEqual(len(backorder), 1, "the rest waits in a backorder")
        self.assertEqual(router.qty_delivered, 1.0)
        self.assertTrue(order.auto_invoice_content_matches)

        self._validate(backorder, {self.delivered_product: 2.0})

        self.assertEqual(router.qty_delivered, 3.0)
        self.assertEqual(router.qty_to_invoice, 0.0, "invoiced at the signature")
        self.assertInvoicedOnce(order)
        self.assertTrue(order.auto_invoice_content_matches)

    def test_after_a_full_credit_note_only_what_is_delivered_is_to_invoice(self):
        order = self._signed_invoiced_order()
        invoice = order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()
        router = order.order_line.filtered(lambda line: line.product_id == self.delivered_product)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Wrong invoice"})
        )
        reversal.refund_moves()
        order.invoice_ids.filtered(lambda move: move.move_type == "out_refund").action_post()

        self.assertEqual(router.qty_invoiced, 0.0, "credited in full")
        self.assertEqual(router.qty_to_invoice, 0.0, "nothing delivered: nothing to bill again")

        self._validate(order.picking_ids, {self.delivered_product: 1.0})

        self.assertEqual(router.qty_to_invoice, 1.0, "what is delivered, as Odoo bills it")

    def test_inventory_user_opens_a_signed_order(self):
        order = self._signed_invoiced_order()
        order_as_stock = order.with_user(self.warehouse_user)

        views = order_as_stock.get_views([(False, "form")])
        models = views["models"]
        spec = {}
        for name, field in models["sale.order"]["fields"].items():
            if field["type"] in ("many2one", "one2many", "many2many"):
                subfields = models.get(field["relation"], {}).get("fields", {"display_name": {}})
                spec[name] = {"fields": {sub: {} for sub in subfields if sub != "id"}}
            else:
                spec[name] = {}

        values = order_as_stock.web_read(spec)[0]

        self.assertEqual(values["name"], order.name)
        self.assertNotIn("acceptance_ids", values, "acceptances are for those who may read them")

    def test_inventory_user_cannot_void_an_acceptance(self):
        order = self._signed_order(require_payment=True)  # a signed quotation waiting for its payment
        acceptance = order.auto_invoice_acceptance_id
        order_as_stock = order.with_user(self.warehouse_user)

        for how, void in {
            "signature cleared": lambda: order_as_stock.write({"signature": False}),
            "Set to Quotation": order_as_stock.action_draft,
        }.items():
            with self.subTest(how), self.assertRaisesRegex(AccessError, "void a customer's acceptance"):
                void()

        self.assertEqual(order.auto_invoice_acceptance_id, acceptance, "the acceptance stands")
        self.assertTrue(order.signature)
        order.with_user(self.salesman).action_draft()  # the salesperson may, with its consequences
        self.assertEqual(acceptance.state, "void")

    def test_inventory_user_reads_no_evidence_in_the_order_chatter(self):
        order = self._signed_invoiced_order()
        acceptance = order.auto_invoice_acceptance_id
        self.assertTrue(acceptance._attach_certificate())

        messages = order.with_user(self.warehouse_user).message_ids
        self.assertIn(acceptance.name, " ".join(messages.mapped("body")), "the order says the certificate exists")
        certificate = acceptance.certificate_id
        # The confirmation email carries the certificate: the acceptance's own file, never a copy the order owns.
        copies = messages.sudo().attachment_ids.filtered(lambda attachment: attachment.checksum == certificate.checksum)
        self.assertEqual(copies, certificate, "not a copy of it")
        self.assertEqual(copies.res_model, "sale.order.acceptance")
        with self.assertRaises(AccessError):
            certificate.with_user(self.warehouse_user).check_access("read")
        certificate.with_user(self.salesman).check_access("read")  # the readers of acceptances print it

    def test_inventory_user_is_not_offered_retry_invoice(self):
        # Inventory users may write sales orders (deliveries update them), not bill them.
        order = self._create_quotation()
        with (
            patch.object(self.registry["sale.order"], "_prepare_invoice", side_effect=UserError("no journal")),
            mute_logger("odoo.addons.auto_invoice.models.sale_order_acceptance_invoice"),
        ):
            self._sign_in_backend(order)
        self.assertEqual(order.auto_invoice_state, "failed")

        arch = order.with_user(self.warehouse_user).get_views([(False, "form")])["views"]["form"]["arch"]
        buttons = etree.fromstring(arch).xpath("//button[@name='action_auto_invoice_retry']")
        self.assertFalse(buttons, "no Retry Invoice button for them")
        with self.assertRaises(AccessError):
            order.with_user(self.warehouse_user).action_auto_invoice_retry()
        self.assertEqual(order.auto_invoice_state, "failed", "nothing was invoiced")
        self.assertFalse(order.invoice_ids)
