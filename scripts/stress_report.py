"""The end of the stress run (scripts/stress.py): what went wrong, then its last line, the counters."""

import os
import time


def report(stress, duplicates, lost, failed, started):
    """Print the problems found and the counters' line; returns the exit code (1 when any counter but requests is
    non-zero, or when the run failed before it checked everything)."""
    traffic = stress.traffic
    for phase, failure in traffic.failures[:15]:
        stress.report(f"http_5xx: {phase}: {failure}")
    for change in stress.bad_state_changes[:15]:
        stress.report(f"bad_input_state_change: {change}")
    for leak in stress.leaks[:15]:
        stress.report(f"leak: {leak}")
    if stress.server_stopped:
        stress.report(
            f"stress: server {stress.server_stopped} stopped while PostgreSQL refused connections (see faults)"
        )
    emails = len(list(os.scandir(stress.args.mail))) if os.path.isdir(stress.args.mail) else 0
    stress.report(f"stress: {emails} emails reached the SMTP sink; {time.monotonic() - started:.0f} s")
    counters = {
        "requests": traffic.requests,
        "http_5xx": traffic.http_5xx,
        "bad_input_state_changes": len(stress.bad_state_changes),
        "duplicate_invoices": duplicates,
        "lost_signatures": lost,
        "leaks": len(stress.leaks),
    }
    print("stress: " + " ".join(f"{key}={value}" for key, value in counters.items()), flush=True)
    return 1 if failed or any(value for key, value in counters.items() if key != "requests") else 0
