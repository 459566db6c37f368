#!/usr/bin/env python3
"""Benchmark of auto_invoice against Odoo's own flow, over HTTP on two running servers, then a race check.

Odoo's flow, on a database without auto_invoice: the customer signs on the portal (the order is confirmed), then the
salesperson invoices it by hand. auto_invoice, on a database with it and auto_invoice_queue (queue_job's runner on):
- sync: the customer signs and the same request records the acceptance, confirms the order and creates the invoice;
- off: the same signature with Invoice on Signature off (the addon installed, the feature not used);
- background: Create invoices in the background: the request records the acceptance, a job does the rest.
Then bulk (acceptances recorded through the API in one batch, background mode, until every invoice exists, against
Odoo's own invoicing of as many confirmed orders) and load (concurrent customers, feature on and off, and on Odoo);
and one signature among several: a signer's request that is not the last one (scripts/bench_signers.py).
Run by scripts/bench.sh (fresh databases, real threaded servers, SMTP sink). Prints medians and p90, SQL queries per
request (read from each server's access log) and each server's RSS, and ends with the line
`bench: sync_time_ratio=R ... errors=N duplicates=N`. It asserts no timing; it fails when an order ends without
exactly one invoice (duplicates, errors) or the race check fails.
"""

import argparse
import dataclasses
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

import odoo_client
from bench_signers import signer_series
from demo_issued import start_timestamp_authority
from odoo_client import OdooClient, OdooError, add_server_arguments, signature_png
from race import race
from seed import SIGNER, check_sales_journal, create_sent_quotations, seal_documents, seed

ODOO, AUTO, OFF, BACKGROUND = "odoo", "auto_invoice", "feature_off", "background"
KINDS = (ODOO, AUTO, OFF, BACKGROUND)
JOB_TIMEOUT = 1800  # seconds for the jobs of a bulk batch
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
        self.rss_growth = dict.fromkeys(KINDS, 0)
        self.step_started = time.monotonic()
        self.authorities = []  # the local timestamp authorities of the seal (scripts/demo_issued.py)

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
            if kind != ODOO:  # auto_invoice's company seals its signed documents, as a business that opts in does,
                seal_documents(server.client, server.data.company_id)  # each seal timestamped by a local authority
                self.authorities.append(start_timestamp_authority(server.client, server.data.company_id))
            self.say(f"{kind}: company, customer and products set up (company id {server.data.company_id})")

    def server(self, kind):
        return self.servers[ODOO if kind == ODOO else AUTO]

    def create_orders(self, kind, count):
        """count quotations in state 'sent', signature required, no payment; returns [(id, access_token)]."""
        server = self.server(kind)
        auto = {ODOO: None, OFF: False}.get(kind, True)
        return create_sent_quotations(server.client, server.data, count, auto=auto)

    def set_background(self, enabled):
        """Create invoices in the background, on the auto_invoice server's company (not measured)."""
        server = self.servers[AUTO]
        server.client.rpc("res.company", "write", [server.data.company_id], {"auto_invoice_background": enabled})

    def wait_invoiced(self, order_ids, timeout=JOB_TIMEOUT):
        """Wait until the jobs of these background orders have run: every acceptance invoiced or failed."""
        rpc, deadline = self.servers[AUTO].client.rpc, time.monotonic() + timeout
        while True:
            waiting = rpc(
                "sale.order", "search_count", [("id", "in", order_ids), ("auto_invoice_state", "=", "pending")]
            )
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise BenchError(f"{waiting} background invoice(s) still pending after {timeout} s")
            time.sleep(0.2)

    def wait_jobs(self, timeout=JOB_TIMEOUT):
        """Wait until queue_job has no acceptance job left to run (the signed copies follow the invoices): the next
        measurement must not share the CPU with them."""
        rpc, deadline = self.servers[AUTO].client.rpc, time.monotonic() + timeout
        domain = [("model_name", "=", "sale.order.acceptance"), ("state", "in", ("pending", "enqueued", "started"))]
        while waiting := rpc("queue.job", "search_count", domain):
            if time.monotonic() > deadline:
                raise BenchError(f"{waiting} acceptance job(s) still waiting after {timeout} s")
            time.sleep(0.2)

    def job_medians(self, count):
        """Median execution time in seconds of the last `count` done jobs of each kind: {method: median}."""
        medians = {}
        for method in ("_job_complete", "_job_complete_signing"):
            jobs = self.servers[AUTO].client.rpc(
                "queue.job",
                "search_read",
                [("model_name", "=", "sale.order.acceptance"), ("method_name", "=", method), ("state", "=", "done")],
                fields=["exec_time"],
                order="id desc",
                limit=count,
            )
            if jobs:
                medians[method] = statistics.median(job["exec_time"] for job in jobs)
        return medians

    # --- what is measured -----------------------------------------------------------------------------------------
    def accept(self, kind, order, sign_url):
        """The customer's signing request, as an anonymous visitor holding the link; returns the portal's answer."""
        order_id, token = order
        return self.server(kind).client.portal_accept(order_id, token, SIGNER, self.signature, sign_url=sign_url)

    def sign(self, kind, order):
        sign_url = self.server(kind).client.portal_sign_url(*order)  # the page is opened before, not measured
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
        server = self.server(kind)
        if kind == BACKGROUND:
            self.set_background(True)
        rss = server.rss()
        sample = {"sign": self.sign(kind, order), "sign_queries": server.log.queries(f"/my/orders/{order[0]}/accept")}
        if kind == ODOO:
            sample["invoice"] = self.invoice_by_hand(order[0])
            sample["invoice_queries"] = server.log.queries("/sale.advance.payment.inv/", expected=2)
        if kind == BACKGROUND:  # its jobs run before the next sample, which they would slow down
            self.set_background(False)
            self.wait_invoiced([order[0]])
            self.wait_jobs()
        self.rss_growth[kind] += server.rss() - rss
        return sample

    def series(self, orders):
        """The kinds one after the other, the first of each round rotating; returns {kind: [sample, ...]}."""
        samples = {kind: [] for kind in KINDS}
        for i, row in enumerate(zip(*(orders[kind] for kind in KINDS), strict=True)):
            pairs = list(zip(KINDS, row, strict=True))
            for kind, order in pairs[i % len(pairs) :] + pairs[: i % len(pairs)]:
                samples[kind].append(self.run_one(kind, order))
        self.check_invoiced(orders)
        return samples

    def check_invoiced(self, orders):
        """The benchmark measured what it claims: every order confirmed, invoiced by hand or by auto_invoice once
        (none with the feature off)."""
        for kind, fields, expected in (
            (ODOO, ["state", "invoice_ids"], ("sale", 1)),
            (AUTO, ["state", "invoice_ids", "auto_invoice_state"], ("sale", 1, "done")),
            (OFF, ["state", "invoice_ids", "auto_invoice_state"], ("sale", 0, False)),
            (BACKGROUND, ["state", "invoice_ids", "auto_invoice_state"], ("sale", 1, "done")),
        ):
            rpc = self.server(kind).client.rpc
            for order in rpc("sale.order", "read", [i for i, _token in orders[kind]], fields=fields):
                found = (order["state"], len(order["invoice_ids"]), *(order[field] for field in fields[2:]))
                if found != expected:
                    raise BenchError(f"{kind} order {order['id']} is not as expected after the series: {order}")

    # --- bulk: acceptances through the API in one batch (background) against Odoo's own invoicing ---------------
    def bulk_auto(self, count):
        """count acceptances recorded in one API call (a signature written on count quotations), background mode,
        until every invoice exists; returns (seconds, {invoices per order: orders})."""
        ids = [order_id for order_id, _token in self.create_orders(BACKGROUND, count)]
        rpc = self.servers[AUTO].client.rpc
        self.set_background(True)
        started = time.perf_counter()
        rpc("sale.order", "write", ids, {"signature": self.signature, "signed_by": SIGNER})
        self.wait_invoiced(ids)
        elapsed = time.perf_counter() - started
        self.set_background(False)
        self.wait_jobs()  # the signed copies, not timed: Odoo's batch must not share the CPU with them
        signed = time.perf_counter() - started
        medians = self.job_medians(count)
        self.say(
            f"bulk {count}: every invoice after {elapsed:.1f} s, every signed copy after {signed:.1f} s; job median "
            f"{medians.get('_job_complete', 0):.2f} s (invoice), {medians.get('_job_complete_signing', 0):.2f} s "
            "(signed copy and confirmation email)"
        )
        return elapsed, invoice_counts(rpc, ids)

    def bulk_odoo(self, count):
        """Odoo's own invoicing (`_create_invoices`, through Create Invoice on count selected orders, one invoice per
        order) of count confirmed orders; returns (seconds, {invoices per order: orders})."""
        ids = [order_id for order_id, _token in self.create_orders(ODOO, count)]
        rpc = self.servers[ODOO].client.rpc
        rpc("sale.order", "action_confirm", ids)
        context = {"active_model": "sale.order", "active_ids": ids}
        started = time.perf_counter()
        wizard = rpc(
            "sale.advance.payment.inv",
            "create",
            {"advance_payment_method": "delivered", "consolidated_billing": False},
            context=context,
        )
        rpc("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
        elapsed = time.perf_counter() - started
        return elapsed, invoice_counts(rpc, ids)

    # --- load: concurrent customers, each signing their own quotation ---------------------------------------------
    def create_customer_orders(self, kind, count):
        """One quotation for each of count new customers (companies of their own), as create_orders; a shared
        customer would make the signatures conflict on its row (Odoo's own flow retries, then fails)."""
        server = self.server(kind)
        partner = server.client.read_one(
            "res.partner", server.data.customer_id, ["street", "city", "zip", "country_id"]
        )
        customer_ids = server.client.rpc(
            "res.partner",
            "create",
            [
                {
                    "name": f"Load Customer {i + 1} ({kind})",
                    "email": f"load-{kind}-{i + 1}@customer.example",
                    "is_company": True,
                    "street": partner["street"],
                    "city": partner["city"],
                    "zip": partner["zip"],
                    "country_id": partner["country_id"][0],
                }
                for i in range(count)
            ],
        )
        auto = {ODOO: None, OFF: False}.get(kind, True)
        return [
            order
            for customer_id in customer_ids
            for order in create_sent_quotations(
                server.client, dataclasses.replace(server.data, customer_id=customer_id), 1, auto=auto
            )
        ]

    def load(self, kind, customers):
        """customers sign their own quotation at once; returns (latencies in ms, errors, RSS growth in bytes)."""
        orders = self.create_customer_orders(kind, customers)
        sign_urls = [self.server(kind).client.portal_sign_url(*order) for order in orders]
        barrier, latencies, errors = threading.Barrier(customers), [], []
        rss = self.server(kind).rss()

        def customer(order, sign_url):
            barrier.wait()
            started = time.perf_counter()
            try:
                if error := self.accept(kind, order, sign_url).get("error"):
                    errors.append(error)
            except (OdooError, requests.RequestException) as exc:
                errors.append(str(exc))
            latencies.append((time.perf_counter() - started) * 1000)

        threads = [threading.Thread(target=customer, args=pair) for pair in zip(orders, sign_urls, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies, errors, self.server(kind).rss() - rss, [order_id for order_id, _token in orders]


def invoice_counts(rpc, order_ids):
    """{number of live invoices: number of orders} over order_ids."""
    cancelled = set(rpc("account.move", "search", [("state", "=", "cancel")]))
    counts = {}
    for order in rpc("sale.order", "read", order_ids, fields=["invoice_ids"]):
        live = len(set(order["invoice_ids"]) - cancelled)
        counts[live] = counts.get(live, 0) + 1
    return counts


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def stats(values):
    """'median / p90' of values in ms, and the median."""
    median = statistics.median(values)
    return f"{median:.0f} / {statistics.quantiles(values, n=10, method='inclusive')[-1]:.0f} ms", median


def report(samples, rss_growth, rss_ranges):
    """Print the series' figures; returns the ratios of the closing line that they give."""
    odoo, auto = samples[ODOO], samples[AUTO]
    (o_sign, o_sign_ms), (a_sign, a_sign_ms) = stats([s["sign"] for s in odoo]), stats([s["sign"] for s in auto])
    (o_inv, _ms), (o_total, o_total_ms) = (
        stats([s["invoice"] for s in odoo]),
        stats([s["sign"] + s["invoice"] for s in odoo]),
    )
    o_q, a_q = (statistics.median(s["sign_queries"] for s in rows) for rows in (odoo, auto))
    o_inv_q = statistics.median(s["invoice_queries"] for s in odoo)
    mib = {kind: growth / 2**20 for kind, growth in rss_growth.items()}
    print(
        f"{len(odoo)} orders of each kind ({', '.join(KINDS)}), 3 lines each; times are median / p90, ratios are "
        "auto_invoice / odoo"
    )
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
        f"server RSS growth over the series: odoo {mib[ODOO]:+.1f} MiB, auto_invoice (all its kinds) "
        f"{mib[AUTO] + mib[OFF] + mib[BACKGROUND]:+.1f} MiB (summed per order; the processes went: {ranges})"
    )
    (f_sign, f_sign_ms), (b_sign, b_sign_ms) = (stats([s["sign"] for s in samples[kind]]) for kind in (OFF, BACKGROUND))
    f_q, b_q = (statistics.median(s["sign_queries"] for s in samples[kind]) for kind in (OFF, BACKGROUND))
    print(
        f"signing request, Invoice on Signature off (addon installed, documents sealed and timestamped): {f_sign}, "
        f"{f_q:.0f} queries; "
        f"against Odoo's own signing request {f_sign_ms / o_sign_ms:.2f}"
    )
    print(
        f"signing request, background mode: {b_sign}, {b_q:.0f} queries; against the feature off "
        f"{b_sign_ms / f_sign_ms:.2f}, against Odoo's own signing request {b_sign_ms / o_sign_ms:.2f}"
    )
    return {
        "sync_time_ratio": a_sign_ms / o_total_ms,
        "sync_query_ratio": a_q / (o_q + o_inv_q),
        "async_latency_ratio": b_sign_ms / f_sign_ms,
        "sign_latency_vs_odoo": b_sign_ms / o_sign_ms,
        "sealed_sign_vs_odoo": f_sign_ms / o_sign_ms,
    }


def bulk_and_scaling(bench, sizes):
    """Background bulk against Odoo's own invoicing for each size; returns ({size: (auto s, odoo s)}, duplicates,
    errors)."""
    timings, duplicates, errors = {}, 0, 0
    for size in sizes:
        auto_s, auto_counts = bench.bulk_auto(size)
        odoo_s, odoo_counts = bench.bulk_odoo(size)
        timings[size] = (auto_s, odoo_s)
        duplicates += sum(orders for invoices, orders in auto_counts.items() if invoices > 1)
        errors += sum(orders for invoices, orders in auto_counts.items() if invoices == 0)
        errors += sum(orders for invoices, orders in odoo_counts.items() if invoices != 1)
        bench.say(
            f"bulk {size}: background API batch until every invoice exists {auto_s:.1f} s "
            f"({size / auto_s:.1f} invoices/s), Odoo's _create_invoices {odoo_s:.1f} s ({size / odoo_s:.1f}/s), "
            f"ratio {auto_s / odoo_s:.2f}"
        )
    return timings, duplicates, errors


def load_runs(bench, customers):
    """customers at once on Odoo's own flow, the feature off and on; returns (p95 ratio on / off, errors,
    duplicates)."""
    results = {}
    for kind in (ODOO, OFF, AUTO):
        latencies, errors, growth, order_ids = bench.load(kind, customers)
        results[kind] = (latencies, errors, growth, order_ids)
        bench.say(
            f"load {kind}: {customers} customers at once, p95 {p95(latencies):.0f} ms, median "
            f"{statistics.median(latencies):.0f} ms, {len(errors)} error(s), server RSS {growth / 2**20:+.1f} MiB"
        )
        for error in sorted(set(errors))[:3]:
            bench.say(f"load {kind}: error: {error[:300]}")
    counts = invoice_counts(bench.servers[AUTO].client.rpc, results[AUTO][3])
    duplicates = sum(orders for invoices, orders in counts.items() if invoices > 1)
    errors = sum(len(result[1]) for result in results.values())
    errors += sum(orders for invoices, orders in counts.items() if invoices == 0)
    return p95(results[AUTO][0]) / p95(results[OFF][0]), errors, duplicates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)  # the server with auto_invoice, and the admin's login on both
    parser.add_argument("--log", type=Path, required=True, help="its log file (log level info)")
    parser.add_argument("--pid", type=int, required=True, help="its process id")
    parser.add_argument("--odoo-url", required=True, help="the server of Odoo's own flow (no auto_invoice)")
    parser.add_argument("--odoo-db", required=True, help="its database")
    parser.add_argument("--odoo-log", type=Path, required=True, help="its log file (log level info)")
    parser.add_argument("--odoo-pid", type=int, required=True, help="its process id")
    # The defaults make a run of some minutes on 2 cores; the full-size run: --orders 30 --bulk 400 --load 20.
    parser.add_argument("--orders", type=int, default=10, help="measured orders of each kind (default 10)")
    parser.add_argument("--race", type=int, default=5, help="orders signed twice at once (default 5)")
    parser.add_argument("--bulk", type=int, default=20, help="acceptances of the bulk batch (default 20)")
    parser.add_argument("--load", type=int, default=8, help="concurrent customers of the load run (default 8)")
    args = parser.parse_args()
    if args.orders < 2 or args.bulk < 4 or args.load < 2:
        parser.error("--orders and --load must be at least 2, --bulk at least 4")
    odoo_client.TIMEOUT = JOB_TIMEOUT  # one API call records a whole bulk batch
    bench = Bench(args)
    try:
        bench.setup()
        count = WARMUP + args.orders
        orders = {kind: bench.create_orders(kind, count) for kind in KINDS}
        race_orders = bench.create_orders(AUTO, args.race)
        bench.say(f"{len(KINDS) * count + args.race} quotations created and marked as sent (3 lines each)")
        bench.series({kind: rows[:WARMUP] for kind, rows in orders.items()})
        bench.rss_growth = dict.fromkeys(KINDS, 0)
        bench.say(f"warm-up: {WARMUP} orders of each kind signed (and invoiced), not measured")
        rss_before = {kind: server.rss() for kind, server in bench.servers.items()}
        samples = bench.series({kind: rows[WARMUP:] for kind, rows in orders.items()})
        bench.say(f"measured: {args.orders} orders of each kind, interleaved")
        ratios = report(
            samples, bench.rss_growth, {kind: (rss, bench.servers[kind].rss()) for kind, rss in rss_before.items()}
        )
        ratios["signer_sign_vs_odoo"] = signer_series(bench, args.orders, samples[ODOO])
        quarter = args.bulk // 4
        timings, duplicates, errors = bulk_and_scaling(bench, (quarter, args.bulk))
        ratios["bulk_ratio"] = timings[args.bulk][0] / timings[args.bulk][1]
        ratios["scaling_4x"] = timings[args.bulk][0] / timings[quarter][0]
        ratios["load_p95_ratio"], load_errors, load_duplicates = load_runs(bench, args.load)
        lines, passed = race(bench.servers[AUTO].client, race_orders, bench.signature)
    except (BenchError, OdooError, requests.RequestException) as exc:
        bench.say(f"FAILED: {exc}")
        sys.exit(1)
    print("\n".join(lines), flush=True)
    errors, duplicates = errors + load_errors, duplicates + load_duplicates
    figures = " ".join(f"{name}={value:.2f}" for name, value in ratios.items())
    print(f"bench: {figures} errors={errors} duplicates={duplicates}", flush=True)
    if not passed or errors or duplicates:
        sys.exit(1)


if __name__ == "__main__":
    main()
