from odoo.tests import HttpCase, tagged

from odoo.addons.auto_invoice.tests.common import AutoInvoiceCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.queue_job.tests.common import trap_jobs

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) HandOff/1.0"


@tagged("post_install", "-at_install")
class TestBackgroundHandOff(AutoInvoiceCommon, HttpCase, MockEmail):
    """The customer's confirmation in background mode: the signed copy's job sends it when it commits."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True

    def test_signed_copy_job_sends_the_confirmation_even_where_mail_waits_for_its_queue(self):
        # Whatever runs the job (queue_job's runner, or a server action, which asks mail to leave everything to the
        # mail queue's next run), the customer's confirmation leaves when the job commits.
        order = self._create_quotation(lines=[(self.service, 1.0)])
        with trap_jobs() as trap:
            self.assertNotIn("error", self._accept_on_portal(order, USER_AGENT))
        with self.mock_mail_gateway():
            for job in trap.enqueued_jobs:
                env = job.recordset.env
                job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
                    mail_notify_force_send=False
                )
            trap.perform_enqueued_jobs()

        subject = f"order {order.name} confirmed"
        confirmation = self._new_mails.filtered(lambda mail: subject in (mail.subject or ""))
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.state, "sent", "sent, not left in the mail queue")
        self.assertIn(order.auto_invoice_acceptance_id.certificate_id.name, confirmation.attachment_ids.mapped("name"))
