from . import test_background
from . import test_background_failures
from . import test_client_context
from . import test_handoff
from . import test_i18n
from . import test_signers
