"""Who reviews the invoices made at signature, and what the review lets a salesperson do.

Odoo lets only billing users edit, post and send invoices; salespeople read theirs. A company may keep it so (the
"Review and send" activity then goes to its reviewer, a billing user) or grant its salespeople, through the group
`group_auto_invoice_salesperson_review` (Settings › Sales, off by default), the right to edit and send the draft
invoices of their own signed quotations, and those only: the access rights the group gives on invoices are narrowed
here to those drafts, and posting them (which Odoo keeps for billing users) is done in sudo once this is checked.
"""

from odoo import api, models
from odoo.exceptions import AccessError

BILLING_GROUP = "account.group_account_invoice"
REVIEW_GROUP = "auto_invoice.group_auto_invoice_salesperson_review"


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or operation == "read" or not self or self.env.su:
            return result
        return self._auto_invoice_review_access()

    def write(self, vals):
        # Editing is what the review group gives, not posting: the state changes through Confirm & Send only.
        if "state" in vals and self._auto_invoice_reviews_through_group():
            raise AccessError(
                self.env._("Salespeople confirm the invoices of their signed quotations with Confirm & Send.")
            )
        return super().write(vals)

    def _auto_invoice_reviews_through_group(self):
        """Whether the user changes invoices through the review group only (not in sudo, without billing rights)."""
        user = self.env.user
        return not self.env.su and not user.has_group(BILLING_GROUP) and user.has_group(REVIEW_GROUP)

    def _auto_invoice_review_access(self):
        """None, or (the moves refused, the error) for a user who may change invoices through the review group only:
        the drafts made at the signature of their own quotations, nothing else."""
        if not self._auto_invoice_reviews_through_group():
            return None
        user = self.env.user
        refused = self.filtered(lambda move: move.id and not move._auto_invoice_is_reviewable_by(user))
        if not refused:
            return None
        return refused, lambda: AccessError(
            self.env._(
                "Salespeople may only edit and send the draft invoices of their own signed quotations (%(invoices)s "
                "is not one).",
                invoices=", ".join(refused.sudo().mapped("display_name")),
            )
        )

    def _auto_invoice_is_reviewable_by(self, user):
        """Whether `user`, through the review group, may edit and send this invoice: a draft made at the signature of
        a quotation of theirs."""
        self.ensure_one()
        move = self.sudo()
        return move.state == "draft" and bool(move.auto_invoice_acceptance_id) and move.invoice_user_id == user

    @api.model
    def _auto_invoice_may_review(self, user):
        """Whether `user` can act on a "Review and send" activity: edit, confirm and send the invoice."""
        return bool(user) and (user.has_group(BILLING_GROUP) or user.has_group(REVIEW_GROUP))

    def _auto_invoice_as_sender(self):
        """These invoices as Confirm & Send posts and sends them: in the user's rights for a billing user; in sudo,
        once `_auto_invoice_check_sendable` has checked them, for a salesperson of the review group (the user stays
        the author of what is sent)."""
        return self if self.env.user.has_group(BILLING_GROUP) else self.sudo()


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"  # pylint: disable=consider-merging-classes-inherited

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or operation == "read" or not self or self.env.su:
            return result
        moves_result = self.sudo().move_id.with_env(self.env)._auto_invoice_review_access()
        if not moves_result:
            return None
        refused_moves, error = moves_result
        return self.filtered(lambda line: line.sudo().move_id in refused_moves), error
