#!/usr/bin/env python3
"""Benchmark of auto_invoice against Odoo's own flow, over HTTP on two running servers, then a race check.

Odoo's flow, on a database without auto_invoice: the customer signs on the portal (the order is confirmed), then the
salesperson invoices it by hand. auto_invoice, on a database with it: the customer signs and the same request records
the acceptance (evidence, certificate), confirms the order and creates the draft invoice.
Run by scripts/bench.sh (fresh databases, real threaded servers, SMTP sink). Prints medians and p90, SQL queries per
request (read from each server's access log) and each server's RSS; it asserts no timing, and fails only when the race
check finds an order with no invoice or more than one.
"""

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import psutil
import requests

from odoo_client import OdooClient, OdooError, add_server_arguments, signature_png
from race import race
from seed import SIGNER, check_sales_journal, create_sent_quotations, seed

ODOO, AUTO = "odoo", "auto_invoice"
# Werkzeug's access line, to which Odoo appends "<query_count> <query_time> <remaining_time>" (odoo/netsvc.py).
ACCESS_LINE = re.compile(r'"POST (?P<path>\S+) HTTP/[^"]*" \d+ \S+ (?P<queries>\d+) [\d.]+ [\d.]+')
WARMUP = 3


class BenchError(Exception):
    pass


class ServerLog:
    """Follows the server log: the SQL query counts of the POST requests logged since the last read."""

    def __init__(self, path):
        self.file = path.open(errors="replace")
        self.file.seek(0, 2)
        self.partial = ""

    def queries(self, path_part, expected=1, timeout=5):
        """Total query count of the next `expected` logged POST requests whose path contains path_part."""
        counts, deadline = [], time.monotonic() + timeout
        while len(counts) < expected:
            lines = (self.partial + self.file.read()).split("\n")
            self.partial = lines.pop()
            counts += [int(m["queries"]) for m in map(ACCESS_LINE.search, lines) if m and path_part in m["path"]]
            if len(counts) < expected:
                if time.monotonic() > deadline:
                    raise BenchError(f"no access log line with query count for {path_part} in the server log")
                time.sleep(0.05)
        return sum(counts)


class Server:
    """One server of the comparison: its HTTP client, its log (query counts) and its process (RSS)."""

    def __init__(self, url, db, log, pid):
        self.client = OdooClient(url, db)
        self.log = ServerLog(log)
        self.process = psutil.Process(pid)
        self.data = None

    def rss(self):
        return self.process.memory_info().rss


class Bench:
    def __init__(self, args):
        self.servers = {
            ODOO: Server(args.odoo_url, args.odoo_db, args.odoo_log, args.odoo_pid),
            AUTO: Server(args.url, args.db, args.log, args.pid),
        }
        self.login, self.password = args.login, args.password
        self.signature = signature_png()
        self.rss_growth = {ODOO: 0, AUTO: 0}
        self.step_started = time.monotonic()

    def say(self, message):
        """One line, prefixed with the time since the previous one."""
        now = time.monotonic()
        print(f"[{now - self.step_started:6.2f}s] {message}", flush=True)
        self.step_started = now

    # --- setup ----------------------------------------------------------------------------------------------------
    def setup(self):
        for kind, server in self.servers.items():
            server.client.authenticate(self.login, self.password)
            server.data = seed(server.client)
            check_sales_journal(server.client)
            self.say(f"{kind}: company, customer and products set up (company id {server.data.company_id})")

    def create_orders(self, kind, count):
        """count quotations in state 'sent', signature required, no payment; returns [(id, access_token)]."""
        server = self.servers[kind]
        return create_sent_quotations(server.client, server.data, count, auto=True if kind == AUTO else None)

    # --- what is measured -----------------------------------------------------------------------------------------
    def accept(self, kind, order, sign_url):
        """The customer's signing request, as an anonymous visitor holding the link; returns the portal's answer."""
        order_id, token = order
        return self.servers[kind].client.portal_accept(order_id, token, SIGNER, self.signature, sign_url=sign_url)

    def sign(self, kind, order):
        sign_url = self.servers[kind].client.portal_sign_url(*order)  # the page is opened before, not measured
        started = time.perf_counter()
        result = self.accept(kind, order, sign_url)
        elapsed = (time.perf_counter() - started) * 1000
        if result.get("error"):
            raise BenchError(f"the portal refused to sign order {order[0]}: {result['error']}")
        return elapsed

    def invoice_by_hand(self, order_id):
        """What the salesperson does in Odoo: Create Invoice > Regular invoice > Create Draft."""
        context = {"active_model": "sale.order", "active_ids": [order_id], "active_id": order_id}
        wizard_values = {"advance_payment_method": "delivered"}
        started = time.perf_counter()
        rpc = self.servers[ODOO].client.rpc
        wizard = rpc("sale.advance.payment.inv", "create", wizard_values, context=context)
        rpc("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
        return (time.perf_counter() - started) * 1000

    def run_one(self, kind, order):
        server = self.servers[kind]
        rss = server.rss()
        sample = {"sign": self.sign(kind, order), "sign_queries": server.log.queries(f"/my/orders/{order[0]}/accept")}
        if kind == ODOO:
            sample["invoice"] = self.invoice_by_hand(order[0])
            sample["invoice_queries"] = server.log.queries("/sale.advance.payment.inv/", expected=2)
        self.rss_growth[kind] += server.rss() - rss
        return sample

    def series(self, orders):
        """Both kinds one after the other, which goes first alternating; returns {kind: [sample, ...]}."""
        samples = {ODOO: [], AUTO: []}
        for i, pair in enumerate(zip(orders[ODOO], orders[AUTO], strict=True)):
            for kind, order in sorted(zip((ODOO, AUTO), pair, strict=True), reverse=bool(i % 2)):
                samples[kind].append(self.run_one(kind, order))
        self.check_invoiced(orders)
        return samples

    def check_invoiced(self, orders):
        """The benchmark measured what it claims: every order confirmed, invoiced by hand or by auto_invoice."""
        for kind, fields, expected in (
            (ODOO, ["state", "invoice_ids"], ("sale", 1)),
            (AUTO, ["state", "invoice_ids", "auto_invoice_state"], ("sale", 1, "done")),
        ):
            rpc = self.servers[kind].client.rpc
            for order in rpc("sale.order", "read", [i for i, _token in orders[kind]], fields=fields):
                found = (order["state"], len(order["invoice_ids"]), *(order[field] for field in fields[2:]))
                if found != expected:
                    raise BenchError(f"{kind} order {order['id']} is not as expected after the series: {order}")


def stats(values):
    """'median / p90' of values in ms, and the median."""
    median = statistics.median(values)
    return f"{median:.0f} / {statistics.quantiles(values, n=10, method='inclusive')[-1]:.0f} ms", median


def report(samples, rss_growth, rss_ranges):
    odoo, auto = samples[ODOO], samples[AUTO]
    (o_sign, o_sign_ms), (a_sign, a_sign_ms) = stats([s["sign"] for s in odoo]), stats([s["sign"] for s in auto])
    (o_inv, _ms), (o_total, o_total_ms) = (
        stats([s["invoice"] for s in odoo]),
        stats([s["sign"] + s["invoice"] for s in odoo]),
    )
    o_q, a_q = (statistics.median(s["sign_queries"] for s in rows) for rows in (odoo, auto))
    o_inv_q = statistics.median(s["invoice_queries"] for s in odoo)
    mib = {kind: growth / 2**20 for kind, growth in rss_growth.items()}
    print(f"{len(odoo)} orders of each kind, 3 lines each; times are median / p90, ratios are auto_invoice / odoo")
    print(f"signing request: odoo {o_sign}, auto_invoice {a_sign}, ratio {a_sign_ms / o_sign_ms:.2f}")
    print(f"manual invoicing (odoo only: wizard create + create_invoices): {o_inv}")
    print(
        f"signing + invoicing: odoo (sign + manual invoice) {o_total}, auto_invoice {a_sign}, "
        f"ratio {a_sign_ms / o_total_ms:.2f}"
    )
    print(f"queries per signing request: odoo {o_q:.0f}, auto_invoice {a_q:.0f}, ratio {a_q / o_q:.2f}")
    print(
        f"queries for signing + invoicing: odoo {o_q:.0f} + {o_inv_q:.0f}, auto_invoice {a_q:.0f}, "
        f"ratio {a_q / (o_q + o_inv_q):.2f}"
    )
    ranges = ", ".join(
        f"{kind} {first / 2**20:.0f} to {last / 2**20:.0f} MiB" for kind, (first, last) in rss_ranges.items()
    )
    print(
        f"server RSS growth over the series: odoo {mib[ODOO]:+.1f} MiB, auto_invoice {mib[AUTO]:+.1f} MiB "
        f"(summed per order; the processes went: {ranges})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)  # the server with auto_invoice, and the admin's login on both
    parser.add_argument("--log", type=Path, required=True, help="its log file (log level info)")
    parser.add_argument("--pid", type=int, required=True, help="its process id")
    parser.add_argument("--odoo-url", required=True, help="the server of Odoo's own flow (no auto_invoice)")
    parser.add_argument("--odoo-db", required=True, help="its database")
    parser.add_argument("--odoo-log", type=Path, required=True, help="its log file (log level info)")
    parser.add_argument("--odoo-pid", type=int, required=True, help="its process id")
    parser.add_argument("--orders", type=int, default=20, help="measured orders of each kind (default 20)")
    parser.add_argument("--race", type=int, default=10, help="orders signed twice at once (default 10)")
    args = parser.parse_args()
    if args.orders < 2:
        parser.error("--orders must be at least 2")
    bench = Bench(args)
    try:
        bench.setup()
        count = WARMUP + args.orders
        orders = {ODOO: bench.create_orders(ODOO, count), AUTO: bench.create_orders(AUTO, count)}
        race_orders = bench.create_orders(AUTO, args.race)
        bench.say(f"{2 * count + args.race} quotations created and marked as sent (3 lines each)")
        bench.series({kind: rows[:WARMUP] for kind, rows in orders.items()})
        bench.rss_growth = {ODOO: 0, AUTO: 0}
        bench.say(f"warm-up: {WARMUP} orders of each kind signed (and invoiced), not measured")
        rss_before = {kind: server.rss() for kind, server in bench.servers.items()}
        samples = bench.series({kind: rows[WARMUP:] for kind, rows in orders.items()})
        bench.say(f"measured: {args.orders} orders of each kind, interleaved")
        report(samples, bench.rss_growth, {kind: (rss, bench.servers[kind].rss()) for kind, rss in rss_before.items()})
        lines, passed = race(bench.servers[AUTO].client, race_orders, bench.signature)
    except (BenchError, OdooError, requests.RequestException) as exc:
        bench.say(f"FAILED: {exc}")
        sys.exit(1)
    print("\n".join(lines), flush=True)
    if not passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
