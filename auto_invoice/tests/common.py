import base64
import hashlib
import io
import json
import re
import subprocess
import tempfile

import polib
import pytz
from PIL import Image, ImageDraw

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.modules.module import load_script
from odoo.tests import new_test_user
from odoo.tools import SQL, format_amount, mute_logger
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.account_payment.tests.common import AccountPaymentCommon

PORTAL_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AutoInvoiceTest/1.0"


def signature_png():
    """A small real PNG signature, base64 encoded without a data: prefix, as the portal sends it."""
    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 15), (110, 65), (170, 20), (230, 55)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def pdf_pages(pdf):
    """The text layer of each page of a PDF, as pdftotext (poppler-utils) reads it, blanks normalised."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    text = result.stdout.decode().replace("\xa0", " ").replace("\u202f", " ")
    return [re.sub(r"[ \t]+", " ", page) for page in text.split("\f") if page.strip()]


def pdf_text(pdf):
    return "\n".join(pdf_pages(pdf))


def pdfsig(pdf):
    """What poppler's pdfsig, as a customer's PDF reader, says of the signatures of `pdf`."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(["pdfsig", file.name], capture_output=True, text=True, check=False).stdout


def pdf_font_families(pdf):
    """The font families a PDF embeds, as pdffonts (poppler-utils) lists them: "DejaVuSans" for DejaVuSans-Bold, its
    subset prefix dropped; a font drawn as outlines without a name (Type 3) counts as "[none]"."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        result = subprocess.run(["pdffonts", file.name], capture_output=True, check=True)
    names = [line.split()[0] for line in result.stdout.decode().splitlines()[2:] if line.strip()]
    return {name.split("+", 1)[-1].split("-", 1)[0] for name in names}


def canonical_json(value):
    """The canonical JSON the README documents: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def expected_content_sha256(order):
    """The content SHA-256 of an order, computed here from the README's description, not by the addon's code."""
    currency, digits = order.currency_id, order.env["decimal.precision"].precision_get

    def money(value):
        return f"{currency.round(value):.{currency.decimal_places}f}"

    lines = [
        {
            "product_id": line.product_id.id,
            "description": line.name,
            "quantity": f"{line.product_uom_qty:.{digits('Product Unit')}f}",
            "uom_id": line.product_uom_id.id,
            "price_unit": f"{line.price_unit:.{digits('Product Price')}f}",
            "discount": f"{line.discount:.{digits('Discount')}f}",
            "tax_ids": sorted(line.tax_ids.ids),
            "price_subtotal": money(line.price_subtotal),
            "price_total": money(line.price_total),
        }
        for line in order.order_line
        if not line.display_type and not line.is_downpayment
    ]
    content = {
        "version": 2,
        "currency": currency.name,
        "partner_invoice_id": order.partner_invoice_id.id,
        "fiscal_position_id": order.fiscal_position_id.id or None,
        "payment_term_id": order.payment_term_id.id or None,
        "amount_untaxed": money(order.amount_untaxed),
        "amount_tax": money(order.amount_tax),
        "amount_total": money(order.amount_total),
        "lines": sorted(lines, key=canonical_json),
    }
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


class AutoInvoiceCommon(AccountTestInvoicingCommon):
    @classmethod
    def get_default_groups(cls):
        # The test environment's user sets up sales data; the tests act as `salesman` or `billing_user`.
        return super().get_default_groups() | cls.quick_ref("sales_team.group_sale_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # Odoo lets wkhtmltopdf wait `report.print_delay` (1 s by default) after loading a report, for scripts that
        # draw it; none of our documents runs one. The same PDFs, pixel for pixel with both engines, 1 s sooner each
        # (2 s with a header and footer document): see docs/testing.md.
        cls.env["ir.config_parameter"].sudo().set_param("report.print_delay", "0")
        cls.signature = signature_png()
        cls.salesman = new_test_user(
            cls.env,
            login="ai_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="ai_billing",
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
            company_id=company.id,
        )
        cls.team = cls.env["crm.team"].create({"name": "Agency Team", "company_id": company.id})
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Ada Customer",
                "email": "ada@customer.example.com",
                "is_company": True,
            }
        )
        cls.invoice_address = cls.env["res.partner"].create(
            {
                "name": "Ada Accounts",
                "email": "accounts@customer.example.com",
                "type": "invoice",
                "parent_id": cls.customer.id,
            }
        )
        cls.payment_term = cls.env.ref("account.account_payment_term_30days")
        cls.service = cls._create_product(
            name="Website design",
            type="service",
            invoice_policy="order",
            lst_price=1500.0,
        )
        cls.delivered_product = cls._create_product(
            name="Router",
            type="consu",
            invoice_policy="delivery",
            lst_price=120.0,
        )

    @classmethod
    def _create_quotation(cls, lines=None, **values):
        """A quotation sent to `customer`, waiting for their signature."""
        lines = lines or [(cls.service, 2.0), (cls.delivered_product, 3.0)]
        return cls.env["sale.order"].create(
            {
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
            }
        )

    def _accept_on_portal(self, order, user_agent, **params):
        """Sign `order` through the portal's route as its page does, with the link's token (in an HttpCase)."""
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "terms_sha256": order._auto_invoice_signing_terms_sha256(),  # what the page sends back
                "name": "Ada Lovelace",
                "signature": self.signature,
                **params,
            },
            headers={"User-Agent": user_agent},
        )

    def _decline_on_portal(self, order, message="Too expensive"):
        """Decline `order` on its portal page as its form does: the link's token and the page's CSRF token."""
        page = self.url_open(order.get_portal_url()).text
        return self.url_open(
            f"/my/orders/{order.id}/decline",
            data={
                "access_token": order.access_token,
                "decline_message": message,
                "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            },
        )

    def _quotation_composer(self, order, user=None):
        """The Send by Email wizard of `order`, as the salesperson opens it (its default template)."""
        user = user or self.salesman
        action = order.with_user(user).action_quotation_send()
        return self.env["mail.compose.message"].with_user(user).with_context(**action["context"]).create({})

    @classmethod
    def _created_days_ago(cls, order, days=2):
        """`order` as if created `days` ago: an acceptance recorded by hand may be dated back to then, not before."""
        cls.env.cr.execute(
            SQL(
                "UPDATE sale_order SET create_date = create_date - make_interval(days => %s) WHERE id = %s",
                days,
                order.id,
            )
        )
        order.invalidate_recordset(["create_date"])
        return order

    def _sign_in_backend(self, order, user=None):
        order.with_user(user or self.salesman).write({"signature": self.signature, "signed_by": "Ada Lovelace"})

    @classmethod
    def _setup_branded_company(cls, **values):
        """The company of the branding tests, Brightline Studio, with `values`: cls.company."""
        cls.company = cls.env.company
        cls.company.write({"name": "Brightline Studio", **values})

    @classmethod
    def _create_portal_user(cls, login, company_partner):
        signer = cls.env["res.partner"].create(
            {
                "name": "Ada Lovelace",
                "email": f"{login}@customer.example.com",
                "parent_id": company_partner.id,
            }
        )
        return new_test_user(cls.env, login=login, groups="base.group_portal", partner_id=signer.id)

    def assertInvoicedOnce(self, order):
        """The order has exactly one non-cancelled invoice: its draft automatic invoice."""
        invoices = order.invoice_ids.filtered(lambda move: move.state != "cancel")
        self.assertEqual(len(invoices), 1, "exactly one invoice for one acceptance")
        self.assertEqual(order.auto_invoice_id, invoices)
        self.assertEqual(order.auto_invoice_state, "done")
        return invoices

    def _render_pdf(self, invoice, report="account.account_invoices", user=None):
        """A real PDF of `invoice` rendered by wkhtmltopdf (in an HttpCase, which serves the report's assets)."""
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(user or self.billing_user)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, invoice.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
        return pdf

    def _money(self, amount, currency):
        """`amount` as a PDF's text layer reads it (blanks normalised as in pdf_pages)."""
        return format_amount(self.env, amount, currency).replace("\xa0", " ").replace("\u202f", " ")

    def _formatted_datetime(self, value, tz="UTC"):
        """UTC `value` as the documents print it: at time zone `tz`, in the language's formats, without seconds."""
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        local = pytz.utc.localize(value).astimezone(pytz.timezone(tz))
        return local.strftime(f"{lang.date_format} {lang.time_format.replace(':%S', '')}")

    def _find_note(self, record, text):
        """The chatter notes of `record` that contain `text`."""
        return record.message_ids.filtered(lambda message: text in message.body)


ALLOWED, DENIED = "allowed", "denied"


class AccessMatrixCommon(AutoInvoiceCommon):
    """The personas of the access matrix, and its cells: each persona tries one thing on one resource, in a subTest
    that names both, rolled back after. Customer A is `customer` (quotations made by `_create_quotation`, sold by
    `salesman`), customer B is `competitor`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.competitor = cls.env["res.partner"].create(
            {"name": "Competitor Ltd", "email": "rival@competitor.example.com", "is_company": True}
        )
        company = cls.env.company
        cls.portal_a = cls._create_portal_user("ai_matrix_portal_a", cls.customer)
        cls.portal_b = cls._create_portal_user("ai_matrix_portal_b", cls.competitor)
        cls.other_salesman = new_test_user(
            cls.env, login="ai_matrix_salesman_other", groups="sales_team.group_sale_salesman", company_id=company.id
        )
        # Billing rights only: no sales group at all (`billing_user` sells too).
        cls.billing_only = new_test_user(
            cls.env, login="ai_matrix_billing", groups="account.group_account_invoice", company_id=company.id
        )
        # With sale_stock, a warehouse user (who reads sales orders); without it, an internal user with no sales rights.
        stock_user = cls.env.ref("stock.group_stock_user", raise_if_not_found=False)
        cls.inventory_user = new_test_user(
            cls.env,
            login="ai_matrix_inventory",
            groups="stock.group_stock_user" if stock_user else "base.group_user",
            company_id=company.id,
        )

    @classmethod
    def _setup_other_company_user(cls, company):
        """Sales (all documents) and billing rights, in `company` only."""
        cls.other_company_user = new_test_user(
            cls.env,
            login="ai_matrix_other_company",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @property
    def personas(self):
        return {
            "public": self.env.ref("base.public_user"),
            "portal_a": self.portal_a,
            "portal_b": self.portal_b,
            "salesman": self.salesman,
            "salesman_other": self.other_salesman,
            "billing": self.billing_only,
            "inventory": self.inventory_user,
            "other_company": self.other_company_user,
        }

    def assertCells(self, resource, attempt, allowed, fixture=None):
        """Every persona tries `attempt(user, record)` on `resource`: those of `allowed` must succeed, every other one
        must be refused (an AccessError, or the attempt returns False: the record is not found, a page sends them
        away). `fixture()` makes the record of each cell (one per cell: an allowed attempt changes it)."""
        for persona, user in self.personas.items():
            with self.subTest(persona=persona, resource=resource):
                record = fixture() if fixture else None
                self.assertEqual(
                    self._cell_outcome(attempt, user, record),
                    ALLOWED if persona in allowed else DENIED,
                    f"{persona} on {resource}",
                )

    def _cell_outcome(self, attempt, user, record):
        """ALLOWED, DENIED, or the other error the attempt raised (a wrong answer, named in the failure)."""
        savepoint = self.env.cr.savepoint()
        try:
            with mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models"):
                result = attempt(user, record)
            self.env.flush_all()
            return DENIED if result is False else ALLOWED
        except AccessError:
            return DENIED
        except Exception as error:  # any other error is a wrong answer, named in the failure
            return f"{type(error).__name__}: {error}"
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all(flush=False)

    def _log_in(self, user):
        """An HttpCase session as `user` (the public user: no session)."""
        if user == self.env.ref("base.public_user"):
            self.authenticate(None, None)
        else:
            self.authenticate(user.login, user.login + "x" * (8 - len(user.login)))  # new_test_user's password


class PortalCommon(AutoInvoiceCommon):
    """The customer signs through the portal's real route (in an HttpCase)."""

    def _accept(self, order, **params):
        return self._accept_on_portal(order, PORTAL_USER_AGENT, **params)

    def assertUntouched(self, order):
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature)
        self.assertFalse(order.auto_invoice_state)
        self.assertFalse(order.acceptance_ids)
        self.assertFalse(order.invoice_ids)


class OnlinePaymentCommon(AutoInvoiceCommon, AccountPaymentCommon):
    """Online payments as Odoo processes them: a real payment transaction through `_post_process`, never
    action_confirm."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Who posts any invoice of any order (a final invoice rewrites the order's down-payment lines).
        cls.accountant = new_test_user(
            cls.env,
            login="ai_payment_accountant",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
            company_id=cls.env.company.id,
        )

    def _signed_quotation_to_pay(self, prepayment, **values):
        """A quotation signed in the backend that waits for an online payment of `prepayment` (a share) of it."""
        values.setdefault("lines", [(self.service, 2.0)])
        order = self._create_quotation(require_payment=True, prepayment_percent=prepayment, **values)
        self._sign_in_backend(order)
        self.assertEqual((order.state, order.auto_invoice_state), ("sent", "pending"))
        return order

    def _pay(self, order, amount):
        """The customer pays `amount` online: a done transaction, post-processed by Odoo."""
        transaction = self._create_transaction(
            flow="redirect",
            sale_order_ids=[order.id],
            state="done",
            amount=amount,
            currency_id=order.currency_id.id,
            partner_id=order.partner_id.id,
            reference=f"{order.name}-{len(order.transaction_ids) + 1}",
        )
        with mute_logger("odoo.addons.sale.models.payment_transaction"):
            transaction._post_process()
        return transaction

    def _set_automatic_invoice(self, enabled):
        # As Settings do: the parameter is removed when the option is off (Odoo's send cron only asks if it is set).
        self.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", enabled)

    def _posted_total(self, order):
        """What the order's posted invoices bill in all, net of credit notes, in its currency."""
        posted = order.invoice_ids.filtered(lambda move: move.state == "posted")
        return order.currency_id.round(sum(-move.direction_sign * move.amount_total for move in posted))

    def assertEveryPaymentMatched(self, order):
        """Every done payment transaction of `order` has its payment matched in full, with invoices of `order`."""
        for transaction in order.transaction_ids.filtered(lambda tx: tx.state == "done"):
            receivable = transaction.payment_id.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            self.assertTrue(receivable.reconciled, f"{transaction.reference} is matched in full")
            matched = receivable.matched_debit_ids.debit_move_id.move_id
            self.assertTrue(matched and matched <= order.invoice_ids, f"{transaction.reference}: with its order's")

    def assertPaymentMatched(self, invoice, transaction):
        receivable = transaction.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        self.assertTrue(receivable.reconciled or receivable.matched_debit_ids, "the payment is matched")
        self.assertIn(invoice, receivable.matched_debit_ids.debit_move_id.move_id, "with the auto-invoice")


# Terms Romanian writes as English does: OCA's po-pretty-format stores them untranslated (empty), as Odoo's own
# ro.po files do. Any other empty translation is a term nobody translated.
SAME_IN_ROMANIAN = {
    "(BIC",
    "(UTC)",
    "API",
    "Backend",
    "Disc.%",
    "Document",
    "E-Factura",
    "ID",
    "Portal",
    "SHA-256",
    "Total",
    "UTC",
    "object._get_report_base_filename()",
}
PLACEHOLDERS = re.compile(r"%\([a-z_]+\)s|%[sd]|\{\{.*?\}\}|\{[a-z_]+\}|t-[a-z-]+=\"[^\"]*\"")


def create_for_legacy_orders(env, **kwargs):
    """What the migration to 19.0.1.1.0 does for the orders signed before acceptances existed (its script's own
    function, loaded as Odoo's upgrade loads it)."""
    script = load_script("auto_invoice/migrations/19.0.1.1.0/post-migration.py", "auto_invoice_migration_19_0_1_1_0")
    return script.create_for_legacy_orders(env, **kwargs)


def translation_problems(env, module, po_name="ro.po"):
    """What the Romanian translation of `module` lacks: every term Odoo would export for it (as `make pot` does)
    translated in `<module>/i18n/ro.po`, not fuzzy, with the same placeholders and QWeb attributes as its source."""
    terms = {
        source for mod, *_rest, source, _value, _comments in TranslationModuleReader(env.cr, [module]) if mod == module
    }
    entries = {
        entry.msgid: entry for entry in polib.pofile(file_path(f"{module}/i18n/{po_name}")) if not entry.obsolete
    }
    problems = []
    for term in sorted(terms):
        entry = entries.get(term)
        if not entry or (not entry.msgstr.strip() and term not in SAME_IN_ROMANIAN):
            problems.append(f"untranslated: {term[:80]!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {term[:80]!r}")
        elif entry.msgstr and sorted(PLACEHOLDERS.findall(term)) != sorted(PLACEHOLDERS.findall(entry.msgstr)):
            problems.append(f"placeholders differ: {term[:80]!r}")
    return terms, problems
