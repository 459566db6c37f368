import html
import json
import re

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.tests.common import OnlinePaymentCommon


class LoyaltyCommon(OnlinePaymentCommon):
    """A quotation with a 10 % promotion, applied as the customer sees it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["loyalty.program"].search([]).action_archive()
        cls.promotion = cls.env["loyalty.program"].create(
            {
                "name": "10% off",
                "program_type": "promotion",
                "trigger": "auto",
                "applies_on": "current",
                "rule_ids": [Command.create({"reward_point_mode": "order", "reward_point_amount": 1})],
                "reward_ids": [
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount": 10,
                            "discount_mode": "percent",
                            "discount_applicability": "order",
                            "required_points": 1,
                        }
                    )
                ],
            }
        )

    def _quotation_with_reward(self, **values):
        order = self._create_quotation(lines=[(self.service, 2.0)], **values)
        order._update_programs_and_rewards()
        for coupon, rewards in order._get_claimable_rewards().items():
            order._apply_program_reward(rewards[0], coupon)
        order._update_programs_and_rewards()
        self.assertTrue(order.order_line.filtered("is_reward_line"), "the customer sees the promotion")
        return order


@tagged("post_install", "-at_install")
class TestAutoInvoiceLoyalty(LoyaltyCommon):
    """A promotion signed with the quotation, then the online payment confirms the order (sale_loyalty recomputes
    the rewards at confirmation)."""

    def _signed_quotation_with_reward(self):
        order = self._quotation_with_reward(require_payment=True, prepayment_percent=1.0)
        self._sign_in_backend(order)
        self.assertEqual(order.auto_invoice_state, "pending")
        return order

    def _assert_confirmed_as_signed(self, order, signed_total):
        self.assertEqual(order.state, "sale", "the payment confirmed the order")
        self.assertTrue(order.auto_invoice_content_matches, "with the content the customer signed")
        invoice = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(invoice.amount_total, signed_total, places=2, msg="billed what was signed and paid")

    def test_promotion_ended_before_the_payment(self):
        order = self._signed_quotation_with_reward()
        signed_total = order.amount_total

        self.promotion.action_archive()  # the promotion ends while the customer pays
        self._pay(order, signed_total)

        self._assert_confirmed_as_signed(order, signed_total)

    def test_promotion_changed_before_the_payment(self):
        order = self._signed_quotation_with_reward()
        signed_total = order.amount_total

        self.promotion.reward_ids.discount = 20
        self._pay(order, signed_total)

        self._assert_confirmed_as_signed(order, signed_total)


@tagged("post_install", "-at_install")
class TestAutoInvoiceLoyaltyPoints(LoyaltyCommon):
    """A loyalty card that earns a point per unit of money spent: a signed order earns what Odoo gives the same
    quotation confirmed by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.promotion.action_archive()
        cls.loyalty = cls.env["loyalty.program"].create(
            {
                "name": "Loyalty card",
                "program_type": "loyalty",
                "trigger": "auto",
                "applies_on": "both",
                "rule_ids": [Command.create({"reward_point_mode": "money", "reward_point_amount": 1})],
                "reward_ids": [
                    Command.create(
                        {"reward_type": "discount", "discount": 5, "discount_mode": "percent", "required_points": 1e6}
                    )
                ],
            }
        )

    def _points(self):
        cards = self.env["loyalty.card"].search([("program_id", "=", self.loyalty.id)])
        return sum(cards.mapped("points"))

    def test_signed_order_earns_the_points_of_an_order_confirmed_by_hand(self):
        by_hand = self._create_quotation(lines=[(self.service, 2.0)])
        by_hand.with_user(self.salesman).action_confirm()
        earned_by_hand = self._points()
        self.assertGreater(earned_by_hand, 0, "Odoo gives points for the order")

        signed = self._create_quotation(lines=[(self.service, 2.0)])
        self._sign_in_backend(signed)

        self.assertEqual(signed.state, "sale")
        self.assertAlmostEqual(self._points() - earned_by_hand, earned_by_hand, msg="the same points once signed")
        self.assertTrue(signed.auto_invoice_content_matches)
        self.assertInvoicedOnce(signed)


@tagged("post_install", "-at_install")
class TestAutoInvoiceLoyaltyPortal(LoyaltyCommon, HttpCase):
    """The customer signs on the portal: Odoo's route confirms the order, and sale_loyalty recomputes the rewards
    at the confirmation, after the page's terms were checked."""

    def _sign_the_page(self, order, change):
        page = self.url_open(order.get_portal_url()).text
        props = re.search(r'<owl-component name="portal.signature_form" props="([^"]*)"', page).group(1)
        change()  # between the page and the signature
        return self.make_jsonrpc_request(
            json.loads(html.unescape(props))["callUrl"], {"name": "Ada Lovelace", "signature": self.signature}
        )

    def test_promotion_ended_while_the_customer_reads_the_page(self):
        order = self._quotation_with_reward()
        shown_total = order.amount_total

        result = self._sign_the_page(order, self.promotion.action_archive)

        self.assertIn("redirect_url", result)
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.order_line.filtered("is_reward_line"), "the promotion stays as signed")
        self.assertAlmostEqual(order.amount_total, shown_total, places=2)
        invoice = self.assertInvoicedOnce(order)
        self.assertAlmostEqual(invoice.amount_total, shown_total, places=2, msg="billed what the page showed")
