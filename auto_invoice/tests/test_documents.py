import hashlib
import os
import re
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

from PIL import Image

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.models import res_company
from odoo.addons.base.models import ir_actions_report as report_module

from .common import AutoInvoiceCommon, pdf_font_families, pdf_pages

# The engine make setup installs (the official build on patched Qt, first on PATH) and Debian's package.
PATCHED_ENGINE = "/usr/local/bin/wkhtmltopdf"
DEBIAN_ENGINE = "/usr/bin/wkhtmltopdf"


@contextmanager
def wkhtmltopdf_engine(path):
    """Odoo renders with the wkhtmltopdf at `path`: Odoo's own detection (`_wkhtml`) run on that binary alone."""
    with patch.dict(os.environ, {"PATH": os.path.dirname(path)}):
        info = report_module._wkhtml.__wrapped__()
    if info.bin != path or info.state != "ok":
        raise AssertionError(f"no working wkhtmltopdf at {path} (make setup installs both)")
    with (
        patch.object(report_module, "_wkhtml", return_value=info),
        patch.object(res_company, "wkhtmltopdf_says_patched_qt", return_value=info.is_patched_qt),
    ):
        yield info


def inked_rows(pdf, page=1, dpi=40):
    """For each pixel row of `page`, rasterised by pdftoppm at `dpi`, whether it holds any non-white pixel."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "document.pdf")
        source.write_bytes(pdf)
        command = ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), "-singlefile", "-png"]
        subprocess.run([*command, source, Path(folder, "page")], check=True)
        image = Image.open(Path(folder, "page.png")).convert("L")
    width, height = image.size
    pixels = image.load()
    return [any(pixels[column, row] < 200 for column in range(width)) for row in range(height)]


def first_ink(pdf, page=1):
    """Where the first non-white pixel row of `page` is, as a fraction of the page's height (pdftoppm)."""
    inked = inked_rows(pdf, page)
    return inked.index(True) / len(inked) if True in inked else 1.0


def gap_under_header(pdf, dpi=40):
    """The blank height (cm) between the header band at the top of page 1 and the first ink below it (pdftoppm)."""
    inked = inked_rows(pdf, dpi=dpi)
    band_start = inked.index(True)
    band_end = inked.index(False, band_start)
    next_ink = inked.index(True, band_end)
    return (next_ink - band_end) / dpi * 2.54


class DocumentsCommon(AutoInvoiceCommon):
    """What the customer holds, as wkhtmltopdf renders it: the quotation they sign, the full, deposit and final
    invoices, and the certificate of acceptance, in Odoo's design and in the branded one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_branded_company(
            street="12 Harbour Road",
            city="Antwerp",
            phone="+32 2 555 0100",
            email="hello@brightline.example",
            external_report_layout_id=cls.env.ref("web.external_layout_standard").id,
        )
        cls.order = cls._create_quotation(lines=[(cls.service, 2.0)])
        cls.order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        cls.invoice = cls.order.auto_invoice_id
        cls.invoice.action_post()

        cls.deposit_order = cls._create_quotation(
            lines=[(cls.service, 2.0)], auto_invoice_amount="percentage", auto_invoice_deposit_percentage=30.0
        )
        cls.deposit_order.with_user(cls.salesman).write({"signature": cls.signature, "signed_by": "Ada Lovelace"})
        cls.deposit_invoice = cls.deposit_order.auto_invoice_id
        cls.deposit_invoice.action_post()
        cls.final_invoice = cls.deposit_order._create_invoices(final=True)
        cls.final_invoice.action_post()
        cls.rendered = {}  # _documents() of each engine and design, rendered once per class

    def _render(self, report, records):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), "wkhtmltopdf rendered a real PDF")
        return pdf

    def _documents(self):
        """(label, PDF, what its text must name) for each document the customer holds, as the class set them up, in
        the company's design, by the engine in use: rendered by the first test that asks, read by the others."""
        key = (report_module._wkhtml().bin, self.company.auto_invoice_report_design)
        if key not in self.rendered:
            self.rendered[key] = self._render_documents()
        return self.rendered[key]

    def _render_documents(self):
        acceptance = self.order.acceptance_ids
        return [
            (
                "quotation",
                self.order.with_context(force_report_rendering=True)._auto_invoice_render_quotation_pdf(),
                [self.order.name, "Website design"],
            ),
            ("invoice", self._render("account.account_invoices", self.invoice), [self.invoice.name]),
            ("deposit", self._render("account.account_invoices", self.deposit_invoice), [self.deposit_invoice.name]),
            ("final", self._render("account.account_invoices", self.final_invoice), [self.final_invoice.name]),
            (
                "certificate",
                self._render("auto_invoice.action_report_acceptance_certificate", acceptance),
                [acceptance.name, "Ada Lovelace"],
            ),
        ]

    def assertProfessional(self, engine):
        """Each document names its sender, has a text layer, and starts at the top of its first page."""
        for design in ("standard", "auto_invoice"):
            self.company.auto_invoice_report_design = design
            for label, pdf, names in self._documents():
                with self.subTest(engine=engine, design=design, document=label):
                    text = "\n".join(pdf_pages(pdf))
                    for expected in ["Brightline Studio", "12 Harbour Road", *names]:
                        self.assertIn(expected, text, "the sender and the document, as text")
                    self.assertLess(first_ink(pdf), 0.1, "no blank band: the first ink is in the top tenth")

    def assertOneTypeface(self, engine):
        """A Romanian quotation, its invoice and its certificate print ă â î ș ț (comma below) in the typeface of the
        rest of their text, in the branded design: pdffonts lists one family, no fallback."""
        self.company.auto_invoice_report_design = "auto_invoice"
        customer = self.customer.copy({"name": "Brădet Construcții SRL", "street": "Strada Învățătorului 7"})
        service = self._create_product(
            name="Atelier de inițiere: șantier, țiglă, îmbinări",
            type="service",
            invoice_policy="order",
            lst_price=900.0,
        )
        order = self._create_quotation(lines=[(service, 1.0)], partner_id=customer.id, partner_invoice_id=customer.id)
        order.with_user(self.salesman).write({"signature": self.signature, "signed_by": "Ana Popescu-Țăranu"})
        order.auto_invoice_id.action_post()
        documents = [
            ("quotation", order.with_context(force_report_rendering=True)._auto_invoice_render_quotation_pdf()),
            ("invoice", self._render("account.account_invoices", order.auto_invoice_id)),
            ("certificate", self._render("auto_invoice.action_report_acceptance_certificate", order.acceptance_ids)),
        ]
        for label, pdf in documents:
            with self.subTest(engine=engine, document=label):
                self.assertIn("Brădet Construcții SRL", "\n".join(pdf_pages(pdf)), "the letters, as text")
                families = pdf_font_families(pdf)
                self.assertEqual(len(families), 1, f"one typeface, no fallback: {sorted(families)}")
                self.assertNotIn("[none]", families, "every font embedded as text, with its name")


@tagged("post_install", "-at_install")
class TestAutoInvoiceDocumentsPatchedEngine(DocumentsCommon, HttpCase):
    """The engine make setup installs and Odoo asks for: wkhtmltopdf on patched Qt."""

    def test_documents_name_their_sender_with_text_and_no_blank_band(self):
        with wkhtmltopdf_engine(PATCHED_ENGINE) as engine:
            self.assertTrue(engine.is_patched_qt)
            self.assertProfessional("patched")

    def test_romanian_letters_print_in_the_documents_own_typeface(self):
        for font in ("Lato", "Roboto"):  # Odoo's default (no comma-below letters) and one that has them
            self.company.font = font
            with self.subTest(font=font), wkhtmltopdf_engine(PATCHED_ENGINE):
                self.assertOneTypeface(f"patched, {font}")

    def test_branded_title_within_a_centimetre_of_the_header(self):
        self.company.auto_invoice_report_design = "auto_invoice"
        with wkhtmltopdf_engine(PATCHED_ENGINE):
            for label, pdf, _names in self._documents():
                with self.subTest(document=label):
                    self.assertLess(gap_under_header(pdf), 1.0, "no empty band between the header and the title")

    def test_branded_layout_tables_draw_no_box(self):
        # A table that only lays blocks out (the totals beside an empty cell) would get Odoo's report borders.
        self.company.auto_invoice_report_design = "auto_invoice"
        for report, record in (
            ("sale.action_report_saleorder", self.order),
            ("account.account_invoices", self.final_invoice),
        ):
            html = self.env["ir.actions.report"]._render_qweb_html(report, record.ids)[0].decode()
            tables = re.findall(r'<table[^>]*name="(auto_invoice_[a-z_]+)"[^>]*>', html)
            with self.subTest(report=report):
                self.assertTrue(tables)
                for tag in re.findall(r'<table[^>]*name="auto_invoice_[a-z_]+"[^>]*>', html):
                    self.assertIn("table-borderless", tag)

    def test_signed_quotation_is_the_branded_pdf_its_hash_covers(self):
        self.company.auto_invoice_report_design = "auto_invoice"
        order = self._create_quotation(lines=[(self.service, 1.0)])
        with wkhtmltopdf_engine(PATCHED_ENGINE):
            order.with_context(force_report_rendering=True).with_user(self.salesman).write(
                {"signature": self.signature, "signed_by": "Ada Lovelace"}
            )
        document = order.acceptance_ids.document_id.raw
        self.assertEqual(order.acceptance_ids.document_sha256, hashlib.sha256(document).hexdigest())
        text = "\n".join(pdf_pages(document))
        for expected in ("Brightline Studio", "12 Harbour Road", order.name, "PO-4711", "Accepted by Ada Lovelace"):
            self.assertIn(expected, text, "the signed PDF is the branded quotation")

    def test_several_invoices_print_as_one_pdf(self):
        invoices = self.invoice | self.deposit_invoice | self.final_invoice
        for design in ("standard", "auto_invoice"):
            self.company.auto_invoice_report_design = design
            with self.subTest(design=design), wkhtmltopdf_engine(PATCHED_ENGINE):
                text = "\n".join(pdf_pages(self._render("account.account_invoices", invoices)))
                for invoice in invoices:
                    self.assertIn(invoice.name, text, "every invoice is in the one PDF")


@tagged("post_install", "-at_install")
class TestAutoInvoiceDocumentsDebianEngine(DocumentsCommon, HttpCase):
    """Debian's wkhtmltopdf package (unpatched Qt: no header or footer documents, web fonts without a text layer),
    which a business may still run: the same documents, pointed to that binary explicitly."""

    def test_documents_name_their_sender_with_text_and_no_blank_band(self):
        with wkhtmltopdf_engine(DEBIAN_ENGINE) as engine:
            self.assertFalse(engine.is_patched_qt)
            self.assertProfessional("debian")

    def test_romanian_letters_print_in_the_documents_own_typeface(self):
        with wkhtmltopdf_engine(DEBIAN_ENGINE):
            self.assertOneTypeface("debian")

    def test_several_invoices_get_a_clear_message(self):
        invoices = self.invoice | self.deposit_invoice
        with wkhtmltopdf_engine(DEBIAN_ENGINE), self.assertRaisesRegex(UserError, "one at a time"):
            self._render("account.account_invoices", invoices)

    def test_engine_build_is_read_from_the_engine_unless_configured(self):
        company = self.env.company
        self.assertTrue(company._auto_invoice_engine_is_patched(), "make setup's engine says it is patched")
        parameters = self.env["ir.config_parameter"].sudo()
        for configured, expected in (("False", False), ("True", True)):
            with self.subTest(configured=configured):
                parameters.set_param("auto_invoice.wkhtmltopdf_patched_qt", configured)
                self.assertEqual(company._auto_invoice_engine_is_patched(), expected)
