"""Stress only (`make stress`, scripts/stress.sh): never installed anywhere else, never shipped.

Another module's override of `sale.order._auto_invoice_generate` that misbehaves for the orders named in two system
parameters, which the stress script sets over RPC:

- `auto_invoice_stress.raise_for`: order names, comma-separated; their invoice raises a RuntimeError (a programming
  error in another module, which auto_invoice records as a failure and logs with its traceback);
- `auto_invoice_stress.sleep_for`: `<order name>:<seconds>`, comma-separated; their invoice waits that long first,
  after logging `auto_invoice_stress: sleeping <s> s in pid <pid> for <order>`, so that the script can SIGKILL the
  process (an HTTP worker in the synchronous mode, the job's worker in the background mode) in the middle.
"""

from . import models
