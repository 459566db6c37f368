"""The sales data that demo.py, bench.py and race.py create over RPC (through odoo_client.OdooClient, as the admin).

A fresh database with auto_invoice installed and no demo data has one company with Odoo's generic chart of accounts
and its sales journal; seed() names it, gives the admin an email, creates a salesperson (a user of their own, who
follows the quotations and signs the emails), a customer company with its contact person (who receives the
quotation and signs it) and two products, and makes every link Odoo renders (emails, wkhtmltopdf's assets) point at
the server the client talks to.
"""

import base64
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from odoo_client import OdooError

COMPANY = "Auto Invoice Demo Inc."
BANK_ACCOUNT = "US12 3456 0000 7890 1234 56"
CUSTOMER_REFERENCE = "PO-2026-118"
PRIMARY, SECONDARY = "#1F4E79", "#E08A1E"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"  # Debian's fonts-dejavu-core (make setup)
CUSTOMER = "Acme Corporation"
CUSTOMER_EMAIL = "jane.doe@acme.example"
SIGNER = "Jane Doe"  # the customer's contact person
SALESPERSON, SALESPERSON_EMAIL = "Sam Carter", "sam.carter@auto-invoice-demo.example"
SALESPERSON_PASSWORD = "salesperson"  # the demo's and make run's salesperson logs in with their email and this
SERVICE, GOODS = "Onboarding workshop", "Welcome kit"
TIME_ZONE = "America/Los_Angeles"  # the company's and its salesperson's


@dataclass(frozen=True)
class Names:
    """The names the demo creates and then looks for in emails and PDFs."""

    company: str
    customer: str
    customer_email: str  # the contact person's
    signer: str  # the contact person
    salesperson: str
    salesperson_email: str
    reference: str  # the customer's reference (their purchase order)
    service: str
    goods: str


NAMES = Names(
    COMPANY, CUSTOMER, CUSTOMER_EMAIL, SIGNER, SALESPERSON, SALESPERSON_EMAIL, CUSTOMER_REFERENCE, SERVICE, GOODS
)


@dataclass
class SalesData:
    company_id: int
    customer_id: int  # the contact person at the customer company, to whom quotations are addressed
    service_id: int  # "Onboarding workshop": a service invoiced on ordered quantities
    goods_id: int  # "Welcome kit": a consumable invoiced on delivered quantities
    names: Names = NAMES
    salesperson_id: int | None = None  # the user who follows the demo's quotations (None: the admin)


def seed(client):
    """Set up the admin's company, a customer and two products; returns their ids as SalesData."""
    user = client.read_one("res.users", client.uid, ["company_id", "partner_id"])
    company_id = user["company_id"][0]
    us = client.rpc("res.country", "search", [("code", "=", "US")], limit=1)
    ca = client.rpc("res.country.state", "search", [("code", "=", "CA"), ("country_id", "in", us)], limit=1)
    client.rpc(
        "res.company",
        "write",
        [company_id],
        {
            "name": COMPANY,
            "email": "billing@auto-invoice-demo.example",
            "phone": "+1 415 555 0100",
            "street": "250 Executive Park Blvd",
            "city": "San Francisco",
            "zip": "94134",
            "country_id": us[0],
            "state_id": ca[0] if ca else False,
        },
    )
    client.rpc("res.users", "write", [client.uid], {"company_id": company_id, "company_ids": [(4, company_id)]})
    client.rpc("res.partner", "write", [user["partner_id"][0]], {"email": "sales@auto-invoice-demo.example"})
    # The company's time zone: its customer's documents state times in it (the customer has none of their own).
    company_partner = client.read_one("res.company", company_id, ["partner_id"])["partner_id"][0]
    client.rpc("res.partner", "write", [company_partner], {"tz": TIME_ZONE})
    point_links_at_server(client)
    company_customer_id = client.rpc(
        "res.partner",
        "create",
        {
            "name": CUSTOMER,
            "email": "accounts@acme.example",
            "is_company": True,
            "street": "1 Market St",
            "city": "San Francisco",
            "zip": "94105",
            "state_id": ca[0] if ca else False,  # a US address names its state ("San Francisco CA 94105")
            "country_id": us[0],
        },
    )
    customer_id = create_contact_person(client, company_customer_id, NAMES, "Operations Manager")
    service_id, goods_id = create_products(client, NAMES, 900.0, 45.0)
    salesperson_id = create_salesperson(client, company_id, NAMES, tz=TIME_ZONE)
    return SalesData(company_id, customer_id, service_id, goods_id, salesperson_id=salesperson_id)


def create_contact_person(client, company_customer_id, names, function, lang=None):
    """The person at the customer company who receives the quotation and signs it; returns their id."""
    values = {"name": names.signer, "email": names.customer_email, "function": function, "type": "contact"}
    return client.rpc(
        "res.partner", "create", {**values, "parent_id": company_customer_id, **({"lang": lang} if lang else {})}
    )


def create_salesperson(client, company_id, names, lang=None, tz=None):
    """The salesperson, a user of their own with Sales rights (own documents): they follow the demo's quotations,
    are "Your contact" on them and sign the emails. Returns the user's id."""
    group = client.rpc(
        "ir.model.data",
        "search_read",
        [("module", "=", "sales_team"), ("name", "=", "group_sale_salesman")],
        fields=["res_id"],
    )[0]["res_id"]
    values = {
        "name": names.salesperson,
        "login": names.salesperson_email,
        "email": names.salesperson_email,
        "password": SALESPERSON_PASSWORD,
        "company_id": company_id,
        "company_ids": [(6, 0, [company_id])],
        "group_ids": [(4, group)],
        **({"lang": lang} if lang else {}),
        **({"tz": tz} if tz else {}),  # Odoo dates what they post in their time zone
    }
    return client.rpc("res.users", "create", values)


def point_links_at_server(client):
    """Links in emails and the assets wkhtmltopdf fetches must point at this very server."""
    client.rpc("ir.config_parameter", "set_param", "web.base.url", client.url)
    client.rpc("ir.config_parameter", "set_param", "web.base.url.freeze", "True")


def create_products(client, names, service_price, goods_price):
    """The service (invoiced on ordered quantities) and the consumable (on delivered quantities); returns their ids."""
    service_id = client.rpc(
        "product.product",
        "create",
        {"name": names.service, "type": "service", "invoice_policy": "order", "list_price": service_price},
    )
    goods_id = client.rpc(
        "product.product",
        "create",
        {"name": names.goods, "type": "consu", "invoice_policy": "delivery", "list_price": goods_price},
    )
    return service_id, goods_id


def demo_logo(monogram="AI", title="Auto Invoice", subtitle="DEMO INC."):
    """The demo company's logo, drawn here (never Odoo's placeholder): a monogram and the name, as a PNG in base64."""
    image = Image.new("RGBA", (640, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 160, 160), radius=32, fill=PRIMARY)
    draw.rectangle((40, 124, 120, 134), fill=SECONDARY)
    draw.text((80, 74), monogram, font=ImageFont.truetype(FONT, 76), fill="white", anchor="mm")
    draw.text((188, 52), title, font=ImageFont.truetype(FONT, 52), fill=PRIMARY, anchor="lm")
    draw.text((190, 116), subtitle, font=ImageFont.truetype(FONT, 34), fill=SECONDARY, anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def add_bank_account(client, company_id):
    """The company's bank account, so that invoices say where to pay (Odoo prints it with the payment reference)."""
    partner_id = client.read_one("res.company", company_id, ["partner_id"])["partner_id"][0]
    bank_id = client.rpc("res.bank", "create", {"name": "Bay Commerce Bank", "bic": "BAYCUS6S"})
    client.rpc(
        "res.partner.bank",
        "create",
        {"acc_number": BANK_ACCOUNT, "partner_id": partner_id, "bank_id": bank_id, "allow_out_payment": True},
    )


TEXTS = {
    "auto_invoice_invoice_intro": "<p>Thank you for choosing us. This invoice bills the quotation you signed.</p>",
    "auto_invoice_invoice_intro_deposit": "<p>Thank you for choosing us. This invoice bills the deposit on the "
    "quotation you signed; the rest follows on the final invoice.</p>",
    "auto_invoice_invoice_intro_final": "<p>Thank you for choosing us. This invoice bills the rest of the quotation "
    "you signed, less the deposits you were invoiced.</p>",
    "auto_invoice_invoice_closing": "<p>Questions about this invoice? Reply to its email: we answer within a day.</p>",
}


def brand(client, company_id):
    """Select auto_invoice's branded design for the company, with a logo, its colours, a bank account, intros (full,
    deposit, final invoice) and a closing."""
    add_bank_account(client, company_id)
    apply_design(client, company_id, demo_logo(), TEXTS)


def seal_documents(client, company_id, invoices=True):
    """The company seals its signed documents (and its invoices) with a self-signed certificate, generated as
    Settings > Sales > Seal Signed Documents does."""
    client.rpc(
        "res.company", "write", [company_id], {"auto_invoice_seal": True, "auto_invoice_seal_invoices": invoices}
    )
    settings = client.rpc("res.config.settings", "create", {})
    client.rpc("res.config.settings", "action_auto_invoice_generate_seal", [settings])
    return client.read_one("res.company", company_id, ["auto_invoice_seal_description"])[
        "auto_invoice_seal_description"
    ]


def apply_design(client, company_id, logo, texts, lang=None):
    """auto_invoice's branded design, the logo and colours, and the invoice texts (in `lang`: they are translated)."""
    values = {"logo": logo, "auto_invoice_report_design": "auto_invoice", "primary_color": PRIMARY}
    values.update(secondary_color=SECONDARY, **texts)
    client.rpc("res.company", "write", [company_id], values, context={"lang": lang} if lang else {})


def check_sales_journal(client):
    """Raise unless the company can invoice (Odoo installs a chart of accounts with a sales journal)."""
    if not client.rpc("account.journal", "search_count", [("type", "=", "sale")]):
        raise OdooError("the company has no sales journal: no invoice can be created")


def create_sent_quotations(client, data, count, auto):
    """count quotations of 3 lines (service x1, consumable x3, service x2), signature required, no payment,
    Invoice on Signature set to auto (left out when None: a database without auto_invoice), marked as sent;
    returns [(id, access_token)]."""
    lines = [
        (0, 0, {"product_id": product, "product_uom_qty": qty})
        for product, qty in ((data.service_id, 1), (data.goods_id, 3), (data.service_id, 2))
    ]
    values = {
        "partner_id": data.customer_id,
        "require_signature": True,
        "require_payment": False,
        **({} if auto is None else {"auto_invoice_on_signature": auto}),
        "order_line": lines,
    }
    ids = client.rpc("sale.order", "create", [values] * count)
    client.rpc("sale.order", "action_quotation_sent", ids)
    return [(order_id, client.access_token("sale.order", order_id)) for order_id in ids]
