#!/usr/bin/env python3
"""End-to-end demo of auto_invoice, talking to a running Odoo over HTTP only.

Quotation -> emailed -> signed on the portal by the customer -> draft invoice -> "Confirm & Send" -> PDF by email.
Run by scripts/demo.sh (fresh database, real server, SMTP sink); prints one line per step with its duration.
"""

import argparse
import base64
import email
import email.policy
import io
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image, ImageDraw

SIGNER = "Jane Doe"


class DemoError(Exception):
    pass


class Demo:
    def __init__(self, args):
        self.url = args.url.rstrip("/")
        self.db = args.db
        self.login, self.password = args.login, args.password
        self.sink = args.sink
        self.out = args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.session = requests.Session()  # the admin's web session (cookie), used by rpc()
        self.uid = None
        self.started = self.step_started = time.monotonic()
        self.seen_mails = set(self.sink.glob("*.eml"))

    # --- plumbing -------------------------------------------------------------------------------------------------
    def log(self, message):
        now = time.monotonic()
        print(f"[{now - self.step_started:6.2f}s] {message}", flush=True)
        self.step_started = now

    def jsonrpc(self, path, params, session):
        body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}
        response = session.post(self.url + path, json=body, timeout=300)
        response.raise_for_status()
        reply = response.json()
        if "error" in reply:
            error = reply["error"]
            raise DemoError(f"{path}: {error.get('data', {}).get('message') or error.get('message')}")
        return reply.get("result")  # Odoo leaves "result" out when a method returns None

    def rpc(self, model, method, *args, **kwargs):
        """Call a model method as the logged-in admin, as the web client does: rpc("res.partner", "read", [ids])."""
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return self.jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params, session=self.session)

    def read_one(self, model, record_id, fields):
        return self.rpc(model, "read", [record_id], fields=fields)[0]

    def wait_for_mail(self, wanted, what, timeout=90):
        """Flush Odoo's outgoing queue until a new .eml for which wanted(message) is true shows up in the sink."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.rpc("mail.mail", "process_email_queue")
            for path in sorted(set(self.sink.glob("*.eml")) - self.seen_mails):
                self.seen_mails.add(path)
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if wanted(message):
                    return path, message
            time.sleep(1)
        failed = self.rpc(
            "mail.mail", "search_read", [("state", "=", "exception")], fields=["subject", "failure_reason"]
        )
        raise DemoError(f"no {what} reached the SMTP sink within {timeout}s (mails in exception: {failed})")

    # --- steps ----------------------------------------------------------------------------------------------------
    def setup_data(self):
        session_info = self.jsonrpc(
            "/web/session/authenticate", {"db": self.db, "login": self.login, "password": self.password}, self.session
        )
        self.uid = session_info["uid"]
        user = self.read_one("res.users", self.uid, ["company_id", "partner_id"])
        company_id = user["company_id"][0]
        us = self.rpc("res.country", "search", [("code", "=", "US")], limit=1)
        ca = self.rpc("res.country.state", "search", [("code", "=", "CA"), ("country_id", "in", us)], limit=1)
        self.rpc(
            "res.company",
            "write",
            [company_id],
            {
                "name": "Auto Invoice Demo Inc.",
                "email": "billing@auto-invoice-demo.example",
                "phone": "+1 415 555 0100",
                "street": "250 Executive Park Blvd",
                "city": "San Francisco",
                "zip": "94134",
                "country_id": us[0],
                "state_id": ca[0] if ca else False,
            },
        )
        self.rpc("res.users", "write", [self.uid], {"company_id": company_id, "company_ids": [(4, company_id)]})
        self.rpc("res.partner", "write", [user["partner_id"][0]], {"email": "sales@auto-invoice-demo.example"})
        # Links in emails and the assets wkhtmltopdf fetches must point at this very server.
        self.rpc("ir.config_parameter", "set_param", "web.base.url", self.url)
        self.rpc("ir.config_parameter", "set_param", "web.base.url.freeze", "True")
        self.customer_id = self.rpc(
            "res.partner",
            "create",
            {
                "name": "Acme Corporation",
                "email": "jane.doe@acme.example",
                "is_company": True,
                "street": "1 Market St",
                "city": "San Francisco",
                "zip": "94105",
                "country_id": us[0],
            },
        )
        self.service_id = self.rpc(
            "product.product",
            "create",
            {
                "name": "Onboarding workshop",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 900.0,
            },
        )
        self.goods_id = self.rpc(
            "product.product",
            "create",
            {
                "name": "Welcome kit",
                "type": "consu",
                "invoice_policy": "delivery",
                "list_price": 45.0,
            },
        )
        self.log(
            f"a. company 'Auto Invoice Demo Inc.' (id {company_id}) set up as admin's company; customer "
            f"'Acme Corporation' <jane.doe@acme.example>; products 'Onboarding workshop' (service, invoiced on "
            f"order) and 'Welcome kit' (consumable, invoiced on delivery)"
        )

    def create_quotation(self):
        self.order_id = self.rpc(
            "sale.order",
            "create",
            {
                "partner_id": self.customer_id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [
                    (0, 0, {"product_id": self.service_id, "product_uom_qty": 1}),
                    (0, 0, {"product_id": self.goods_id, "product_uom_qty": 3}),
                ],
            },
        )
        order = self.read_one("sale.order", self.order_id, ["name", "state", "amount_total", "currency_id"])
        self.order_name = order["name"]
        self.log(
            f"b. quotation {order['name']} (id {self.order_id}, {order['state']}): 2 lines, total "
            f"{order['amount_total']:,.2f} {order['currency_id'][1]}, signature required"
        )

    def send_quotation(self):
        action = self.rpc("sale.order", "action_quotation_send", [self.order_id])
        context = action["context"]
        wizard_id = self.rpc("mail.compose.message", "create", {}, context=context)
        self.rpc("mail.compose.message", "action_send_mail", [wizard_id], context=context)
        path, message = self.wait_for_mail(lambda m: self.order_name in str(m["subject"]), "quotation email")
        (self.out / "quotation.eml").write_bytes(path.read_bytes())
        state = self.read_one("sale.order", self.order_id, ["state"])["state"]
        self.log(
            f"c. quotation emailed to {message['to']} through SMTP: '{message['subject']}' "
            f"(order now {state}; saved {os.path.relpath(self.out / 'quotation.eml')})"
        )

    def portal_url(self):
        return self.url + self.rpc("sale.order", "get_portal_url", [self.order_id])

    def sign(self):
        token = parse_qs(urlsplit(self.portal_url()).query)["access_token"][0]
        visitor = requests.Session()  # no cookie: the customer is an anonymous visitor holding the link
        params = {"access_token": token, "name": SIGNER, "signature": signature_png()}
        result = self.jsonrpc(f"/my/orders/{self.order_id}/accept", params, session=visitor)
        if result.get("error"):
            raise DemoError(f"portal refused the signature: {result['error']}")
        order = self.read_one("sale.order", self.order_id, ["state", "signed_by"])
        if order["state"] != "sale":
            raise DemoError(f"order {self.order_name} is '{order['state']}' after signing, expected 'sale'")
        self.log(
            f"d. signed anonymously as '{order['signed_by']}' via POST /my/orders/{self.order_id}/accept; "
            f"order {self.order_name} is now '{order['state']}'"
        )

    def show_invoice(self):
        if "auto_invoice_id" not in self.rpc("sale.order", "fields_get", ["auto_invoice_id"]):
            raise DemoError("sale.order has no field auto_invoice_id: is the auto_invoice addon installed?")
        invoice = self.read_one("sale.order", self.order_id, ["auto_invoice_id"])["auto_invoice_id"]
        if not invoice:
            raise DemoError(f"order {self.order_name} has no auto_invoice_id after signing: no invoice was created")
        self.invoice_id = invoice[0]
        move = self.read_one(
            "account.move",
            self.invoice_id,
            ["name", "state", "move_type", "partner_id", "amount_total", "currency_id", "invoice_line_ids"],
        )
        if (move["move_type"], move["state"]) != ("out_invoice", "draft"):
            raise DemoError(f"expected a draft customer invoice, got {move['move_type']} in state {move['state']}")
        self.log(
            f"e. draft invoice (id {self.invoice_id}) for {move['partner_id'][1]}: state {move['state']}, "
            f"{len(move['invoice_line_ids'])} line(s), total {move['amount_total']:,.2f} {move['currency_id'][1]}"
        )

    def confirm_and_send(self):
        self.rpc("account.move", "action_auto_invoice_send", [self.invoice_id])
        move = self.read_one("account.move", self.invoice_id, ["name", "state", "amount_total", "currency_id"])
        if move["state"] != "posted":
            raise DemoError(f"invoice is '{move['state']}' after action_auto_invoice_send, expected 'posted'")
        self.invoice = move
        name, file_name = move["name"], move["name"].replace("/", "_")

        def is_invoice_mail(message):
            files = [part.get_filename() or "" for part in message.iter_attachments()]
            return name in str(message["subject"]) or any(file_name in f for f in files)

        path, self.invoice_mail = self.wait_for_mail(is_invoice_mail, f"email for invoice {name}")
        (self.out / "invoice.eml").write_bytes(path.read_bytes())
        self.log(
            f"f. invoice {name} posted and emailed to {self.invoice_mail['to']}: "
            f"'{self.invoice_mail['subject']}' (saved {os.path.relpath(self.out / 'invoice.eml')})"
        )

    def download_pdf(self):
        name, total = self.invoice["name"], f"{self.invoice['amount_total']:,.2f}"
        attachment = self.read_one("account.move", self.invoice_id, ["invoice_pdf_report_id"])["invoice_pdf_report_id"]
        path = (
            f"/web/content/{attachment[0]}?download=true"
            if attachment
            else f"/report/pdf/account.report_invoice/{self.invoice_id}"
        )
        response = self.session.get(self.url + path, timeout=300)
        response.raise_for_status()
        pdf_path = self.out / f"{name.replace('/', '_')}.pdf"
        pdf_path.write_bytes(response.content)
        how = check_pdf(response.content, f"downloaded {path}", [name, total])

        attached = [
            part
            for part in self.invoice_mail.iter_attachments()
            if part.get_content_type() == "application/pdf" or (part.get_filename() or "").endswith(".pdf")
        ]
        if not attached:
            raise DemoError(f"the email for invoice {name} carries no PDF attachment")
        check_pdf(attached[0].get_content(), f"emailed {attached[0].get_filename()}", [name, total])
        self.log(
            f"g. downloaded GET {path} -> {os.path.relpath(pdf_path)} ({len(response.content):,} bytes; "
            f"{how} finds '{name}' and '{total}'); the email carries {attached[0].get_filename()}, checked too"
        )
        return attached[0].get_filename()


def check_pdf(data, what, needles):
    """Check that a PDF shows each of needles; returns how the text was read."""
    if not data.startswith(b"%PDF"):
        raise DemoError(f"{what} is not a PDF (starts with {data[:20]!r})")
    text, how = pdf_text(data), "pdftotext"
    if len(text.strip()) < 10:
        # Debian's wkhtmltopdf (unpatched Qt) draws text set in web fonts (Odoo's Lato) as outlines: read the page.
        text, how = ocr_text(data), "OCR"
    missing = [needle for needle in needles if needle not in text]
    if missing:
        raise DemoError(f"{what}: {missing} not found in the PDF's text (read by {how})")
    return how


def pdf_text(data):
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return text.decode(errors="replace").replace("\xa0", " ").replace("\u202f", " ")


def ocr_text(data):
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder, "doc.pdf")
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", pdf, Path(folder, "page")], check=True)
        pages = sorted(Path(folder).glob("page*.png"))
        return "\n".join(
            subprocess.run(["tesseract", page, "-"], capture_output=True, check=True, text=True).stdout
            for page in pages
        )


def signature_png():
    """A scribble on white 300x100, base64 PNG without the data: prefix, as the portal's signature pad sends."""
    image = Image.new("RGB", (300, 100), "white")
    points = [(20 + x, 50 + 25 * math.sin(x / 12) * math.cos(x / 37)) for x in range(0, 260, 2)]
    ImageDraw.Draw(image).line(points, fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def add_server_arguments(parser):
    """The command-line arguments Demo(args) reads: the server, the admin's login, the SMTP sink, the output folder."""
    parser.add_argument("--url", required=True, help="Odoo base URL, e.g. http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--sink", type=Path, required=True, help="folder where the SMTP sink saves .eml files")
    parser.add_argument("--out", type=Path, required=True, help="folder for the output files")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)
    parser.add_argument(
        "--stop-after-send-quotation",
        action="store_true",
        help="stop once the quotation is emailed and print its portal link (for make run)",
    )
    args = parser.parse_args()
    demo = Demo(args)
    try:
        demo.setup_data()
        demo.create_quotation()
        demo.send_quotation()
        if args.stop_after_send_quotation:
            print(f"portal: {demo.portal_url()}", flush=True)
            return
        demo.sign()
        demo.show_invoice()
        demo.confirm_and_send()
        attachment = demo.download_pdf()
    except (DemoError, requests.RequestException, subprocess.CalledProcessError, OSError) as exc:
        demo.log(f"FAILED: {exc}")
        sys.exit(1)
    invoice = demo.invoice
    print(
        f"[{time.monotonic() - demo.started:6.2f}s] demo OK: quotation {demo.order_name} emailed, signed by {SIGNER} "
        f"on the portal, invoice {invoice['name']} posted ({invoice['amount_total']:,.2f} "
        f"{invoice['currency_id'][1]}) and emailed with {attachment}",
        flush=True,
    )


if __name__ == "__main__":
    main()
