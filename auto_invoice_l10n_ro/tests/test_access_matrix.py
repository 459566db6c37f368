from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.tests.common import AccessMatrixCommon

from .common import SPV_FUNCTIONS, FakeSpv, RomanianCommon

SPV_ERROR = "E: SPV-INTERNAL-ANSWER-4711"


@tagged("post_install", "-at_install")
class TestRomanianAccessMatrix(RomanianCommon, AccessMatrixCommon, HttpCase):
    """What the Romanian addon adds (the e-Factura fields on invoices and orders, Send e-Factura Again), for every
    persona of the access matrix: only sudo code queues an invoice for SPV or writes SPV's answer. An HttpCase, as
    TestEfactura: wkhtmltopdf fetches the report's assets from the server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_other_company_user(cls.env["res.company"].create({"name": "Other Company SRL"}))
        cls.cron = cls.env.ref("auto_invoice_l10n_ro.ir_cron_spv_submit")

    def _posted_invoice(self):
        """A signed order's automatic invoice, posted by the billing user (not sent: nothing is queued)."""
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        invoice.with_user(self.billing_user).action_post()
        return order, invoice

    def _refused_invoice(self):
        """A posted and sent invoice whose e-Factura SPV refused: it waits for Send e-Factura Again."""
        order = self._create_quotation()
        self._sign_in_backend(order)
        invoice = order.auto_invoice_id
        # Posted, emailed, queued for SPV.
        invoice.with_user(self.billing_user).with_context(force_report_rendering=True).action_auto_invoice_send()
        self.assertTrue(invoice.auto_invoice_spv_pending)
        with patch(
            SPV_FUNCTIONS + "_request_ciusro_send_invoice", side_effect=FakeSpv({"error": SPV_ERROR}).send_invoice
        ):
            self.cron.sudo().method_direct_trigger()
        self.env.invalidate_all()
        self.assertIn("SPV-INTERNAL-ANSWER", invoice.auto_invoice_spv_error)
        return order, invoice

    # === The defect: the e-Factura fields were readonly in the views only === #

    def test_billing_user_cannot_queue_or_clear_an_spv_submission(self):
        _order, invoice = self._posted_invoice()
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        for user in (self.billing_user, self.billing_only):
            for values in (
                {"auto_invoice_spv_pending": True},
                {"auto_invoice_spv_error": "forged"},
                {"auto_invoice_spv_error": False},
            ):
                with self.subTest(user=user.login, values=values), self.assertRaises(AccessError):
                    invoice.with_user(user).write(dict(values))
        with self.assertRaises(AccessError):
            invoice.with_user(self.billing_user).copy({"auto_invoice_spv_pending": True})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.billing_user).create(
                {"move_type": "out_invoice", "partner_id": self.customer.id, "auto_invoice_spv_pending": True}
            )
        self.assertFalse(invoice.auto_invoice_spv_pending)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers)
        invoice.sudo().auto_invoice_spv_error = "written by the system"  # the addon's own code, in sudo
        self.assertEqual(invoice.auto_invoice_spv_error, "written by the system")

    def test_odoo_send_by_a_billing_user_still_keeps_spv_answer(self):
        # Odoo's own Send runs as the billing user: the answer it leaves on the invoice is written by this addon.
        _order, invoice = self._posted_invoice()
        with patch(
            SPV_FUNCTIONS + "_request_ciusro_send_invoice", side_effect=FakeSpv({"error": SPV_ERROR}).send_invoice
        ):
            self.env["account.move.send"].with_user(self.billing_user)._generate_and_send_invoices(
                invoice.with_user(self.billing_user), sending_methods=[], extra_edis={"ro_edi"}, allow_raising=False
            )
        self.assertIn("SPV-INTERNAL-ANSWER", invoice.auto_invoice_spv_error)

    # === The matrix === #

    def test_matrix_of_the_romanian_fields_and_actions(self):
        order, invoice = self._refused_invoice()
        readers = {"salesman", "billing"}

        self.assertCells(
            "account.move: read the e-Factura fields",
            lambda user, _rec: invoice.with_user(user).read(["auto_invoice_spv_pending", "auto_invoice_spv_error"]),
            readers,
        )
        self.assertCells(
            "sale.order: read its e-Factura status",
            lambda user, _rec: order.with_user(user).read(["auto_invoice_spv_state"]),
            readers,
        )
        for field, value in (("auto_invoice_spv_pending", True), ("auto_invoice_spv_error", False)):
            self.assertCells(
                f"account.move: write {field}",
                lambda user, _rec, field=field, value=value: invoice.with_user(user).write({field: value}),
                set(),
            )
        self.assertCells(
            "account.move: Send e-Factura Again",
            lambda user, record: record.with_user(user).action_auto_invoice_spv_resend(),
            {"billing"},
            fixture=lambda: self._refused_invoice()[1],
        )
        self.assertCells(
            "account.move: search the invoices queued for SPV",
            lambda user, _rec: bool(
                self.env["account.move"]
                .with_user(user)
                .search([("id", "=", invoice.id), ("auto_invoice_spv_error", "!=", False)])
            ),
            readers,
        )
