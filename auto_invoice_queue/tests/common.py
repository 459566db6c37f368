from unittest.mock import patch

from odoo.tests import HttpCase

from odoo.addons.auto_invoice.tests.common import AutoInvoiceCommon
from odoo.addons.queue_job.tests.common import trap_jobs

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Background/1.0"


class BackgroundCommon(AutoInvoiceCommon, HttpCase):
    """Background mode (the fixtures of test_background*.py): the signing request records the acceptance and enqueues
    its job; the job, performed apart, completes the signed copy, the confirmation email and the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True

    def _sign(self, order, **params):
        return self._accept_on_portal(order, USER_AGENT, **params)

    def _sign_trapped(self, order):
        """Sign `order` on the portal with its jobs trapped (enqueued, not performed); counts the PDFs rendered."""
        report_model = type(self.env["ir.actions.report"])
        with (
            trap_jobs() as trap,
            patch.object(
                report_model, "_render_qweb_pdf", autospec=True, side_effect=report_model._render_qweb_pdf
            ) as render,
        ):
            result = self._sign(order)
        self.assertNotIn("error", result)
        return trap, render.call_count

    def _perform(self, trap):
        """Perform the trapped jobs as queue_job's runner does, each in an environment of its own: here the test's
        cursor, with the user of the request that enqueued it (that request's cursor is closed); PDFs by wkhtmltopdf,
        not the HTML that Odoo's tests render by default."""
        for job in trap.enqueued_jobs:
            env = job.recordset.env
            job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
                force_report_rendering=True
            )
        trap.perform_enqueued_jobs()

    def _perform_one(self, trap, method_name):
        """Perform only the trapped job of `method_name`, as `_perform` does; returns its result."""
        (job,) = [job for job in trap.enqueued_jobs if job.method_name == method_name]
        trap.enqueued_jobs.remove(job)
        env = job.recordset.env
        job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su)).with_context(
            force_report_rendering=True
        )
        return job.perform()

    def _signed_messages(self, order):
        return order.message_ids.filtered(lambda message: "Order signed by" in (message.body or ""))

    def _confirmation_messages(self, order):
        subject = self.env.ref("auto_invoice.mail_template_order_confirmed")._render_field("subject", order.ids)
        return order.message_ids.filtered(lambda message: message.subject == subject[order.id])
