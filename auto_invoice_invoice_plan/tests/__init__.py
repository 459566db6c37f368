from . import test_invoice_plan
from . import test_i18n
