"""The scenarios of the stress run (scripts/stress.py): its data (two customers' quotations), concurrent submissions
of one signature, and a corpus of hostile requests on the portal routes."""

import base64
import io
import json
import os
import threading
import time
from collections import Counter, namedtuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from PIL import Image

from seed import SIGNER, seed
from stress_checks import INTERNAL_MARKER, VICTIM, VICTIM_EMAIL, VICTIM_PRICE

# The quotations the hostile corpus needs beside its target, each in the state its name says.
HostileOrders = namedtuple(
    "HostileOrders", "other_same_customer victim expired cancelled declined signed locked confirmed outdated stale_url"
)


class Scenarios:
    """The scenarios of Stress. Expects self.admin, self.orders, self.successes, self.reports and the methods of
    Servers and Checks."""

    def create_orders(self, count, phase, customer="acme", **values):
        customer_id = self.customers[customer]
        lines = self.lines if customer == "acme" else self.victim_lines
        vals = {
            "partner_id": customer_id,
            "require_signature": True,
            "require_payment": False,
            "auto_invoice_on_signature": True,
            "order_line": lines,
            **values,
        }
        ids = self.rpc("sale.order", "create", [vals] * count)
        self.rpc("sale.order", "action_quotation_sent", ids)
        for order in self.rpc("sale.order", "read", ids, fields=["name", "access_token"]):
            token = order["access_token"] or self.admin.access_token("sale.order", order["id"])
            self.orders[order["id"]] = {"name": order["name"], "token": token, "customer": customer, "phase": phase}
        return ids

    def setup(self):
        self.admin.authenticate("admin", "admin")
        self.admin_b.authenticate("admin", "admin")
        data = seed(self.admin)
        # wkhtmltopdf fetches the report's assets from web.base.url: server B, while server A runs the jobs (its job
        # runner won the lock) and takes most signatures, so that a worker busy rendering never waits for itself.
        self.admin.rpc("ir.config_parameter", "set_param", "web.base.url", self.urls[1])
        self.company_id = data.company_id
        victim_id = self.rpc("res.partner", "create", {"name": VICTIM, "email": VICTIM_EMAIL, "is_company": True})
        self.customers = {"acme": data.customer_id, "victim": victim_id}
        self.lines = [
            (0, 0, {"product_id": product, "product_uom_qty": qty})
            for product, qty in ((data.service_id, 1), (data.goods_id, 3), (data.service_id, 2))
        ]
        self.victim_lines = [(0, 0, {"product_id": data.service_id, "product_uom_qty": 1, "price_unit": VICTIM_PRICE})]
        self.data = data
        fields = self.rpc("res.company", "fields_get", ["auto_invoice_background"], attributes=["type"])
        self.has_background = "auto_invoice_background" in fields
        self.has_jobs = bool(self.rpc("ir.model", "search_count", [("model", "=", "queue.job")]))
        self.set_param("auto_invoice_stress.raise_for", "")
        self.set_param("auto_invoice_stress.sleep_for", "")

    def set_background(self, on):
        if self.has_background:
            self.rpc("res.company", "write", [self.company_id], {"auto_invoice_background": on})
        self.background = on

    def outcome(self, order_ids):
        """Counter of the orders' automatic invoice states ("none": no acceptance)."""
        orders = self.rpc("sale.order", "read", order_ids, fields=["auto_invoice_state"])
        return Counter(order["auto_invoice_state"] or "none" for order in orders)

    def report(self, line):
        self.reports.append(line)
        print(line, flush=True)

    # === Phase (a): concurrent submissions === #

    def concurrency(self, orders_each):
        modes = [False, True] if self.has_background else [False]
        for background in modes:
            self.set_background(background)
            mode = "background" if background else "sync"
            for copies in (2, 3):
                self.traffic.phase = f"concurrency {mode} x{copies}"
                ids = self.create_orders(orders_each, self.traffic.phase)
                outcomes = Counter()
                started = time.monotonic()
                for order_id in ids:
                    outcomes.update(self.submit_at_once(order_id, copies))
                jobs = self.wait_jobs() if background else {}
                self.report(
                    f"concurrency {mode}: {len(ids)} orders x {copies} simultaneous submissions over both servers in"
                    f" {time.monotonic() - started:.0f} s: {dict(outcomes)}; orders {dict(self.outcome(ids))}"
                    + (f"; jobs {jobs}" if jobs else "")
                )

    def submit_at_once(self, order_id, copies):
        path = urlsplit(self.sign_url(order_id, server=1)).geturl()  # the page's own callUrl
        barrier, answers = threading.Barrier(copies), [None] * copies

        def submit(index):
            barrier.wait()
            answers[index] = self.accept(index % 2, path)  # A, B, A: both servers take submissions

        threads = [threading.Thread(target=submit, args=(index,)) for index in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = Counter()
        for answer in answers:
            self.check_leaks(answer, order_id, f"concurrent submission on {self.orders[order_id]['name']}")
            if answer.success:
                self.successes[order_id] += 1
            outcomes[answer.summary().split(":")[0]] += 1
        return outcomes

    # === Phase (b): hostile requests === #

    def hostile(self):
        self.traffic.phase = "hostile"
        self.set_background(False)
        build = self.hostile_corpus()
        target = self.create_orders(1, "hostile")[0]
        cases = build(target)
        changed, kinds = 0, Counter()
        self.hostile_log = []
        for index in range(len(cases)):
            label, protected, send = cases[index]
            before = self.snapshot(protected)
            answer, viewer = send(index % 2)
            after = self.snapshot(protected)
            self.check_leaks(answer, viewer, f"hostile {label}")
            kinds[answer.summary().split(":")[0]] += 1
            diffs = [self.orders[order_id]["name"] for order_id in protected if before[order_id] != after[order_id]]
            if diffs:
                changed += 1
                self.bad_state_changes.append(f"{label}: {', '.join(diffs)} changed ({answer.summary()})")
            self.hostile_log.append(f"{label}\t{answer.summary()}\t{'CHANGED ' + ','.join(diffs) if diffs else ''}")
            if target in protected and before[target] != after[target]:
                # the next cases need a quotation still waiting for its signature, or they prove nothing
                target = self.create_orders(1, "hostile")[0]
                cases[index + 1 :] = build(target)[index + 1 :]
        self.check_html_names()
        with open(os.path.join(self.args.out, "hostile.tsv"), "w", encoding="utf-8") as log:
            log.write("\n".join(self.hostile_log) + "\n")
        self.report(f"hostile: {len(cases)} requests on the portal routes, {changed} changed a protected order;")
        self.report(f"hostile: answers {dict(kinds)}")

    def hostile_corpus(self):
        """The quotations the corpus needs, and build(target): the corpus against that quotation waiting for its
        signature, as [(label, orders that must not change, send(server) -> (Answer, order id whose token the request
        holds, or None))]."""
        (other_same_customer,) = self.create_orders(1, "hostile")
        (victim,) = self.create_orders(1, "hostile", customer="victim")
        expired, cancelled, declined, signed, locked, confirmed, outdated = self.create_orders(7, "hostile")
        self.rpc("sale.order", "write", [expired], {"validity_date": "2020-01-01"})
        self.rpc("sale.order", "action_cancel", [cancelled])
        self.decline(declined)
        self.rpc("sale.order", "action_confirm", [locked, confirmed])
        self.rpc("sale.order", "action_lock", [locked])
        answer = self.accept(1, self.sign_url(signed, server=1))
        if answer.success:
            self.successes[signed] += 1
        self.victim_offline_note(victim)
        stale_url = self.sign_url(outdated)
        self.rpc("sale.order", "write", [outdated], {"order_line": [(0, 0, {"product_id": self.data.service_id})]})

        self.html_orders = self.create_orders(2, "hostile")
        orders = HostileOrders(
            other_same_customer, victim, expired, cancelled, declined, signed, locked, confirmed, outdated, stale_url
        )
        return lambda target: self._hostile_cases(target, orders)

    def _hostile_cases(self, target, orders):
        other_same_customer, victim, expired, cancelled, declined, signed, locked, confirmed, outdated, stale_url = (
            orders
        )
        token = {order_id: self.orders[order_id]["token"] for order_id in self.orders}
        page = self.sign_url(target)
        page_query = dict(parse_qsl(urlsplit(page).query))
        terms = {key: value for key, value in page_query.items() if key != "access_token"}

        def path(order_id, **query):
            return f"/my/orders/{order_id}/accept?{urlencode(query)}"

        def own(order_id, extra_query=None):
            query = {"access_token": token[order_id], **terms, **(extra_query or {})}
            return path(order_id, **query)

        def sign(target_id, url, viewer=0, **params):
            """viewer: the order whose token the request holds (the URL's order by default), None for nobody's."""

            def send(server):
                return self.accept(server, url, **params), target_id if viewer == 0 else viewer

            return send

        def raw(url, body, viewer, content_type="application/json", method="POST"):
            def send(server):
                headers = {"Content-Type": content_type}
                data = body if isinstance(body, bytes | str) else json.dumps(body)
                answer = self.send(method, self.urls[server] + url, data=data, headers=headers)
                return answer, viewer

            return send

        def get(url, viewer, method="GET", data=None):
            def send(server):
                return self.send(method, self.urls[server] + url, data=data, allow_redirects=True), viewer

            return send

        cases = []
        add = cases.append
        t = target
        # Tokens and ids
        add(("no token", [t], sign(t, path(t, **terms), viewer=None)))
        add(("empty token", [t], sign(t, path(t, access_token="", **terms), viewer=None)))
        add(("forged token", [t], sign(t, path(t, access_token="forged-" + "0" * 32, **terms), viewer=None)))
        add(("token with a suffix", [t], sign(t, path(t, access_token=token[t] + "x", **terms), viewer=None)))
        add(("token, a prefix of it", [t], sign(t, path(t, access_token=token[t][:-4], **terms), viewer=None)))
        add(("token in upper case", [t], sign(t, path(t, access_token=token[t].upper(), **terms), viewer=None)))
        add(("another customer's token", [t, victim], sign(t, path(t, access_token=token[victim], **terms), None)))
        add(
            (
                "another order's id with this token",
                [t, victim],
                sign(victim, own(t).replace(f"/{t}/", f"/{victim}/"), viewer=t),
            )
        )
        add(
            (
                "token of another order of the customer",
                [t],
                sign(t, path(t, access_token=token[other_same_customer], **terms)),
            )
        )
        add(("nonexistent order id", [t], sign(999999, path(999999, access_token=token[t], **terms), viewer=None)))
        add(("order id 0", [t], sign(0, path(0, access_token=token[t], **terms), viewer=None)))
        add(("negative order id", [t], raw(f"/my/orders/-{t}/accept?access_token={token[t]}", self._rpc_body(), None)))
        add(
            (
                "non-numeric order id",
                [t],
                raw(f"/my/orders/{t}x/accept?access_token={token[t]}", self._rpc_body(), None),
            )
        )
        add(("token as a number in the body", [t], sign(t, path(t, **terms), viewer=None, access_token=12345)))
        add(("token as a list in the body", [t], sign(t, path(t, **terms), viewer=None, access_token=[token[t]])))
        add(("token as an object in the body", [t], sign(t, path(t, **terms), None, access_token={"$ne": ""})))
        add(("forged body token over the page's", [t], sign(t, own(t), viewer=None, access_token="forged")))
        add(
            (
                "another order id in the body",
                [t, victim],
                sign(t, path(t, **terms), None, order_id=victim, access_token=token[victim][:-1]),
            )
        )
        # Signatures
        png = base64.b64decode(self.signature)
        for label, value in self._bad_signatures(png):
            add((f"signature: {label}", [t], sign(t, own(t), signature=value)))
        add(("signature missing", [t], raw(own(t), self._rpc_body(name=SIGNER), t)))
        # Names
        for label, value in (
            ("100 kB name", "A" * 100_000),
            ("129-character name", "B" * 129),
            ("name a number", 42),
            ("name a list", [SIGNER]),
            ("name an object", {"first": "Jane"}),
            ("name null", None),
            ("name empty", ""),
            ("name blank", " \t "),
            ("name with a NUL", "Jane\x00Doe"),
            ("name with an escape sequence", "Jane \x1b[31mDoe"),
            ("name with a newline", "Jane\nDoe"),
            ("name with a right-to-left override", "Jane \u202eeoD"),
            ("name with a zero-width space", "Jane\u200bDoe"),
            ("name with a lone surrogate", "Jane \ud800 Doe"),
        ):
            add((label, [t], sign(t, own(t), name=value)))
        # States
        add(("expired quotation", [expired], sign(expired, own(expired))))
        add(("cancelled quotation", [cancelled], sign(cancelled, own(cancelled))))
        add(("declined quotation", [declined], sign(declined, own(declined))))
        add(("already signed quotation", [signed], sign(signed, own(signed))))
        add(("already signed, another signer", [signed], sign(signed, own(signed), name="Mallory")))
        add(("locked order", [locked], sign(locked, own(locked))))
        add(("confirmed order", [confirmed], sign(confirmed, own(confirmed))))
        add(("page out of date", [outdated], sign(outdated, stale_url)))
        add(("no terms in the URL", [t], sign(t, path(t, access_token=token[t]))))
        add(("forged terms", [t], sign(t, own(t, {"terms_sha256": "0" * 64}))))
        add(("terms of another order", [t], sign(t, own(t, {"terms_sha256": self._terms(other_same_customer)}))))
        # Malformed JSON-RPC
        add(("body not JSON", [t], raw(own(t), "{not json", t)))
        add(("body empty", [t], raw(own(t), "", t)))
        add(("body a JSON array", [t], raw(own(t), [1, 2], t)))
        add(("body a JSON string", [t], raw(own(t), '"call"', t)))
        add(("params a list", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "params": [SIGNER], "id": 1}, t)))
        add(("params a string", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "params": "x", "id": 1}, t)))
        add(("no params", [t], raw(own(t), {"jsonrpc": "2.0", "method": "call", "id": 1}, t)))
        add(("deeply nested JSON", [t], raw(own(t), '{"params": ' + "[" * 100_000 + "]" * 100_000 + "}", t)))
        add(("JSON with invalid UTF-8", [t], raw(own(t), b'{"params": {"name": "\xff\xfe"}}', t)))
        add(("JSON as text/plain", [t], raw(own(t), self._rpc_body(name=SIGNER), t, content_type="text/plain")))
        add(
            (
                "JSON as a form",
                [t],
                raw(own(t), "name=x&signature=y", t, content_type="application/x-www-form-urlencoded"),
            )
        )
        add(("GET on the signing route", [t], get(own(t), t)))
        add(("unknown parameters", [t], raw(own(t), self._rpc_body(name=SIGNER, foo=1, **{"__proto__": 1}), t)))
        add(("params with a context", [t], raw(own(t), self._rpc_body(name=SIGNER, context={"uid": 1}), t)))
        # The portal's other routes
        add(("decline another customer's order", [victim], lambda s: self.decline(victim, token[t], server=s)))
        add(("decline without a token", [victim], lambda s: self.decline(victim, "", server=s)))
        add(("decline an order already signed", [signed], lambda s: self.decline(signed, token[signed], server=s)))
        add(("decline a locked order", [locked], lambda s: self.decline(locked, token[locked], server=s)))
        add(("another customer's page", [victim], get(f"/my/orders/{victim}?access_token={token[t]}", None)))
        add(("another customer's page, forged token", [victim], get(f"/my/orders/{victim}?access_token=x", None)))
        add(
            (
                "another customer's certificate",
                [victim],
                get(f"/my/orders/{victim}/certificate?access_token={token[t]}", None),
            )
        )
        add(("a certificate without a token", [signed], get(f"/my/orders/{signed}/certificate", None)))
        add(
            (
                "another customer's PDF",
                [victim],
                get(f"/my/orders/{victim}?access_token={token[t]}&report_type=pdf", None),
            )
        )
        add(("another customer's invoice list", [victim], get(f"/my/invoices?access_token={token[victim]}", None)))
        # Names with markup: a signature the page may take, but whose name must come back escaped (check_html_names)
        for order_id, value in zip(
            self.html_orders, ('<script>alert("stress")</script>', '<img src=x onerror="alert(1)">'), strict=True
        ):
            add((f"markup in the name ({value[:8]}…)", [], sign(order_id, self._own_url(order_id), name=value)))
        return cases

    def _own_url(self, order_id):
        return self.sign_url(order_id)

    def _terms(self, order_id):
        return dict(parse_qsl(urlsplit(self.sign_url(order_id)).query))["terms_sha256"]

    def _rpc_body(self, **params):
        return {"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}

    def _bad_signatures(self, png):
        noise = io.BytesIO()
        Image.frombytes("RGB", (2000, 1700), os.urandom(2000 * 1700 * 3)).save(noise, format="PNG", compress_level=0)
        jpeg, gif, bomb = io.BytesIO(), io.BytesIO(), io.BytesIO()
        Image.new("RGB", (300, 100), "white").save(jpeg, format="JPEG")
        Image.new("P", (300, 100)).save(gif, format="GIF")
        Image.new("1", (20000, 20000), 1).save(bomb, format="PNG")
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><rect/></svg>'
        b64 = self.signature
        return [
            ("empty", ""),
            ("null", None),
            ("a number", 12345),
            ("a list", [b64]),
            ("an object", {"data": b64}),
            ("10 MB of random base64", base64.b64encode(os.urandom(7_500_000)).decode()),
            ("10 MB PNG of noise", base64.b64encode(noise.getvalue()).decode()),
            ("JPEG", base64.b64encode(jpeg.getvalue()).decode()),
            ("GIF", base64.b64encode(gif.getvalue()).decode()),
            ("plain text", base64.b64encode(b"hello, this is not an image").decode()),
            ("not base64", "not an image!"),
            ("SVG with a script", base64.b64encode(svg).decode()),
            ("SVG with a script, not encoded", svg.decode()),
            ("truncated base64", b64[: len(b64) // 2 + 1]),
            ("truncated PNG", base64.b64encode(png[: len(png) // 2]).decode()),
            ("a data: URL", "data:image/png;base64," + b64),
            ("PNG of 400 megapixels", base64.b64encode(bomb.getvalue()).decode()),
        ]

    def victim_offline_note(self, order_id):
        """An internal note on the victim's order, which no portal answer may show."""
        self.rpc("sale.order", "message_post", [order_id], body=INTERNAL_MARKER, subtype_xmlid="mail.mt_note")
