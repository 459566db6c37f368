#!/usr/bin/env python3
"""End-to-end demo of auto_invoice, talking to a running Odoo over HTTP only.

Quotation -> emailed -> signed on the portal by the customer -> draft invoice -> "Confirm & Send" -> PDF by email;
then an unsigned quotation -> the reminder cron -> a reminder email.
With --country ro: a Romanian company and customer, every document in Romanian, the invoice emailed with its CIUS-RO
XML and submitted to SPV by auto_invoice_l10n_ro's job, which reaches the SPV stand-in of scripts/demo_addons (never
ANAF); the demo ends by checking what the stand-in received.
Run by scripts/demo.sh (fresh database, real server, SMTP sink); prints one line per step with its duration.
"""

import argparse
import html
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests

from demo_issued import (
    IssuedFileSteps,
    changed,
    check_pdf,
    seal_verdict,
    start_timestamp_authority,
    timestamp_verdict,
)
from demo_plan import PlanSteps, add_plan_arguments
from demo_ro import RomanianSteps
from demo_signers import SignerSteps, add_signer_arguments
from odoo_client import MailSink, OdooClient, OdooError, add_server_arguments, signature_png
from seed import SALESPERSON_PASSWORD, brand, seal_documents, seed
from seed_ro import COMPANY_VAT, CUSTOMER_VAT, brand_ro, seed_ro


class Demo(RomanianSteps, IssuedFileSteps, SignerSteps, PlanSteps):
    def __init__(self, args):
        self.client = OdooClient(args.url, args.db)  # the admin: sets the company up
        self.sales = OdooClient(args.url, args.db)  # the salesperson: quotes, reviews and sends
        self.login, self.password = args.login, args.password
        self.out = args.out
        self.out.mkdir(parents=True, exist_ok=True)
        self.mail = MailSink(self.client, args.sink)
        self.deposit = args.deposit
        self.country = args.country
        self.post_and_send = args.post_and_send
        self.init_signers(args)
        self.init_plan(args)
        self.started = self.step_started = time.monotonic()

    # --- plumbing -------------------------------------------------------------------------------------------------
    def log(self, message):
        now = time.monotonic()
        print(f"[{now - self.step_started:6.2f}s] {message}", flush=True)
        self.step_started = now

    def rpc(self, model, method, *args, **kwargs):
        return self.client.rpc(model, method, *args, **kwargs)

    def read_one(self, model, record_id, fields):
        return self.client.read_one(model, record_id, fields)

    # --- steps ----------------------------------------------------------------------------------------------------
    def setup_data(self):
        self.client.authenticate(self.login, self.password)
        if self.country == "ro":
            self.data = seed_ro(self.client)
            brand_ro(self.client, self.data.company_id)
        else:
            self.data = seed(self.client)
            brand(self.client, self.data.company_id)
        self.names = names = self.data.names
        self.customer_id, self.service_id, self.goods_id = (
            self.data.customer_id,
            self.data.service_id,
            self.data.goods_id,
        )
        lang = self.read_one("res.partner", self.customer_id, ["lang"])["lang"]
        self.number_format = self.rpc(
            "res.lang", "search_read", [("code", "=", lang)], fields=["decimal_point", "thousands_sep"]
        )[0]
        where = ""
        if self.country == "ro":
            company = self.read_one("res.company", self.data.company_id, ["chart_template", "currency_id"])
            where = (
                f" in Romania (chart '{company['chart_template']}', {company['currency_id'][1]}, 21 % VAT, CUI "
                f"{COMPANY_VAT}, a trusted IBAN, an ANAF token that only the SPV stand-in sees; the salesperson "
                f"works in Romanian)"
            )
        seal = seal_documents(self.client, self.data.company_id)
        self.authority = start_timestamp_authority(self.client, self.data.company_id)
        # Settings > Sales: salespeople send the invoices of their signed quotations (off by default).
        settings = self.rpc("res.config.settings", "create", {"group_auto_invoice_salesperson_review": True})
        self.rpc("res.config.settings", "execute", [settings])
        self.sales.authenticate(names.salesperson_email, SALESPERSON_PASSWORD)
        customer = f"'{names.customer}', its contact person '{names.signer}' <{names.customer_email}>"
        if self.country == "ro":
            customer += f" (CUI {CUSTOMER_VAT}, Cluj-Napoca, reads Romanian, receives CIUS-RO e-Facturas)"
        self.log(
            f"a. company '{names.company}' (id {self.data.company_id}) set up as admin's company{where}; salesperson "
            f"'{names.salesperson}' <{names.salesperson_email}> (a Sales user of their own); customer "
            f"{customer}; products '{names.service}' (service, invoiced on "
            f"order) and '{names.goods}' (consumable, invoiced on delivery); branded design selected, with the "
            f"demo's own logo and a bank account; the company seals its signed documents and invoices with a "
            f"certificate generated in Settings ({seal}), timestamped by a local RFC 3161 authority at "
            f"{self.authority.url}; salespeople may send the invoices of their signed "
            f"quotations (Settings > Sales); {names.salesperson} logs in from here on"
        )

    def amount(self, value):
        """value as the customer's documents print it (their language's separators), e.g. 1,190.25 or 1.190,25."""
        separators = {",": self.number_format["thousands_sep"], ".": self.number_format["decimal_point"]}
        return f"{value:,.2f}".translate(str.maketrans(separators))

    def create_quotation(self):
        self.order_id = self.sales.rpc(
            "sale.order",
            "create",
            {
                "partner_id": self.customer_id,
                "user_id": self.data.salesperson_id,
                "client_order_ref": self.names.reference,
                "require_signature": True,
                "require_payment": False,
                **(
                    {"auto_invoice_amount": "percentage", "auto_invoice_deposit_percentage": self.deposit}
                    if self.deposit
                    else {"auto_invoice_amount": "full"}
                ),
                "order_line": [
                    (0, 0, {"product_id": self.service_id, "product_uom_qty": 1}),
                    (0, 0, {"product_id": self.goods_id, "product_uom_qty": 3}),
                ],
            },
        )
        if self.post_and_send:  # a policy that posts and sends: a decision only billing users make
            self.rpc("sale.order", "write", [self.order_id], {"auto_invoice_after": "send"})
        order = self.read_one(
            "sale.order", self.order_id, ["name", "state", "amount_total", "currency_id", "auto_invoice_summary"]
        )
        self.order_name = order["name"]
        self.log(
            f"b. quotation {order['name']} (id {self.order_id}, {order['state']}): 2 lines, total "
            f"{order['amount_total']:,.2f} {order['currency_id'][1]}, signature required; at signature: "
            f"{order['auto_invoice_summary']}"
        )

    def send_quotation(self):
        action = self.sales.rpc("sale.order", "action_quotation_send", [self.order_id])
        context = action["context"]
        wizard_id = self.sales.rpc("mail.compose.message", "create", {}, context=context)
        self.sales.rpc("mail.compose.message", "action_send_mail", [wizard_id], context=context)
        path, message = self.mail.wait_for(self.to_customer(self.order_name), "quotation email", flush=False)
        (self.out / "quotation.eml").write_bytes(path.read_bytes())
        state = self.read_one("sale.order", self.order_id, ["state"])["state"]
        saved = os.path.relpath(self.out / "quotation.eml")
        if self.country == "ro":  # the quotation PDF the customer holds, from the email
            pdfs = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
            if not pdfs:
                raise OdooError("the quotation email carries no PDF")
            check_pdf(pdfs[0].get_content(), f"emailed {pdfs[0].get_filename()}", [self.names.company, self.order_name])
            (self.out / "quotation.pdf").write_bytes(pdfs[0].get_content())
            saved += f"; its PDF '{pdfs[0].get_filename()}' as {os.path.relpath(self.out / 'quotation.pdf')}"
        self.log(
            f"c. quotation emailed by {self.names.salesperson} to {message['to']} through SMTP: '{message['subject']}' "
            f"(order now {state}; saved {saved})"
        )

    def to_customer(self, order_name):
        """Matches the emails about `order_name` to the customer (not, say, the salesperson's "assigned to you")."""
        return lambda m: order_name in str(m["subject"]) and self.names.customer_email in str(m["to"])

    def portal_url(self):
        return self.client.portal_url("sale.order", self.order_id)

    def sign(self):
        token = self.client.access_token("sale.order", self.order_id)
        # No cookie: the customer is an anonymous visitor holding the link.
        result = self.client.portal_accept(self.order_id, token, self.names.signer, signature_png())
        signed_at = time.time()
        if result.get("error"):
            raise OdooError(f"portal refused the signature: {result['error']}")
        order, message, files = self.confirmation(signed_at)
        self.log(
            f"d. signed anonymously as '{order['signed_by']}' via POST /my/orders/{self.order_id}/accept; "
            f"order {self.order_name} is now '{order['state']}'; the customer got '{message['subject']}' with "
            f"{' and '.join(files)} (saved {os.path.relpath(self.out / 'confirmation.eml')})"
        )
        self.log(f"d1. confirmation left {self.confirmation_delay:.0f} s after the signature (the server's own crons)")

    def confirmation(self, signed_at):
        """The signed order, and the confirmation email the customer got with its certificate: (order, message,
        its files)."""
        order = self.read_one("sale.order", self.order_id, ["state", "signed_by"])
        if order["state"] != "sale":
            raise OdooError(f"order {self.order_name} is '{order['state']}' after signing, expected 'sale'")
        # The certificates' cron, woken by the signature and run by the server's cron thread, renders the certificate
        # and sends the confirmation that waited for it: nothing here flushes Odoo's mail queue.
        path, message = self.mail.wait_for(self.to_customer(self.order_name), "confirmation email", flush=False)
        self.confirmation_delay = path.stat().st_mtime - signed_at
        if self.confirmation_delay > 60:
            raise OdooError(f"the confirmation left {self.confirmation_delay:.0f} s after the signature (over 60 s)")
        (self.out / "confirmation.eml").write_bytes(path.read_bytes())
        files = [part.get_filename() or "" for part in message.iter_attachments()]
        others = [part for part in message.iter_attachments() if self.order_name not in (part.get_filename() or "")]
        certificate = others[0] if others else None  # the order's PDF is named after it
        if certificate is None:
            raise OdooError(f"the confirmation email carries no certificate of acceptance: {files}")
        check_pdf(certificate.get_content(), f"emailed {certificate.get_filename()}", [self.names.signer])
        return order, message, files

    def keep_signed_documents(self):
        """The PDF the customer signed (the acceptance's evidence) and the certificate of acceptance."""
        acceptance = self.rpc(
            "sale.order.acceptance",
            "search_read",
            [("order_id", "=", self.order_id)],
            fields=["name", "document_id", "certificate_id", "document_sha256"],
        )[0]
        saved = []
        for field, file_name, needles in (
            ("document_id", "signed_quotation.pdf", [self.names.company, self.order_name]),
            ("certificate_id", "certificate.pdf", [self.names.company, acceptance["name"], self.names.signer]),
        ):
            if not acceptance[field]:
                raise OdooError(f"acceptance {acceptance['name']} has no {field}")
            content = self.client.get(f"/web/content/{acceptance[field][0]}?download=true").content
            check_pdf(content, file_name, needles)
            (self.out / file_name).write_bytes(content)
            saved.append(os.path.relpath(self.out / file_name))
        self.log(
            f"d2. acceptance {acceptance['name']}: the signed quotation (SHA-256 "
            f"{acceptance['document_sha256'][:12]}…) and its certificate saved as {' and '.join(saved)}"
        )
        for file_name in ("signed_quotation.pdf", "certificate.pdf"):
            content = (self.out / file_name).read_bytes()
            verdict = seal_verdict(content)
            if "Signature is Valid." not in verdict or "Total document signed" not in verdict:
                raise OdooError(f"{file_name} is not sealed as a whole: pdfsig says {verdict}")
            self.log(f"d3. pdfsig {file_name}: {verdict}; one byte changed: {seal_verdict(changed(content))}")
            self.log(f"d3. pyHanko on {file_name}: {timestamp_verdict(content, self.authority)}")
            self.log(f"d4. {self.client.url}/verify with {file_name}: {self.verify(content)}")
        self.log(f"d4. the same page with a changed copy: {self.verify(changed(content))}")

    def verify(self, content):
        """The public verification page's verdict on a file, as an anonymous visitor posts it."""
        response = requests.post(
            f"{self.client.url}/verify", files={"document": ("document.pdf", content, "application/pdf")}, timeout=60
        )
        match = re.search(r'name="auto_invoice_verdict"[^>]*>(.*?)</div>', response.text, re.S)
        if not match:
            raise OdooError(f"the verification page gave no verdict (HTTP {response.status_code})")
        said = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", match.group(1))  # the mark, not said
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(said))).strip()

    def run_cron(self, xmlid, module="auto_invoice"):
        cron = self.rpc(
            "ir.model.data", "search_read", [("module", "=", module), ("name", "=", xmlid)], fields=["res_id"]
        )[0]["res_id"]
        self.rpc("ir.cron", "method_direct_trigger", [cron])

    def show_invoice(self):
        if "auto_invoice_id" not in self.rpc("sale.order", "fields_get", ["auto_invoice_id"]):
            raise OdooError("sale.order has no field auto_invoice_id: is the auto_invoice addon installed?")
        invoice = self.read_one("sale.order", self.order_id, ["auto_invoice_id"])["auto_invoice_id"]
        if not invoice:
            raise OdooError(f"order {self.order_name} has no auto_invoice_id after signing: no invoice was created")
        self.invoice_id = invoice[0]
        move = self.read_one(
            "account.move",
            self.invoice_id,
            ["name", "state", "move_type", "partner_id", "amount_total", "currency_id", "invoice_line_ids"],
        )
        expected = "posted" if self.post_and_send else "draft"  # Post and Send: posted and sent at the signature
        if (move["move_type"], move["state"]) != ("out_invoice", expected):
            raise OdooError(f"expected a {expected} customer invoice, got {move['move_type']} in state {move['state']}")
        review = ""
        if expected == "draft":
            activities = self.rpc(
                "mail.activity",
                "search_read",
                [("res_model", "=", "account.move"), ("res_id", "=", self.invoice_id)],
                fields=["summary", "user_id"],
            )
            if [activity["user_id"][0] for activity in activities] != [self.data.salesperson_id]:
                raise OdooError(f"the review activity is not the salesperson's: {activities}")
            review = f"; '{activities[0]['summary']}' activity for {activities[0]['user_id'][1]}"
        self.log(
            f"e. {expected} invoice (id {self.invoice_id}) for {move['partner_id'][1]}: state {move['state']}, "
            f"{len(move['invoice_line_ids'])} line(s), total {move['amount_total']:,.2f} {move['currency_id'][1]}"
            f"{review}"
        )

    def confirm_and_send(self):
        if not self.post_and_send:  # with Post and Send, the signature posted and sent it already
            self.sales.rpc("account.move", "action_auto_invoice_send", [self.invoice_id])
        move = self.read_one(
            "account.move",
            self.invoice_id,
            [
                "name",
                "state",
                "amount_total",
                "currency_id",
                "invoice_date",
                "invoice_date_due",
                "invoice_payment_term_id",
            ],
        )
        if move["state"] != "posted":
            raise OdooError(f"invoice is '{move['state']}' after it was sent, expected 'posted'")
        self.invoice = move
        name, file_name = move["name"], move["name"].replace("/", "_")

        def is_invoice_mail(message):
            files = [part.get_filename() or "" for part in message.iter_attachments()]
            return name in str(message["subject"]) or any(file_name in f for f in files)

        path, self.invoice_mail = self.mail.wait_for(is_invoice_mail, f"email for invoice {name}", flush=False)
        (self.out / "invoice.eml").write_bytes(path.read_bytes())
        how = (
            "by the Post and Send policy at the signature"
            if self.post_and_send
            else f"by {self.names.salesperson}'s Confirm & Send"
        )
        terms = move["invoice_payment_term_id"][1] if move["invoice_payment_term_id"] else "no payment terms"
        self.log(
            f"f. invoice {name} posted and emailed {how} to {self.invoice_mail['to']}: "
            f"'{self.invoice_mail['subject']}' (saved {os.path.relpath(self.out / 'invoice.eml')}); invoice date "
            f"{move['invoice_date']}, due {move['invoice_date_due']} ({terms})"
        )
        if move["invoice_date_due"] < move["invoice_date"]:
            raise OdooError(f"invoice {name} is overdue on arrival: due {move['invoice_date_due']}")

    def download_pdf(self):
        name, total = self.invoice["name"], self.amount(self.invoice["amount_total"])
        attachment = self.read_one("account.move", self.invoice_id, ["invoice_pdf_report_id"])["invoice_pdf_report_id"]
        path = (
            f"/web/content/{attachment[0]}?download=true"
            if attachment
            else f"/report/pdf/account.report_invoice/{self.invoice_id}"
        )
        response = self.client.get(path)
        pdf_path = self.out / f"{name.replace('/', '_')}.pdf"
        pdf_path.write_bytes(response.content)
        check_pdf(response.content, f"downloaded {path}", [self.names.company, name, total])

        attached = [
            part
            for part in self.invoice_mail.iter_attachments()
            if part.get_content_type() == "application/pdf" or (part.get_filename() or "").endswith(".pdf")
        ]
        if not attached:
            raise OdooError(f"the email for invoice {name} carries no PDF attachment")
        check_pdf(attached[0].get_content(), f"emailed {attached[0].get_filename()}", [self.names.company, name, total])
        self.log(
            f"g. downloaded GET {path} -> {os.path.relpath(pdf_path)} ({len(response.content):,} bytes; "
            f"its text layer, read by pdftotext, has '{self.names.company}', '{name}' and '{total}'); "
            f"the email carries {attached[0].get_filename()}, checked too"
        )
        emailed = attached[0].get_content()
        self.log(f"g2. pdfsig {attached[0].get_filename()} (emailed): {seal_verdict(emailed)}; {self.verify(emailed)}")
        return attached[0].get_filename()

    def remind_unsigned(self):
        """A second quotation of the salesperson, sent 3 days ago and still unsigned: the reminder cron emails the
        customer."""
        order_id = self.sales.rpc(
            "sale.order",
            "create",
            {
                "partner_id": self.customer_id,
                "user_id": self.data.salesperson_id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [(0, 0, {"product_id": self.service_id, "product_uom_qty": 2})],
            },
        )
        self.sales.rpc("sale.order", "action_quotation_sent", [order_id])
        order = self.read_one("sale.order", order_id, ["name", "sign_reminder_first_days"])
        days = order["sign_reminder_first_days"]
        sent_on = self.rpc("sale.order", "read", [order_id], ["sign_reminder_sent_on"])[0]["sign_reminder_sent_on"]
        # Back-date the sending instead of waiting: the cadence counts from sign_reminder_sent_on.
        earlier = datetime.strptime(sent_on, "%Y-%m-%d %H:%M:%S") - timedelta(days=days)
        self.rpc("sale.order", "write", [order_id], {"sign_reminder_sent_on": earlier.strftime("%Y-%m-%d %H:%M:%S")})
        self.run_cron("ir_cron_sign_reminder")
        # The only email of this quotation (marked as sent, never emailed): its subject is in the customer's language.
        # A daily cron run by hand for a quotation back-dated by days: its email leaves with Odoo's mail queue, which
        # the demo runs too rather than waiting for its next hourly run.
        path, message = self.mail.wait_for(self.to_customer(order["name"]), "reminder email")
        (self.out / "reminder.eml").write_bytes(path.read_bytes())
        body = message.get_body(("html",)).get_content()
        if f"/my/orders/{order_id}?access_token=" not in body:
            raise OdooError("the reminder email carries no review-and-sign link")
        count = self.read_one("sale.order", order_id, ["sign_reminder_count"])["sign_reminder_count"]
        self.log(
            f"h. quotation {order['name']} sent {days} days ago and unsigned: the reminder cron emailed "
            f"{message['to']}: '{message['subject']}' with its Review & Sign link ({count} reminder sent; saved "
            f"{os.path.relpath(self.out / 'reminder.eml')})"
        )


def add_demo_arguments(parser):
    """The server and the admin's login, the SMTP sink, the output folder."""
    add_server_arguments(parser)
    parser.add_argument("--sink", type=Path, required=True, help="folder where the SMTP sink saves .eml files")
    parser.add_argument("--out", type=Path, required=True, help="folder for the output files")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_demo_arguments(parser)
    parser.add_argument(
        "--deposit",
        type=float,
        metavar="PERCENT",
        help="invoice a deposit of PERCENT %% at signature (Odoo's down-payment lines) instead of the whole quotation",
    )
    parser.add_argument(
        "--country",
        choices=["ro"],
        help="ro: a Romanian company and customer, documents in Romanian, the invoice emailed with its CIUS-RO XML "
        "and submitted to the SPV stand-in (scripts/demo.sh installs auto_invoice_l10n_ro and the stand-in)",
    )
    parser.add_argument(
        "--post-and-send",
        action="store_true",
        help="the quotation's policy posts and sends the invoice at the signature, instead of Confirm & Send",
    )
    parser.add_argument(
        "--stop-after-send-quotation",
        action="store_true",
        help="stop once the quotation is emailed and print its portal link (for make run)",
    )
    add_signer_arguments(parser)
    add_plan_arguments(parser)
    args = parser.parse_args()
    demo = Demo(args)
    try:
        demo.setup_data()
        demo.create_quotation()
        demo.add_plan()
        demo.add_signers()
        demo.send_quotation()
        if args.stop_after_send_quotation:
            print(f"portal: {demo.portal_url()}", flush=True)
            return
        if demo.signer_count:
            demo.sign_in_turn()
        else:
            demo.sign()
        demo.keep_signed_documents()
        demo.check_signers_documents()
        demo.check_plan_documents()
        demo.check_held_files()
        demo.show_invoice()
        demo.confirm_and_send()
        attachment = demo.download_pdf()
        if args.country == "ro":
            demo.submit_to_spv()
        else:  # in Romania, a second e-Factura would go to the SPV
            demo.reissue_invoice()
        demo.run_plan_days()
        demo.remind_unsigned()
        if args.country == "ro":
            demo.check_spv()
    except (OdooError, requests.RequestException, subprocess.CalledProcessError, OSError) as exc:
        demo.log(f"FAILED: {exc}")
        sys.exit(1)
    invoice = demo.invoice
    efactura = f", its e-Factura submitted once (index {demo.spv_index})" if args.country == "ro" else ""
    print(
        f"[{time.monotonic() - demo.started:6.2f}s] demo OK: quotation {demo.order_name} emailed, signed by "
        f"{demo.signed_by_text()} on the portal, invoice {invoice['name']} posted ({invoice['amount_total']:,.2f} "
        f"{invoice['currency_id'][1]}) and emailed with {attachment}{efactura}",
        flush=True,
    )


if __name__ == "__main__":
    main()
