"""The cost of one signature among several (make bench): the signing request of a signer who is not the last one.

Quotations of 3 lines (as the bench's others) signed by two contacts of the customer, one after the other, and the
company's countersigner. Each customer signer signs from their own link, as an anonymous visitor: their request records
their signature and its evidence, and asks the next signer (their email). Neither is the last signature: the order
waits, nothing is rendered, confirmed or invoiced. Its median time beside Odoo's own signing request (the series'
median, which confirms the order) is `signer_sign_vs_odoo`.
"""

import dataclasses
import statistics
import time

from odoo_client import OdooError
from seed import NAMES, create_salesperson, create_sent_quotations

COUNTERSIGNER = dataclasses.replace(
    NAMES, salesperson="Bench Countersigner", salesperson_email="bench.countersigner@auto-invoice-demo.example"
)


def signer_quotations(bench, count):
    """count quotations, marked as sent, each with two customer signers in turn and a countersigner; returns
    [(order id, [the two customer signers' tokens])]."""
    server = bench.servers["auto_invoice"]
    client, data = server.client, server.data
    company = client.read_one("res.partner", data.customer_id, ["parent_id"])["parent_id"][0]
    contacts = client.rpc(
        "res.partner",
        "create",
        [{"name": f"Bench Signer {i}", "email": f"bench.signer{i}@acme.example", "parent_id": company} for i in (1, 2)],
    )
    countersigner = create_salesperson(client, data.company_id, COUNTERSIGNER)
    signers = [(0, 0, {"partner_id": contact, "sequence": i}) for i, contact in enumerate(contacts)]
    signers.append((0, 0, {"user_id": countersigner}))
    orders = []
    for order_id, _token in create_sent_quotations(client, data, count, auto=True):
        client.rpc("sale.order", "action_draft", [order_id])
        client.rpc("sale.order", "write", [order_id], {"signing_order": "sequence", "signer_ids": signers})
        client.rpc("sale.order", "action_quotation_sent", [order_id])
        rows = client.rpc(
            "sale.order.signer",
            "search_read",
            [("order_id", "=", order_id), ("user_id", "=", False)],
            fields=["access_token"],
        )
        orders.append((order_id, [row["access_token"] for row in rows]))
    return orders


def sign_as_signer(bench, order_id, token, name):
    """One customer signer's signing request, from their page (opened before, not measured): (ms, queries)."""
    server = bench.servers["auto_invoice"]
    sign_url = server.client.portal_sign_url(order_id, token)
    started = time.perf_counter()
    result = server.client.portal_accept(order_id, token, name, bench.signature, sign_url=sign_url)
    elapsed = (time.perf_counter() - started) * 1000
    if result.get("error"):
        raise OdooError(f"the portal refused signer {name} of order {order_id}: {result['error']}")
    return elapsed, server.log.queries(f"/my/orders/{order_id}/accept")


def check_waiting(bench, order_ids):
    """The benchmark measured what it claims: each order waits for its countersigner, unconfirmed and not invoiced."""
    rpc = bench.servers["auto_invoice"].client.rpc
    for order in rpc("sale.order", "read", order_ids, fields=["state", "invoice_ids", "signed_by"]):
        signers = rpc("sale.order.signer", "search_read", [("order_id", "=", order["id"])], fields=["state"])
        found = (order["state"], len(order["invoice_ids"]), order["signed_by"], [s["state"] for s in signers])
        if found != ("sent", 0, False, ["signed", "signed", "to_sign"]):
            raise OdooError(f"signer order {order['id']} is not as expected after its signers: {found}")


def signer_series(bench, count, odoo_samples):
    """Sign as both customer signers of count quotations (one more to warm up), measured; print the figures and
    return signer_sign_vs_odoo."""
    orders = signer_quotations(bench, count + 1)
    samples = []
    for index, (order_id, tokens) in enumerate(orders):
        for number, token in enumerate(tokens, 1):
            sample = sign_as_signer(bench, order_id, token, f"Bench Signer {number}")
            if index:  # the first order warms up
                samples.append(sample)
    check_waiting(bench, [order_id for order_id, _tokens in orders])
    times = [ms for ms, _queries in samples]
    median, p90 = statistics.median(times), statistics.quantiles(times, n=10, method="inclusive")[-1]
    odoo = statistics.median(sample["sign"] for sample in odoo_samples)
    queries = statistics.median(queries for _ms, queries in samples)
    bench.say(
        f"one signature among several ({len(samples)} requests of a customer's signer who is not the last, 2 per "
        f"quotation of 2 signers and a countersigner): {median:.0f} / {p90:.0f} ms, {queries:.0f} queries; against "
        f"Odoo's own signing request ({odoo:.0f} ms, which confirms the order) {median / odoo:.2f}"
    )
    return median / odoo
