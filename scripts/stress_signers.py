"""Several signers in the stress run (scripts/stress.py): quotations signed by two contacts of the customer in turn and
the company's countersigner, two signers at the same moment (with one of them twice), and bad input on their links.

Each signature is posted to the portal's real route from the signer's own page (their link, their token), spread over
both servers. The bad input: a link out of turn, the countersigner's before the customer has signed, the quotation's
own link once it has signers, a link used twice, a signer's token on another quotation or another customer's, a link
after a decline, after a reset, after the last signature; each must change nothing (state, signature, acceptances,
invoices, every signer's state: see Checks.snapshot), and is counted in bad_input_state_changes when it does (each
answer in stress-output/signers.tsv). A lost signature is a signer whose signing request was answered with a success
but whose row is not `signed` (or an order whose signers all signed without a live acceptance with its signature).
"""

import dataclasses
import os
import threading
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urlencode, urlsplit

from odoo_client import signature_call_url
from seed import NAMES, create_salesperson

COUNTERSIGNER, COUNTERSIGNER_EMAIL = "Stress Countersigner", "countersigner@stress.example"
SIGNER_FIELDS = ["order_id", "partner_id", "access_token", "state", "is_countersigner", "signed_by"]


class SignerScenarios:
    """The several-signer scenarios of Stress. Expects what Scenarios expects, and its create_orders()."""

    def signers(self, orders_each):
        self.traffic.phase = "signers"
        self.set_background(False)
        self.setup_signers()
        self.signer_log, self.signer_tsv = Counter(), []
        self.signer_problems = []
        self.signers_in_turn()
        self.signers_declined_and_reset()
        modes = [False, True] if self.has_background else [False]
        for background in modes:
            self.set_background(background)
            self.signers_at_once(min(orders_each, 3), "background" if background else "sync")
        self.set_background(False)
        with open(os.path.join(self.args.out, "signers.tsv"), "w", encoding="utf-8") as log:
            log.write("\n".join(self.signer_tsv) + "\n")
        bad = sum(1 for change in self.bad_state_changes if change.startswith("signers "))
        self.report(
            f"signers: {sum(self.signer_log.values())} bad inputs on signers' links, {bad} changed a protected order; "
            f"answers {dict(self.signer_log)}"
        )
        for problem in self.signer_problems[:10]:
            self.report(f"signers: problem: {problem}")
        if self.signer_problems:
            raise RuntimeError(f"{len(self.signer_problems)} signer scenario(s) did not go as signed")

    def setup_signers(self):
        customer = self.rpc("res.partner", "read", [self.customers["acme"]], ["parent_id"])[0]["parent_id"][0]
        self.signer_contacts = self.rpc(
            "res.partner",
            "create",
            [
                {"name": f"Stress Signer {i}", "email": f"stress.signer{i}@acme.example", "parent_id": customer}
                for i in (1, 2)
            ],
        )
        names = dataclasses.replace(NAMES, salesperson=COUNTERSIGNER, salesperson_email=COUNTERSIGNER_EMAIL)
        self.countersigner_id = create_salesperson(self.admin, self.company_id, names)

    def create_signer_orders(self, count, phase, signing_order="sequence", countersign=False):
        lines = [(0, 0, {"partner_id": p, "sequence": i}) for i, p in enumerate(self.signer_contacts)]
        if countersign:
            lines.append((0, 0, {"user_id": self.countersigner_id}))
        return self.create_orders(count, phase, signing_order=signing_order, signer_ids=lines)

    def signer_rows(self, order_id):
        """The order's live signers, in turn: the customer's, then the countersigner."""
        domain = [("order_id", "=", order_id), ("state", "!=", "void")]
        return self.rpc("sale.order.signer", "search_read", domain, fields=SIGNER_FIELDS)

    def signer_url(self, signer, server=0):
        """The signer's page, as their link opens it: where its pad posts (None when it offers none)."""
        order_id = signer["order_id"][0]
        answer = self.send(
            "GET", f"{self.urls[server]}/my/orders/{order_id}", params={"access_token": signer["access_token"]}
        )
        self.check_leaks(answer, order_id, "a signer's page")
        url = signature_call_url(answer.text)
        if url:  # what the pad sends besides the token, the same for every signer: kept for the bad input
            self.order_terms[order_id] = {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "access_token"}
        return url

    def terms_of(self, order_id):
        """The terms a page of the order sends with its signature (a due signer's page, else the order's own)."""
        if order_id not in self.order_terms:
            due = [row for row in self.signer_rows(order_id) if row["state"] == "to_sign"]
            url = self.signer_url(due[0]) if due else self.sign_url(order_id)
            self.order_terms[order_id] = {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "access_token"}
        return self.order_terms[order_id]

    def sign_as(self, signer, server=0, url=None, name=None):
        """The signer signs from their page; returns the answer. A success is counted for the signer."""
        order_id = signer["order_id"][0]
        url = url or self.signer_url(signer, server) or self.own_path(signer)
        answer = self.accept(server, url, name=name or signer["partner_id"][1].split(", ")[-1])
        self.check_leaks(answer, order_id, f"a signer's signature on {self.orders[order_id]['name']}")
        if answer.success:
            self.signer_successes[signer["id"]] += 1
        return answer

    def own_path(self, signer, order_id=None, token=None):
        """The signing route of `order_id` (the signer's by default) with the signer's token (or `token`) and the
        order's terms, as a pad would post: for the bad input whose page offers no pad."""
        order_id = order_id or signer["order_id"][0]
        query = {"access_token": token or signer["access_token"], **self.terms_of(order_id)}
        return f"/my/orders/{order_id}/accept?{urlencode(query)}"

    def must_sign(self, signer, server=0):
        answer = self.sign_as(signer, server)
        if not answer.success:
            self.signer_problems.append(f"{signer['partner_id'][1]} could not sign in turn: {answer.summary()}")
        return answer

    def bad_input(self, label, protected, send, viewer):
        """Send one bad input; count it when a protected order changed."""
        before = self.snapshot(protected)
        answer = send()
        after = self.snapshot(protected)
        self.check_leaks(answer, viewer, f"signers {label}")
        self.signer_log[answer.summary().split(":")[0]] += 1
        diffs = [self.orders[order_id]["name"] for order_id in protected if before[order_id] != after[order_id]]
        self.signer_tsv.append(f"{label}\t{answer.summary()}\t{'CHANGED ' + ','.join(diffs) if diffs else ''}")
        if diffs:
            self.bad_state_changes.append(f"signers {label}: {', '.join(diffs)} changed ({answer.summary()})")

    def waits(self, order_id, what):
        """Until the last signature, the order is neither signed nor confirmed nor invoiced."""
        order = self.rpc("sale.order", "read", [order_id], ["state", "signed_by", "invoice_ids"])[0]
        if order["state"] != "sent" or order["signed_by"] or order["invoice_ids"]:
            self.signer_problems.append(f"{self.orders[order_id]['name']} moved {what}: {order}")

    # === Two signers in turn, then the countersigner, and bad input at each step === #

    def signers_in_turn(self):
        order_id, other_id = self.create_signer_orders(2, "signers", countersign=True)
        (victim,) = self.create_orders(1, "signers", customer="victim")
        first, second, company = self.signer_rows(order_id)
        other_first = self.signer_rows(other_id)[0]
        order_token = self.orders[order_id]["token"]
        for order in (order_id, other_id, victim):
            self.terms_of(order)
        sign = self.bad_input
        sign("out of turn", [order_id], lambda: self.sign_as(second, 1), order_id)
        sign("countersigner first", [order_id], lambda: self.sign_as(company, 0), order_id)
        own = self.own_path(first, order_id, token=order_token)
        sign("the quotation's own link", [order_id], lambda: self.accept(1, own, name="Jane Doe"), order_id)
        theirs = self.own_path(other_first, order_id)
        sign("another quotation's signer", [order_id, other_id], lambda: self.sign_as(other_first, 0, theirs), None)
        mine = self.own_path(first, victim)
        sign("a signer's token on another customer's order", [victim], lambda: self.sign_as(first, 1, mine), None)
        crossed = self.own_path(first, other_id)
        sign("a signer's token on another order", [order_id, other_id], lambda: self.sign_as(first, 0, crossed), None)
        self.must_sign(first, 0)
        self.waits(order_id, "after the first signature")
        sign("a link used twice", [order_id], lambda: self.sign_as(first, 1), order_id)
        sign("a link used twice, another name", [order_id], lambda: self.sign_as(first, 0, name="Mallory"), order_id)
        sign("countersigner before the customer's last", [order_id], lambda: self.sign_as(company, 1), order_id)
        self.must_sign(second, 1)
        self.waits(order_id, "after the customer's signatures")
        sign("the customer again", [order_id], lambda: self.sign_as(second, 0), order_id)
        self.must_sign(company, 0)
        self.wait_jobs()
        for signer in (first, second, company):
            again = self.own_path(signer)
            sign(
                "a link after the last signature", [order_id], lambda s=signer, u=again: self.sign_as(s, 1, u), order_id
            )
        # The other quotation signed in turn too, each on the other server
        for server, signer in enumerate(self.signer_rows(other_id)):
            self.must_sign(signer, (server + 1) % 2)

    # === A decline, a reset === #

    def signers_declined_and_reset(self):
        declined, reset = self.create_signer_orders(2, "signers", signing_order="parallel")
        first, second = self.signer_rows(declined)
        after_decline = self.own_path(second, declined)  # the terms of its page, before the decline
        answer, _viewer = self.decline(declined, first["access_token"])
        if self.signer_rows(declined)[0]["state"] != "declined":
            self.signer_problems.append(f"{first['partner_id'][1]} could not decline: {answer.summary()}")
        self.bad_input("a link after a decline", [declined], lambda: self.sign_as(second, 1, after_decline), declined)
        old_first, _old_second = self.signer_rows(reset)
        self.must_sign(old_first, 0)
        self.rpc("sale.order", "action_cancel", [reset])
        self.rpc("sale.order", "action_draft", [reset])
        self.rpc("sale.order", "action_quotation_sent", [reset])
        self.reset_signers.add(old_first["id"])  # its signature is void, kept as evidence: not lost
        self.order_terms.pop(reset)
        stale = self.own_path(old_first, reset)
        self.bad_input("a link after a reset", [reset], lambda: self.sign_as(old_first, 1, stale), reset)
        for server, signer in enumerate(self.signer_rows(reset)):  # the new links sign it
            self.must_sign(signer, server)

    # === Signers at the same moment === #

    def signers_at_once(self, count, mode):
        """Both signers of quotations "all at once" at the same moment, the first one twice, over both servers."""
        self.traffic.phase = f"signers at once {mode}"
        ids = self.create_signer_orders(count, self.traffic.phase, signing_order="parallel")
        outcomes = Counter()
        for order_id in ids:
            first, second = self.signer_rows(order_id)
            # A, B, A as the concurrency phase: B, which serves wkhtmltopdf's assets, keeps a worker free
            submissions = [(first, 0), (second, 1), (first, 0)]
            urls = [self.signer_url(signer, server) for signer, server in submissions]
            barrier, answers = threading.Barrier(len(submissions)), [None] * len(submissions)

            def submit(index, urls=urls, barrier=barrier, answers=answers, submissions=submissions):
                signer, server = submissions[index]
                barrier.wait()
                answers[index] = self.sign_as(signer, server, urls[index])

            threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(submissions))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            outcomes.update(answer.summary()[:70] for answer in answers)
        self.wait_jobs()
        self.report(
            f"signers at once {mode}: {count} orders x 2 signers at the same moment (the first twice) over both "
            f"servers: {dict(outcomes)}; orders {dict(self.outcome(ids))}"
        )

    # === The final check === #

    def check_signers(self):
        """Lost signatures of signers: a success answered, the row not signed; every signer signed, no acceptance."""
        if not self.signer_successes:
            return 0, []
        rows = self.rpc("sale.order.signer", "read", list(self.signer_successes), fields=SIGNER_FIELDS)
        lost = [
            f"{row['partner_id'][1]} on {row['order_id'][1]}: signed successfully but its row is {row['state']}"
            for row in rows
            if row["state"] != "signed" and not (row["id"] in self.reset_signers and row["state"] == "void")
        ]
        order_ids = sorted({row["order_id"][0] for row in rows})
        live = self.rpc(
            "sale.order.signer",
            "search_read",
            [("order_id", "in", order_ids), ("state", "!=", "void")],
            ["order_id", "state"],
        )
        states = defaultdict(set)
        for row in live:
            states[row["order_id"][0]].add(row["state"])
        accepted = {
            acceptance["order_id"][0]
            for acceptance in self.rpc(
                "sale.order.acceptance",
                "search_read",
                [("order_id", "in", order_ids), ("state", "!=", "void"), ("signature", "!=", False)],
                fields=["order_id"],
            )
        }
        lost += [
            f"{self.orders[order_id]['name']}: every signer signed, no acceptance with a signature"
            for order_id, found in states.items()
            if found == {"signed"} and order_id not in accepted
        ]
        return len(lost), lost
