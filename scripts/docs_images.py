#!/usr/bin/env python3
"""Page images of the branded invoice and of the emails, for the README (run by scripts/docs_images.sh).

After scripts/demo.py has run on the server (branded design selected, quotation emailed, signed, invoice sent):
the demo's invoice PDF (short), a posted invoice of 55 lines in euros (long), rendered by the server's wkhtmltopdf
and rasterised by pdftoppm; the quotation and invoice emails as the SMTP sink received them, screenshot by headless
Chromium. Each PDF's text layer is checked with pdftotext first: the images show real renders, never a mock-up.
"""

import argparse
import email
import email.policy
import subprocess
import sys
import tempfile
from pathlib import Path

from demo import check_pdf
from odoo_client import OdooClient, OdooError, add_server_arguments
from seed import COMPANY, CUSTOMER

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
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--screenshot={target}",
                "--window-size=760,660",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
        )


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
    try:
        short = next(args.demo_out.glob("INV_*.pdf"))
        check_pdf(short.read_bytes(), short.name, [COMPANY, "Accepted by"])
        pdf_to_png(short.read_bytes(), args.out / "invoice_short")

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

        for name in ("quotation", "invoice"):
            email_to_png(args.demo_out / f"{name}.eml", args.out / f"email_{name}.png", args.chromium)
    except (OdooError, StopIteration, subprocess.CalledProcessError, OSError) as exc:
        print(f"docs-images: FAILED: {exc!r}", file=sys.stderr)
        sys.exit(1)
    for image in sorted(args.out.glob("*.png")):
        print(f"  {image.relative_to(args.out.parent.parent)}  {image.stat().st_size} bytes")


if __name__ == "__main__":
    main()
