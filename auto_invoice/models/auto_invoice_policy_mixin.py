from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

AMOUNT_POLICIES = [
    ("full", "The Whole Quotation"),
    ("percentage", "A Deposit (Percentage)"),
    ("fixed", "A Deposit (Fixed Amount)"),
]
AFTER_POLICIES = [
    ("draft", "Keep as Draft for Review"),
    ("post", "Post"),
    ("send", "Post and Send"),
]
# The after-policies that post (and send) an invoice without a person: chosen only by users with billing rights.
POSTING_POLICIES = ("post", "send")
POLICY_FIELDS = [
    "auto_invoice_amount",
    "auto_invoice_deposit_percentage",
    "auto_invoice_deposit_amount",
    "auto_invoice_after",
]


class AutoInvoicePolicyMixin(models.AbstractModel):
    """What an acceptance invoices and what happens to that invoice: the checks shared by the three levels that carry
    these policies (company default, quotation template, quotation). Each level defines the fields of POLICY_FIELDS.
    """

    _name = "auto_invoice.policy.mixin"
    _description = "Invoice on Signature Policies"

    # === CRUD METHODS === #

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if any(vals.get("auto_invoice_after") in POSTING_POLICIES for vals in vals_list):
            records._auto_invoice_check_posting_rights()
        return records

    def write(self, vals):
        if vals.get("auto_invoice_after") not in POSTING_POLICIES:
            return super().write(vals)
        # The value a record had is no choice, unless the same write changes where its default comes from (a new
        # quotation template): then only the new default is.
        keeps_default_source = not set(vals) & set(self._auto_invoice_default_after_fields())
        before = {record.id: record.auto_invoice_after for record in self} if keeps_default_source else {}
        res = super().write(vals)
        self._auto_invoice_check_posting_rights(before)
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        # A copy made by a user without billing rights gets its default, not another user's choice to post.
        if "auto_invoice_after" not in (default or {}) and not self._auto_invoice_may_choose_posting():
            for vals in vals_list:
                if vals.get("auto_invoice_after") in POSTING_POLICIES:
                    del vals["auto_invoice_after"]
        return vals_list

    @api.constrains(*POLICY_FIELDS)
    def _check_auto_invoice_policy(self):
        for record in self:
            if record.auto_invoice_amount == "percentage" and not 0 < record.auto_invoice_deposit_percentage <= 100:
                raise ValidationError(self.env._("The deposit percentage must be above 0 and at most 100."))
            if record.auto_invoice_amount == "fixed" and record.auto_invoice_deposit_amount <= 0:
                raise ValidationError(self.env._("The deposit amount must be above 0."))

    # === BUSINESS METHODS === #

    @api.model
    def _auto_invoice_may_choose_posting(self):
        """Whether the current user may choose a policy that posts or sends invoices: billing rights."""
        return self.env.su or self.env.user.has_group("account.group_account_invoice")

    def _auto_invoice_default_after(self):
        """The after-policy this record has when nobody chooses one here (quotations: their template's, else their
        company's), which a user without billing rights may keep."""
        return False

    @api.model
    def _auto_invoice_default_after_fields(self):
        """The fields `_auto_invoice_default_after` depends on."""
        return ()

    def _auto_invoice_check_posting_rights(self, before=None):
        """Refuse a policy that posts or sends chosen by a user without billing rights: an invoice posted in sudo at
        the signature is a decision for billing. The record's default, or the value it had, is no choice.

        :param dict before: the records' `auto_invoice_after` before the write, by id
        """
        if self._auto_invoice_may_choose_posting():
            return
        before = before or {}
        for record in self:
            after = record.auto_invoice_after
            if after in POSTING_POLICIES and after not in (record._auto_invoice_default_after(), before.get(record.id)):
                raise AccessError(
                    self.env._(
                        "Only users with billing rights can choose to post or send invoices at signature "
                        "(%(record)s). Keep the invoice as a draft for review, or ask a billing user.",
                        record=record.display_name,
                    )
                )
