"""The deployment the suites run against: three did:key issuers (Ed25519, P-256, P-384) and one
verifier, in this process, on 127.0.0.1 and free ports.

Every service is served over https with a self-signed certificate made here for 127.0.0.1: the
data-model suite unwraps ``verifiableCredential`` from issue responses only over https, and the
suites' document loaders fetch status lists only over https. The verifier trusts that one
certificate (its fetcher still checks certificates and host names). The issuers keep their
bearer tokens: each gets a registrar token, which the suite configuration sends as a header of
that endpoint (vc-test-suite-implementations passes an endpoint's ``headers`` on every request).
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import BaseWSGIServer, make_server

from issuer.config import IssuerConfig
from issuer.service import open_service
from issuer.web import create_app as create_issuer_app
from vc.fetch import SafeHttpFetcher
from vc.keys import KeyType
from verifier.config import VerifierConfig
from verifier.web import create_app as create_verifier_app

HOST = "127.0.0.1"
KEY_TYPES = {"Ed25519": KeyType.ED25519, "P-256": KeyType.P256, "P-384": KeyType.P384}


@dataclass(frozen=True)
class IssuerEndpoint:
    """One issuer as the suites see it."""

    key_type: str
    did: str
    url: str
    token: str

    @property
    def issue_url(self) -> str:
        return f"{self.url}/credentials/issue"


@dataclass(frozen=True)
class Deployment:
    issuers: dict[str, IssuerEndpoint]
    verifier_url: str


class _Late:
    """A WSGI app set after its server is bound (the port is known only then); with ``trace``,
    every exchange is appended to that JSON-lines file (request and response bodies), to see
    why a suite's test failed."""

    def __init__(self, trace: Path | None = None) -> None:
        self.app: Any = None
        self.trace = trace
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.trace is None:
            return self.app(environ, start_response)
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []

        def recording(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info)

        chunks = list(self.app(environ, recording))
        record = {
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO"),
            "status": status[0] if status else None,
            "request": body.decode("utf-8", "replace"),
            "response": b"".join(chunks).decode("utf-8", "replace")[:20000],
        }
        with self._lock, self.trace.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return chunks


def _tls_context(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context with a fresh self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "diplomat conformance")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


@contextmanager
def _serving(server: BaseWSGIServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _serve(stack: ExitStack, tls: ssl.SSLContext, trace: Path | None) -> tuple[_Late, str]:
    """An https server on a free port whose app is set later: (app holder, base URL)."""
    app = _Late(trace)
    url = stack.enter_context(_serving(make_server(HOST, 0, app, threaded=True, ssl_context=tls)))
    return app, url


@contextmanager
def deployment(
    home: Path, extra_contexts: Path | None, trace: Path | None = None
) -> Iterator[Deployment]:
    """Start the issuers and the verifier under ``home`` (a fresh folder); stop them on exit.
    ``trace``: a JSON-lines file that records every exchange."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    tls, cert = _tls_context(home / "tls")
    with ExitStack() as stack:
        issuers: dict[str, IssuerEndpoint] = {}
        for label, key_type in KEY_TYPES.items():
            folder = home / label
            app, url = _serve(stack, tls, trace)
            config = IssuerConfig(
                database_url=f"sqlite:///{folder / 'issuer.sqlite3'}",
                keys_dir=folder / "keys",
                public_base_url=url,
                spool_dir=folder / "batches",
                sign_workers=1,
                dev_mode=True,
                extra_contexts_dir=extra_contexts,
                # Bitstring Status List §2.1 multi-bit entries (statusSize, statusMessage,
                # statusReference): the suite reads them from the last entry of each credential.
                status_messages=True,
            )
            service = open_service(config)
            issuer = service.identity.init_identity(
                f"Conformance issuer {label}", url, "KZ", key_type=key_type, did_method="key"
            )
            token = service.accounts.create_api_token(f"conformance-{label}", "registrar")
            app.app = create_issuer_app(config, service=service)
            issuers[label] = IssuerEndpoint(label, issuer.did, url, token)
        app, url = _serve(stack, tls, trace)
        verifier_config = VerifierConfig(
            dev_mode=True,
            base_url=url,
            database_url=f"sqlite:///{home / 'verifier.sqlite3'}",
            extra_contexts_dir=extra_contexts,
        )
        fetcher = SafeHttpFetcher(
            max_bytes=verifier_config.max_body_bytes,
            timeout=verifier_config.fetch_timeout,
            allow_loopback=True,
            ssl_context=ssl.create_default_context(cafile=str(cert)),
        )
        app.app = create_verifier_app(verifier_config, fetcher=fetcher)
        yield Deployment(issuers, url)
