#!/usr/bin/env python3
"""Local SMTP sink: every message received on 127.0.0.1:PORT is saved as DIR/<n>-<subject>.eml.

Usage: smtp_sink.py DIR [--port 2525] [--host 127.0.0.1]. Stops cleanly on SIGTERM or Ctrl-C.
"""

import argparse
import email
import email.policy
import itertools
import re
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class SaveToDir:
    def __init__(self, folder: Path):
        self.folder = folder
        self.counter = itertools.count(len(list(folder.glob("*.eml"))) + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        data = envelope.original_content or envelope.content
        subject = str(email.message_from_bytes(data, policy=email.policy.default)["subject"] or "no subject")
        name = re.sub(r"[^\w.-]+", "_", subject).strip("._")[:80] or "no_subject"
        with self.lock:
            path = self.folder / f"{next(self.counter)}-{name}.eml"
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.rename(path)  # readers only ever see complete files
        print(f"smtp_sink: {envelope.mail_from} -> {', '.join(envelope.rcpt_tos)}: {path.name}", flush=True)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="folder to save .eml files in (created if missing)")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller = Controller(SaveToDir(args.dir), hostname=args.host, port=args.port, enable_SMTPUTF8=True)
    try:
        controller.start()
    except Exception as exc:  # noqa: BLE001 - report any bind/startup error in one line
        sys.exit(f"smtp_sink: cannot listen on {args.host}:{args.port}: {exc}")
    print(f"smtp_sink: listening on {args.host}:{args.port}, saving to {args.dir}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
        print("smtp_sink: stopped", flush=True)


if __name__ == "__main__":
    main()
