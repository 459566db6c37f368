"""pytest plugin loaded by scripts/pytest.sh (-p pytest_strict): the same rules as make test.

A skipped test fails the run (Odoo skips a browser tour when Chromium or websocket-client is missing, and that must
not pass silently), and the counts go to the JSON file named by PYTEST_COUNTS, for the closing line of make pytest.
"""

import json
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    counts = {
        "passed": len([r for r in stats.get("passed", []) if r.when == "call"]),
        "failed": len(stats.get("failed", [])) + len(stats.get("error", [])),
        "skipped": len(stats.get("skipped", [])),
    }
    if counts["skipped"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if os.environ.get("PYTEST_COUNTS"):
        with open(os.environ["PYTEST_COUNTS"], "w") as file:
            json.dump(counts, file)
