{
    "name": "Invoice on Signature - Loyalty",
    "summary": "Rewards signed with a quotation stay as signed when its online payment confirms it",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["auto-invoice"],
    "depends": ["auto_invoice", "sale_loyalty"],
    "auto_install": True,
    "installable": True,
}
