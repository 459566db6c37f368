{
    "name": "Invoice on Signature",
    "summary": "Create the invoice the moment a customer e-signs a quotation, ready to review and send",
    "version": "19.0.1.1.0",
    "category": "Sales/Sales",
    "website": "https://github.com/auto-invoice/auto_invoice",
    "author": "auto_invoice contributors",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["auto-invoice"],
    "depends": ["sale_management"],
    "data": [
        "security/ir.model.access.csv",
        "security/sale_order_acceptance_security.xml",
        "data/ir_sequence_data.xml",
        "data/mail_activity_type_data.xml",
        "report/sale_order_acceptance_report.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_acceptance_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/sale_portal_templates.xml",
        # Branded invoice and emails
        "report/report_invoice_branded.xml",
        "data/mail_template_branded.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "auto_invoice/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
