{
    "name": "Invoice on Signature - Romania",
    "summary": "Invoices sent at signature or with Confirm & Send reach ANAF's SPV as e-Factura, once",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["auto-invoice"],
    "depends": ["auto_invoice", "l10n_ro_edi"],
    "data": [
        "data/ir_cron.xml",
        "views/account_move_views.xml",
        "views/sale_order_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
