"""What a customer signs on a quotation, its hash, and the lock that keeps it once signed.

The lock checks the signed content itself, not the names of the fields a write mentions: any change of the fields the
content is made of, written or recomputed (a new customer brings new payment terms), has the order checked before the
transaction commits, against the content its acceptance recorded. Lines that Odoo or another module adds to a
confirmed order (delivered extras, re-invoiced expenses, rewards) are not what the customer signed: they pass, and the
review of the automatic invoice names them.
"""

from collections import Counter

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_repr, float_round, format_amount, get_lang

# Key of the precommit data: the ids of the signed orders to check before the transaction commits.
PENDING_CHECK = "auto_invoice.signed_content_orders"
# The version of the canonical form new acceptances record (see _auto_invoice_priced_content); an acceptance is always
# compared in the version it recorded.
CONTENT_VERSION = 2
# The fields the signed content is made of (see _auto_invoice_priced_content), and who it was signed for. The ORM calls
# constraints on them when they are written and when they are recomputed: each call has the order checked at commit.
ORDER_CONTENT_FIELDS = (
    "partner_id",
    "partner_invoice_id",
    "fiscal_position_id",
    "currency_id",
    "payment_term_id",
    "amount_untaxed",
    "amount_tax",
    "amount_total",
)
LINE_CONTENT_FIELDS = (
    "order_id",
    "display_type",
    "is_downpayment",
    "product_id",
    "name",
    "product_uom_qty",
    "product_uom_id",
    "price_unit",
    "discount",
    "tax_ids",
    "price_subtotal",
    "price_total",
)


class SaleOrder(models.Model):
    # One concern per file, as Odoo splits its large models: the model is extended from several files on purpose.
    _inherit = "sale.order"  # pylint: disable=consider-merging-classes-inherited

    @api.depends(
        "auto_invoice_acceptance_id",
        "partner_id",
        "partner_invoice_id",
        "fiscal_position_id",
        "payment_term_id",
        "order_line.price_total",
        "order_line.price_unit",
        "order_line.name",
    )
    def _compute_auto_invoice_content_matches(self):
        for order in self:
            order.auto_invoice_content_matches = bool(order.sudo().auto_invoice_acceptance_id) and not (
                order._auto_invoice_signed_content_changes()
            )

    # === CONSTRAINT METHODS === #

    @api.constrains(*ORDER_CONTENT_FIELDS)
    def _check_auto_invoice_signed_content_changed(self):
        self._auto_invoice_check_signed_content_at_commit()

    @api.constrains("company_id")
    def _check_auto_invoice_signed_company(self):
        # The acceptance's company follows its order's: checked here, when the company is written.
        if signed := self.filtered("auto_invoice_acceptance_id"):
            raise ValidationError(
                self.env._(
                    "%(orders)s is signed: it stays with the company it was signed with.",
                    orders=", ".join(signed.mapped("display_name")),
                )
            )

    # === BUSINESS METHODS === #

    def _auto_invoice_priced_lines(self):
        """The lines of this order that are priced content (see `sale.order.line._auto_invoice_is_priced_content`)."""
        self.ensure_one()
        return self.order_line.filtered(lambda line: line._auto_invoice_is_priced_content())

    def _auto_invoice_priced_content(self, version=CONTENT_VERSION):
        """The priced content an acceptance covers, and who it bills, as the dict whose canonical JSON
        `content_sha256` hashes.

        Version 2 of the form: ``{"version": 2, "currency": ISO code, "partner_invoice_id": id, "fiscal_position_id":
        id or null, "payment_term_id": id or null, "amount_untaxed", "amount_tax", "amount_total": amounts, "lines":
        [line, ...]}`` where each line is ``{"product_id", "description", "quantity", "uom_id", "price_unit",
        "discount", "tax_ids" (sorted ids), "price_subtotal", "price_total"}``. Amounts are strings with the
        currency's decimals; quantity, unit price and discount are strings with the "Product Unit", "Product Price"
        and "Discount" decimal precisions. Lines are sorted by their canonical JSON, so their order on the quotation
        does not matter. Sections, notes and down-payment lines are not priced content. The canonical JSON is
        `json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` encoded in UTF-8.
        Version 1 (acceptances recorded before 19.0.1.4.0) has neither the invoice address nor the fiscal position.

        :param int version: the version of the form, that of the acceptance it is compared with
        """
        self.ensure_one()
        acceptance_model = self.env["sale.order.acceptance"]
        lines = [self._auto_invoice_line_content(line) for line in self._auto_invoice_priced_lines()]
        content = {
            "version": version,
            "currency": self.currency_id.name,
            "payment_term_id": self.payment_term_id.id or None,
            "amount_untaxed": self._auto_invoice_amount_repr(self.amount_untaxed),
            "amount_tax": self._auto_invoice_amount_repr(self.amount_tax),
            "amount_total": self._auto_invoice_amount_repr(self.amount_total),
            "lines": sorted(lines, key=acceptance_model._canonical_json),
        }
        if version >= 2:  # who is billed
            content["partner_invoice_id"] = self.partner_invoice_id.id or None
            content["fiscal_position_id"] = self.fiscal_position_id.id or None
        return content

    def _auto_invoice_amount_repr(self, value):
        return float_repr(self.currency_id.round(value), self.currency_id.decimal_places)

    def _auto_invoice_line_content(self, line):
        """One line of the priced content (see `_auto_invoice_priced_content`)."""
        precision = self.env["decimal.precision"].precision_get

        def number(value, digits):
            return float_repr(float_round(value, precision_digits=digits), digits)

        return {
            "product_id": line.product_id.id,
            "description": line.name or "",
            "quantity": number(line.product_uom_qty, precision("Product Unit")),
            "uom_id": line.product_uom_id.id,
            "price_unit": number(line.price_unit, precision("Product Price")),
            "discount": number(line.discount, precision("Discount")),
            "tax_ids": sorted(line.tax_ids.ids),
            "price_subtotal": self._auto_invoice_amount_repr(line.price_subtotal),
            "price_total": self._auto_invoice_amount_repr(line.price_total),
        }

    def _auto_invoice_content_sha256(self, version=CONTENT_VERSION):
        """The SHA-256 of this order's priced content as it stands (what a signature now would record), in the form
        of `version`."""
        self.ensure_one()
        acceptance_model = self.env["sale.order.acceptance"]
        return acceptance_model._sha256(acceptance_model._canonical_json(self._auto_invoice_priced_content(version)))

    def _auto_invoice_match_signed_lines(self, signed):
        """Tell this order's priced lines that the customer signed from those added since.

        A line is signed when its content is one of the `signed` content's lines, each of those matching one line,
        the oldest first. A signed line that was changed matches nothing: its signed content is then missing.

        :param dict signed: the priced content of the acceptance
        :return: (signed lines, lines added after signing, the signed lines' contents that no line has any more)
        """
        self.ensure_one()
        canonical = self.env["sale.order.acceptance"]._canonical_json
        remaining = Counter(canonical(line) for line in signed["lines"])
        signed_lines = added_lines = self.env["sale.order.line"]
        for line in self._auto_invoice_priced_lines().sorted("id"):
            key = canonical(self._auto_invoice_line_content(line))
            if remaining[key]:
                remaining[key] -= 1
                signed_lines |= line
            else:
                added_lines |= line
        missing = []
        for line in signed["lines"]:
            if remaining[canonical(line)] > 0:
                remaining[canonical(line)] -= 1
                missing.append(line)
        return signed_lines, added_lines, missing

    def _auto_invoice_lines_added_after_signing(self):
        """The priced lines added to these signed orders since their acceptance (delivered extras, re-invoiced
        expenses, rewards...): the customer did not sign them."""
        added = self.env["sale.order.line"]
        for order in self:
            if signed := order.sudo().auto_invoice_acceptance_id._signed_content():
                added |= order._auto_invoice_match_signed_lines(signed)[1]
        return added

    def _auto_invoice_signed_content_changes(self):
        """What changed in what the customer signed on this order, one phrase per change; empty when nothing did.

        The customer (their company), who is billed (the invoice address and the fiscal position), every signed line,
        the currency and the payment terms must be as signed. Lines added after the signature change nothing signed
        once the order is confirmed; the order's totals then grow with them, and each signed line's own subtotal and
        total are what is compared. Until the confirmation, the order is what the customer pays for: its whole priced
        content and totals must be as signed.
        """
        self.ensure_one()
        acceptance = self.sudo().auto_invoice_acceptance_id
        signed = acceptance._signed_content()
        if not signed or not acceptance.content_sha256:
            return []
        changes = []
        if self.partner_id.commercial_partner_id != acceptance.partner_id.commercial_partner_id:
            changes.append(self.env._("the customer"))
        version = signed.get("version", 1)
        if self._auto_invoice_content_sha256(version) == acceptance.content_sha256:
            return changes
        content = self._auto_invoice_priced_content(version)
        _signed_lines, added, missing = self._auto_invoice_match_signed_lines(signed)
        changes += [
            self.env._("%(line)s changed or removed", line=line["description"].split("\n")[0]) for line in missing
        ]
        if added and self.state != "sale":
            changes += [self.env._("%(line)s added", line=(line.name or "").split("\n")[0]) for line in added]
        # A dict, not pairs: Odoo's term extractor takes the key of a pair for a term of the next one.
        labels = {
            "partner_invoice_id": self.env._("the invoice address"),
            "fiscal_position_id": self.env._("the fiscal position"),
            "currency": self.env._("the currency"),
            "payment_term_id": self.env._("the payment terms"),
        }
        changes += [label for key, label in labels.items() if content.get(key) != signed.get(key)]
        if not added and any(content[key] != signed[key] for key in ("amount_untaxed", "amount_tax", "amount_total")):
            changes.append(self.env._("the totals"))
        if not changes and not added:  # the same values in another form (a future version of the canonical form)
            changes.append(self.env._("the signed content"))
        return changes

    def _auto_invoice_check_signed_content(self):
        """Refuse a change of what the customer signed on these orders: they signed that content."""
        for order in self.sudo().filtered("auto_invoice_acceptance_id"):
            if changes := order._auto_invoice_signed_content_changes():
                raise UserError(
                    self.env._(
                        "%(order)s was signed by %(signer)s: its customer, lines, prices, taxes and terms cannot "
                        "change any more (changed: %(changes)s). To change them, cancel the order, set it back to "
                        "quotation and have it signed again.",
                        order=order.name,
                        signer=order.auto_invoice_acceptance_id._accepted_by(),
                        changes=", ".join(changes),
                    )
                )

    def _auto_invoice_check_signed_content_at_commit(self):
        """Have the signed content of these orders checked before the transaction commits.

        At commit, not now: a request may take several steps to its result (a module removes then adds back a reward
        line), and only that result is what the customer signed or not. Odoo runs the check when the request flushes,
        before it commits, and at every savepoint; its error rolls the whole change back.
        """
        signed = self.sudo().filtered("auto_invoice_acceptance_id")
        if not signed:
            return
        data = self.env.cr.precommit.data
        if PENDING_CHECK not in data:
            data[PENDING_CHECK] = set()
            self.env.cr.precommit.add(self.env["sale.order"].sudo()._auto_invoice_check_pending_signed_content)
        data[PENDING_CHECK].update(signed.ids)

    def _auto_invoice_check_pending_signed_content(self):
        data = self.env.cr.precommit.data
        orders = self.browse(data.get(PENDING_CHECK, ())).exists()
        try:
            orders._auto_invoice_check_signed_content()
        except UserError:
            # Still pending: the commit refuses it again if the caller carries on after this error.
            self.env.cr.precommit.add(self._auto_invoice_check_pending_signed_content)
            raise
        data.pop(PENDING_CHECK, None)

    def _auto_invoice_render_quotation_pdf(self):
        """The quotation PDF the customer signs, as Odoo renders it (its SHA-256 is the acceptance's evidence)."""
        self.ensure_one()
        return self.env["ir.actions.report"].sudo()._render_qweb_pdf("sale.action_report_saleorder", self.ids)[0]

    # === What the signing page says === #

    def _auto_invoice_when_text(self, value):
        """A UTC datetime of this order's signature as every document and email of its customer says it, in one
        format: the language's date and time, at the customer's time zone (see res.company._auto_invoice_customer_tz),
        named: "12/02/2026 10:14 (Europe/Bucharest)". The signed quotation, the certificate, the invoice and the
        confirmation email print the same instant the same way."""
        self.ensure_one()
        tz = self.company_id._auto_invoice_customer_tz(self.partner_id)
        when = self.env["ir.qweb.field.datetime"].value_to_html(value, {"tz_name": tz, "hide_seconds": True})
        return f"{when} ({tz})"

    def _auto_invoice_sign_label(self):
        """The signing action, as the page's button, the dialog's title and its button say it."""
        self.ensure_one()
        return self.env._("Sign & Pay") if self._has_to_be_paid() else self.env._("Accept & Sign")

    def _auto_invoice_signer_default_name(self):
        """The name the signing dialog suggests: the person who signs (the portal user, else the quotation's contact
        when it is a person), never the company, whose name is no signer's."""
        self.ensure_one()
        user = self.env.user
        if not user._is_public() and not user._is_internal() and not user.partner_id.is_company:
            return user.partner_id.name
        return "" if self.partner_id.is_company else self.partner_id.name

    def _auto_invoice_consent_text(self):
        """The statement shown next to the signature pad, and stored with the acceptance: it says what is invoiced
        and what happens to that invoice, as the policies of the quotation say."""
        self.ensure_one()
        consent = self.env._(
            "By signing, I accept quotation %(order)s from %(company)s for %(amount)s on behalf of %(customer)s, "
            "and I agree that my electronic signature is as binding as my handwritten signature.",
            order=self.name,
            company=self.company_id.name,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
            customer=self.partner_id.commercial_partner_id.name,
        )
        if not self.auto_invoice_on_signature:
            return consent
        return f"{consent} {self._auto_invoice_next_text()}"

    def _auto_invoice_signing_terms_sha256(self):
        """The SHA-256 of what the signing page states, whatever its language: the priced content (see
        `_auto_invoice_priced_content`), the parties, what the signature invoices and what happens to that invoice
        (the after-policy, and whether an online payment comes first). The page sends it back with the signature,
        which is refused when the quotation changed since (`_auto_invoice_signing_terms_refusal`)."""
        self.ensure_one()
        terms = {
            "content_sha256": self._auto_invoice_content_sha256(),
            "order": self.name,
            "company": self.company_id.name,
            "customer": self.partner_id.commercial_partner_id.name,
            "invoice": self.auto_invoice_on_signature
            and [
                self.auto_invoice_amount,
                float_repr(self.auto_invoice_deposit_percentage, 2),
                float_repr(self.currency_id.round(self.auto_invoice_deposit_amount), self.currency_id.decimal_places),
                self.auto_invoice_after,
                bool(self.require_payment),
            ],
        }
        acceptance_model = self.env["sale.order.acceptance"]
        return acceptance_model._sha256(acceptance_model._canonical_json(terms))

    def _auto_invoice_signing_terms_refusal(self, terms_sha256):
        """Why a signature sent from a page that showed `terms_sha256` cannot be taken, or None."""
        self.ensure_one()
        if terms_sha256 != self._auto_invoice_signing_terms_sha256():
            return self.env._(
                "This quotation changed since you opened it: reload the page to see it as it is now, then sign again."
            )
        return None

    def _auto_invoice_amount_text(self, policy=None):
        """What the invoice of the signature bills, in the customer's words: "An invoice of $ 1,000.00", "A deposit
        invoice of $ 300.00 (30%)".

        :param policy: the record whose policies say it: this order (the default), or its acceptance once signed
            (whose signed total it bills, whatever was added to the order since)
        """
        self.ensure_one()
        policy = policy or self
        total = policy._signed_total() if policy._name == "sale.order.acceptance" else self.amount_total
        if policy.auto_invoice_amount == "percentage":
            deposit = self.currency_id.round(total * policy.auto_invoice_deposit_percentage / 100)
            return self.env._(
                "A deposit invoice of %(amount)s (%(percentage)s%%)",
                percentage=self._auto_invoice_percentage_text(policy.auto_invoice_deposit_percentage),
                amount=format_amount(self.env, deposit, self.currency_id),
            )
        if policy.auto_invoice_amount == "fixed":
            return self.env._(
                "A deposit invoice of %(amount)s",
                amount=format_amount(self.env, policy.auto_invoice_deposit_amount, self.currency_id),
            )
        return self.env._("An invoice of %(amount)s", amount=format_amount(self.env, total, self.currency_id))

    def _auto_invoice_percentage_text(self, value):
        """A percentage as the customer's documents print it, without its sign: no needless decimals, the decimal
        separator of the environment's language ("30", "12.5"; "12,5" in Romanian)."""
        text = float_repr(float_round(value, precision_digits=2), 2).rstrip("0").rstrip(".")
        return text.replace(".", get_lang(self.env).decimal_point)

    def _auto_invoice_deposit_agreed_text(self):
        """The deposit that this quotation's signature invoices, as its PDF states it: "Deposit invoiced at
        signature: $ 300.00 (30% of $ 1,000.00)"; "" when the signature invoices no deposit."""
        self.ensure_one()
        policy = self.sudo().auto_invoice_acceptance_id or self  # once signed, what was signed
        if not self.auto_invoice_on_signature or policy.auto_invoice_amount not in ("percentage", "fixed"):
            return ""
        total = policy._signed_total() if policy._name == "sale.order.acceptance" else self.amount_total
        if policy.auto_invoice_amount == "fixed":
            return self.env._(
                "Deposit invoiced at signature: %(amount)s",
                amount=format_amount(self.env, policy.auto_invoice_deposit_amount, self.currency_id),
            )
        return self.env._(
            "Deposit invoiced at signature: %(amount)s (%(percentage)s%% of %(total)s)",
            amount=format_amount(
                self.env, self.currency_id.round(total * policy.auto_invoice_deposit_percentage / 100), self.currency_id
            ),
            percentage=self._auto_invoice_percentage_text(policy.auto_invoice_deposit_percentage),
            total=format_amount(self.env, total, self.currency_id),
        )

    def _auto_invoice_next_text(self, policy=None):
        """What the signature leads to, true to the policies: "An invoice of $ 1,000.00 will follow: kept as a draft
        for our review, then sent to you." The signing page, its dialog and the consent stored say it.

        :param policy: as in `_auto_invoice_amount_text`
        """
        self.ensure_one()
        policy = policy or self
        invoice, after = self._auto_invoice_amount_text(policy), policy.auto_invoice_after
        if self.require_payment:  # the order is confirmed, and invoiced, by the customer's online payment
            if after == "send":
                return self.env._(
                    "%(invoice)s will be issued once your payment is received, and sent to you by email.",
                    invoice=invoice,
                )
            if after == "post":
                return self.env._(
                    "%(invoice)s will be issued once your payment is received, in your customer portal.",
                    invoice=invoice,
                )
            return self.env._(
                "%(invoice)s will follow once your payment is received: kept as a draft for our review, then sent "
                "to you.",
                invoice=invoice,
            )
        if after == "send":
            return self.env._(
                "%(invoice)s will be issued as soon as you sign, and sent to you by email.", invoice=invoice
            )
        if after == "post":
            return self.env._(
                "%(invoice)s will be issued as soon as you sign, in your customer portal.", invoice=invoice
            )
        return self.env._("%(invoice)s will follow: kept as a draft for our review, then sent to you.", invoice=invoice)

    def _auto_invoice_signing_text(self):
        """What the quotation's portal page says before the signature: "Signing accepts this quotation. An invoice of
        $ 1,000.00 will follow: ..."; None when the signature invoices nothing."""
        self.ensure_one()
        if not self.auto_invoice_on_signature:
            return None
        return self.env._("Signing accepts this quotation. %(next)s", next=self._auto_invoice_next_text())

    def _auto_invoice_signed_outcome(self):
        """What the signature of this order created and what comes next, for its portal page once signed.

        In sudo: the customer reads neither the acceptance nor a draft invoice; only what the page may say is returned.

        :return: (sentence, the invoice to link to or an empty recordset); None when there is nothing to say
        """
        self.ensure_one()
        order = self.sudo()
        acceptance, invoice = order.auto_invoice_acceptance_id, order.auto_invoice_id
        if not acceptance.auto_invoice:
            return None
        if acceptance.state == "pending":
            next_text = self._auto_invoice_next_text(acceptance)
            return self.env._("Your signature is recorded. %(next)s", next=next_text), invoice.browse()
        if not invoice:
            if acceptance.state != "failed":
                return None  # what it invoices was invoiced already: nothing new to announce
            return self.env._(
                "Your order is confirmed. Its invoice will follow: we prepare it, then send it to you."
            ), invoice
        amount = format_amount(self.env, invoice.amount_total, invoice.currency_id)
        kind = "refund" if invoice.move_type == "out_refund" else invoice._auto_invoice_billing_kind()
        if invoice.state != "posted":
            document = {
                "refund": self.env._("A credit note of %(amount)s", amount=amount),
                "deposit": self.env._("A deposit invoice of %(amount)s", amount=amount),
            }.get(kind) or self.env._("An invoice of %(amount)s", amount=amount)
            sentence = self.env._(
                "Your order is confirmed. %(document)s is kept as a draft for our review, then sent to you.",
                document=document,
            )
            return sentence, invoice.browse()
        document = {
            "refund": self.env._("Credit note %(name)s of %(amount)s", name=invoice.name, amount=amount),
            "deposit": self.env._("Deposit invoice %(name)s of %(amount)s", name=invoice.name, amount=amount),
        }.get(kind) or self.env._("Invoice %(name)s of %(amount)s", name=invoice.name, amount=amount)
        if invoice.is_move_sent:
            sentence = self.env._(
                "Your order is confirmed. %(document)s is issued and was sent to you by email.", document=document
            )
        else:
            sentence = self.env._("Your order is confirmed. %(document)s is issued.", document=document)
        return sentence, invoice
