from . import test_installment_jobs
from . import test_i18n
