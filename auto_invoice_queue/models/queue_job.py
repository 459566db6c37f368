from odoo import models

from odoo.addons.queue_job.job import CANCELLED, DONE

# The states of a job that has not run to its end: deleting it leaves its work undone.
UNFINISHED_STATES = ("wait_dependencies", "pending", "enqueued", "started", "failed")
# The acceptance's jobs, and what is called when one is abandoned (as when queue_job gives up on it).
ABANDONED_HANDLERS = {"_job_complete": "_job_failed", "_job_complete_signing": "_job_signing_failed"}


class QueueJob(models.Model):
    _inherit = "queue.job"

    def _change_job_state(self, state, result=None):
        # Set to done by hand (it did not run) or cancelled in queue_job's Jobs: the acceptance says so, and its
        # invoice takes the failure path (Retry Invoice), instead of waiting for a job that never comes.
        # A failed job was given up on already (its on_fail_method ran).
        unfinished = self.filtered(lambda job: job.state not in (state, "failed"))
        res = super()._change_job_state(state, result=result)
        if state == CANCELLED:
            unfinished._auto_invoice_abandoned(self.env._("cancelled by %(user)s", user=self.env.user.name))
        elif state == DONE:
            unfinished._auto_invoice_abandoned(
                self.env._("set to done by %(user)s without running", user=self.env.user.name)
            )
        return res

    def unlink(self):
        unfinished = self.filtered(lambda job: job.state in UNFINISHED_STATES)._auto_invoice_jobs()
        handlers = [(job.method_name, job.records) for job in unfinished]
        res = super().unlink()
        reason = self.env._("deleted by %(user)s before it ran", user=self.env.user.name)
        for method_name, acceptance in handlers:
            getattr(acceptance, ABANDONED_HANDLERS[method_name])(exc_message=reason)
        return res

    def _auto_invoice_jobs(self):
        """The jobs of these that complete an acceptance (its invoice, its signed copy)."""
        return self.filtered(
            lambda job: job.model_name == "sale.order.acceptance" and job.method_name in ABANDONED_HANDLERS
        )

    def _auto_invoice_abandoned(self, reason):
        for job in self._auto_invoice_jobs():
            getattr(job.records, ABANDONED_HANDLERS[job.method_name])(exc_message=reason)
