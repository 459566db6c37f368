#!/usr/bin/env python3
"""Images of everything the customer holds, for the README and docs/ (run by scripts/docs_images.sh).

After scripts/demo.py has run on the server (branded design selected, quotation emailed, signed, invoice sent, an
unsigned quotation reminded): the signed quotation, the certificate of acceptance and the invoice the demo saved; a
deposit invoice and the final invoice after it; a posted invoice of 55 lines in euros (long), all rendered by the
server's wkhtmltopdf and rasterised by pdftoppm; the four emails (quotation, reminder, signature confirmation,
invoice) as the SMTP sink received them, the portal page before and after signing, and the public verification page
given the sealed certificate and a changed copy of it, screenshot by headless Chromium; a quotation of three signers:
its page between two signatures and its certificate. Each PDF's text layer is
checked with pdftotext first: the images show real renders, never a mock-up.
"""

import argparse
import email
import email.policy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from PIL import Image

from demo import changed, check_pdf
from demo_issued import start_timestamp_authority
from odoo_client import OdooClient, OdooError, add_server_arguments, signature_png
from seed import COMPANY, CUSTOMER, SALESPERSON, SALESPERSON_EMAIL, SIGNER

LONG_LINES = 55


def long_invoice(client):
    """A posted invoice of LONG_LINES lines, in euros (the company's currency is the dollar)."""
    eur = client.rpc("res.currency", "search", [("name", "=", "EUR")], context={"active_test": False})
    client.rpc("res.currency", "write", eur, {"active": True})
    customer = client.rpc("res.partner", "search", [("name", "=", CUSTOMER)], limit=1)
    invoice_id = client.rpc(
        "account.move",
        "create",
        {
            "move_type": "out_invoice",
            "partner_id": customer[0],
            "currency_id": eur[0],
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {"name": f"Consulting block {number:02d}", "quantity": 1 + number % 3, "price_unit": 80 + number},
                )
                for number in range(1, LONG_LINES + 1)
            ],
        },
    )
    client.rpc("account.move", "action_post", [invoice_id])
    return client.read_one("account.move", invoice_id, ["name", "amount_total"])


def deposit_and_final(client):
    """A quotation with a 30 % deposit, signed on the portal; its deposit invoice posted, then the final invoice
    (Odoo's Create Invoice, regular) posted too. Returns both invoices' PDFs."""
    customer = client.rpc("res.partner", "search", [("name", "=", CUSTOMER)], limit=1)
    service = client.rpc("product.product", "search", [("name", "=", "Onboarding workshop")], limit=1)
    order_id = client.rpc(
        "sale.order",
        "create",
        {
            "partner_id": customer[0],
            "require_signature": True,
            "require_payment": False,
            "auto_invoice_amount": "percentage",
            "auto_invoice_deposit_percentage": 30.0,
            "order_line": [(0, 0, {"product_id": service[0], "product_uom_qty": 2})],
        },
    )
    client.rpc("sale.order", "action_quotation_sent", [order_id])
    answer = client.portal_accept(order_id, client.access_token("sale.order", order_id), SIGNER, signature_png())
    if answer.get("error"):
        raise OdooError(f"the deposit quotation was not signed: {answer['error']}")
    # The certificate and the confirmation first (the server's cron, seconds after the signature): the order is then
    # left alone, as by a person who reads the confirmation before billing (else the cron meets the updates below, is
    # tried again in seconds, and Odoo logs the conflict).
    deadline = time.monotonic() + 60
    while not client.rpc(
        "sale.order.acceptance", "search", [("order_id", "=", order_id), ("certificate_id", "!=", False)]
    ):
        if time.monotonic() > deadline:
            raise OdooError("the deposit quotation's certificate was not rendered within 60 s")
        time.sleep(1)
    deposit_id = client.read_one("sale.order", order_id, ["auto_invoice_id"])["auto_invoice_id"][0]
    client.rpc("account.move", "action_post", [deposit_id])
    context = {"active_model": "sale.order", "active_ids": [order_id], "active_id": order_id}
    wizard = client.rpc("sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"}, context=context)
    client.rpc("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    final_id = max(client.read_one("sale.order", order_id, ["invoice_ids"])["invoice_ids"])
    client.rpc("account.move", "action_post", [final_id])
    pdfs = []
    for invoice_id in (deposit_id, final_id):
        name = client.read_one("account.move", invoice_id, ["name"])["name"]
        pdf = client.get(f"/report/pdf/account.report_invoice/{invoice_id}").content
        check_pdf(pdf, f"invoice {name}", [COMPANY, name])
        pdfs.append(pdf)
    return pdfs


def several_signers(client, chromium, out):
    """A quotation signed by two people of the customer, one after the other, then countersigned by the salesperson:
    the second signer's page between the two signatures, the certificate of the three signatures and the signed
    quotation that shows them."""
    customer = client.rpc("res.partner", "search", [("name", "=", CUSTOMER)], limit=1)
    service = client.rpc("product.product", "search", [("name", "=", "Onboarding workshop")], limit=1)
    salesperson = client.rpc("res.users", "search", [("login", "=", SALESPERSON_EMAIL)], limit=1)
    people = (("Bea Buyer", "bea.buyer@acme.example"), ("Dan Director", "dan.director@acme.example"))
    contacts = client.rpc(
        "res.partner", "create", [{"name": name, "email": mail, "parent_id": customer[0]} for name, mail in people]
    )
    order_id = client.rpc(
        "sale.order",
        "create",
        {
            "partner_id": customer[0],
            "user_id": salesperson[0],
            "require_signature": True,
            "require_payment": False,
            "order_line": [(0, 0, {"product_id": service[0], "product_uom_qty": 3})],
            "signer_ids": [(0, 0, {"partner_id": contact, "sequence": i}) for i, contact in enumerate(contacts)]
            + [(0, 0, {"user_id": salesperson[0]})],
        },
    )
    client.rpc("sale.order", "action_quotation_sent", [order_id])
    signers = client.rpc(
        "sale.order.signer", "search_read", [("order_id", "=", order_id)], fields=["access_token", "partner_id"]
    )
    names = {
        partner["id"]: partner["name"]
        for partner in client.rpc(
            "res.partner", "read", [signer["partner_id"][0] for signer in signers], fields=["name"]
        )
    }
    for index, signer in enumerate(signers):
        if index == 1:
            url = f"{client.url}/my/orders/{order_id}?access_token={signer['access_token']}"
            page_to_png(url, out / "portal_between_signatures.png", chromium)
        name = names[signer["partner_id"][0]]
        answer = client.portal_accept(order_id, signer["access_token"], name, signature_png())
        if answer.get("error"):
            raise OdooError(f"{name} could not sign: {answer['error']}")
    deadline = time.monotonic() + 60
    while not (
        acceptance := client.rpc(
            "sale.order.acceptance",
            "search_read",
            [("order_id", "=", order_id), ("certificate_id", "!=", False)],
            fields=["certificate_id"],
        )
    ):
        if time.monotonic() > deadline:
            raise OdooError("the certificate of the three signatures was not rendered within 60 s")
        time.sleep(1)
    pdf = client.get(f"/web/content/{acceptance[0]['certificate_id'][0]}").content
    check_pdf(pdf, "certificate of three signatures", ["Signatures", "Bea Buyer", "Dan Director", SALESPERSON])
    pdf_to_png(pdf, out / "certificate_signers")
    signed = client.rpc("sale.order.acceptance", "search_read", [("order_id", "=", order_id)], fields=["document_id"])
    pdf = client.get(f"/web/content/{signed[0]['document_id'][0]}").content
    check_pdf(pdf, "quotation signed by three", ["Signatures", "Bea Buyer", "Dan Director", SALESPERSON, "Signed on"])
    pdf_to_png(pdf, out / "signed_quotation_signers")


def signer_email_code(client, chromium, out, company_id):
    """A signer's page when the company verifies signers by email: the form that asks for a code, in place of the
    pad (the setting is set back afterwards)."""
    customer = client.rpc("res.partner", "search", [("name", "=", CUSTOMER)], limit=1)
    service = client.rpc("product.product", "search", [("name", "=", "Onboarding workshop")], limit=1)
    contact = client.rpc(
        "res.partner",
        "create",
        {"name": "Eva Engineer", "email": "eva.engineer@acme.example", "parent_id": customer[0]},
    )
    client.rpc("res.company", "write", [company_id], {"auto_invoice_verify_signer_email": True})
    try:
        order_id = client.rpc(
            "sale.order",
            "create",
            {
                "partner_id": customer[0],
                "require_signature": True,
                "require_payment": False,
                "order_line": [(0, 0, {"product_id": service[0], "product_uom_qty": 1})],
                "signer_ids": [(0, 0, {"partner_id": contact})],
            },
        )
        client.rpc("sale.order", "action_quotation_sent", [order_id])
        token = client.rpc("sale.order.signer", "search_read", [("order_id", "=", order_id)], fields=["access_token"])
        url = f"{client.url}/my/orders/{order_id}?access_token={token[0]['access_token']}"
        page_to_png(url, out / "portal_signer_email_code.png", chromium)
    finally:
        client.rpc("res.company", "write", [company_id], {"auto_invoice_verify_signer_email": False})


def side_by_side(images, target, height=900, gap=24):
    """The README's first picture: images scaled to one height, side by side on a light background."""
    scaled = []
    for path in images:
        image = Image.open(path).convert("RGB")
        scaled.append(image.resize((round(image.width * height / image.height), height)))
    sheet = Image.new(
        "RGB", (sum(image.width for image in scaled) + gap * (len(scaled) + 1), height + 2 * gap), "#E9ECEF"
    )
    left = gap
    for image in scaled:
        sheet.paste(image, (left, gap))
        left += image.width + gap
    sheet.save(target)


def screenshot(chromium, url, target, size, *options):
    """`url` as headless Chromium draws it in a window of `size` ("width,height"), saved to target."""
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            *options,
            f"--screenshot={target}",
            f"--window-size={size}",
            url,
        ],
        check=True,
        capture_output=True,
    )


def page_to_png(url, target, chromium, size="1100,1500"):
    """A page as an anonymous visitor holding its link sees it, screenshot by headless Chromium."""
    screenshot(chromium, url, target, size, "--virtual-time-budget=8000")


def pdf_to_png(pdf, target, pages=None, resolution=70):
    """Rasterise `pages` (first, last) of pdf into target-<n>.png, or target.png for a single page."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "doc.pdf")
        source.write_bytes(pdf)
        first, last = pages or (1, 1)
        command = ["pdftoppm", "-r", str(resolution), "-png", "-f", str(first), "-l", str(last)]
        if first == last:
            command += ["-singlefile", source, target]
        else:
            command += [source, target]
        subprocess.run(command, check=True)


def email_to_png(eml, target, chromium):
    """The HTML part of an email as a mail client shows it (no style sheet: inline styles only), screenshot."""
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder, "mail.html")
        page.write_text(html)
        screenshot(chromium, page.as_uri(), target, "760,660")


def verification_to_png(url, pdf, target, chromium):
    """The public verification page's answer to a visitor who drops `pdf`: the server's HTML for that POST, drawn by
    headless Chromium (its style sheets fetched from the server)."""
    response = requests.post(f"{url}/verify", files={"document": ("document.pdf", pdf, "application/pdf")}, timeout=60)
    if 'name="auto_invoice_verdict"' not in response.text:
        raise OdooError(f"the verification page gave no verdict (HTTP {response.status_code})")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder, "verify.html")
        page.write_text(response.text.replace("<head>", f'<head><base href="{url}/"/>', 1))
        screenshot(chromium, page.as_uri(), target, "1100,760", "--virtual-time-budget=8000")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)
    parser.add_argument("--demo-out", type=Path, required=True, help="scripts/demo.py's output folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for the images")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    client = OdooClient(args.url, args.db)
    client.authenticate(args.login, args.password)
    company_id = client.rpc("res.company", "search", [("name", "=", COMPANY)], limit=1)[0]
    start_timestamp_authority(client, company_id)  # the demo's is gone with it: seals stay timestamped
    try:
        for name, needles in (
            ("signed_quotation", [COMPANY, "Accepted by"]),
            ("certificate", [COMPANY, SIGNER]),
        ):
            pdf = (args.demo_out / f"{name}.pdf").read_bytes()
            check_pdf(pdf, name, needles)
            pdf_to_png(pdf, args.out / name.replace("signed_", ""))
        short = next(args.demo_out.glob("INV_*.pdf"))
        check_pdf(short.read_bytes(), short.name, [COMPANY, "Accepted by"])
        pdf_to_png(short.read_bytes(), args.out / "invoice_short")
        for name, pdf in zip(("invoice_deposit", "invoice_final"), deposit_and_final(client), strict=True):
            pdf_to_png(pdf, args.out / name)

        invoice = long_invoice(client)
        pdf = client.get(f"/report/pdf/account.report_invoice/{invoice['id']}").content
        check_pdf(pdf, f"invoice {invoice['name']}", [COMPANY, invoice["name"], "Consulting block 55"])
        pages = int(
            next(
                line.split()[-1]
                for line in subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
                .stdout.decode()
                .splitlines()
                if line.startswith("Pages:")
            )
        )
        if pages < 2:
            raise OdooError(f"the invoice of {LONG_LINES} lines fits on {pages} page")
        pdf_to_png(pdf, args.out / "invoice_long", (1, pages))

        for name in ("quotation", "reminder", "confirmation", "invoice"):
            email_to_png(args.demo_out / f"{name}.eml", args.out / f"email_{name}.png", args.chromium)

        signed = client.rpc("sale.order", "search", [("state", "=", "sale")], order="id", limit=1)
        unsigned = client.rpc("sale.order", "search", [("state", "=", "sent")], order="id desc", limit=1)
        for name, order_ids in (("portal_before_signing", unsigned), ("portal_after_signing", signed)):
            if not order_ids:
                raise OdooError(f"no order for {name}")
            page_to_png(client.portal_url("sale.order", order_ids[0]), args.out / f"{name}.png", args.chromium)
        several_signers(client, args.chromium, args.out)
        signer_email_code(client, args.chromium, args.out, company_id)
        certificate = (args.demo_out / "certificate.pdf").read_bytes()
        # The invoice the customer was emailed first, before the demo re-issued it: an earlier copy now.
        invoice_mail = email.message_from_bytes(
            (args.demo_out / "invoice.eml").read_bytes(), policy=email.policy.default
        )
        first_copy = next(
            part.get_content()
            for part in invoice_mail.iter_attachments()
            if part.get_content_type() == "application/pdf"
        )
        for name, pdf in (
            ("verify_genuine", certificate),
            ("verify_changed", changed(certificate)),
            ("verify_earlier_copy", first_copy),
        ):
            verification_to_png(args.url, pdf, args.out / f"{name}.png", args.chromium)
        side_by_side(
            [args.out / "quotation.png", args.out / "invoice_short.png", args.out / "email_invoice.png"],
            args.out / "handover.png",
        )
    except (OdooError, StopIteration, subprocess.CalledProcessError, OSError) as exc:
        print(f"docs-images: FAILED: {exc!r}", file=sys.stderr)
        sys.exit(1)
    for image in sorted(args.out.glob("*.png")):
        print(f"  {image.relative_to(args.out.parent.parent)}  {image.stat().st_size} bytes")


if __name__ == "__main__":
    main()
