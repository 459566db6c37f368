import html

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common_access import READERS, SIGNERS, AccessMatrixFixtures


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
        # The confirmation email carried the certificate: it stays the acceptance's file, which the order's other
        # readers (Inventory) see listed in the chatter but cannot open.
        certificate = self.acceptance_a.certificate_id
        self.assertIn(certificate, order.message_ids.attachment_ids, "the confirmation email carried it")
        self.assertCells(
            "HTTP: /web/content of the certificate the confirmation email carried",
            self._page_cell(f"/web/content/{certificate.id}?download=true"),
            READERS,
        )
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
