"""The SMTP transport's protected modes against real aiosmtpd servers on 127.0.0.1: STARTTLS on a
submission port (with login), implicit TLS, and a certificate the client must refuse. (A wrong password is not tested here: against aiosmtpd 1.4.6 the
refused login ended in a read time-out, which the transport reports as "retry".)"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from smtpkit import Mailbox, Recording, free_port

from issuer.mail import ClaimMail, SmtpSettings, SmtpTransport, compose

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test's own CA, trusted by the client)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


class Authenticator:
    """Accepts exactly one login."""

    def __call__(self, server: object, session: object, envelope: object, mechanism: str,
                 auth_data: object) -> object:  # fmt: skip
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login,
            auth_data.password,
        ) == (b"registrar", b"s3cret")
        return AuthResult(success=ok)


def message() -> object:
    mail = ClaimMail("g@student.example", "Aliya", "BSc", "D-1", "Uni", "https://u/claim/t", None)
    return compose(mail, sender="diplomas@u.example", now=NOW)


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(
        Recording(box),
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=Authenticator(),
        auth_require_tls=True,
    )
    controller.start()
    yield port, box
    controller.stop()


def test_starttls_with_login_delivers(
    starttls_server: tuple[int, Mailbox], certificate: tuple[Path, Path]
) -> None:
    port, box = starttls_server
    settings = SmtpSettings("127.0.0.1", port, "starttls", "registrar", "s3cret", timeout=5)
    transport = SmtpTransport(settings, context=client_context(certificate))
    try:
        delivery = transport.send(message())  # type: ignore[arg-type]
    finally:
        transport.close()
    assert delivery.outcome == "sent"
    assert box.wait_for(1)[0]["To"] == "g@student.example"


def test_an_untrusted_certificate_is_refused_and_retried_later(
    starttls_server: tuple[int, Mailbox],
) -> None:
    port, box = starttls_server
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, "starttls", timeout=5))
    delivery = transport.send(message())  # type: ignore[arg-type]
    transport.close()
    assert delivery.outcome == "retry" and "CERTIFICATE_VERIFY_FAILED" in delivery.answer
    assert box.messages == []


def test_a_plain_connection_to_a_server_requiring_starttls_is_refused(
    starttls_server: tuple[int, Mailbox],
) -> None:
    port, box = starttls_server
    transport = SmtpTransport(SmtpSettings("127.0.0.1", port, "none", timeout=5))
    delivery = transport.send(message())  # type: ignore[arg-type]
    transport.close()
    assert delivery.outcome == "failed" and delivery.answer.startswith("530")
    assert box.messages == []


def test_implicit_tls_delivers(certificate: tuple[Path, Path]) -> None:
    box = Mailbox()
    port = free_port()
    controller = Controller(
        Recording(box), hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        settings = SmtpSettings("127.0.0.1", port, "tls", timeout=5)
        transport = SmtpTransport(settings, context=client_context(certificate))
        delivery = transport.send(message())  # type: ignore[arg-type]
        transport.close()
        assert delivery.outcome == "sent"
        assert box.wait_for(1)[0]["Subject"] == "Your diploma from Uni"
    finally:
        controller.stop()
