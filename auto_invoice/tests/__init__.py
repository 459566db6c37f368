from . import test_acceptance
from . import test_certificate
from . import test_evidence
from . import test_failure
from . import test_portal
from . import test_send
from . import test_branding
