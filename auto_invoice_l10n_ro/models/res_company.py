from odoo import models


class ResCompany(models.Model):
    _inherit = "res.company"

    def _auto_invoice_registration_numbers(self):
        """A Romanian company's numbers as Romanian documents name them: its fiscal code (the CUI, which l10n_ro
        keeps as the company registry) and its number at the trade register (the Nr. Reg. Com., l10n_ro's `nrc`,
        "J40/1234/2020"), which Romanian law asks every document of a company to print."""
        if self._auto_invoice_country_code() != "RO":
            return super()._auto_invoice_registration_numbers()
        numbers = []
        if self.company_registry:
            numbers.append((self.env._("Fiscal Code (CUI)"), self.company_registry))
        if self.partner_id.nrc:
            numbers.append((self.env._("Trade Register No."), self.partner_id.nrc))
        return numbers
