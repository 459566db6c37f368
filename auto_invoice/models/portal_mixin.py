from odoo import models

from ..owned_context import owned_value

# Context key of the addon's notices to its own people (the reviewer's email, the note telling the salesperson who
# reviews, the salesperson's activities): they name no customer. For every notification of a customer's document,
# Odoo's portal builds the customer's button and, to sign the customer up, writes a token on the customer's record;
# jobs notifying about several orders of one customer at once would all update that row and conflict (a
# serialization failure, each job run again). Honoured only as this addon sets it (an owned value).
INTERNAL_NOTICE = "auto_invoice_internal_notice"


class PortalMixin(models.AbstractModel):
    _inherit = "portal.mixin"

    def _mail_get_partners(self, introspect_fields=False):
        if owned_value(self.env, INTERNAL_NOTICE):
            return {record.id: self.env["res.partner"] for record in self}
        return super()._mail_get_partners(introspect_fields=introspect_fields)
