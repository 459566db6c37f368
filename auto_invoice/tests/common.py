import base64
import io

from PIL import Image, ImageDraw

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def signature_png():
    """A small real PNG signature, base64 encoded without a data: prefix, as the portal sends it."""
    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 15), (110, 65), (170, 20), (230, 55)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class AutoInvoiceCommon(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        # The test environment's user sets up sales data; the tests act as `salesman` or `billing_user`.
        return super().get_default_groups() | cls.quick_ref("sales_team.group_sale_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.signature = signature_png()
        cls.salesman = new_test_user(
            cls.env, login="ai_salesman", groups="sales_team.group_sale_salesman", company_id=company.id,
        )
        cls.billing_user = new_test_user(
            cls.env, login="ai_billing",
            groups="sales_team.group_sale_salesman,account.group_account_invoice", company_id=company.id,
        )
        cls.team = cls.env["crm.team"].create({"name": "Agency Team", "company_id": company.id})
        cls.customer = cls.env["res.partner"].create({
            "name": "Ada Customer",
            "email": "ada@customer.example.com",
            "is_company": True,
        })
        cls.invoice_address = cls.env["res.partner"].create({
            "name": "Ada Accounts",
            "email": "accounts@customer.example.com",
            "type": "invoice",
            "parent_id": cls.customer.id,
        })
        cls.payment_term = cls.env.ref("account.account_payment_term_30days")
        cls.service = cls._create_product(
            name="Website design", type="service", invoice_policy="order", lst_price=1500.0,
        )
        cls.delivered_product = cls._create_product(
            name="Router", type="consu", invoice_policy="delivery", lst_price=120.0,
        )

    @classmethod
    def _create_quotation(cls, lines=None, **values):
        """A quotation sent to `customer`, waiting for their signature."""
        lines = lines or [(cls.service, 2.0), (cls.delivered_product, 3.0)]
        return cls.env["sale.order"].create({
            "partner_id": cls.customer.id,
            "partner_invoice_id": cls.invoice_address.id,
            "user_id": cls.salesman.id,
            "team_id": cls.team.id,
            "payment_term_id": cls.payment_term.id,
            "fiscal_position_id": cls.fiscal_pos_a.id,
            "client_order_ref": "PO-4711",
            "require_signature": True,
            "require_payment": False,
            "state": "sent",
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
            ],
            **values,
        })

    def _sign_in_backend(self, order, user=None):
        order.with_user(user or self.salesman).write({"signature": self.signature, "signed_by": "Ada Lovelace"})

    def assertInvoicedOnce(self, order):
        """The order has exactly one non-cancelled invoice: its draft automatic invoice."""
        invoices = order.invoice_ids.filtered(lambda move: move.state != "cancel")
        self.assertEqual(len(invoices), 1, "exactly one invoice for one acceptance")
        self.assertEqual(order.auto_invoice_id, invoices)
        self.assertEqual(order.auto_invoice_state, "done")
        return invoices

    def _find_note(self, record, text):
        """The chatter notes of `record` that contain `text`."""
        return record.message_ids.filtered(lambda message: text in message.body)
