"""The pinned transport over real sockets: the connection goes to the address the guard checked, while
TLS (SNI, certificate verification) and the Host header keep the partner's name."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cockpit.partners.netguard import AddressRefused
from cockpit.partners.transport import pinned_client

NAME = "parking.partner.test"


def _cert(subject: str, issuer_key: Any, key: Any, issuer: str, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        # Python 3.13's default context verifies strictly (VERIFY_X509_STRICT), as real CAs issue: key
        # identifiers on every certificate, key usage on the CA.
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("Test CA", ca_key, ca_key, "Test CA", ca=True)
    leaf = _cert(NAME, ca_key, leaf_key, "Test CA", ca=False)
    paths = {"ca": folder / "ca.pem", "cert": folder / "leaf.pem", "key": folder / "leaf.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: Any) -> None:
        return

    def do_GET(self) -> None:
        data = json.dumps({"host": self.headers["Host"], "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def https_server(tls: dict[str, Path]) -> Iterator[tuple[int, list[str | None]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls["cert"], tls["key"])
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,misc]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1]), names
    server.shutdown()
    server.server_close()


def client(tls: dict[str, Path], table: dict[str, list[str]]) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(tls["ca"]))
    return pinned_client(dev_mode=True, resolver=lambda host, _port: table[host], ssl_context=context)


def test_the_connection_goes_to_the_checked_address_with_the_partners_name(
    tls: dict[str, Path], https_server: tuple[int, list[str | None]]
) -> None:
    port, sni = https_server
    with client(tls, {NAME: ["127.0.0.1"]}) as c:
        answer = c.get(f"https://{NAME}:{port}/v2/spots?near=1,2")
    assert answer.status_code == 200
    assert answer.json() == {"host": f"{NAME}:{port}", "path": "/v2/spots?near=1,2"}
    assert sni == [NAME]  # TLS was made for the name, and its certificate verified against it


def test_certificates_are_still_verified_against_the_name(
    tls: dict[str, Path], https_server: tuple[int, list[str | None]]
) -> None:
    port, _ = https_server
    with client(tls, {"other.partner.test": ["127.0.0.1"]}) as c, pytest.raises(httpx.ConnectError):
        c.get(f"https://other.partner.test:{port}/v2/spots")


def test_a_name_that_answers_a_forbidden_address_is_never_connected(
    tls: dict[str, Path], https_server: tuple[int, list[str | None]]
) -> None:
    port, sni = https_server
    with client(tls, {NAME: ["127.0.0.1", "169.254.169.254"]}) as c, pytest.raises(AddressRefused):
        c.get(f"https://{NAME}:{port}/v2/spots")
    assert sni == []
    with pinned_client(resolver=lambda _h, _p: ["127.0.0.1"]) as production, pytest.raises(AddressRefused):
        production.get(f"https://{NAME}:{port}/v2/spots")  # outside development mode loopback is refused
    assert sni == []
