from odoo.tests import HttpCase, tagged

from .common import AutoInvoiceCommon, pdf_text


@tagged("post_install", "-at_install", "auto_invoice_stock")
class TestAutoInvoiceAdditionsOfOtherAddons(AutoInvoiceCommon, HttpCase):
    """What other addons add to Odoo's invoice document prints in both designs: stock_account's lots (with
    sale_stock) and a localisation's line in the customer's address (l10n_ca's PST number); a localisation's own
    invoice document (l10n_au's "Tax Invoice") still renders, and wins over the branded design. The pass that installs
    sale_stock installs l10n_ca and l10n_au too (scripts/test.sh)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"primary_color": "#0B5394", "secondary_color": "#E69138"})
        lots_on_invoice = cls.env.ref("stock_account.group_lot_on_invoice")
        cls.billing_user.group_ids |= lots_on_invoice
        cls.invoice_address.l10n_ca_pst = "PST-1234-5678"
        sensor = cls._create_product(
            name="Sensor", is_storable=True, tracking="lot", invoice_policy="delivery", lst_price=80.0
        )
        lot = cls.env["stock.lot"].create({"name": "LOT-SENSOR-0042", "product_id": sensor.id})
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(sensor, warehouse.lot_stock_id, 2.0, lot_id=lot)

        order = cls._create_quotation(lines=[(sensor, 2.0)], require_signature=False)
        order.action_confirm()
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        cls.invoice = order._create_invoices()
        cls.invoice.action_post()

    def test_lots_and_localisation_print_in_both_designs(self):
        for design in ("standard", "auto_invoice"):
            with self.subTest(design=design):
                self.company.auto_invoice_report_design = design
                text = pdf_text(self._render_pdf(self.invoice))
                self.assertIn("LOT-SENSOR-0042", text, "stock_account's lots and serial numbers")
                self.assertIn("PST: PST-1234-5678", text, "l10n_ca's line in the customer's address")

    def test_own_invoice_document_of_a_localisation_renders_and_wins(self):
        # l10n_au's copy of Odoo's document replaces its title: the deposit titles added around it must still compile.
        self.company.write({"account_fiscal_country_id": self.env.ref("base.au").id, "l10n_au_is_gst_registered": True})
        for design in ("standard", "auto_invoice"):
            with self.subTest(design=design):
                self.company.auto_invoice_report_design = design
                self.assertEqual(self.invoice._get_name_invoice_report(), "l10n_au.report_invoice_document")
                self.assertIn("Tax Invoice", pdf_text(self._render_pdf(self.invoice)))
