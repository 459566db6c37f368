import lxml.html

from odoo import models
from odoo.exceptions import AccessError, UserError

# Debian's wkhtmltopdf (unpatched Qt) draws web fonts as outlines, without a text layer: a system font stays text.
UNPATCHED_FONT_STYLE = (
    ".o_auto_invoice_in_body, .o_auto_invoice_in_body * { font-family: 'DejaVu Sans', sans-serif !important; }"
)
CLASS_XPATH = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
# What the customer holds besides invoices: the quotation they sign and the certificate of its acceptance.
CUSTOMER_DOCUMENTS = {
    "sale.report_saleorder",
    "sale.report_saleorder_pro_forma",
    "auto_invoice.report_acceptance_certificate",
    "auto_invoice.report_invoice_preview",
}
# Top and bottom margins (mm) where the engine draws no header or footer: the paper format reserves ~5 cm for them.
UNPATCHED_MARGIN_TOP = 10
UNPATCHED_MARGIN_BOTTOM = 12
# Top margin (mm) of the branded designs where the engine draws their header (about 2.5 cm high, from the page's
# top): the title starts a few millimetres below it, not under the 5 cm that Odoo's paper formats keep.
BRANDED_MARGIN_TOP = 32


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # A signed order's PDF is its signed copy, as the acceptance keeps it (sealed when the company seals): the
        # confirmation email, the portal's Download and the Print menu give the file the verification page knows,
        # until the order's priced content changes.
        ids = [res_ids] if isinstance(res_ids, int) else res_ids
        if ids and len(ids) == 1 and self._get_report(report_ref).report_name == "sale.report_saleorder":
            if signed_copy := self._auto_invoice_order_signed_copy(ids[0]):
                return signed_copy, "pdf"
        return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    def _auto_invoice_order_signed_copy(self, order_id):
        """The signed copy of the order `order_id`, if the user may read the order and it has one; else None."""
        order = self.env["sale.order"].browse(order_id).exists()
        try:
            order.check_access("read")
        except AccessError:
            return None  # Odoo's rendering refuses it as it always did
        return order and order._auto_invoice_signed_copy()

    def _prepare_html(self, html, report_model=False):
        # Odoo hands each document's header and footer to wkhtmltopdf's --header-html/--footer-html, which a build on
        # unpatched Qt (Debian's) ignores: a customer document would lose its company block and footer, and open on
        # the blank band the paper format keeps for them. There, they go into the document's body instead, in a font
        # that stays text, and the margins shrink to the page's. The branded designs place their own.
        unpatched = self._auto_invoice_is_customer_document() and not self.env.company._auto_invoice_engine_is_patched()
        branded = "o_auto_invoice_report" in (html if isinstance(html, str) else html.decode())
        if unpatched and not branded:
            html = self._auto_invoice_header_footer_in_body(html)
        result = super()._prepare_html(html, report_model=report_model)
        if branded and not unpatched and result:
            margin = {"data-report-margin-top": BRANDED_MARGIN_TOP, "data-report-header-spacing": BRANDED_MARGIN_TOP}
            result[4].update(margin)
        if unpatched and result:
            result[4].update(
                {
                    "data-report-margin-top": UNPATCHED_MARGIN_TOP,
                    "data-report-header-spacing": 0,
                    "data-report-margin-bottom": UNPATCHED_MARGIN_BOTTOM,
                }
            )
        return result

    def _run_wkhtmltopdf(self, bodies, report_ref=False, *args, **kwargs):
        # Odoo itself refuses several documents in one PDF on unpatched Qt, with a message no user can act on.
        report = self._get_report(report_ref) if report_ref else self
        if (
            len(bodies) > 1
            and report._auto_invoice_is_customer_document()
            and not self.env.company._auto_invoice_engine_is_patched()
        ):
            raise UserError(
                self.env._(
                    "This server's wkhtmltopdf (built on unpatched Qt) prints one document at a time: print these "
                    "%(count)s documents one at a time, or ask your administrator to install wkhtmltopdf built on "
                    "patched Qt, as Odoo recommends.",
                    count=len(bodies),
                )
            )
        return super()._run_wkhtmltopdf(bodies, report_ref, *args, **kwargs)

    def _auto_invoice_is_customer_document(self):
        """Whether this report prints a document the customer holds: an invoice, a quotation, a certificate."""
        return len(self) == 1 and (self.is_invoice_report or self.report_name in CUSTOMER_DOCUMENTS)

    def _auto_invoice_header_footer_in_body(self, html):
        """Each document's header becomes the top of its body, and its footer the bottom."""
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        for article in root.xpath(f"//div[{CLASS_XPATH.format('article')}]"):
            article.set("class", f"{article.get('class')} o_auto_invoice_in_body")
            style = lxml.html.Element("style")
            style.text = UNPATCHED_FONT_STYLE
            article.insert(0, style)
            header = article.xpath(f"preceding-sibling::div[{CLASS_XPATH.format('header')}][1]")
            footer = article.xpath(f"following-sibling::div[{CLASS_XPATH.format('footer')}][1]")
            for nodes, kind in ((header, "header"), (footer, "footer")):
                if not nodes:
                    continue
                node = nodes[0]
                node.getparent().remove(node)
                # No longer a wkhtmltopdf header/footer, else Odoo would take it out of the body again.
                classes = node.get("class").split()
                node.set("class", " ".join(f"o_auto_invoice_{kind}" if name == kind else name for name in classes))
                if kind == "header":
                    article.insert(1, node)  # after the style
                else:
                    article.append(node)
        return lxml.html.tostring(root, encoding="utf-8")
