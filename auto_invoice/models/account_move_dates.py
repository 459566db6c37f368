"""The dates of the drafts made at the signature: an invoice is dated the day it is posted, and due from that day.

A draft that the acceptance makes (its invoice, a deposit, the invoice of an online payment) waits for its review
(Confirm & Send, Odoo's Confirm) or for its policy, a cron or a job. Odoo dates an invoice without a date the day it is
posted, but the due date of a draft without payment terms stays the day the draft was made: reviewed a day later, it
would go out overdue. Whatever posts it, the posting itself (`_post`) makes it due as its terms say from the day it is
dated; what a person set on the draft is kept.
"""

from odoo import fields, models


class AccountMove(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    # The dates a draft of an acceptance was made with: a date that differs when it is posted was set by a person (or
    # by a program on their behalf) and is kept. Compared rather than detected in write(): Odoo's form sends the due
    # date with every save (force_save) and recomputes it when the payment terms change, so a write that names a date
    # does not say that a person chose it. Empty on every other move, whose dating stays Odoo's.
    auto_invoice_draft_invoice_date = fields.Date(
        string="Invoice Date of the Draft",
        readonly=True,
        copy=False,
        help="The invoice date the acceptance made this draft with: a different one was set by a person, and is kept "
        "when the invoice is posted; else it is dated the day it is posted.",
    )
    auto_invoice_draft_due_date = fields.Date(
        string="Due Date of the Draft",
        readonly=True,
        copy=False,
        help="The due date the acceptance made this draft with: a different one was set by a person, and is kept when "
        "the invoice is posted; else it is due as its payment terms say from its invoice date.",
    )

    # === ACTION METHODS === #

    def _post(self, soft=True):
        self._auto_invoice_date_drafts()
        return super()._post(soft=soft)

    # === BUSINESS METHODS === #

    def _auto_invoice_remember_draft_dates(self):
        """Remember the dates of these drafts, just made by an acceptance (see _auto_invoice_date_drafts). In sudo: the
        acceptance makes them for the signer, who may not write invoices."""
        for move in self.sudo():
            move.auto_invoice_draft_invoice_date = move.invoice_date
            move.auto_invoice_draft_due_date = move.invoice_date_due

    def _auto_invoice_date_drafts(self):
        """Date the drafts of acceptances about to be posted the day they are posted, and make them due as their
        payment terms say from their date (without terms: due that day). An invoice date or due date that a person set
        on the draft is kept. Left to Odoo's own check in _post when the user may not post."""
        if not (self.env.su or self.env.user.has_group("account.group_account_invoice")):
            return
        today = fields.Date.context_today(self)  # the day Odoo's _post dates an invoice without a date
        for move in self.filtered(lambda move: move.state == "draft" and move.auto_invoice_draft_due_date):
            if move.invoice_date and move.invoice_date == move.auto_invoice_draft_invoice_date:
                move.invoice_date = today  # a date it was made with; without one, Odoo dates it today in _post
            if move.invoice_date_due == move.auto_invoice_draft_due_date and not move.invoice_payment_term_id:
                move.invoice_date_due = move.invoice_date or today  # with terms, Odoo computes it from the date
