import base64

from odoo import fields, models

# ANAF's upload indexes are 10-digit numbers; the stand-in counts from here.
FIRST_INDEX = 5000000000


class AutoInvoiceDemoSpvSubmission(models.Model):
    """One e-Factura upload that the SPV stand-in received: what `_request_ciusro_send_invoice` was given, and the
    index it answered. Created by the stand-in only; the demo reads it over RPC."""

    _name = "auto_invoice_demo_spv.submission"
    _description = "E-Factura received by the SPV stand-in (demo)"
    _order = "id"
    _rec_name = "index"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    xml = fields.Binary(string="CIUS-RO XML", attachment=False, readonly=True)
    move_type = fields.Char(readonly=True)
    is_b2b = fields.Boolean(string="B2B", readonly=True)
    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    index = fields.Char(readonly=True, help="The upload index (index_incarcare) answered, as ANAF's does.")

    def _record(self, company, xml_data, move_type, is_b2b):
        """Keep an upload and give it its index; returns the submission."""
        submission = self.sudo().create(
            {
                "company_id": company.id,
                "xml": base64.b64encode(xml_data if isinstance(xml_data, bytes) else xml_data.encode()),
                "move_type": move_type,
                "is_b2b": is_b2b,
            }
        )
        submission.index = str(FIRST_INDEX + submission.id)
        return submission
