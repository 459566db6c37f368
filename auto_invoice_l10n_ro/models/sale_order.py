from odoo import fields, models

from odoo.addons.auto_invoice.models.sale_order import ACCEPTANCE_READERS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    auto_invoice_spv_state = fields.Selection(
        selection=[
            ("to_send", "Being Sent"),
            ("error", "SPV Error"),
            ("invoice_not_indexed", "Not indexed"),
            ("invoice_sent", "Sent"),
            ("invoice_refused", "Refused"),
            ("invoice_validated", "Validated"),
        ],
        string="E-Factura",
        compute="_compute_auto_invoice_spv_state",
        groups=ACCEPTANCE_READERS,
        help="Where the e-Factura of this order's automatic invoice stands with ANAF's SPV.",
    )

    # Not stored, read from the invoice each time: no dependency on auto_invoice_id, which is not stored either.
    def _compute_auto_invoice_spv_state(self):
        for order in self:
            invoice = order.sudo().auto_invoice_id
            if invoice.auto_invoice_spv_pending:
                order.auto_invoice_spv_state = "to_send"
            elif invoice.l10n_ro_edi_state:
                order.auto_invoice_spv_state = invoice.l10n_ro_edi_state
            elif invoice.auto_invoice_spv_error:
                order.auto_invoice_spv_state = "error"
            else:
                order.auto_invoice_spv_state = False
