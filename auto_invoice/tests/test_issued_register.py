import hashlib
import json
import re
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import load_script
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .common import AutoInvoiceCommon, pdfsig
from .test_seal import blank_pdf

NOT_OURS = "This file was not issued by us, or it was changed after it was issued."


@tagged("post_install", "-at_install")
class TestIssuedRegister(AutoInvoiceCommon, HttpCase):
    """One register of the files we issued (signed quotations, certificates, invoices, quotations and orders as sent):
    the public page recognises every file the customer holds, and says what became of it since."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", "auto_invoice_seal": True, "auto_invoice_seal_invoices": True})
        cls.company.sudo()._auto_invoice_generate_seal()

    def _check(self, data, url="/verify"):
        """The verdict of the public page on the file `data`, as a visitor posts it."""
        return self._verdict(self.url_open(url, files={"document": ("a.pdf", data, "application/pdf")}))

    def _looks(self, data):
        """How the page shows its verdict on `data`: "success" (ours, standing as issued), "warning" (ours, no longer
        as issued) or "danger" (not ours)."""
        page = self.url_open("/verify", files={"document": ("a.pdf", data, "application/pdf")}).text
        return re.search(r'class="alert alert-(\w+)[^"]*"\s+role="status"\s+name="auto_invoice_verdict"', page).group(1)

    def _check_reference(self, reference):
        return self._verdict(self.url_open(f"/verify/{reference}"))

    def _verdict(self, response):
        match = re.search(r'name="auto_invoice_verdict"[^>]*>(.*?)</div>', response.text, re.S)
        said = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", match.group(1)) if match else ""
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", said)).strip()

    def _date(self, row, value):
        return row._verdict_date(value)

    def _send(self, invoice):
        invoice.with_context(force_report_rendering=True).with_user(self.billing_user).action_auto_invoice_send()
        return invoice.invoice_pdf_report_id.raw

    def _signed(self, order=None):
        order = order or self._create_quotation(lines=[(self.service, 2.0)])
        self._sign_in_backend(order.with_context(force_report_rendering=True))
        acceptance = order.acceptance_ids.filtered(lambda acceptance: acceptance.state != "void")
        self.assertTrue(acceptance.with_context(force_report_rendering=True)._attach_certificate())
        return order, acceptance

    # --- defects of the review ---------------------------------------------------------------------------------------

    def test_reissued_sealed_invoice_keeps_its_first_copy(self):
        order, _acceptance = self._signed()
        invoice = order.auto_invoice_id
        first = self._send(invoice)
        invoice.with_user(self.billing_user).button_draft()
        self.env.invalidate_all()  # as the next request: Odoo detached the first PDF, to make another
        second = self._send(invoice)
        self.assertNotEqual(first, second, "sealed again: a second file")
        self.assertIn("Signature is Valid.", pdfsig(second))
        said_first, said_second = self._check(first), self._check(second)
        self.assertIn(f"This is the invoice {invoice.name} that Brightline Studio issued to Ada Customer", said_first)
        rows = self.env["auto_invoice.issued.file"].sudo().search([("move_id", "=", invoice.id)], order="id")
        self.assertEqual(rows.mapped("state"), ["superseded", "current"])
        self.assertIn(
            f"This is an earlier copy, issued on {self._date(rows[0], rows[0].issued_on)}; the current copy was issued "
            f"on {self._date(rows[1], rows[1].issued_on)}.",
            said_first,
        )
        self.assertNotIn("earlier copy", said_second)
        self.assertEqual(
            (self._looks(first), self._looks(second)), ("warning", "success"), "an earlier copy stands out"
        )
        self.assertTrue(said_second.endswith("it has not been changed."), said_second)
        self.assertEqual(invoice.auto_invoice_pdf_sha256, hashlib.sha256(second).hexdigest(), "a view of the register")

    def test_voided_acceptance_is_answered_as_withdrawn_and_replaced(self):
        order, first = self._signed()
        signed_copy, certificate, reference = first.document_id.raw, first.certificate_id.raw, first.verification_ref
        order.action_cancel()  # as a manager: cancelling the draft invoice takes billing rights
        order.with_user(self.salesman).action_draft()
        self.assertEqual(first.state, "void")
        order.order_line.price_unit /= 2
        _order, second = self._signed(order)
        said = self._check(signed_copy)
        self.assertIn(order.name, said)
        self.assertIn("This acceptance was withdrawn on", said, "not vouched for as a live acceptance")
        withdrawn_on = self.env["auto_invoice.issued.file"].sudo().search([("acceptance_id", "=", first.id)], limit=1)
        date = first._verification_date(withdrawn_on.state_date)
        withdrawn = f"This acceptance was withdrawn on {date} and replaced by a later one."
        for label, said in (
            ("signed quotation", self._check(signed_copy)),
            ("certificate", self._check(certificate)),
            ("reference", self._check_reference(reference)),
        ):
            with self.subTest(document=label):
                self.assertIn(order.name, said)
                self.assertIn(withdrawn, said)
        live = self._check(second.document_id.raw)
        self.assertIn("it has not been changed.", live)
        self.assertNotIn("withdrawn", live)

    def test_files_the_customer_holds_are_recognised(self):
        order = self._create_quotation(lines=[(self.service, 2.0)], state="draft")
        self._quotation_composer(order).with_context(force_report_rendering=True).action_send_mail()
        sent = order.message_ids.attachment_ids.filtered(lambda attachment: attachment.mimetype == "application/pdf")
        self.assertEqual(len(sent), 1, "the quotation email's PDF")
        quotation_pdf = sent.raw
        self.assertIn(
            f"This is the quotation {order.name} as Brightline Studio sent it to Ada Customer",
            self._check(quotation_pdf),
        )
        _order, acceptance = self._signed(order)
        said = self._check(quotation_pdf)
        self.assertIn("before it was signed; it has not been changed.", said)
        # The confirmation email's order PDF and the portal's Download are the sealed signed copy.
        confirmation = order.message_ids.filtered(
            lambda message: acceptance.certificate_id.name in message.attachment_ids.mapped("name")
        )
        confirmation_pdfs = confirmation.attachment_ids.filtered(
            lambda attachment: attachment != acceptance.certificate_id
        )
        self.assertTrue(confirmation_pdfs)
        for attachment in confirmation_pdfs:
            self.assertEqual(
                attachment.raw, acceptance.document_id.raw, "the confirmation's order PDF is the signed copy"
            )
        self.authenticate(None, None)
        download = self.url_open(
            f"/my/orders/{order.id}?access_token={order._portal_ensure_token()}&report_type=pdf&download=true"
        )
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download.content, acceptance.document_id.raw, "the portal's Download is the signed copy")
        self.assertIn("Signature is Valid.", pdfsig(download.content))
        self.assertIn(f"This is the quotation {order.name} that Ada Lovelace accepted", self._check(download.content))
        # Changed since it was signed: the download is the order as it stands, and is recognised too.
        order.order_line = [Command.create({"product_id": self.service.id, "product_uom_qty": 1.0})]
        render = IrActionsReport._render_qweb_pdf

        def render_for_real(report, report_ref, res_ids=None, data=None):  # the route runs as in production
            return render(report.with_context(force_report_rendering=True), report_ref, res_ids=res_ids, data=data)

        with patch.object(IrActionsReport, "_render_qweb_pdf", render_for_real):
            changed = self.url_open(
                f"/my/orders/{order.id}?access_token={order.access_token}&report_type=pdf&download=true"
            ).content
        self.assertNotEqual(changed, acceptance.document_id.raw)
        self.assertIn(
            f"This is the order {order.name} as Brightline Studio issued it to Ada Customer", self._check(changed)
        )

    # --- suspicions of the review ------------------------------------------------------------------------------------

    def test_cancelled_and_credited_invoices_say_so(self):
        for outcome in ("cancelled", "credited"):
            with self.subTest(outcome=outcome):
                order, _acceptance = self._signed()
                invoice = order.auto_invoice_id
                pdf = self._send(invoice)
                if outcome == "cancelled":
                    invoice.with_user(self.billing_user).button_draft()
                    self.env.invalidate_all()
                    invoice.with_user(self.billing_user).button_cancel()
                    expected = "This invoice was cancelled on"
                else:
                    reversal = (  # as a manager: the billing user may not read another salesperson's order lines
                        self.env["account.move.reversal"]
                        .with_context(active_model="account.move", active_ids=invoice.ids)
                        .create({"journal_id": invoice.journal_id.id, "reason": "Returned"})
                    )
                    reversal.refund_moves()
                    invoice.reversal_move_ids.action_post()
                    expected = "A credit note was issued for this invoice on"
                said = self._check(pdf)
                self.assertIn(f"This is the invoice {invoice.name}", said)
                self.assertIn(expected, said)

    def test_page_says_what_became_of_a_file_in_romanian(self):
        self.env["res.lang"]._activate_lang("ro_RO")
        self.env["ir.module.module"]._load_module_terms(["auto_invoice"], ["ro_RO"], overwrite=True)
        order, _acceptance = self._signed()
        invoice = order.auto_invoice_id
        first = self._send(invoice)
        invoice.with_user(self.billing_user).button_draft()
        self.env.invalidate_all()
        self._send(invoice)
        said = self._check(first, url="/ro/verify")
        self.assertIn(f"Aceasta este factura {invoice.name}", said)
        self.assertIn("Aceasta este o copie anterioară, emisă pe", said)
        order, acceptance = self._signed()
        order.action_cancel()
        order.with_user(self.salesman).action_draft()
        said = self._check(acceptance.document_id.raw, url="/ro/verify")
        self.assertIn(f"Aceasta este oferta {order.name}", said)
        self.assertIn("Această acceptare a fost retrasă pe", said)

    def test_offline_acceptance_says_who_recorded_it_and_how(self):
        order = self._created_days_ago(self._create_quotation(lines=[(self.service, 1.0)]))
        self.env["sale.order.offline.acceptance"].with_user(self.salesman).create(
            {"order_id": order.id, "signer_name": "Ada Lovelace", "method": "phone"}
        ).with_context(force_report_rendering=True).action_record()
        acceptance = order.acceptance_ids
        said = self._check_reference(acceptance.verification_ref)
        self.assertIn(f"This acceptance was recorded by {self.salesman.name} from a call with the customer.", said)

    # --- the register itself -----------------------------------------------------------------------------------------

    def test_register_is_written_by_no_user(self):
        _order, acceptance = self._signed()
        row = self.env["auto_invoice.issued.file"].sudo().search([("acceptance_id", "=", acceptance.id)], limit=1)
        admin = new_test_user(self.env, login="ai_register_admin", groups="base.group_system,base.group_user")
        forged = {
            "kind": "invoice",
            "document_name": "INV/FORGED",
            "sha256": hashlib.sha256(blank_pdf()).hexdigest(),
            "channel": "invoice",
            "company_id": self.company.id,
        }
        for user in (self.salesman, self.billing_user, admin):
            with self.subTest(user=user.login):
                register = self.env["auto_invoice.issued.file"].with_user(user)
                with self.assertRaises(AccessError):
                    register.create(forged)
                with self.assertRaises(AccessError):
                    row.with_user(user).write({"state": "current", "sha256": forged["sha256"]})
                with self.assertRaises(AccessError):
                    row.with_user(user).unlink()
                with mute_logger("odoo.models"):
                    imported = register.load(list(forged), [list(forged.values())])
                self.assertFalse(imported["ids"], "an import writes nothing")
        with self.assertRaises(UserError):
            row.sudo().unlink()
        self.authenticate("ai_register_admin", "ai_register_admin")
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "model": "auto_invoice.issued.file",
                            "method": "create",
                            "args": [forged],
                            "kwargs": {},
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
        self.assertIn("error", response.json(), "RPC writes nothing")
        self.assertEqual(NOT_OURS, self._check(blank_pdf()))

    def test_hashes_kept_before_the_register_enter_it_at_upgrade(self):
        order, acceptance = self._signed()
        invoice = order.auto_invoice_id
        pdf = self._send(invoice)
        signed_sha, certificate_sha = acceptance.document_sha256, acceptance.certificate_sha256
        invoice_sha = hashlib.sha256(pdf).hexdigest()
        # The database as 19.0.1.6.0 left it: the hashes in their own columns, no register.
        cr = self.env.cr
        cr.execute(
            "ALTER TABLE sale_order_acceptance ADD COLUMN document_sha256 VARCHAR, "
            "ADD COLUMN certificate_sha256 VARCHAR"
        )
        cr.execute("ALTER TABLE account_move ADD COLUMN auto_invoice_pdf_sha256 VARCHAR")
        cr.execute(
            "UPDATE sale_order_acceptance SET document_sha256 = %s, certificate_sha256 = %s WHERE id = %s",
            (signed_sha, certificate_sha, acceptance.id),
        )
        cr.execute("UPDATE account_move SET auto_invoice_pdf_sha256 = %s WHERE id = %s", (invoice_sha, invoice.id))
        cr.execute("DELETE FROM auto_invoice_issued_file")
        self.env.invalidate_all()
        self.assertEqual(NOT_OURS, self._check(pdf))
        script = load_script(
            "auto_invoice/migrations/19.0.1.7.0/post-migration.py", "auto_invoice_migration_19_0_1_7_0"
        )
        script.migrate(cr, "19.0.1.6.0")
        script.migrate(cr, "19.0.1.6.0")  # idempotent
        self.env.invalidate_all()
        self.assertEqual(self.env["auto_invoice.issued.file"].sudo().search_count([]), 3)
        self.assertRecordValues(acceptance, [{"document_sha256": signed_sha, "certificate_sha256": certificate_sha}])
        self.assertEqual(invoice.auto_invoice_pdf_sha256, invoice_sha)
        self.assertIn(f"This is the invoice {invoice.name}", self._check(pdf))
        self.assertIn(
            f"This is the quotation {order.name} that Ada Lovelace accepted", self._check(acceptance.document_id.raw)
        )
