"""The Romanian sales data of `make demo DEMO_ARGS="--country ro"`, created over RPC as the admin.

The database has auto_invoice_l10n_ro (so l10n_ro and l10n_ro_edi) and the SPV stand-in (scripts/demo_addons) installed,
and the server loaded Romanian (--load-language=ro_RO). seed_ro() turns the admin's company into a Romanian one as the
Settings' Fiscal Localization does (chart `ro` loaded by account.chart.template.try_loading: RON, its 21 % VAT as the
sales tax), ready for e-Factura (CUI, a trusted IBAN, an ANAF access token that only the stand-in ever sees), and
creates a Romanian B2B customer who receives CIUS-RO invoices and reads Romanian, and two products named in Romanian.
The salesperson (a user of their own) and the customer's contact person work in Romanian too.
"""

from odoo_client import OdooError
from seed import (
    Names,
    SalesData,
    apply_design,
    create_contact_person,
    create_products,
    create_salesperson,
    demo_logo,
    point_links_at_server,
)

LANG = "ro_RO"
NAMES = Names(
    company="Atelier Carpați SRL",
    customer="Brădet Construcții SRL",
    customer_email="ana.popescu@bradet-constructii.example",
    signer="Ana Popescu",
    salesperson="Andrei Ionescu",
    salesperson_email="andrei.ionescu@atelier-carpati.example",
    reference="CMD-2026-118",
    service="Atelier de inițiere",
    goods="Kit de bun venit",
)
COMPANY_VAT = "RO1234567897"
COMPANY_NRC = "J40/1234/2020"  # a Bucharest company (J40) at the trade register
CUSTOMER_VAT = "RO18547290"
IBAN = "RO98RNCB1234567890123456"
BANK_BIC = "RNCBROBU"  # Banca Comercială Română, in l10n_ro's list of banks
ACCESS_TOKEN = "demo-token-not-valid-at-anaf"  # never leaves the machine: the SPV stand-in answers instead of ANAF
TEXTS = {
    "auto_invoice_invoice_intro": "<p>Vă mulțumim că ne-ați ales. Prezenta factură corespunde ofertei semnate de "
    "dumneavoastră.</p>",
    "auto_invoice_invoice_intro_deposit": "<p>Vă mulțumim că ne-ați ales. Prezenta factură reprezintă avansul pentru "
    "oferta semnată de dumneavoastră; diferența se facturează pe factura finală.</p>",
    "auto_invoice_invoice_intro_final": "<p>Vă mulțumim că ne-ați ales. Prezenta factură reprezintă restul ofertei "
    "semnate de dumneavoastră, din care s-au dedus avansurile facturate.</p>",
    "auto_invoice_invoice_closing": "<p>Întrebări despre această factură? Răspundeți la e-mailul cu care v-a fost "
    "trimisă: vă răspundem în cel mult o zi.</p>",
}


def seed_ro(client):
    """Set up the admin's company in Romania, a Romanian customer and two products; returns their ids as SalesData."""
    user = client.read_one("res.users", client.uid, ["company_id", "partner_id"])
    company_id = user["company_id"][0]
    ro = client.rpc("res.country", "search", [("code", "=", "RO")], limit=1)
    if not client.rpc("res.lang", "search", [("code", "=", LANG)]):
        raise OdooError(f"{LANG} is not active: create the database with --load-language={LANG}")
    stand_in = [("name", "=", "auto_invoice_demo_spv"), ("state", "=", "installed")]
    if not client.rpc("ir.module.module", "search_count", stand_in):
        # Without it, l10n_ro_edi would send the e-Factura to ANAF: no access token is set then.
        raise OdooError("the SPV stand-in (scripts/demo_addons/auto_invoice_demo_spv) is not installed")
    client.rpc(
        "res.company",
        "write",
        [company_id],
        {
            "name": NAMES.company,
            "email": "facturare@atelier-carpati.example",
            "phone": "+40 21 555 0100",
            "street": "Strada Lipscani 12",
            "city": "Sector 1",  # CIUS-RO writes a Bucharest address as its sector
            "zip": "010101",
            "country_id": ro[0],
            "state_id": state(client, ro, "B"),
            "vat": COMPANY_VAT,
        },
    )
    # As Settings > Fiscal Localization does: the chart `ro` replaces the generic one (no entry exists yet).
    client.rpc("account.chart.template", "try_loading", [], "ro", company_id)
    check_chart(client, company_id)
    label_sales_taxes(client, company_id)
    client.rpc("res.users", "write", [client.uid], {"company_id": company_id, "company_ids": [(4, company_id)]})
    client.rpc("res.users", "write", [client.uid], {"lang": LANG})
    client.rpc("res.partner", "write", [user["partner_id"][0]], {"email": "vanzari@atelier-carpati.example"})
    company_partner = client.read_one("res.company", company_id, ["partner_id"])["partner_id"][0]
    # Its customer's documents state times in the company's time zone (the customer has none of their own); its
    # number at the trade register (l10n_ro's `nrc`) is printed beside its fiscal code (CUI).
    client.rpc("res.partner", "write", [company_partner], {"lang": LANG, "tz": "Europe/Bucharest", "nrc": COMPANY_NRC})
    client.rpc("res.company", "write", [company_id], {"l10n_ro_edi_access_token": ACCESS_TOKEN})
    add_iban(client, company_partner)
    point_links_at_server(client)
    company_customer_id = client.rpc(
        "res.partner",
        "create",
        {
            "name": NAMES.customer,
            "email": "contabilitate@bradet-constructii.example",
            "is_company": True,
            "vat": CUSTOMER_VAT,
            "street": "Strada Memorandumului 28",
            "city": "Cluj-Napoca",
            "zip": "400114",
            "state_id": state(client, ro, "CJ"),
            "country_id": ro[0],
            "lang": LANG,
            "invoice_edi_format": "ciusro",
        },
    )
    customer_id = create_contact_person(client, company_customer_id, NAMES, "Director operațiuni", lang=LANG)
    service_id, goods_id = create_products(client, NAMES, 4500.0, 220.0)
    salesperson_id = create_salesperson(client, company_id, NAMES, lang=LANG, tz="Europe/Bucharest")
    return SalesData(company_id, customer_id, service_id, goods_id, NAMES, salesperson_id=salesperson_id)


def state(client, country, code):
    return client.rpc("res.country.state", "search", [("code", "=", code), ("country_id", "in", country)], limit=1)[0]


def check_chart(client, company_id):
    """Raise unless the company now keeps its books in RON on the chart `ro`, with 21 % VAT on sales."""
    company = client.read_one("res.company", company_id, ["chart_template", "currency_id", "account_sale_tax_id"])
    tax_id = company["account_sale_tax_id"] and company["account_sale_tax_id"][0]
    tax = tax_id and client.read_one("account.tax", tax_id, ["amount"])
    if (company["chart_template"], company["currency_id"][1], tax and tax["amount"]) != ("ro", "RON", 21.0):
        raise OdooError(f"the chart `ro` did not load as expected: {company}, sales tax {tax}")


def label_sales_taxes(client, company_id):
    """Print the sales taxes in Romanian on Romanian documents, as a Romanian business sets them up: Odoo's chart
    `ro` translates their descriptions ("TVA colectat 21% Produse") but not their invoice labels."""
    taxes = client.rpc(
        "account.tax",
        "search_read",
        [("company_id", "=", company_id), ("type_tax_use", "=", "sale")],
        fields=["amount"],
        context={"lang": LANG},
    )
    for tax in taxes:
        label = f"TVA {tax['amount']:g}%"
        client.rpc("account.tax", "write", [tax["id"]], {"invoice_label": label}, context={"lang": LANG})


def add_iban(client, partner_id):
    """The company's IBAN, trusted (Odoo posts no invoice that asks to pay into an untrusted account)."""
    bank = client.rpc("res.bank", "search", [("bic", "=", BANK_BIC)], limit=1)
    values = {"acc_number": IBAN, "partner_id": partner_id, "bank_id": bank[0] if bank else False}
    client.rpc("res.partner.bank", "create", {**values, "allow_out_payment": True})


def brand_ro(client, company_id):
    """auto_invoice's branded design with the company's own logo and Romanian invoice texts."""
    apply_design(client, company_id, demo_logo("AC", "Atelier Carpați", "SRL · BUCUREȘTI"), TEXTS, lang=LANG)
