"""A local timestamp authority for the tests and `make demo`: a stand-in that speaks RFC 3161 over HTTP (POST an
`application/timestamp-query`, get an `application/timestamp-reply`) with its own key and a certificate for time
stamping, built on pyHanko's own dummy authority. It can also be down, slow, or answer garbage.

No Odoo import: scripts/demo.py starts it as well.
"""

import datetime
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

AUTHORITY_NAME = "Auto Invoice Local Timestamp Authority"


def _asn1_key(key):
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


def _asn1_certificate(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def authority_certificate(key, name=AUTHORITY_NAME):
    """A self-signed certificate for time stamping only (the extended key usage RFC 3161 requires, critical)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer (the seal's timeout) is what the "slow" mode is for


class LocalTimestampAuthority:
    """An RFC 3161 authority on 127.0.0.1 at a free port, in a thread: `url` while started; `mode` is "ok", "slow"
    (answers after `delay` seconds) or "garbage" (answers bytes that are no TimeStampResp); `stop()` takes it down."""

    def __init__(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.certificate = _asn1_certificate(authority_certificate(key))
        self.stamper = DummyTimeStamper(tsa_cert=self.certificate, tsa_key=_asn1_key(key))
        self.mode, self.delay, self.requests = "ok", 0, 0
        self.server = self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/tsa"

    def start(self):
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authority.requests += 1
                if authority.mode == "slow":
                    time.sleep(authority.delay)
                if authority.mode == "garbage":
                    answer = b"<html>Service Unavailable</html>"
                else:
                    answer = authority.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
