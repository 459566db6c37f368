from odoo.tests import tagged
from odoo.tests.common import freeze_time

from odoo.addons.auto_invoice_invoice_plan.tests.common import SECOND_ON, SIGNED_ON, InvoicePlanCommon
from odoo.addons.queue_job.tests.common import trap_jobs

INSTALLMENT_JOB = "_job_invoice_installment"


@tagged("post_install", "-at_install")
class TestInstallmentJobs(InvoicePlanCommon):
    """Background mode: each installment of a signed schedule is invoiced by a job of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.auto_invoice_background = True

    def _perform(self, trap, method_name=None):
        """Perform the trapped jobs (of `method_name` only, if given) as queue_job's runner does, each in an
        environment of its own (here the test's cursor, with the user that enqueued it); returns their results."""
        jobs = [job for job in trap.enqueued_jobs if method_name in (None, job.method_name)]
        results = []
        for job in jobs:
            trap.enqueued_jobs.remove(job)
            results.append(self._perform_job(job))
        return results

    def _perform_job(self, job):
        env = job.recordset.env
        job.recordset = job.recordset.with_env(self.env(user=env.uid, su=env.su))
        return job.perform()

    def _perform_on(self, day, trap, method_name=None):
        """`_perform`, on `day` (the runner performs the jobs a moment after they are enqueued)."""
        with freeze_time(f"{day} 10:05:00"):
            return self._perform(trap, method_name)

    def _installment_jobs(self, trap):
        return [job for job in trap.enqueued_jobs if job.method_name == INSTALLMENT_JOB]

    def test_each_installment_is_a_job_of_its_own_run_once(self):
        order = self._planned_quotation()
        with trap_jobs() as trap:
            self._sign(order)
            self.assertFalse(order.invoice_ids, "the signing request invoices nothing itself")
            self._perform_on(SIGNED_ON, trap, "_job_complete")  # it hands the installments due to their jobs
            (job,) = self._installment_jobs(trap)
            acceptance = order.auto_invoice_acceptance_id
            self.assertEqual(job.identity_key, f"auto_invoice.acceptance.{acceptance.id}.installment.1")
            self.assertFalse(order.invoice_ids)
            self.assertIn("invoice", self._perform_on(SIGNED_ON, trap, INSTALLMENT_JOB)[0])
        self.assertEqual(list(self._schedule_invoices(order)), [1])

        with trap_jobs() as trap:
            self._run_cron(SECOND_ON)
            jobs = self._installment_jobs(trap)
            self.assertEqual(
                {job.identity_key for job in jobs}, {f"auto_invoice.acceptance.{acceptance.id}.installment.2"}
            )
            with freeze_time(f"{SECOND_ON} 06:05:00"):
                first, again = self._perform_job(jobs[0]), self._perform_job(jobs[0])  # a job run twice (a retry)
        self.assertIn("installment 2: invoice", first)
        self.assertEqual(again, "installment 2: nothing left to do", "invoiced once")
        self.assertEqual(sorted(self._schedule_invoices(order)), [1, 2])

    def test_the_job_of_an_order_cancelled_meanwhile_does_nothing(self):
        order = self._planned_quotation()
        with trap_jobs() as trap:
            self._sign(order)
            self._perform_on(SIGNED_ON, trap, "_job_complete")
            order._action_cancel()
            (result,) = self._perform_on(SIGNED_ON, trap, INSTALLMENT_JOB)
        self.assertEqual(result, "cancelled: nothing to do")
        self.assertFalse(order.invoice_ids)
