{
    "name": "Invoice on Signature - Romania: SPV stand-in (demo only)",
    "summary": "Demo only, never for production: answers l10n_ro_edi's requests to ANAF's SPV locally and keeps "
    "what it was sent",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "depends": ["l10n_ro_edi"],
    "data": ["security/ir.model.access.csv"],
    "post_load": "post_load",
    "installable": True,
}
