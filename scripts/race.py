#!/usr/bin/env python3
"""Race check: each quotation signed by two portal requests released at once ends with one acceptance, one invoice.

With auto_invoice's several signers, also: each quotation of two signers "all at once" signed by both at the same
moment, each from their own link, ends with both signatures, one acceptance and one invoice (the last signature is
known once).

Runs against a real threaded Odoo server (HttpCase serialises requests on one test cursor, so it cannot race): make
test runs it on its test database after Odoo's own test run (scripts/test.sh), make pytest on its database, make bench
after the measured series. An order passes when, after both requests returned, it has exactly one invoice that is not
cancelled, auto_invoice_state "done" and, when the server has the model sale.order.acceptance, exactly one acceptance
that is not "void". Exit code 0 when every order passes, 1 otherwise.
"""

import argparse
import sys
import threading
from collections import Counter

import requests

from odoo_client import OdooClient, OdooError, add_server_arguments, signature_png
from seed import SIGNER, check_sales_journal, create_sent_quotations, seed


def sign_twice_at_once(client, orders, signature):
    """Two simultaneous signing requests per order, released by a barrier; returns {outcome: [message, ...]} with
    outcomes "accepted", "refused" (the portal's error message) and "errors" (an exception)."""
    outcomes = {"accepted": [], "refused": [], "errors": []}
    for order_id, token in orders:
        barrier, results = threading.Barrier(2), [None, None]
        sign_url = client.portal_sign_url(order_id, token)  # the page both clicks come from

        def sign(index, order_id=order_id, token=token, barrier=barrier, results=results, sign_url=sign_url):
            barrier.wait()
            try:
                error = client.portal_accept(order_id, token, SIGNER, signature, sign_url=sign_url).get("error")
                results[index] = ("refused", error) if error else ("accepted", "")
            except (OdooError, requests.RequestException) as exc:
                results[index] = ("errors", str(exc))

        threads = [threading.Thread(target=sign, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for outcome, message in results:
            outcomes[outcome].append(message)
    return outcomes


def check_orders(client, order_ids):
    """Each order's outcome after the race: returns (invoice count, [(order name, problem), ...] for bad orders)."""
    orders = client.rpc("sale.order", "read", order_ids, fields=["name", "invoice_ids", "auto_invoice_state"])
    cancelled = set(client.rpc("account.move", "search", [("state", "=", "cancel")]))
    acceptances = None
    if client.rpc("ir.model", "search_count", [("model", "=", "sale.order.acceptance")]):
        live = client.rpc(
            "sale.order.acceptance",
            "search_read",
            [("order_id", "in", order_ids), ("state", "!=", "void")],
            fields=["order_id"],
        )
        acceptances = Counter(row["order_id"][0] for row in live)
    invoices, bad = 0, []
    for order in orders:
        count = len(set(order["invoice_ids"]) - cancelled)
        invoices += count
        problems = []
        if count != 1:
            problems.append(f"{count} invoices")
        if order["auto_invoice_state"] != "done":
            problems.append(f"auto_invoice_state {order['auto_invoice_state']!r}")
        if acceptances is not None and acceptances[order["id"]] != 1:
            problems.append(f"{acceptances[order['id']]} live acceptances")
        if problems:
            bad.append((order["name"], ", ".join(problems)))
    return invoices, bad


def create_two_signer_quotations(client, data, count):
    """count quotations (as create_sent_quotations) of two signers who sign all at once; returns
    [(order id, [signer token, signer token])]."""
    contacts = client.rpc(
        "res.partner",
        "create",
        [
            {"name": f"Race Signer {i}", "email": f"race.signer{i}@example.com", "parent_id": data.customer_id}
            for i in (1, 2)
        ],
    )
    orders = []
    for order_id, _token in create_sent_quotations(client, data, count, auto=True):
        client.rpc("sale.order", "action_draft", [order_id])
        client.rpc(
            "sale.order",
            "write",
            [order_id],
            {"signing_order": "parallel", "signer_ids": [(0, 0, {"partner_id": contact}) for contact in contacts]},
        )
        client.rpc("sale.order", "action_quotation_sent", [order_id])
        signers = client.rpc("sale.order.signer", "search_read", [("order_id", "=", order_id)], fields=["access_token"])
        orders.append((order_id, [signer["access_token"] for signer in signers]))
    return orders


def race_signers(client, orders, signature=None):
    """Both signers of every order at once; returns the lines to print and whether it passed."""
    signature = signature or signature_png()
    outcomes = Counter()
    for order_id, tokens in orders:
        barrier, urls = threading.Barrier(2), [client.portal_sign_url(order_id, token) for token in tokens]

        def sign(token, url, order_id=order_id, barrier=barrier):
            barrier.wait()
            try:
                answer = client.portal_accept(order_id, token, SIGNER, signature, sign_url=url)
                outcomes["refused" if answer.get("error") else "accepted"] += 1
            except (OdooError, requests.RequestException):
                outcomes["errors"] += 1

        threads = [threading.Thread(target=sign, args=(token, url)) for token, url in zip(tokens, urls, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    order_ids = [order_id for order_id, _tokens in orders]
    invoices, bad = check_orders(client, order_ids)
    signed = client.rpc("sale.order.signer", "search_count", [("order_id", "in", order_ids), ("state", "=", "signed")])
    if signed != 2 * len(orders):
        bad.append(("signers", f"{signed} of {2 * len(orders)} signatures kept"))
    counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    lines = [f"race: {len(orders)} orders x 2 signers at once -> {invoices} invoices, {signed} signatures; {counts}"]
    if bad:
        details = "; ".join(f"{name}: {problem}" for name, problem in bad)
        lines.append(f"race FAILED (signers): {details}")
    return lines, not bad


def race(client, orders, signature=None):
    """Sign every order twice at once and check the outcome; returns the lines to print and whether it passed."""
    outcomes = sign_twice_at_once(client, orders, signature or signature_png())
    invoices, bad = check_orders(client, [order_id for order_id, _token in orders])
    counts = ", ".join(f"{len(messages)} {outcome}" for outcome, messages in outcomes.items())
    lines = [f"race: {len(orders)} orders x 2 simultaneous signatures -> {invoices} invoices; {counts}"]
    examples = "; ".join(f"{outcome}: {messages[0]!r}" for outcome, messages in outcomes.items() if any(messages))
    if examples:
        lines.append(f"race: e.g. {examples}")
    if bad:
        details = "; ".join(f"{name}: {problem}" for name, problem in bad)
        lines.append(f"race FAILED: {len(bad)} order(s) without exactly one invoice, acceptance or 'done': {details}")
    return lines, not bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser)
    parser.add_argument("--orders", type=int, default=5, help="quotations to sign twice at once (default 5)")
    args = parser.parse_args()
    client = OdooClient(args.url, args.db)
    try:
        client.authenticate(args.login, args.password)
        data = seed(client)
        check_sales_journal(client)
        orders = create_sent_quotations(client, data, args.orders, auto=True)
        lines, passed = race(client, orders)
        if client.rpc("ir.model", "search_count", [("model", "=", "sale.order.signer")]):
            signer_lines, signers_passed = race_signers(client, create_two_signer_quotations(client, data, args.orders))
            lines, passed = lines + signer_lines, passed and signers_passed
    except (OdooError, requests.RequestException) as exc:
        print(f"race FAILED: {exc}", flush=True)
        sys.exit(1)
    print("\n".join(lines), flush=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
