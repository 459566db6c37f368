from . import portal
from . import signer_verification
from . import verification
