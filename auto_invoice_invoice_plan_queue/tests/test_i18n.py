from odoo.tests import TransactionCase, tagged

from odoo.addons.auto_invoice.tests.common import translation_problems


@tagged("post_install", "-at_install")
class TestRomanianTranslation(TransactionCase):
    def test_every_term_of_the_addon_is_in_romanian(self):
        terms, problems = translation_problems(self.env, "auto_invoice_invoice_plan_queue")
        self.assertTrue(terms, "the export found the addon's terms")
        self.assertEqual(problems, [])
