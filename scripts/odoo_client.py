"""The one HTTP client that demo.py, bench.py and race.py use to talk to a running Odoo.

Nothing here knows about auto_invoice's business: it logs in, calls model methods as that user the way the web client
does, signs a quotation as the customer's anonymous browser does, and picks up the mail that Odoo sent to the SMTP
sink (scripts/smtp_sink.py). Requests only; no Odoo import.

    client = OdooClient("http://127.0.0.1:8069", "mydb")
    client.authenticate("admin", "admin")
    ids = client.rpc("res.partner", "search", [("is_company", "=", True)], limit=5)
    answer = client.portal_accept(order_id, client.access_token("sale.order", order_id), "Jane Doe", signature_png())
"""

import base64
import email
import email.policy
import html
import io
import json
import math
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image, ImageDraw

TIMEOUT = 300  # seconds; a signing request renders two PDFs with wkhtmltopdf


class OdooError(Exception):
    """Odoo answered a JSON-RPC call with an error (its message), or the client found something unexpected."""


class OdooClient:
    def __init__(self, url, db):
        self.url = url.rstrip("/")
        self.db = db
        self.session = requests.Session()  # the logged-in user's web session (cookie), used by rpc()
        self.uid = None

    def jsonrpc(self, path, params, session=None):
        """POST a JSON-RPC call to path; returns its result, raises OdooError with Odoo's message on an error."""
        body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}
        response = (session or self.session).post(self.url + path, json=body, timeout=TIMEOUT)
        response.raise_for_status()
        reply = response.json()
        if "error" in reply:
            error = reply["error"]
            raise OdooError(f"{path}: {error.get('data', {}).get('message') or error.get('message')}")
        return reply.get("result")  # Odoo leaves "result" out when a method returns None

    def authenticate(self, login, password):
        """Open a web session as login; returns Odoo's session info."""
        info = self.jsonrpc("/web/session/authenticate", {"db": self.db, "login": login, "password": password})
        self.uid = info["uid"]
        return info

    def rpc(self, model, method, *args, **kwargs):
        """Call a model method as the logged-in user, as the web client does: rpc("res.partner", "read", [ids])."""
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return self.jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params)

    def read_one(self, model, record_id, fields):
        return self.rpc(model, "read", [record_id], fields=fields)[0]

    def portal_url(self, model, record_id):
        """The record's absolute portal URL, access token included (what the customer's email links to)."""
        return self.url + self.rpc(model, "get_portal_url", [record_id])

    def access_token(self, model, record_id):
        """The access token of the record's portal URL."""
        return parse_qs(urlsplit(self.portal_url(model, record_id)).query)["access_token"][0]

    def portal_sign_url(self, order_id, access_token, session=None):
        """The URL that the quotation's portal page posts its signature to (the signature form's `callUrl`), as an
        anonymous visitor holding the link opens the page (or `session`'s user): the page's own query string (token,
        and what it shows)."""
        response = (session or requests).get(
            f"{self.url}/my/orders/{order_id}", params={"access_token": access_token}, timeout=TIMEOUT
        )
        response.raise_for_status()
        found = signature_call_url(response.text)
        if not found:
            raise OdooError(f"/my/orders/{order_id}: the page has no signature form")
        return found

    def portal_accept(self, order_id, access_token, name, signature, sign_url=None):
        """The customer signs a quotation: POST the page's signature URL as an anonymous visitor holding the link.

        `sign_url` is the page's (portal_sign_url), fetched here unless given. Returns the portal's answer, e.g.
        {"force_refresh": True, "redirect_url": ...} or {"error": "..."}.
        """
        sign_url = sign_url or self.portal_sign_url(order_id, access_token)
        return self.jsonrpc(sign_url, {"name": name, "signature": signature}, session=requests.Session())

    def get(self, path):
        """GET path with the logged-in user's session; returns the response (raises on an HTTP error)."""
        response = self.session.get(self.url + path, timeout=TIMEOUT)
        response.raise_for_status()
        return response


class MailSink:
    """The .eml files that scripts/smtp_sink.py saves in a folder; wait_for() flushes Odoo's queue until one comes."""

    def __init__(self, client, folder):
        self.client = client
        self.folder = Path(folder)
        self.seen = set(self.folder.glob("*.eml"))
        self.scheduler_id = None

    def send_queue(self):
        """Send Odoo's outgoing mail as its scheduler does, as its cron's user: the admin may not update a message
        addressed to another user (the salesperson's "activity assigned to you"), which mail.mail does once sent."""
        if self.scheduler_id is None:
            self.scheduler_id = self.client.rpc(
                "ir.model.data",
                "search_read",
                [("module", "=", "mail"), ("name", "=", "ir_cron_mail_scheduler_action")],
                fields=["res_id"],
            )[0]["res_id"]
        try:
            self.client.rpc("ir.cron", "method_direct_trigger", [self.scheduler_id])
        except OdooError as error:  # the server's own cron thread is sending it right now
            if "already executing" not in str(error):
                raise

    def wait_for(self, wanted, what, timeout=90, flush=True):
        """Wait until a new .eml for which wanted(message) is true arrives; with `flush`, process Odoo's outgoing mail
        queue meanwhile (else the server alone sends it: its crons, or the request that sent it at once).

        Returns (path, message); raises OdooError after timeout seconds, naming the mails Odoo failed to send.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if flush:
                self.send_queue()
            for path in sorted(set(self.folder.glob("*.eml")) - self.seen):
                self.seen.add(path)
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if wanted(message):
                    return path, message
            time.sleep(1)
        failed = self.client.rpc(
            "mail.mail", "search_read", [("state", "=", "exception")], fields=["subject", "failure_reason"]
        )
        raise OdooError(f"no {what} reached the SMTP sink within {timeout}s (mails in exception: {failed})")


def signature_call_url(page):
    """Where the signature pad of a portal page (its HTML) posts, or None when the page offers no pad."""
    found = re.search(r'<owl-component name="portal.signature_form" props="([^"]*)"', page)
    return json.loads(html.unescape(found.group(1)))["callUrl"] if found else None


def signature_png():
    """A scribble on white 300x100, base64 PNG without the data: prefix, as the portal's signature pad sends."""
    image = Image.new("RGB", (300, 100), "white")
    points = [(20 + x, 50 + 25 * math.sin(x / 12) * math.cos(x / 37)) for x in range(0, 260, 2)]
    ImageDraw.Draw(image).line(points, fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def add_server_arguments(parser):
    """Command-line arguments for the server and the user to log in as."""
    parser.add_argument("--url", required=True, help="Odoo base URL, e.g. http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
