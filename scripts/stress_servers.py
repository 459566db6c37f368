"""The two servers of the stress run (scripts/stress.py), as its requests see them: every HTTP request counted
(Traffic), each answer read once (Answer), and the requests a customer's browser sends to the portal; whether a
server's master process stopped."""

import json
import re
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

import requests

from odoo_client import OdooError
from seed import SIGNER

TIMEOUT = 300  # seconds for one request: a signing request renders PDFs with wkhtmltopdf
MAX_REQUESTS = 5000  # the whole run never sends more
JOBS_TIMEOUT = 300  # seconds to wait for queue_job's jobs to end
PAGE_SIGNATURE = object()  # accept()'s default: the signature the page's pad draws


class Traffic:
    """Counts every HTTP request of the run and the answers that matter; sessions made here count themselves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.http_5xx = 0
        self.exempt = Counter()  # the answers of requests the script broke on purpose, by outcome
        self.exempt_depth = 0
        self.failures = []  # (phase, description) of counted 5xx / no answer
        self.phase = "setup"

    def session(self):
        session = requests.Session()
        session.hooks["response"].append(self._answered)
        return session

    @contextmanager
    def exempting(self):
        """The requests sent meanwhile may be broken on purpose (a killed worker, no database connection left)."""
        with self.lock:
            self.exempt_depth += 1
        try:
            yield
        finally:
            with self.lock:
                self.exempt_depth -= 1

    def _answered(self, response, *args, **kwargs):
        with self.lock:
            self.requests += 1
            if self.requests > MAX_REQUESTS:
                raise RuntimeError(f"more than {MAX_REQUESTS} requests: the run is capped")
            if response.status_code >= 500:
                self._failed(f"HTTP {response.status_code} {response.request.method} {short(response.url)}")

    def unanswered(self, method, url, error):
        with self.lock:
            self.requests += 1
            self._failed(f"no answer to {method} {short(url)}: {type(error).__name__}")

    def _failed(self, what):
        if self.exempt_depth:
            self.exempt[what.split(" ", 2)[0] + " " + what.split(" ", 2)[1]] += 1
        else:
            self.http_5xx += 1
            self.failures.append((self.phase, what))


def short(url):
    parts = urlsplit(url)
    return parts.path + ("?…" if parts.query else "")


class Answer:
    """One HTTP answer: status (None when none came), text, and the JSON-RPC result or error when it is JSON."""

    def __init__(self, response=None, error=None):
        self.status = response.status_code if response is not None else None
        self.text = response.text if response is not None else ""
        self.error = error
        self.json = None
        if response is not None and "json" in response.headers.get("Content-Type", ""):
            with suppress(ValueError):
                self.json = response.json()

    @property
    def result(self):
        return self.json.get("result") if isinstance(self.json, dict) else None

    @property
    def success(self):
        """A signature taken: Odoo's answer redirects to the signed order, without an error."""
        result = self.result
        return isinstance(result, dict) and not result.get("error") and bool(result.get("redirect_url"))

    def summary(self):
        if self.status is None:
            return f"no answer ({type(self.error).__name__})"
        if isinstance(self.json, dict) and "error" in self.json:
            error = self.json["error"]
            return (
                f"JSON-RPC error {error.get('code')}: {(error.get('data') or {}).get('name') or error.get('message')}"
            )
        result = self.result
        if isinstance(result, dict) and result.get("error"):
            return f"refused: {result['error'][:90]}"
        if self.success:
            return "signed"
        return f"HTTP {self.status}"


class Servers:
    """The HTTP side of Stress: the portal requests of a customer's browser, the admin's RPC, and the servers' health.
    Expects self.traffic, self.urls, self.admin, self.orders, self.signature and check_leaks() (Checks)."""

    def send(self, method, url, session=None, **kwargs):
        session = session or self.traffic.session()
        kwargs.setdefault("timeout", TIMEOUT)
        try:
            return Answer(session.request(method, url, **kwargs))
        except requests.RequestException as error:
            self.traffic.unanswered(method, url, error)
            return Answer(error=error)

    def post_jsonrpc(self, url, params, session=None, raw=None, headers=None):
        body = raw if raw is not None else json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1})
        headers = headers or {"Content-Type": "application/json"}
        return self.send("POST", url, session=session, data=body, headers=headers)

    def sign_url(self, order_id, server=0):
        """The URL the order's portal page posts its signature to (its signature form's callUrl), as the customer's
        anonymous browser opens the emailed link."""
        token = self.orders[order_id]["token"]
        answer = self.send("GET", f"{self.urls[server]}/my/orders/{order_id}", params={"access_token": token})
        self.check_leaks(answer, order_id, "portal page")
        found = re.search(r'<owl-component name="portal.signature_form" props="([^"]*)"', answer.text)
        if not found:
            raise OdooError(f"/my/orders/{order_id}: the page has no signature form ({answer.summary()})")
        import html  # noqa: PLC0415

        return json.loads(html.unescape(found.group(1)))["callUrl"]

    def accept(self, server, path, name=SIGNER, signature=PAGE_SIGNATURE, **extra):
        params = {"name": name, "signature": self.signature if signature is PAGE_SIGNATURE else signature, **extra}
        return self.post_jsonrpc(self.urls[server] + path, params)

    def decline(self, order_id, access_token=None, server=0):
        """Decline on the portal as its form does (with the page's CSRF token); returns (Answer, viewer)."""
        session = self.traffic.session()
        token = self.orders[order_id]["token"] if access_token is None else access_token
        page = self.send(
            "GET", f"{self.urls[server]}/my/orders/{order_id}", session=session, params={"access_token": token}
        )
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text) or re.search(
            r'csrf_token: "([^"]+)"', page.text
        )
        data = {"csrf_token": csrf.group(1) if csrf else "", "access_token": token, "decline_message": "No, thanks."}
        answer = self.send("POST", f"{self.urls[server]}/my/orders/{order_id}/decline", session=session, data=data)
        viewer = order_id if access_token is None or access_token == self.orders[order_id]["token"] else None
        self.check_leaks(page, viewer, f"page before declining {self.orders[order_id]['name']}")
        return answer, viewer

    def rpc(self, *args, **kwargs):
        return self.admin.rpc(*args, **kwargs)

    def set_param(self, key, value):
        self.rpc("ir.config_parameter", "set_param", key, value)

    def wait_jobs(self):
        """Wait until queue_job has no job left to run; returns their states."""
        if not self.has_jobs:
            return {}
        deadline = time.monotonic() + JOBS_TIMEOUT
        while True:
            groups = self.rpc("queue.job", "read_group", [], ["state"], ["state"], lazy=False)
            states = {group["state"]: group["__count"] for group in groups}
            if not set(states) - {"done", "failed", "cancelled"} or time.monotonic() > deadline:
                return states
            time.sleep(2)

    def stopped_servers(self):
        """Which server's master process stopped meanwhile (a zombie, or gone); the rest of the run uses the other.

        Odoo's prefork master opens a connection to the database before it spawns a process, and stops the whole
        server when that fails (odoo/service/server.py: process_spawn, check_registries): a worker recycled, or the
        gevent process respawned, while PostgreSQL refuses connections stops the server."""
        stopped = []
        for index, pid in enumerate((self.args.pid_a, self.args.pid_b)):
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
                    alive = stat.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                alive = False
            if not alive:
                stopped.append("AB"[index])
        if not stopped:
            return ""
        if len(stopped) == 2:
            raise OdooError("both servers stopped while PostgreSQL refused connections")
        live = self.urls[1] if stopped == ["A"] else self.urls[0]
        self.urls = [live, live]
        self.admin.url = live
        self.server_stopped = stopped[0]
        self.rpc("ir.config_parameter", "set_param", "web.base.url", live)
        return f"server {stopped[0]} STOPPED (its prefork master could not connect to spawn a process); "

    def wait_recovered(self, timeout=120):
        """Wait until the servers answer again; a server whose master stopped meanwhile is left out (said)."""
        started, stopped = time.monotonic(), ""
        while time.monotonic() - started < timeout:
            stopped = stopped or self.stopped_servers()
            answers = [self.send("GET", f"{url}/web/login") for url in set(self.urls)]
            if all(answer.status == 200 for answer in answers):
                return stopped, f"the servers answer again after {time.monotonic() - started:.0f} s"
            time.sleep(2)
        raise OdooError(f"the servers did not answer again within {timeout} s")
