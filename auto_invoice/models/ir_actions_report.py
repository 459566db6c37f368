import lxml.html

from odoo import models

# Debian's wkhtmltopdf (unpatched Qt) draws web fonts as outlines, without a text layer: a system font stays text.
UNPATCHED_FONT_STYLE = (
    ".o_auto_invoice_in_body, .o_auto_invoice_in_body * { font-family: 'DejaVu Sans', sans-serif !important; }"
)
CLASS_XPATH = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _prepare_html(self, html, report_model=False):
        # Odoo hands each document's header and footer to wkhtmltopdf's --header-html/--footer-html, which a build on
        # unpatched Qt (Debian's) ignores: an invoice would lose its company block and footer. There, they go into the
        # document's body instead, in a font that stays text. Invoices only; the branded design places its own.
        if self._auto_invoice_needs_body_header_footer(html):
            html = self._auto_invoice_header_footer_in_body(html)
        return super()._prepare_html(html, report_model=report_model)

    def _auto_invoice_needs_body_header_footer(self, html):
        return (
            len(self) == 1
            and self.is_invoice_report
            and "o_auto_invoice_report" not in (html if isinstance(html, str) else html.decode())
            and not self.env.company._auto_invoice_engine_is_patched()
        )

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
