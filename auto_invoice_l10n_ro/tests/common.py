from lxml import etree

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.auto_invoice.tests.common import AutoInvoiceCommon

SPV_FUNCTIONS = "odoo.addons.l10n_ro_edi.models.account_move."
UBL = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


class FakeSpv:
    """Stands in for ANAF's SPV where Odoo's tests patch it (l10n_ro_edi's module-level request function): keeps
    what it receives and answers as `_request_ciusro_send_invoice` does for ANAF's upload answers."""

    def __init__(self, answer=None):
        self.answer = answer or {"key_loading": "5019882651"}
        self.received = []

    def send_invoice(self, company, xml_data, move_type="out_invoice", is_b2b=True):
        self.received.append({"company": company, "xml": xml_data, "move_type": move_type, "is_b2b": is_b2b})
        return dict(self.answer)


class RomanianCommon(AutoInvoiceCommon):
    """A Romanian company (chart `ro`, RON, 21 % VAT) set up for e-Factura, and a Romanian B2B customer who
    receives CIUS-RO invoices and reads Romanian."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("ro")
    def setUpClass(cls):
        super().setUpClass()
        # A Romanian business with customers in both languages (a database made with --load-language=ro_RO only
        # has Romanian active).
        for lang in ("ro_RO", "en_US"):
            cls.env["res.lang"]._activate_lang(lang)
        ro = cls.env.ref("base.ro")
        cls.env.company.write(
            {
                "name": "Atelier Carpați SRL",
                "country_id": ro.id,
                "state_id": cls.env.ref("base.RO_B").id,
                "city": "Sector 1",
                "zip": "010101",
                "street": "Strada Lipscani 12",
                "vat": "RO1234567897",
                "l10n_ro_edi_access_token": "anaf-test-token",
            }
        )
        cls.env["res.partner.bank"].create(
            {
                "partner_id": cls.env.company.partner_id.id,
                "acc_number": "RO98RNCB1234567890123456",
                "allow_out_payment": True,  # trusted: Odoo posts no invoice that asks to pay an untrusted account
            }
        )
        address = {
            "country_id": ro.id,
            "state_id": cls.env.ref("base.RO_CJ").id,
            "city": "Cluj-Napoca",
            "zip": "400000",
            "street": "Strada Memorandumului 28",
            "lang": "ro_RO",
        }
        cls.customer.write(
            {"name": "Brădet Construcții SRL", "vat": "RO18547290", "invoice_edi_format": "ciusro", **address}
        )
        cls.invoice_address.write({"name": "Brădet Contabilitate", **address})
        cls.vat_21 = cls.company_data["default_tax_sale"]

    @classmethod
    def _create_quotation(cls, lines=None, **values):
        # No test fiscal position: the chart's own 21 % VAT applies.
        values.setdefault("fiscal_position_id", False)
        return super()._create_quotation(lines=lines, **values)

    def assertCiusRo(self, xml_data, invoice):
        """The CIUS-RO XML bills exactly `invoice`: number, lines, totals and VAT."""
        root = etree.fromstring(xml_data)
        self.assertIn("CIUS-RO", root.findtext("cbc:CustomizationID", namespaces=UBL))
        self.assertEqual(root.findtext("cbc:ID", namespaces=UBL), invoice.name)
        lines = root.findall("cac:InvoiceLine", namespaces=UBL)
        products = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        self.assertEqual(
            sorted(line.findtext("cac:Item/cbc:Name", namespaces=UBL) for line in lines),
            sorted(products.product_id.mapped("name")),
        )
        self.assertEqual(
            float(root.findtext("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", namespaces=UBL)),
            invoice.amount_untaxed,
        )
        self.assertEqual(
            float(root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL)), invoice.amount_total
        )
        self.assertEqual(float(root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=UBL)), invoice.amount_tax)
        self.assertEqual(
            root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", namespaces=UBL), "21.0"
        )
        self.assertEqual(root.findtext("cbc:DocumentCurrencyCode", namespaces=UBL), "RON")
