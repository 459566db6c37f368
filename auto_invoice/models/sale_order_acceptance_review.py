"""Who reviews the draft an acceptance made, and how they are asked: the "Review and send" activity goes to a person
who can confirm and send it (account_move_review.py); a salesperson who is not that person is told who is."""

from markupsafe import Markup

from odoo import models
from odoo.tools import format_amount

from ..owned_context import own
from .portal_mixin import INTERNAL_NOTICE


class SaleOrderAcceptance(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order.acceptance"  # pylint: disable=consider-merging-classes-inherited

    def _ask_review(self, invoice, note):
        """The "Review and send" activity on `invoice` (sudo), when the policy keeps it as a draft: for the reviewer
        (`_reviewer`); a salesperson who is not the reviewer is told who is."""
        acceptance = self.sudo()
        review_type = self.env.ref("auto_invoice.mail_activity_type_auto_invoice_review", raise_if_not_found=False)
        reviewer = self._reviewer()
        if acceptance.auto_invoice_after != "draft" or not review_type or not reviewer:
            return
        # Odoo's "assigned to you" email would name the draft by its customer's reference, offer to "View Journal
        # Entry" and come from whoever runs the request (OdooBot): the reviewer's email is ours (_notify_reviewer).
        self._schedule_for_salesperson(
            invoice.with_context(mail_activity_quick_update=True),
            activity_type_id=review_type.id,
            summary=self.env._("Review and send: %(document)s", document=invoice.type_name),
            user_id=reviewer.id,
            note=note,
        )
        self._notify_reviewer(invoice, reviewer, note)
        salesperson = acceptance.order_id._auto_invoice_responsible()
        if salesperson and salesperson != reviewer:
            self._tell_salesperson_of_reviewer(invoice, salesperson, reviewer)
        elif not self.env["account.move"]._auto_invoice_may_review(reviewer):
            self._tell_salesperson_of_reviewer(invoice, salesperson, None)

    def _notify_reviewer(self, invoice, reviewer, note):
        """The reviewer's email (or inbox) about `invoice` (sudo): from the company, in the reviewer's language, naming
        the quotation, its customer and amount, with a button to the invoice."""
        order = self.sudo().order_id
        invoice = invoice.with_context(
            lang=reviewer.lang or self.env.lang, mail_notify_force_send=False, **own(INTERNAL_NOTICE)
        )
        env = invoice.env
        what = env._(
            "%(document)s of %(order)s for %(customer)s, %(amount)s",
            document=invoice.type_name,
            order=order.name,
            customer=invoice.commercial_partner_id.name,
            amount=format_amount(env, invoice.amount_total, invoice.currency_id),
        )
        invoice.message_notify(
            partner_ids=reviewer.partner_id.ids,
            author_id=order.company_id.partner_id.id,
            subject=env._("Review and send: %(what)s", what=what),
            body=Markup("<p>%s</p><p>%s</p>")
            % (env._("%(what)s waits for your review. Check it, then press Confirm & Send.", what=what), note),
            model_description=invoice.type_name,
            email_layout_xmlid="mail.mail_notification_layout",
        )

    def _reviewer(self):
        """Who reviews and sends this acceptance's drafts: a user who can (`account.move._auto_invoice_may_review`).

        The company's named reviewer when the company says so; else the salesperson when they can act, else the named
        reviewer; the salesperson when nobody named can act (told so by `_ask_review`)."""
        acceptance = self.sudo()
        company = acceptance.order_id.company_id
        salesperson = acceptance.order_id._auto_invoice_responsible()
        may_review = self.env["account.move"]._auto_invoice_may_review
        named = company.auto_invoice_reviewer_id.filtered(lambda user: user.active and may_review(user))
        if company.auto_invoice_review_by == "reviewer" and named:
            return named
        return salesperson if may_review(salesperson) else named or salesperson

    def _tell_salesperson_of_reviewer(self, invoice, salesperson, reviewer):
        """A note on the order for its salesperson: who reviews and sends `invoice`, or that nobody named can."""
        order = self.sudo().order_id
        if reviewer:
            body = self.env._(
                "%(invoice)s waits for review by %(reviewer)s, who confirms and sends it.",
                invoice=invoice._get_html_link(),
                reviewer=reviewer.name,
            )
        else:
            body = self.env._(
                "%(invoice)s waits for review, and you cannot send invoices: ask a user with billing rights to confirm "
                "and send it, or ask your administrator to name an invoice reviewer or to let salespeople send the "
                "invoices of their signed quotations (Settings, Sales).",
                invoice=invoice._get_html_link(),
            )
        order.with_context(mail_notify_force_send=False, **own(INTERNAL_NOTICE)).message_post(
            body=body,
            author_id=self.env.ref("base.partner_root").id,
            subtype_xmlid="mail.mt_note",
            partner_ids=salesperson.partner_id.ids,
        )
