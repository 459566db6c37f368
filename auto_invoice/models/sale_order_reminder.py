import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)

# What the reminder job did (and so what it does next): written by the job alone, in sudo, whatever the view says.
REMINDER_LOG_FIELDS = {
    "sign_reminder_count",
    "sign_reminder_last_on",
    "sign_reminder_follow_up_on",
    "sign_reminder_next_date",
}

# The rule of a reminder cadence, for the company's defaults and each quotation's own: (definition, message).
REMINDER_CADENCE_RULE = (
    "CHECK(sign_reminder_first_days >= 0 AND sign_reminder_interval_days >= 1 AND sign_reminder_max_count >= 0)",
    "Reminders: the first one needs 0 days or more, the interval 1 day or more, and the count 0 or more.",
)


class SaleOrder(models.Model):
    """Reminders of unsigned quotations: the cadence (per company, then per quotation), the daily cron that emails the
    customer, and the call-the-customer activity once the reminders are spent or the quotation expired."""

    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    sign_reminder_first_days = fields.Integer(
        groups="base.group_user",
        string="First Reminder After (Days)",
        compute="_compute_sign_reminder_cadence",
        store=True,
        readonly=False,
        precompute=True,
        help="Days between sending this quotation and the first reminder to sign it.",
    )
    sign_reminder_interval_days = fields.Integer(
        groups="base.group_user",
        string="Reminder Interval (Days)",
        compute="_compute_sign_reminder_cadence",
        store=True,
        readonly=False,
        precompute=True,
        help="Days between two reminders.",
    )
    sign_reminder_max_count = fields.Integer(
        groups="base.group_user",
        string="Reminders at Most",
        compute="_compute_sign_reminder_cadence",
        store=True,
        readonly=False,
        precompute=True,
        help="How many reminders this quotation gets at most; 0 sends none.",
    )
    sign_reminder_sent_on = fields.Datetime(
        groups="base.group_user",
        string="Sent On",
        compute="_compute_sign_reminder_sent_on",
        store=True,
        readonly=False,
        copy=False,
        help="When the quotation was marked as sent (by email or by hand): the reminders count from then.",
    )
    sign_reminder_count = fields.Integer(
        groups="base.group_user",
        string="Reminders Sent",
        compute="_compute_sign_reminder_sent_on",
        store=True,
        readonly=True,
        copy=False,
    )
    sign_reminder_last_on = fields.Datetime(
        groups="base.group_user",
        string="Last Reminder On",
        compute="_compute_sign_reminder_sent_on",
        store=True,
        readonly=True,
        copy=False,
    )
    sign_reminder_next_date = fields.Date(
        groups="base.group_user",
        string="Next Reminder",
        compute="_compute_sign_reminder_next_date",
        store=True,
        index="btree_not_null",
        help="When the next reminder to sign goes to the customer; empty when none will.",
    )
    sign_reminder_follow_up_on = fields.Date(
        groups="base.group_user",
        string="Follow-up Scheduled On",
        compute="_compute_sign_reminder_sent_on",
        store=True,
        readonly=True,
        copy=False,
        help="When the salesperson was asked to call the customer about this unsigned quotation.",
    )
    sign_reminder_days_since_sent = fields.Integer(
        groups="base.group_user",
        string="Days Since Sent",
        compute="_compute_sign_reminder_days_since_sent",
    )

    _sign_reminder_cadence_valid = models.Constraint(*REMINDER_CADENCE_RULE)

    # === COMPUTE METHODS === #

    @api.depends("company_id")
    def _compute_sign_reminder_cadence(self):
        for order in self:
            company = order.company_id
            order.sign_reminder_first_days = company.sign_reminder_first_days
            order.sign_reminder_interval_days = company.sign_reminder_interval_days
            order.sign_reminder_max_count = company.sign_reminder_max_count

    @api.depends("state")
    def _compute_sign_reminder_sent_on(self):
        # A stored compute on the state, not an override of the send actions: every way Odoo marks a quotation sent
        # (the Send composer through message_post, "Mark as sent", an import or RPC creating it sent) writes `state`.
        # Back to a quotation, the cadence starts again at the next sending.
        for order in self:
            if order.state == "draft":
                order.sign_reminder_sent_on = False
                order.sign_reminder_count = 0
                order.sign_reminder_last_on = False
                order.sign_reminder_follow_up_on = False
                continue
            if order.state == "sent" and not order.sign_reminder_sent_on:
                order.sign_reminder_sent_on = fields.Datetime.now()
            else:
                order.sign_reminder_sent_on = order.sign_reminder_sent_on
            order.sign_reminder_count = order.sign_reminder_count
            order.sign_reminder_last_on = order.sign_reminder_last_on
            order.sign_reminder_follow_up_on = order.sign_reminder_follow_up_on

    @api.depends(
        "state",
        "require_signature",
        "signature",
        "validity_date",
        "partner_id.email",
        "auto_invoice_acceptance_id",
        "sign_reminder_sent_on",
        "sign_reminder_last_on",
        "sign_reminder_count",
        "sign_reminder_first_days",
        "sign_reminder_interval_days",
        "sign_reminder_max_count",
    )
    def _compute_sign_reminder_next_date(self):
        for order in self:
            due = order._sign_reminder_due_date()
            remind = (
                due
                and order._sign_reminder_awaits_signature()
                and order.sign_reminder_count < order.sign_reminder_max_count
                and order.partner_id.email
                and not (order.validity_date and due > order.validity_date)
            )
            order.sign_reminder_next_date = due if remind else False

    def _compute_sign_reminder_days_since_sent(self):
        today = fields.Date.today()
        for order in self:
            sent_on = order.sign_reminder_sent_on
            order.sign_reminder_days_since_sent = (
                (today - sent_on.date()).days if sent_on and order.state == "sent" else 0
            )

    def _sign_reminder_awaits_signature(self):
        """Whether this quotation was sent and still waits for the customer's signature (reminders are on)."""
        self.ensure_one()
        return bool(
            self.state == "sent"
            and self.sign_reminder_sent_on
            and self.require_signature
            and not self.signature
            and not self.sudo().auto_invoice_acceptance_id
            and self.sign_reminder_max_count > 0
        )

    def _sign_reminder_due_date(self):
        """The day the next reminder is due by the cadence alone (cap, expiry and email aside), or None."""
        self.ensure_one()
        if not self.sign_reminder_sent_on:
            return None
        if self.sign_reminder_count and self.sign_reminder_last_on:
            return fields.Date.add(self.sign_reminder_last_on.date(), days=self.sign_reminder_interval_days)
        return fields.Date.add(self.sign_reminder_sent_on.date(), days=self.sign_reminder_first_days)

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        if any(REMINDER_LOG_FIELDS & set(vals) for vals in vals_list):
            self._sign_reminder_check_log_write()
        return super().create(vals_list)

    def write(self, vals):
        if REMINDER_LOG_FIELDS & set(vals):
            self._sign_reminder_check_log_write()
        return super().write(vals)

    def _sign_reminder_check_log_write(self):
        # `readonly` is a rule of the views only: a count set back would email the customer again, a follow-up date
        # set ahead would skip the salesperson's call.
        if not self.env.su:
            raise AccessError(self.env._("Only the reminder job records the reminders of a quotation."))

    def _sign_reminder_due(self, today):
        """Whether a reminder goes today: due by the cadence, and the quotation not expired meanwhile."""
        self.ensure_one()
        next_date = self.sign_reminder_next_date
        return bool(next_date and next_date <= today and not (self.validity_date and self.validity_date < today))

    def _sign_reminder_follow_up_due(self, today):
        """Whether the salesperson must now call the customer: the last reminder had its interval to work, or the
        quotation expired unsigned. Once per sending."""
        self.ensure_one()
        if self.sign_reminder_follow_up_on or not self._sign_reminder_awaits_signature():
            return False
        if self.validity_date and self.validity_date < today:
            return True
        exhausted = self.sign_reminder_count >= self.sign_reminder_max_count
        return bool(exhausted and self._sign_reminder_due_date() <= today)

    @api.model
    def _cron_sign_reminder(self, batch_size=100):
        """Remind the customers of unsigned quotations, then ask salespeople to call those left unsigned.

        Batches of `batch_size`, progress committed after each quotation: a failure on one quotation is logged and
        skipped (it is tried again at the next run), the others still go.
        """
        today = fields.Date.today()
        if self.env.ref("auto_invoice.mail_template_sign_reminder", raise_if_not_found=False):
            self._sign_reminder_run(
                [("sign_reminder_next_date", "<=", today), ("state", "=", "sent")],
                lambda order: order._sign_reminder_due(today),
                lambda order: order._sign_reminder_send(),
                batch_size,
            )
        else:  # a user deleted the template: no reminder can go, once said rather than failing on each quotation
            _logger.warning("Reminders of unsigned quotations skipped: the template 'Reminder to Sign' was deleted")
        self._sign_reminder_run(
            [
                ("state", "=", "sent"),
                ("require_signature", "=", True),
                ("signature", "=", False),
                ("sign_reminder_sent_on", "!=", False),
                ("sign_reminder_follow_up_on", "=", False),
                ("sign_reminder_max_count", ">", 0),
                "|",
                ("validity_date", "<", today),
                ("sign_reminder_next_date", "=", False),
            ],
            lambda order: order._sign_reminder_follow_up_due(today),
            lambda order: order._sign_reminder_schedule_follow_up(today),
            batch_size,
        )

    @api.model
    def _sign_reminder_run(self, domain, is_due, process, batch_size):
        """Process the quotations of `domain` for which `is_due(order)`, one savepoint and one commit each."""
        cron = self.env["ir.cron"]
        seen = self.browse()  # processed, failed or not due: never searched again in this run
        while True:
            pending = fields.Domain(domain) & fields.Domain("id", "not in", seen.ids)
            if not (orders := self.search(pending, limit=batch_size)):
                return
            cron._commit_progress(remaining=self.search_count(pending))
            for order in orders:
                order = order[0]  # no prefetch across the commits
                seen |= order
                if is_due(order):
                    try:
                        with self.env.cr.savepoint():
                            process(order)
                    except Exception:  # one quotation never stops the others; it is tried again at the next run
                        _logger.exception("Reminder of unsigned quotation %s failed", order.name)
                if not cron._commit_progress(1):
                    return

    def _sign_reminder_send(self):
        """Email the customer a reminder with the review-and-sign link, logged in the chatter."""
        self.ensure_one()
        self._sign_reminder_email()
        self.sudo().write(  # the cron's user may be changed to one who is not the superuser
            {"sign_reminder_count": self.sign_reminder_count + 1, "sign_reminder_last_on": fields.Datetime.now()}
        )

    def _sign_reminder_email(self):
        """The reminder's email: to the customer, with the quotation's link."""
        template = self.env.ref("auto_invoice.mail_template_sign_reminder")
        # Queued, not sent inside the cron's transaction: the mail queue sends it after the commit.
        # The author follows the template's sender (the salesperson), not the cron's user.
        self.with_context(mail_notify_force_send=False).message_post_with_source(
            template,
            subtype_xmlid="mail.mt_comment",
            message_type="comment",
        )

    def _sign_reminder_schedule_follow_up(self, today):
        """One activity for the salesperson: call the customer about this unsigned quotation."""
        self.ensure_one()
        activity_type = self.env.ref("auto_invoice.mail_activity_type_sign_follow_up", raise_if_not_found=False)
        responsible = self._auto_invoice_responsible()
        if activity_type and responsible:
            self.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=responsible.id,
                date_deadline=today,
                note=self._sign_reminder_follow_up_note(today),
            )
        self.sudo().sign_reminder_follow_up_on = today

    def _sign_reminder_follow_up_note(self, today):
        """What the salesperson's follow-up says: why the quotation needs a call."""
        self.ensure_one()
        if self.validity_date and self.validity_date < today:
            return self.env._(
                "%(order)s expired on %(date)s without signature.", order=self.name, date=self.validity_date
            )
        return self.env._(
            "%(order)s is still unsigned after %(count)s reminder(s).",
            order=self.name,
            count=self.sign_reminder_count,
        )

    def _sign_reminder_close_follow_up(self, feedback):
        """The customer signed or the quotation is cancelled: nobody needs to call them any more."""
        activity_type = self.env.ref("auto_invoice.mail_activity_type_sign_follow_up", raise_if_not_found=False)
        if activity_type:
            activities = self.sudo().activity_ids.filtered(lambda act: act.activity_type_id == activity_type)
            activities.action_feedback(feedback=feedback)
