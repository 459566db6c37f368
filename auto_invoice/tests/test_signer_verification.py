import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import AutoInvoiceCommon, pdf_text

UA = "Mozilla/5.0 AutoInvoiceSignerVerificationTest/1.0"
CODE_IN_EMAIL = re.compile(r'class="o_auto_invoice_email_code"[^>]*>\s*(\d{6})\s*<')
NOT_VERIFIED = "confirm your email address with the code we email you"


def page_text(response):
    """The words of a page as a browser shows them: no tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())


@tagged("post_install", "-at_install")
class TestSignerVerification(AutoInvoiceCommon, HttpCase, MockEmail):
    """A company that verifies signers by email: each signer types a code emailed to them before their link signs,
    on the real portal routes, reading the code from the email as the signer does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer, cls.director = cls.env["res.partner"].create(
            [
                {"name": "Bea Buyer", "email": "bea@example.com", "parent_id": cls.customer.id},
                {"name": "Dan Director", "email": "dan@example.com", "parent_id": cls.customer.id},
            ]
        )
        cls.env.company.auto_invoice_verify_signer_email = True

    def _quotation(self, partners=None):
        partners = partners or self.buyer | self.director
        order = self._create_quotation(lines=[(self.service, 1.0)], state="draft")
        order.signer_ids = [Command.create({"partner_id": p.id, "sequence": i}) for i, p in enumerate(partners)]
        order.action_quotation_sent()
        return order

    def _signer(self, order, partner):
        return order.signer_ids.filtered(lambda signer: signer.partner_id == partner)

    def _sign(self, order, partner):
        signer = self._signer(order, partner)
        return self._accept_on_portal(order, UA, access_token=signer.sudo().access_token, name=partner.name)

    def _csrf_token(self, signer):
        """The CSRF token of the signer's page, which its forms post."""
        page = self.url_open(signer._portal_url()).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _post_from_page(self, signer, route, **data):
        """Submit a form of the signer's page as their browser does; the page it leads to."""
        return self.url_open(
            f"/my/orders/{signer.order_id.id}/signer/{route}",
            data={"access_token": signer.sudo().access_token, "csrf_token": self._csrf_token(signer), **data},
        )

    def _ask_for_code(self, signer):
        """Click "Send me a code": (the page it leads to, the emails that left)."""
        with self.mock_mail_gateway(mail_unlink_sent=True):
            page = self._post_from_page(signer, "code")
        return page, self._mails

    def _code_from(self, emails, signer):
        """The code, read from the one email that went to `signer`."""
        self.assertEqual(len(emails), 1, "one email")
        email = emails[0]
        self.assertEqual(email["email_to"], [signer.partner_id.email_formatted])
        return CODE_IN_EMAIL.search(email["body"]).group(1)

    def _emailed_code(self, signer):
        _page, emails = self._ask_for_code(signer)
        return self._code_from(emails, signer)

    def _type_code(self, signer, code):
        return page_text(self._post_from_page(signer, "verify", code=code))

    def assertNotSigned(self, order, signer, refused):
        self.assertIn(NOT_VERIFIED, refused["error"])
        self.assertRecordValues(signer, [{"state": "to_sign", "signed_on": False, "signature": False}])
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature or order.acceptance_ids or order.invoice_ids)

    def test_the_code_is_emailed_to_the_signer_and_kept_nowhere_else(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        page = page_text(self.url_open(buyer._portal_url()))
        self.assertIn("we email a six-digit code to b***@example.com", page)
        self.assertIn("Send me a code", page)

        page, emails = self._ask_for_code(buyer)
        code = self._code_from(emails, buyer)
        self.assertEqual(emails[0]["subject"], f"Your code to sign {order.name}")
        self.assertIn("We emailed a code to b***@example.com", page_text(page))
        self.assertNotIn("bea@example.com", page.text, "the page shows the address masked")

        buyer_sudo = buyer.sudo()
        self.assertTrue(buyer_sudo.email_code_hash)
        self.assertNotIn(code, buyer_sudo.email_code_hash, "a hash of the code, not the code")
        self.assertFalse(
            self.env["mail.message"].search([("subject", "=", f"Your code to sign {order.name}")]),
            "the email is deleted once sent",
        )
        self.assertFalse(self.env["mail.message"].search([("body", "ilike", code)]), "nor kept on the order")

    def test_a_signature_without_the_code_is_refused_and_changes_nothing(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        page = self.url_open(buyer._portal_url()).text
        self.assertNotIn("/accept?access_token=", page, "no pad before the code")

        self.assertNotSigned(order, buyer, self._sign(order, self.buyer))

        self._emailed_code(buyer)  # a code asked for is not a code typed
        self.assertNotSigned(order, buyer, self._sign(order, self.buyer))
        self.assertFalse(buyer.email_verified_on)

    def test_five_wrong_codes_lock_the_code_until_a_new_one(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        code = self._emailed_code(buyer)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for left in (4, 3, 2, 1):
            self.assertIn(f"This is not the code we emailed. Tries left: {left}.", self._type_code(buyer, wrong))
        self.assertIn("This code was tried too many times", self._type_code(buyer, wrong))

        self.assertIn("This code was tried too many times", self._type_code(buyer, code), "even the right one")
        self.assertFalse(buyer.email_verified_on)
        self.assertNotSigned(order, buyer, self._sign(order, self.buyer))

        with freeze_time(fields.Datetime.now() + timedelta(minutes=2)):
            new_code = self._emailed_code(buyer)
            self.assertIn("your email address is confirmed", self._type_code(buyer, new_code))
        self.assertTrue(buyer.email_verified_on)

    def test_an_expired_code_is_refused(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        code = self._emailed_code(buyer)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=10, seconds=1)):
            self.assertIn("This code has expired: ask for a new code.", self._type_code(buyer, code))
        self.assertFalse(buyer.email_verified_on)
        self.assertNotSigned(order, buyer, self._sign(order, self.buyer))

    def test_one_new_code_a_minute(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        code = self._emailed_code(buyer)
        page, emails = self._ask_for_code(buyer)
        self.assertIn("We emailed you a code less than a minute ago", page_text(page))
        self.assertFalse(emails, "no second email")

        with freeze_time(fields.Datetime.now() + timedelta(seconds=61)):
            new_code = self._emailed_code(buyer)
            if new_code != code:  # one chance in a million that both are the same
                self.assertIn("This is not the code we emailed", self._type_code(buyer, code), "the old one stops")
            self.assertIn("your email address is confirmed", self._type_code(buyer, new_code))

    def test_only_the_signer_whose_turn_it_is_gets_a_code(self):
        order = self._quotation()
        director = self._signer(order, self.director)
        page, emails = self._ask_for_code(director)
        self.assertIn("It is not your turn to sign yet", page_text(page))
        self.assertNotIn("o_auto_invoice_email_code", page.text)
        self.assertFalse(emails)

        with self.mock_mail_gateway():
            forged = self.url_open(
                f"/my/orders/{order.id}/signer/code",
                data={"access_token": order.access_token, "csrf_token": self._csrf_token(director)},
            )
        self.assertNotIn(f"/my/orders/{order.id}", forged.url, "the quotation's own link names no signer")
        self.assertFalse(self._mails)

    def test_the_right_code_then_the_signature_is_accepted_and_the_evidence_says_verified(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        code = self._emailed_code(buyer)
        page = self._type_code(buyer, f"{code[:3]} {code[3:]}")  # as copied from the email, with a space
        self.assertIn("your email address is confirmed", page)
        self.assertIn(f"accept?access_token={buyer.sudo().access_token}", self.url_open(buyer._portal_url()).text)
        self.assertTrue(buyer.email_verified_on)
        self.assertFalse(buyer.sudo().email_code_hash, "the code is spent")

        self.assertNotIn("error", self._sign(order, self.buyer))
        self.assertEqual(buyer.state, "signed")
        self.assertLessEqual(buyer.email_verified_on, buyer.signed_on)

        director = self._signer(order, self.director)
        self.assertNotSigned(order, director, self._sign(order, self.director))  # each signer their own code
        self.assertIn("your email address is confirmed", self._type_code(director, self._emailed_code(director)))
        self.assertNotIn("error", self._sign(order, self.director))

        self.assertEqual(order.state, "sale")
        certificate, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("auto_invoice.action_report_acceptance_certificate", order.acceptance_ids.ids)
        )
        text = "".join(pdf_text(certificate).split())  # no spaces: the PDF breaks the time across lines
        signatures = text[text.index("Signatures") : text.index("Technicalevidence")]
        for signer in buyer | director:
            verified_at = signer.email_verified_on.strftime("%Y-%m-%dT%H:%M:%SZ")
            self.assertIn(f"{signer.partner_id.email};signedat", signatures)
            self.assertIn(f";emailverifiedat{verified_at}(UTC)", signatures)

    def test_the_code_confirms_the_browser_that_typed_it(self):
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        self._type_code(buyer, self._emailed_code(buyer))
        self.assertTrue(buyer.email_verified_on)

        self.authenticate(None, None)  # the link forwarded to someone else's browser
        self.assertNotIn("/accept?access_token=", self.url_open(buyer._portal_url()).text)
        self.assertNotSigned(order, buyer, self._sign(order, self.buyer))

    def test_the_countersigner_signed_in_as_themselves_needs_no_code(self):
        cora = new_test_user(
            self.env, login="ai_countersigner", groups="sales_team.group_sale_salesman", name="Cora Countersigner"
        )
        order = self._quotation(self.buyer)
        order.signer_ids = [Command.create({"user_id": cora.id})]
        buyer, countersigner = order.signer_ids
        self._type_code(buyer, self._emailed_code(buyer))
        self.assertNotIn("error", self._sign(order, self.buyer))
        self.assertNotSigned(order, countersigner, self._sign(order, cora.partner_id))  # their link, not signed in

        self.authenticate("ai_countersigner", "ai_countersigner")
        page = self.url_open(countersigner._portal_url()).text
        self.assertNotIn("o_auto_invoice_email_code", page)
        self.assertNotIn("error", self._sign(order, cora.partner_id))
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(countersigner, [{"state": "signed", "email_verified_on": False}])

    def test_without_the_setting_the_link_alone_signs(self):
        self.env.company.auto_invoice_verify_signer_email = False
        order = self._quotation()
        buyer = self._signer(order, self.buyer)
        page = self.url_open(buyer._portal_url()).text
        self.assertNotIn("o_auto_invoice_email_code", page)
        self.assertIn(f"accept?access_token={buyer.sudo().access_token}", page, "the pad, as today")
        _page, emails = self._ask_for_code(buyer)
        self.assertFalse(emails, "no code to send")

        self.assertNotIn("error", self._sign(order, self.buyer))
        self.assertRecordValues(buyer, [{"state": "signed", "email_verified_on": False}])

    def test_a_signer_confirms_their_address_and_signs_in_the_browser(self):
        order = self._quotation(self.buyer)
        buyer = self._signer(order, self.buyer)
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self.start_tour(buyer._portal_url(), "auto_invoice_signer_email_code_request")
        code = self._code_from(self._mails, buyer)

        self.start_tour(f"{buyer._portal_url()}#code={code}", "auto_invoice_signer_email_code_sign")

        self.assertRecordValues(buyer, [{"state": "signed", "signed_by": "Bea Buyer"}])
        self.assertTrue(buyer.email_verified_on)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.acceptance_ids.signer_ids, buyer)
