import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError


class AutoInvoiceSealUpload(models.TransientModel):
    _name = "auto_invoice.seal.upload"
    _description = "Upload the Company's Seal Certificate"

    company_id = fields.Many2one(
        comodel_name="res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    pkcs12_file = fields.Binary(string="Certificate File (.p12, .pfx)", attachment=False)
    pkcs12_filename = fields.Char(string="File Name")
    password = fields.Char()

    def action_upload(self):
        """Keep the certificate as the company's seal (a clear error for a file that cannot seal), then forget the
        file and its password: the wizard's row is readable by its user until Odoo vacuums it."""
        self.ensure_one()
        values = self.env["auto_invoice.seal"]._values_from_pkcs12(self._pkcs12_bytes(), self.password)
        self.company_id._auto_invoice_set_seal(values)
        self.write({"pkcs12_file": False, "password": False})
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _pkcs12_bytes(self):
        data = self.with_context(bin_size=False).pkcs12_file
        try:
            return base64.b64decode(data) if data else b""
        except (binascii.Error, ValueError):
            raise UserError(self.env._("This file is not a PKCS#12 certificate (.p12 or .pfx).")) from None
