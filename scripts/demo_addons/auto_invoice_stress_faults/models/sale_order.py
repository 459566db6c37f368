import logging
import os
import time

from odoo import models

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _auto_invoice_generate(self):
        params = self.env["ir.config_parameter"].sudo()
        if seconds := self._auto_invoice_stress_listed(params.get_param("auto_invoice_stress.sleep_for")):
            _logger.info("auto_invoice_stress: sleeping %s s in pid %s for %s", seconds, os.getpid(), self.name)
            time.sleep(float(seconds))
        if self._auto_invoice_stress_listed(params.get_param("auto_invoice_stress.raise_for")):
            raise RuntimeError(f"auto_invoice_stress: another module's override failed for {self.name}")
        return super()._auto_invoice_generate()

    def _auto_invoice_stress_listed(self, value):
        """The value after `<name>:` for this order in a comma-separated parameter (True for a bare name), else None."""
        for item in (value or "").split(","):
            name, _sep, rest = item.strip().partition(":")
            if name and name == self.name:
                return rest or True
        return None
