"""Real SMTP servers on 127.0.0.1 for the mail tests (aiosmtpd): one that takes every message,
one that refuses some recipients with 550, one that drops the connection, and a port where
nothing listens (a server that is down)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REFUSED_PREFIX = "refuse"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What a server received, and a condition to wait on (never a sleep)."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def add(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> None:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        with self.cond:
            self.envelopes.append((mail_from, list(rcpt_tos)))
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.cond.notify_all()

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} of {count} messages arrived")
            return list(self.messages)

    def to(self, address: str) -> EmailMessage:
        found = [m for m in self.messages if m["To"] == address]
        assert len(found) == 1, f"{len(found)} messages to {address}"
        return found[0]


class Recording:
    """Takes every message; refuses recipients whose address starts with "refuse" (550)."""

    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith(REFUSED_PREFIX):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.box.add(str(envelope.mail_from), list(envelope.rcpt_tos), content)
        return "250 Message accepted for delivery"


class Dropping:
    """Closes the connection when the client sends its message."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None
        server.transport.close()
        return "421 closing"


@contextmanager
def smtp_server(handler: object, port: int | None = None) -> Iterator[int]:
    """An aiosmtpd server on 127.0.0.1 (``port``, else a free one) while the block runs;
    yields the port."""
    port = free_port() if port is None else port
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def recording_server(port: int | None = None) -> Iterator[tuple[int, Mailbox]]:
    box = Mailbox()
    with smtp_server(Recording(box), port) as bound:
        yield bound, box


def mail_settings(port: int, **extra: Any) -> dict[str, Any]:
    """IssuerConfig fields for a plain (no TLS) SMTP server on 127.0.0.1:port."""
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout": 5.0,
        "mail_from": "Registrar <diplomas@kaznu.kz>",
    }
    values.update(extra)
    return values
