from contextlib import suppress

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import AutoInvoiceCommon

SIGNED = "was signed by Ada Lovelace"


class SignedContentCommon(AutoInvoiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create(
            {
                "name": "Bob Other",
                "email": "bob@other.example.com",
                "property_payment_term_id": cls.pay_terms_a.id,
            }
        )

    def _signed_order(self, **values):
        order = self._create_quotation(**values)
        self._sign_in_backend(order)
        return order

    def assertRefused(self, change, message=SIGNED):
        """`change` is refused by the end of the request (the flush before commit, which a savepoint's release runs
        too), and leaves nothing behind: a request's error rolls it back, the savepoint does so here."""
        with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
            change()
        self.env.invalidate_all()

    def assertPasses(self, change):
        """`change` passes the lock, checked as at the end of a request."""
        with self.env.cr.savepoint():
            result = change()
        return result

    def _add_line_as_salesman(self, order):
        return order.with_user(self.salesman).write({"order_line": [Command.create({"product_id": self.service.id})]})

    def _add_expense_line(self, order, price=45.0):
        """A line as Odoo adds it to a confirmed order to re-invoice an expense (sale's own values for it)."""
        taxi = self._create_product(name="Taxi ride", type="service", invoice_policy="order", expense_policy="cost")
        bill = self.init_invoice("in_invoice", partner=self.partner_a, products=[taxi])
        values = bill.invoice_line_ids._sale_prepare_sale_line_values(order, price)
        return self.env["sale.order.line"].create(values)


@tagged("post_install", "-at_install")
class TestSignedContentLock(SignedContentCommon):
    """The lock checks what the customer signed, whatever changes it: a write, or what a write recomputes."""

    def test_new_customer_of_a_signed_quotation_waiting_for_its_payment_is_refused(self):
        order = self._signed_order(require_payment=True)
        self.assertEqual(order.state, "sent")
        same_terms = self.env["res.partner"].create(
            {"name": "Carl Same Terms", "property_payment_term_id": self.payment_term.id}
        )

        # The new customer brings their payment terms (signed content), invoice address and pricelist.
        self.assertRefused(lambda: order.with_user(self.salesman).write({"partner_id": self.other_customer.id}))
        # Another customer with the same terms: the customer is who signed, not only the terms.
        self.assertRefused(lambda: order.with_user(self.salesman).write({"partner_id": same_terms.id}), "the customer")

        self.assertRecordValues(
            order,
            [
                {
                    "partner_id": self.customer.id,
                    "partner_invoice_id": self.invoice_address.id,
                    "payment_term_id": self.payment_term.id,
                }
            ],
        )
        self.assertTrue(order.auto_invoice_content_matches)

    def test_new_company_of_a_signed_quotation_is_refused(self):
        self.team.company_id = False  # nothing else ties the order to its company
        order = self._signed_order(require_payment=True, fiscal_position_id=False)
        other_company = self.setup_other_company()["company"]
        self.env.user.company_ids |= other_company

        self.assertRefused(
            lambda: order.write({"company_id": other_company.id}), "stays with the company it was signed with"
        )
        self.assertEqual(order.company_id, self.env.company)

    def test_a_signed_line_cannot_move_to_another_order(self):
        order = self._signed_order(require_payment=True)
        other = self._create_quotation(lines=[(self.service, 1.0)])
        line = order.order_line[0]

        self.assertRefused(lambda: line.with_user(self.salesman).write({"order_id": other.id}))
        self.assertEqual(line.order_id, order)

    def test_lines_added_to_a_confirmed_order_pass_and_the_signed_lines_stay_locked(self):
        order = self._signed_order()
        self.assertEqual(order.state, "sale")
        signed_total = order.amount_total

        expense = self.assertPasses(lambda: self._add_expense_line(order))
        upsell = self.assertPasses(lambda: self._add_line_as_salesman(order))

        added = order._auto_invoice_lines_added_after_signing()
        self.assertIn(expense, added)
        self.assertEqual(len(added), 2, "the expense and the salesperson's new line")
        self.assertTrue(upsell)
        self.assertGreater(order.amount_total, signed_total, "the order's total grows with what is added")
        self.assertTrue(order.auto_invoice_content_matches, "what the customer signed is intact")
        signed_line = order.order_line.filtered(lambda line: line.product_id == self.delivered_product)
        for what, change in {
            "price": lambda: signed_line.write({"price_unit": 1.0}),
            "quantity": lambda: signed_line.write({"product_uom_qty": 1.0}),
            "payment terms": lambda: order.write({"payment_term_id": self.pay_terms_a.id}),
        }.items():
            with self.subTest(what):
                self.assertRefused(change)

    def test_lines_added_to_a_signed_quotation_waiting_for_its_payment_are_refused(self):
        # Until the payment confirms it, the quotation is what the customer pays for.
        order = self._signed_order(require_payment=True)
        self.assertRefused(lambda: self._add_line_as_salesman(order))

    def test_the_result_of_a_request_is_checked_not_its_steps(self):
        order = self._signed_order(require_payment=True)
        line = order.order_line.filtered(lambda line: line.product_id == self.service)
        values = {**line.copy_data()[0], "order_id": order.id}

        def remove_and_add_back():
            line.unlink()  # as a module may remove a line, then add it back
            return self.env["sale.order.line"].create(values)

        new_line = self.assertPasses(remove_and_add_back)
        self.assertFalse(order._auto_invoice_lines_added_after_signing(), f"{new_line.name} is what was signed")
        self.assertTrue(order.auto_invoice_content_matches)

    def test_a_refusal_that_a_caller_swallows_is_refused_again_at_commit(self):
        order = self._signed_order()
        with self.assertRaisesRegex(UserError, SIGNED), self.env.cr.savepoint():  # the request
            order.order_line[0].price_unit = 1.0
            with suppress(UserError), self.env.cr.savepoint():  # a step isolated in a savepoint, which carries on
                pass
        self.env.invalidate_all()
        self.assertTrue(order.auto_invoice_content_matches)


@tagged("post_install", "-at_install")
class TestSignedContentLockOverHttp(SignedContentCommon, HttpCase):
    def test_the_web_client_gets_the_refusal_in_the_same_request_and_nothing_is_saved(self):
        order = self._signed_order(require_payment=True)
        self.authenticate("ai_salesman", "ai_salesman")

        # The form saves only the customer: the payment terms follow from it, in the same request.
        with mute_logger("odoo.http"):
            response = self.opener.post(
                f"{self.base_url()}/web/dataset/call_kw/sale.order/web_save",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "sale.order",
                        "method": "web_save",
                        "args": [order.ids, {"partner_id": self.other_customer.id}],
                        "kwargs": {"specification": {"payment_term_id": {}}},
                    },
                },
            ).json()

        error = response.get("error", {}).get("data", {})
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError", "a user error, not a server error")
        self.assertIn(SIGNED, error.get("message"))
        self.env.invalidate_all()
        self.assertRecordValues(order, [{"partner_id": self.customer.id, "payment_term_id": self.payment_term.id}])
