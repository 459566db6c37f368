from odoo.addons.auto_invoice.models.sale_order_acceptance_seal import new_verification_reference


def migrate(cr, version):
    """Every acceptance recorded before gets a verification reference of its own (the ORM would give them all one
    default value, which the unique index refuses). Their certificates, printed before, do not show it."""
    cr.execute("ALTER TABLE sale_order_acceptance ADD COLUMN IF NOT EXISTS verification_ref VARCHAR")
    cr.execute("SELECT id FROM sale_order_acceptance WHERE verification_ref IS NULL")
    for (acceptance_id,) in cr.fetchall():
        cr.execute(
            "UPDATE sale_order_acceptance SET verification_ref = %s WHERE id = %s",
            (new_verification_reference(), acceptance_id),
        )
