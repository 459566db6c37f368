{
    "name": "Invoice on Signature: faults for make stress (stress only)",
    "summary": "Stress only, never for production: makes the automatic invoice of chosen orders raise or stall",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "depends": ["auto_invoice"],
    "installable": True,
}
