"""Who signs for a customer, and in which company: the rules beside the matrix (test_access_matrix.py)."""

import re

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common_access import AccessMatrixFixtures


@tagged("post_install", "-at_install")
class TestAccessRightsToSign(AccessMatrixFixtures, HttpCase):
    """Only salespeople and billing users act for a customer: an internal user who may only read the quotation (an
    auditor, a warehouse or project user) signs it neither on its portal page nor in the backend."""

    def test_read_only_internal_user_cannot_sign_on_the_portal_page(self):
        auditor = new_test_user(self.env, login="ai_matrix_auditor", groups="account.group_account_readonly")
        order = self._create_quotation()
        self.assertTrue(order.with_user(auditor).has_access("read"), "an auditor reads quotations")
        self._log_in(auditor)

        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "name": "Ada Lovelace",
                "signature": self.signature,
                "terms_sha256": order._auto_invoice_signing_terms_sha256(),
            },
        )

        self.assertEqual(result, {"error": "Only salespeople and billing users can sign a quotation for its customer."})
        self.env.invalidate_all()
        self.assertFalse(order.signature)
        self.assertFalse(order.acceptance_ids)


@tagged("post_install", "-at_install")
class TestMultiCompany(AccessMatrixFixtures, HttpCase):
    """An order of company 2 invoices in company 2, in one of its sales journals, whoever signs it and whatever
    company their session is in; company 1's users never read company 2's acceptances, nor the reverse."""

    def _quotation_2(self, **values):
        team = self.env["crm.team"].create({"name": "Team 2", "company_id": self.company_2.id})
        return self._create_quotation(
            lines=[(self.service, 2.0)],
            company_id=self.company_2.id,
            team_id=team.id,
            user_id=self.other_company_user.id,
            fiscal_position_id=False,
            **values,
        )

    def assertInCompany2(self, invoice):
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.company_id, self.company_2)
        self.assertEqual(invoice.journal_id.company_id, self.company_2)
        self.assertEqual(invoice.journal_id.type, "sale")
        self.assertFalse(
            invoice.line_ids.account_id.filtered(lambda account: self.company_2 not in account.company_ids),
            "every account is company 2's",
        )

    def test_portal_signature_invoices_in_the_order_company(self):
        order = self._quotation_2()

        self.assertIn("redirect_url", self._accept_on_portal(order, "Mozilla/5.0 multi-company"))

        self.assertEqual(order.acceptance_ids.company_id, self.company_2)
        self.assertInCompany2(order.auto_invoice_id)

    def test_signature_from_a_session_in_another_company_invoices_in_the_order_company(self):
        # A salesperson of both companies whose session is in company 1 signs company 2's quotation in the backend.
        both = new_test_user(
            self.env,
            login="ai_matrix_both_companies",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set((self.env.company | self.company_2).ids)],
        )
        for values in ({}, {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": 30.0}):
            with self.subTest(**values):
                order = self._quotation_2(**values)
                companies = (self.env.company | self.company_2).ids
                order.with_user(both).with_context(allowed_company_ids=companies).write(
                    {"signature": self.signature, "signed_by": "Ada Lovelace"}
                )
                self.assertInCompany2(order.auto_invoice_id)

    def test_acceptances_stay_in_their_company(self):
        order = self._quotation_2()
        self._accept_on_portal(order, "Mozilla/5.0 multi-company")
        acceptance_2 = order.acceptance_ids
        for user in (self.salesman, self.billing_only, self.billing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                acceptance_2.with_user(user).read(["signer_name"])
        with self.assertRaises(AccessError):
            self.acceptance_a.with_user(self.other_company_user).read(["signer_name"])
        self.assertTrue(acceptance_2.with_user(self.other_company_user).read(["signer_name"]))
        # Allowed in both companies, with only company 1 active: not company 2's.
        self.billing_user.company_ids = [Command.link(self.company_2.id)]
        model = self.env["sale.order.acceptance"].with_user(self.billing_user)
        self.assertFalse(
            model.with_context(allowed_company_ids=self.env.company.ids).search([("id", "=", acceptance_2.id)])
        )
        both = (self.env.company | self.company_2).ids
        self.assertTrue(model.with_context(allowed_company_ids=both).search([("id", "=", acceptance_2.id)]))


@tagged("post_install", "-at_install", "auto_invoice_stock")
class TestAccessMatrixWithStock(AccessMatrixFixtures, HttpCase):
    """With sale_stock: the warehouse user reads and writes sales orders (Odoo's own rights), yet neither signs a
    customer's quotation for them nor reads what auto_invoice keeps internal."""

    def test_warehouse_user(self):
        warehouse = self.inventory_user
        self.assertTrue(warehouse.has_group("stock.group_stock_user"))
        order = self._create_quotation()
        self.assertTrue(order.with_user(warehouse).has_access("write"), "Odoo lets them write sales orders")

        with self.assertRaisesRegex(AccessError, "Only salespeople and billing users"):
            order.with_user(warehouse).write({"signature": self.signature, "signed_by": "Ada Lovelace"})
        self._log_in(warehouse)
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "name": "Ada Lovelace",
                "signature": self.signature,
                "terms_sha256": order._auto_invoice_signing_terms_sha256(),
            },
        )
        self.assertIn("Only salespeople and billing users", result["error"])
        self.env.invalidate_all()
        self.assertFalse(order.signature)
        self.assertFalse(order.acceptance_ids)

        self.assertTrue(self.failed_a.with_user(warehouse).read(["auto_invoice_state", "auto_invoice_error"]))
        for field in ("acceptance_ids", "auto_invoice_id", "auto_invoice_acceptance_id"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                self.order_a.with_user(warehouse).read([field])
        with self.assertRaises(AccessError):
            self.acceptance_a.with_user(warehouse).read(["signer_name"])
        with self.assertRaises(UserError):  # an AccessError, or the order is not theirs to write
            self.failed_a.with_user(warehouse).action_auto_invoice_retry()
        self.assertFalse(re.search("INTERNAL-NOTE", self.url_open(f"/my/orders/{self.order_a.id}").text))
