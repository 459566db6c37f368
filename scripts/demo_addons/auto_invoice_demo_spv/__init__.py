"""Demo only (`make demo DEMO_ARGS="--country ro"`): never installed anywhere else, never shipped.

`l10n_ro_edi` talks to ANAF's SPV (https://api.anaf.ro, hard-coded) only through the module-level `_request_ciusro_*`
functions that `l10n_ro_edi/models/account_move.py` imports from its `utils`. When Odoo loads this addon (its
`post_load`, before any registry work), `spv.install()` replaces them there, where Odoo's and auto_invoice_l10n_ro's
tests patch them, with local stand-ins: the upload answers as ANAF does ({'key_loading': <index>}) and records what
it got in `auto_invoice_demo_spv.submission`; the others answer "nothing yet". `utils.make_efactura_request`, the
one place that sends, is replaced too and refuses, so no request leaves the machine.

The replacement holds for the whole server process (every database it serves): run it on demo servers only.
"""

from . import models
from .spv import install as post_load
