from odoo import Command
from odoo.tests import tagged

from odoo.addons.auto_invoice.tests.common import pdf_text
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import USER_AGENT, BackgroundCommon


@tagged("post_install", "-at_install")
class TestBackgroundSigners(BackgroundCommon):
    """Several signers in background mode: the signatures before the last one enqueue nothing; the last one is
    recorded as a single signature is, and its jobs complete the signed copy and the invoice."""

    def test_only_the_last_signature_enqueues_the_acceptances_jobs(self):
        contacts = self.env["res.partner"].create(
            [
                {"name": name, "email": f"{name.lower()}@example.com", "parent_id": self.customer.id}
                for name in ("Ann", "Bob")
            ]
        )
        order = self._create_quotation(lines=[(self.service, 1.0)], state="draft")
        order.signer_ids = [
            Command.create({"partner_id": contact.id, "sequence": i}) for i, contact in enumerate(contacts)
        ]
        order.action_quotation_sent()
        ann, bob = order.signer_ids

        with trap_jobs() as trap:
            self.assertNotIn("error", self._sign(order, access_token=ann.sudo().access_token, name="Ann"))
        self.assertFalse(trap.enqueued_jobs, "nothing to do until the last signature")
        self.assertFalse(order.acceptance_ids)

        with trap_jobs() as trap:
            self.assertNotIn(
                "error", self._accept_on_portal(order, USER_AGENT, access_token=bob.sudo().access_token, name="Bob")
            )
        acceptance = order.auto_invoice_acceptance_id
        self.assertEqual(acceptance.signer_ids, ann | bob)
        self._perform(trap)

        self.assertTrue(acceptance.document_id.raw.startswith(b"%PDF"))
        invoice = self.assertInvoicedOnce(order)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(order.signed_by, "Bob")
        confirmation = order.message_ids.filtered(
            lambda message: acceptance.certificate_id and acceptance.certificate_id in message.attachment_ids
        )
        self.assertEqual(len(confirmation), 1, "the job sent the confirmation with the certificate")
        self.assertLessEqual(ann.partner_id | bob.partner_id, confirmation.partner_ids, "to every signer")
        signed = " ".join(pdf_text(acceptance.document_id.raw).split())
        signatures = signed[signed.index("Signatures") :]
        self.assertLess(signatures.index("Ann"), signatures.index("Bob"), "the signed copy shows both signatures")
