from . import test_loyalty
from . import test_i18n
