{
    "name": "Invoice on Signature - Invoice Plan",
    "summary": "A payment schedule (OCA's invoice plan) signed with the quotation, each installment billed on its day",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    # AGPL-3, as OCA's sale_invoice_plan it extends; auto_invoice itself stays LGPL-3.
    "license": "AGPL-3",
    "development_status": "Beta",
    "maintainers": ["auto-invoice"],
    "depends": ["auto_invoice", "sale_invoice_plan"],
    "data": [
        "data/ir_cron_data.xml",
        "views/sale_order_views.xml",
        "views/sale_portal_templates.xml",
        "report/sale_order_report.xml",
    ],
    "auto_install": True,
    "installable": True,
}
