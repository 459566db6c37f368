"""The demo's steps for a quotation signed by several people (make demo DEMO_ARGS="--signers 2 --countersign").

The salesperson lists contacts of the customer as its signers, one after the other, and a salesperson of the company
as its countersigner, who signs last. Each signer reads the request email they received in the SMTP sink, opens its
link (their own token) and signs through the portal's real route /my/orders/<id>/accept, as an anonymous visitor; the
countersigner from his own logged-in session. Between two signatures the demo prints what the signer's page says and
the order's state (not confirmed, nothing invoiced); after the last one the flow goes on as for one signer
(confirmation, certificate, seal, invoice). Without --signers or --countersign nothing here runs.
"""

import dataclasses
import email
import email.policy
import html
import os
import re
import time

import requests

from demo_issued import pdf_text
from odoo_client import OdooClient, OdooError, signature_call_url, signature_png
from seed import SALESPERSON_PASSWORD, create_salesperson

# The customer's other signers, after its contact person (the order's addressee): (name, email user, job).
CONTACTS = [
    ("Omar Haddad", "omar.haddad", "Finance Director"),
    ("Li Wei", "li.wei", "Chief Executive Officer"),
    ("Sofia Rossi", "sofia.rossi", "Legal Counsel"),
    ("Kwame Mensah", "kwame.mensah", "Procurement Lead"),
    ("Ana Souza", "ana.souza", "Head of Operations"),
    ("Pierre Martin", "pierre.martin", "Chief Financial Officer"),
    ("Yuki Tanaka", "yuki.tanaka", "Managing Partner"),
]
COUNTERSIGNER, COUNTERSIGNER_EMAIL = "Morgan Lee", "morgan.lee@auto-invoice-demo.example"
# One portal page's list of signatures: a signer's name, "(for the company)", their badge.
SIGNER_ITEM = re.compile(r'<li[^>]*class="o_auto_invoice_signer"[^>]*>(.*?)</li>', re.S)


def add_signer_arguments(parser):
    parser.add_argument(
        "--signers",
        type=int,
        default=0,
        choices=range(1, len(CONTACTS) + 2),
        metavar="N",
        help="N contacts of the customer sign the quotation one after the other, each from the link of the request "
        f"email they received (1 to {len(CONTACTS) + 1})",
    )
    parser.add_argument(
        "--countersign",
        action="store_true",
        help=f"{COUNTERSIGNER}, a salesperson, countersigns for the company after the customer's signers",
    )


def read_mail(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def text_of(fragment):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


class SignerSteps:
    """Steps of demo.Demo (they use its clients, mail sink, order, confirmation() and log)."""

    def init_signers(self, args):
        self.countersign = args.countersign
        self.signer_count = max(args.signers, 1 if args.countersign else 0)
        self.signers = []  # as the order lists them: {"id", "name", "email", "countersigner"}

    def add_signers(self):
        """The salesperson lists the customer's signers, in order, and the company's countersigner."""
        if not self.signer_count:
            return
        company = self.read_one("res.partner", self.customer_id, ["parent_id"])["parent_id"][0]
        domain = self.names.customer_email.split("@")[1]
        contacts = self.rpc(
            "res.partner",
            "create",
            [
                {"name": name, "email": f"{user}@{domain}", "function": job, "parent_id": company}
                for name, user, job in CONTACTS[: self.signer_count - 1]
            ],
        )
        lines = [
            (0, 0, {"partner_id": partner, "sequence": index})
            for index, partner in enumerate([self.customer_id, *contacts])
        ]
        countersigned = ""
        if self.countersign:
            names = dataclasses.replace(self.names, salesperson=COUNTERSIGNER, salesperson_email=COUNTERSIGNER_EMAIL)
            user_id = create_salesperson(self.client, self.data.company_id, names)
            self.countersigner = OdooClient(self.client.url, self.client.db)
            self.countersigner.authenticate(COUNTERSIGNER_EMAIL, SALESPERSON_PASSWORD)
            lines.append((0, 0, {"user_id": user_id}))
            countersigned = f"; countersigned for the company by {COUNTERSIGNER} <{COUNTERSIGNER_EMAIL}> (a Sales user)"
        self.sales.rpc("sale.order", "write", [self.order_id], {"signing_order": "sequence", "signer_ids": lines})
        rows = self.rpc(
            "sale.order.signer",
            "search_read",
            [("order_id", "=", self.order_id)],
            fields=["partner_id", "email", "is_countersigner"],
        )
        partners = self.rpc("res.partner", "read", [row["partner_id"][0] for row in rows], ["name"])
        self.signers = [
            {"id": row["id"], "name": partner["name"], "email": row["email"], "countersigner": row["is_countersigner"]}
            for row, partner in zip(rows, partners, strict=True)
        ]
        listed = ", ".join(
            f"{i}. {s['name']} <{s['email']}>" for i, s in enumerate(self.signers, 1) if not s["countersigner"]
        )
        self.log(
            f"b2. {self.names.salesperson} lists the customer's signers of {self.order_name}, one after the other: "
            f"{listed}{countersigned}; signers {self.signer_states()}"
        )

    def signer_states(self):
        rows = self.rpc("sale.order.signer", "read", [s["id"] for s in self.signers], fields=["state"])
        return ", ".join(f"{s['name']} {row['state']}" for s, row in zip(self.signers, rows, strict=True))

    def order_between(self):
        order = self.read_one("sale.order", self.order_id, ["state", "signed_by", "invoice_ids", "acceptance_ids"])
        if order["state"] != "sent" or order["signed_by"] or order["invoice_ids"] or order["acceptance_ids"]:
            raise OdooError(f"{self.order_name} moved before its last signature: {order}")
        return f"order {self.order_name} still '{order['state']}', unsigned, no acceptance, no invoice"

    def sign_in_turn(self):
        """Each signer in turn: their request email, their page, their signature; the order waits for the last."""
        own_link = self.link_in(self.out / "quotation.eml")
        if signature_call_url(requests.get(own_link, timeout=60).text):
            raise OdooError("the quotation email's own link offers a signature pad: it would sign for nobody")
        self.log("c1. the quotation email's own link opens the quotation without a pad: it signs for nobody")
        for index, signer in enumerate(self.signers, 1):
            last = index == len(self.signers)
            link = self.request_received(signer, index)
            # The customer's signers are anonymous visitors holding their link; the countersigner is logged in.
            session = self.countersigner.session if signer["countersigner"] else requests.Session()
            page = session.get(link, timeout=60).text
            sign_url = signature_call_url(page)
            if not sign_url or "Next to sign" not in page:
                raise OdooError(f"{signer['name']}'s page offers no pad in their turn")
            token = link.split("access_token=")[1]
            if f"access_token={token}" not in sign_url:
                raise OdooError(f"{signer['name']}'s pad posts with another token than theirs: {sign_url}")
            result = self.client.jsonrpc(sign_url, {"name": signer["name"], "signature": signature_png()}, session)
            signed_at = time.time()
            if result.get("error"):
                raise OdooError(f"the portal refused {signer['name']}'s signature: {result['error']}")
            who = f"logged in as {COUNTERSIGNER}" if signer["countersigner"] else "an anonymous visitor"
            posted = f"POST /my/orders/{self.order_id}/accept with their own token ({who})"
            if last:
                self.signed_last(signer, posted, signed_at)
                break
            landed = session.get(self.client.url + result["redirect_url"], timeout=60).text
            banner = re.search(r'class="[^"]*o_auto_invoice_signer_signed[^"]*"[^>]*>(.*?)</div>', landed, re.S)
            listed = "; ".join(text_of(item) for item in SIGNER_ITEM.findall(landed))
            self.log(
                f"d. {signer['name']} signed ({index} of {len(self.signers)}) via {posted}; their page says "
                f"'{text_of(banner.group(1)) if banner else 'no banner'}' and lists: {listed}"
            )
            self.log(f"d. between two signatures: {self.signer_states()}; {self.order_between()}")

    def request_received(self, signer, index):
        """The request email the signer received in the SMTP sink, and the link it carries (theirs)."""

        def is_request(message):
            return (
                self.order_name in str(message["subject"])
                and signer["email"] in str(message["to"])
                and f"/my/orders/{self.order_id}?access_token=" in message.get_body(("html",)).get_content()
            )

        # The request leaves with Odoo's mail queue, which the signature wakes up: the server's cron thread sends it.
        path, message = self.mail.wait_for(is_request, f"{signer['name']}'s request to sign")
        saved = self.out / f"signer_{index}.eml"
        saved.write_bytes(path.read_bytes())
        link = self.link_in(saved)
        if link == self.link_in(self.out / "quotation.eml"):
            raise OdooError(f"{signer['name']}'s email carries the quotation's own link, not theirs")
        activity = ""
        if signer["countersigner"]:
            activities = self.rpc(
                "mail.activity",
                "search_read",
                [("res_model", "=", "sale.order"), ("res_id", "=", self.order_id)],
                fields=["summary", "user_id"],
            )
            mine = [a for a in activities if a["user_id"][1] == COUNTERSIGNER]
            if not mine:
                raise OdooError(f"{COUNTERSIGNER} has no activity on {self.order_name}: {activities}")
            activity = f"; and the activity '{mine[0]['summary']}' on the order"
        self.log(
            f"c{index + 1}. {signer['name']} <{signer['email']}> received '{message['subject']}' (Odoo's mail queue, "
            f"on the server's crons) with a link of their own, {link[: link.index('access_token=') + 21]}… (saved "
            f"{os.path.relpath(saved)}){activity}"
        )
        return link

    def link_in(self, eml):
        """The quotation's link in an email, as the customer clicks it."""
        body = self.mail_body(eml)
        found = re.search(rf'href="([^"]*/my/orders/{self.order_id}\?access_token=[\w-]+)', body)
        if not found:
            raise OdooError(f"{os.path.relpath(eml)} carries no link to {self.order_name}")
        return html.unescape(found.group(1))

    def mail_body(self, eml):
        return read_mail(eml).get_body(("html",)).get_content()

    def signed_last(self, signer, posted, signed_at):
        """The last signature: the order is confirmed, and every signer gets the confirmation."""
        order, message, files = self.confirmation(signed_at)
        states = self.signer_states()
        if states.count(" signed") != len(self.signers):
            raise OdooError(f"{self.order_name} is confirmed with signers not signed: {states}")
        self.log(
            f"d. {signer['name']} signed last via {posted}: order {self.order_name} is now '{order['state']}', "
            f"Odoo's signed_by '{order['signed_by']}'; {states}; {self.names.signer} got '{message['subject']}' with "
            f"{' and '.join(files)} (saved {os.path.relpath(self.out / 'confirmation.eml')})"
        )
        self.log(
            f"d1. confirmation left {self.confirmation_delay:.0f} s after the last signature (the server's own "
            f"crons); {self.confirmation_recipients(message['subject'])}"
        )

    def confirmation_recipients(self, subject, wait=15):
        """Which signers the confirmation reached (each their own email, from the same sending)."""
        deadline, reached = time.monotonic() + wait, set()
        while len(reached) < len(self.signers) and time.monotonic() < deadline:
            for path in self.mail.folder.glob("*.eml"):
                message = read_mail(path)
                if message["subject"] == subject:
                    reached |= {s["email"] for s in self.signers if s["email"] in str(message["to"])}
            time.sleep(1)
        missing = [s["name"] for s in self.signers if s["email"] not in reached]
        if missing:
            raise OdooError(f"the confirmation '{subject}' did not reach {', '.join(missing)} within {wait} s")
        return f"the confirmation reached every signer ({len(reached)}), each by an email of their own"

    def check_signers_documents(self):
        """The certificate names every signer, in order; the signed copy shows each one's signature."""
        if not self.signer_count:
            return
        names = [s["name"] for s in self.signers]
        text = " ".join(pdf_text((self.out / "certificate.pdf").read_bytes()).split())
        at = [text.find(name) for name in names]
        if -1 in at or at != sorted(at):
            raise OdooError(f"certificate.pdf does not list every signer in order: {dict(zip(names, at, strict=True))}")
        signed = " ".join(pdf_text((self.out / "signed_quotation.pdf").read_bytes()).split())
        signed = signed[max(signed.rfind("Signatures"), 0) :]  # its signatures' block (all of it in another language)
        missing = [name for name in names if name not in signed]
        if missing:
            raise OdooError(f"signed_quotation.pdf does not show the signature of {', '.join(missing)}")
        self.log(
            f"d4. certificate.pdf lists every signer in order ({', '.join(names)}); signed_quotation.pdf shows the "
            f"signature of each of them"
        )

    def signed_by_text(self):
        if not self.signer_count:
            return self.names.signer
        customer = [s["name"] for s in self.signers if not s["countersigner"]]
        signed = ", ".join(customer[:-1]) + " and " + customer[-1] if len(customer) > 1 else customer[0]
        return signed + (f", countersigned by {COUNTERSIGNER}," if self.countersign else "")
