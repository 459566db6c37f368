{
    "name": "Invoice on Signature - Background Jobs",
    "summary": "Create the invoice of a signed quotation, and its signed copy, in OCA queue_job jobs",
    "version": "19.0.1.2.0",
    "category": "Hidden",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["auto-invoice"],
    "depends": ["auto_invoice", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
