from pathlib import Path

from odoo.tests import TransactionCase, tagged

from .common import translation_problems

# The folder of auto_invoice and its glue addons (auto_invoice_*): each ships its Romanian translation.
REPOSITORY = Path(__file__).resolve().parents[2]


@tagged("post_install", "-at_install")
class TestRomanianTranslation(TransactionCase):
    def test_every_term_of_the_addon_is_in_romanian(self):
        terms, problems = translation_problems(self.env, "auto_invoice")
        self.assertGreater(len(terms), 300, "the export found the addon's terms")
        self.assertEqual(problems, [])

    def test_every_addon_of_the_repository_has_its_romanian_translation(self):
        addons = [path.parent for path in REPOSITORY.glob("auto_invoice*/__manifest__.py")]
        self.assertIn(REPOSITORY / "auto_invoice", addons)
        self.assertEqual([addon.name for addon in addons if not (addon / "i18n" / "ro.po").is_file()], [])
