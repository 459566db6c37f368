import html
import re

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import AccessMatrixCommon

INTERNAL_NOTE = "INTERNAL-NOTE-1729: margin is thin"
# Who reads what auto_invoice adds (ACCEPTANCE_READERS): the order's salesperson and billing users.
READERS = {"salesman", "billing"}
# Who may act on a customer's quotation for them (sign it, record an offline acceptance): the same.
SIGNERS = {"salesman", "billing"}


class AccessMatrixFixtures(AccessMatrixCommon):
    """Customer A's order signed offline (with an internal note) and invoiced, its invoice posted; customer B's
    quotation; in company 2, a user who sells and bills there only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company()["company"]
        cls._setup_other_company_user(cls.company_2)
        cls.env.company.auto_invoice_report_design = "auto_invoice"  # the branded invoice and quotation
        cls.order_a = cls._create_quotation(lines=[(cls.service, 2.0)])
        cls.env["sale.order.offline.acceptance"].with_user(cls.salesman).create(
            {"order_id": cls.order_a.id, "signer_name": "Ada Lovelace", "method": "paper", "note": INTERNAL_NOTE}
        ).action_record()
        cls.acceptance_a = cls.order_a.acceptance_ids
        cls.acceptance_a._attach_certificate()  # as the cron does once the signature is committed
        cls.invoice_a = cls.order_a.auto_invoice_id
        cls.invoice_a.with_user(cls.billing_user).action_post()
        cls.token_a = cls.order_a._portal_ensure_token()
        cls.token_b = cls._quotation_b()._portal_ensure_token()
        # Odoo's own text for an acceptance that invoiced nothing: internal, never on the customer's pages.
        cls.failed_a = cls._failed_order()

    @classmethod
    def _quotation_b(cls):
        """A quotation of customer B, sold by the other salesperson."""
        return cls._create_quotation(
            lines=[(cls.service, 1.0)],
            partner_id=cls.competitor.id,
            partner_invoice_id=cls.competitor.id,
            user_id=cls.other_salesman.id,
        )

    @classmethod
    def _service_quotation(cls):
        """A quotation of A with a service only: confirming it makes no delivery (with sale_stock, a billing user who
        confirms a quotation of goods needs Inventory rights, Odoo's own)."""
        return cls._create_quotation(lines=[(cls.service, 1.0)])

    @classmethod
    def _failed_order(cls):
        """A's order signed with nothing to invoice: its automatic invoice failed."""
        order = cls._create_quotation(lines=[(cls.service, 0.0)])
        order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        assert order.auto_invoice_state == "failed"
        return order

    def setUp(self):
        super().setUp()
        # A warehouse user reads and writes sales orders (sale_stock): Odoo's fields and pages of orders are theirs.
        self.order_readers = READERS | ({"inventory"} if self.env.ref("stock.group_stock_user", False) else set())

    def _signed_draft(self):
        order = self._create_quotation(lines=[(self.service, 1.0)])
        self._sign_in_backend(order)
        return order.auto_invoice_id


@tagged("post_install", "-at_install")
class TestAccessMatrixOrm(AccessMatrixFixtures):
    """Every persona, through the ORM (as RPC calls it), over the models, fields, wizards, actions and reports that
    auto_invoice adds."""

    def test_acceptance_model(self):
        acceptance = self.acceptance_a
        model = self.env["sale.order.acceptance"]
        self.assertCells(
            "sale.order.acceptance: read",
            lambda user, _rec: acceptance.with_user(user).read(["signer_name", "internal_note", "ip_address"]),
            READERS,
        )
        self.assertCells(
            "sale.order.acceptance: search",
            lambda user, _rec: bool(model.with_user(user).search([("id", "=", acceptance.id)])),
            READERS,
        )
        self.assertCells(
            "sale.order.acceptance: write its outcome",
            lambda user, _rec: acceptance.with_user(user).write({"error": "forged"}),
            set(),
        )
        self.assertCells(
            "sale.order.acceptance: create",
            lambda user, _rec: model.with_user(user).create(
                {
                    "order_id": self.order_a.id,
                    "partner_id": self.customer.id,
                    "signer_name": "Forger",
                    "signed_on": fields.Datetime.now(),
                    "state": "void",
                }
            ),
            set(),
        )
        self.assertCells("sale.order.acceptance: unlink", lambda user, _rec: acceptance.with_user(user).unlink(), set())

    def test_order_fields(self):
        order = self.order_a
        self.assertCells(
            "sale.order: read the acceptance fields",
            lambda user, _rec: order.with_user(user).read(
                ["acceptance_ids", "auto_invoice_acceptance_id", "auto_invoice_id", "auto_invoice_content_matches"]
            ),
            READERS,
        )
        self.assertCells(
            "sale.order: read the automatic invoice's status and error",
            lambda user, _rec: self.failed_a.with_user(user).read(["auto_invoice_state", "auto_invoice_error"]),
            self.order_readers,
        )
        self.assertCells(
            "sale.order: read the reminder fields",
            lambda user, _rec: order.with_user(user).read(["sign_reminder_count", "sign_reminder_next_date"]),
            self.order_readers,
        )
        for field, value in (
            ("auto_invoice_state", "failed"),
            ("auto_invoice_acceptance_id", False),
            ("acceptance_ids", [Command.unlink(self.acceptance_a.id)]),
            ("sign_reminder_count", 0),
            ("sign_reminder_last_on", False),
            ("sign_reminder_follow_up_on", "2099-01-01"),
            ("sign_reminder_next_date", "2000-01-01"),
        ):
            self.assertCells(
                f"sale.order: write {field}",
                lambda user, _rec, field=field, value=value: order.with_user(user).write({field: value}),
                set(),
            )
        self.assertCells(
            "sale.order: choose a policy that posts",
            lambda user, record: record.with_user(user).write({"auto_invoice_after": "post"}),
            {"billing"},
            fixture=self._create_quotation,
        )
        self.assertCells(
            "sale.order: sign in the backend",
            lambda user, record: record.with_user(user).write({"signature": self.signature, "signed_by": "Ada"}),
            SIGNERS,
            fixture=self._service_quotation,
        )

    def test_invoice_fields(self):
        invoice = self.invoice_a
        self.assertCells(
            "account.move: read the acceptance fields",
            lambda user, _rec: invoice.with_user(user).read(
                ["auto_invoice_acceptance_id", "auto_invoice_review_status", "auto_invoice_differences"]
            ),
            READERS,
        )
        self.assertCells(
            "account.move: read is_auto_invoice",
            lambda user, _rec: invoice.with_user(user).read(["is_auto_invoice"]),
            READERS | {"portal_a"},  # the customer reads their posted invoice
        )
        self.assertCells(
            "account.move: write the acceptance link",
            lambda user, _rec: invoice.with_user(user).write({"auto_invoice_acceptance_id": False}),
            set(),
        )
        self.assertCells(
            "account.move: create an automatic invoice",
            lambda user, _rec: (
                self.env["account.move"]
                .with_user(user)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "auto_invoice_acceptance_id": self.acceptance_a.id,
                    }
                )
            ),
            set(),
        )

    def test_settings_and_templates(self):
        template = self.env["sale.order.template"].create({"name": "Agency"})
        for field, value in (("auto_invoice_after", "send"), ("auto_invoice_on_signature", False)):
            self.assertCells(
                f"res.company: write {field}",
                lambda user, _rec, field=field, value=value: self.env.company.with_user(user).write({field: value}),
                set(),
            )
        self.assertCells(
            "sale.order.template: write its policy",
            lambda user, _rec: template.with_user(user).write({"auto_invoice_after": "post"}),
            set(),
        )
        self.assertCells(
            "res.config.settings: preview the branded design",
            lambda user, _rec: (
                self.env["res.config.settings"].with_user(user).create({}).action_auto_invoice_preview_invoice()
            ),
            set(),
        )

    def test_wizards_and_actions(self):
        self.assertCells(
            "sale.order.offline.acceptance: record",
            lambda user, record: (
                self.env["sale.order.offline.acceptance"]
                .with_user(user)
                .create({"order_id": record.id, "signer_name": "Ada Lovelace", "method": "phone"})
                .action_record()
            ),
            {"salesman"},  # the wizard is the salesperson's (billing users sign in the backend, as Odoo lets them)
            fixture=self._service_quotation,
        )
        self.assertCells(
            "sale.order: Retry Invoice",
            lambda user, record: record.with_user(user).action_auto_invoice_retry(),
            {"salesman", "billing"},
            fixture=self._failed_order,
        )
        self.assertCells(
            "account.move: Confirm & Send",
            lambda user, record: record.with_user(user).action_auto_invoice_send(),
            {"billing"},
            fixture=self._signed_draft,
        )

    def _render(self, report, record):
        return lambda user, _rec: self.env["ir.actions.report"].with_user(user)._render_qweb_html(report, record.ids)

    def test_reports(self):
        # The customer's copies are rendered by the portal, in sudo (TestAccessMatrixHttp): Odoo's own invoice design
        # reads the fiscal position, which a portal user may not read.
        self.assertCells(
            "report: certificate of acceptance",
            self._render("auto_invoice.action_report_acceptance_certificate", self.acceptance_a),
            READERS,
        )
        for report in ("account.account_invoices", "auto_invoice.action_report_invoice_preview"):
            self.assertCells(f"report: {report}", self._render(report, self.invoice_a), READERS)
        self.assertCells(
            "report: branded quotation", self._render("sale.action_report_saleorder", self.order_a), self.order_readers
        )

    def test_customer_renders_show_nothing_internal(self):
        # What the customer holds, rendered as the portal renders it (in sudo): the branded invoice, the quotation,
        # the certificate.
        report = self.env["ir.actions.report"].sudo()
        for report_ref, record in (
            ("account.account_invoices", self.invoice_a),
            ("sale.action_report_saleorder", self.order_a),
            ("auto_invoice.action_report_acceptance_certificate", self.acceptance_a),
        ):
            document = report._render_qweb_html(report_ref, record.ids)[0]
            text = html.unescape(document.decode())
            with self.subTest(report=report_ref):
                self.assertIn("Ada Customer", text)
                self.assertNotIn("INTERNAL-NOTE", text)
                self.assertNotIn("Competitor", text)


@tagged("post_install", "-at_install")
class TestAccessMatrixHttp(AccessMatrixFixtures, HttpCase):
    """Every persona, over HTTP, on the routes auto_invoice adds or overrides and on the portal pages it changes:
    nobody signs, reads or downloads what is not theirs, and no page shows anything internal."""

    def _get(self, url):
        """GET `url`: True when shown (200), False when sent away (a redirect, a refusal); never anything internal,
        and nothing of customer A unless shown."""
        response = self.url_open(url, allow_redirects=False)
        text = html.unescape(response.text) if "pdf" not in response.headers.get("Content-Type", "") else ""
        for internal in ("INTERNAL-NOTE", self.failed_a.sudo().auto_invoice_error.splitlines()[0]):
            assert internal not in text, f"{url} shows {internal!r}"
        if response.status_code == 200:
            return True
        assert response.status_code in (303, 302, 403, 404), f"{url}: {response.status_code}"
        assert "Ada Customer" not in text and self.order_a.name not in text, f"{url} shows customer A when refused"
        return False

    def _page_cell(self, path):
        def attempt(user, _rec):
            self._log_in(user)
            return self._get(path)

        return attempt

    def test_portal_pages(self):
        order, invoice = self.order_a, self.invoice_a
        # Odoo shows an order's portal page to whoever reads the order; the certificate is the acceptance's, which
        # internal users read with sales or billing rights only.
        order_page, customer_copy = self.order_readers | {"portal_a"}, READERS | {"portal_a"}
        for resource, path, shown in (
            ("A's order page", f"/my/orders/{order.id}", order_page),
            ("A's order page with B's token", f"/my/orders/{order.id}?access_token={self.token_b}", order_page),
            ("A's failed order page", f"/my/orders/{self.failed_a.id}", order_page),
            ("A's certificate", f"/my/orders/{order.id}/certificate", customer_copy),
            (
                "A's certificate with B's token",
                f"/my/orders/{order.id}/certificate?access_token={self.token_b}",
                customer_copy,
            ),
            ("A's invoice page", f"/my/invoices/{invoice.id}", customer_copy),
            ("A's invoice as HTML", f"/my/invoices/{invoice.id}?report_type=html", customer_copy),
        ):
            self.assertCells(f"HTTP: {resource}", self._page_cell(path), shown)
        self.assertCells(
            "HTTP: /report/html of A's certificate",
            self._page_cell(f"/report/html/auto_invoice.report_acceptance_certificate/{self.acceptance_a.id}"),
            READERS,
        )

    def test_page_of_a_token_shows_only_its_order(self):
        self.authenticate(None, None)
        self.assertTrue(self._get(f"/my/orders/{self.order_a.id}?access_token={self.token_a}"))
        self.assertTrue(self._get(f"/my/orders/{self.order_a.id}/certificate?access_token={self.token_a}"))
        text = html.unescape(self.url_open(f"/my/orders/{self.order_a.id}?access_token={self.token_a}").text)
        self.assertNotIn("Competitor", text)

    def _sign_cell(self, token=None):
        def attempt(user, order):
            self._log_in(user)
            params = {"name": "Ada Lovelace", "signature": self.signature}
            params["terms_sha256"] = order._auto_invoice_signing_terms_sha256()
            if token:
                params["access_token"] = token
            result = self.make_jsonrpc_request(f"/my/orders/{order.id}/accept", params)
            self.env.invalidate_all()
            if "redirect_url" in result:
                assert order.acceptance_ids, "signed, and its acceptance recorded"
                return True
            assert result.get("error"), result
            assert not order.signature and not order.acceptance_ids, "a refused signature changes nothing"
            return False

        return attempt

    def test_signing_route(self):
        self.assertCells(
            "HTTP: sign A's quotation", self._sign_cell(), SIGNERS | {"portal_a"}, fixture=self._service_quotation
        )
        self.assertCells(
            "HTTP: sign B's quotation with A's token",
            self._sign_cell(self.token_a),
            {"portal_b", "salesman_other", "billing"},  # B's own quotation, for those who may see it anyway
            fixture=self._quotation_b,
        )

    def _rpc_cell(self, model, method, args, kwargs=None):
        def attempt(user, _rec):
            self._log_in(user)
            try:
                result = self.make_jsonrpc_request(
                    f"/web/dataset/call_kw/{model}/{method}",
                    {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                )
            except JsonRpcException:  # the server refused (AccessError), or no session (the public user)
                return False
            return bool(result)

        return attempt

    def test_json_rpc(self):
        acceptance = self.acceptance_a
        self.assertCells(
            "JSON-RPC: search_read the acceptances",
            self._rpc_cell("sale.order.acceptance", "search_read", [[("id", "=", acceptance.id)], ["internal_note"]]),
            READERS,
        )
        self.assertCells(
            "JSON-RPC: read A's acceptance fields on the order",
            self._rpc_cell("sale.order", "read", [self.order_a.ids, ["auto_invoice_acceptance_id"]]),
            READERS,
        )
        self.assertCells(
            "JSON-RPC: write the acceptance's outcome",
            self._rpc_cell("sale.order.acceptance", "write", [acceptance.ids, {"state": "void"}]),
            set(),
        )
        self.assertCells(
            "JSON-RPC: Retry Invoice",
            self._rpc_cell("sale.order", "action_auto_invoice_retry", [self.failed_a.ids]),
            {"salesman", "billing"},
        )


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
