"""Delivering messages: over SMTP (smtplib; one connection reused for a run of messages), or into
a folder as .eml files. Every outcome is a Delivery, never an exception: a refused recipient,
a dropped connection or a server that is down is the message's fate, not the caller's crash.

SMTP reply codes (RFC 5321 §4.2.1): 2yz accepted; 4yz transient (retry later); 5yz permanent.
A connection that cannot be made or is dropped is transient.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class Delivery:
    """What became of one message, and the server's answer (or why it was not reached)."""

    outcome: Outcome
    answer: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # none, starttls, tls
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


class Transport(Protocol):
    """Sends messages one by one; ``close`` ends any connection."""

    def send(self, message: EmailMessage) -> Delivery: ...

    def close(self) -> None: ...


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {words}".strip()


def _by_code(code: int, answer: str) -> Delivery:
    return Delivery("failed" if 500 <= code < 600 else "retry", answer)


class SmtpTransport:
    """One SMTP connection, opened on the first message and reopened after a failure."""

    def __init__(self, settings: SmtpSettings, *, context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._context = context if context is not None else ssl.create_default_context()
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        client: smtplib.SMTP
        if s.security == "tls":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.security == "starttls":
                client.starttls(context=self._context)
                client.ehlo()
            if s.username:
                client.login(s.username, s.password or "")
        except BaseException:
            _quietly_close(client)
            raise
        return client

    def send(self, message: EmailMessage) -> Delivery:
        try:
            if self._client is None:
                self._client = self._connect()
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            return _by_code(code, _answer(code, text))
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            return Delivery("retry", f"the server closed the connection: {exc}")
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth, ...
            self._reset()
            return _by_code(exc.smtp_code, _answer(exc.smtp_code, exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timeout, TLS
            self._drop()
            return Delivery("retry", f"cannot reach {self._settings.host}: {exc}")
        if refused:  # some recipients refused (we send one per message, so not reached)
            code, text = next(iter(refused.values()))
            return _by_code(code, _answer(code, text))
        return Delivery("sent", "250 accepted")

    def _reset(self) -> None:
        """After a refused transaction the connection may be reused once it is RSET."""
        if self._client is None:
            return
        try:
            self._client.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._client is not None:
            _quietly_close(self._client)
        self._client = None

    def close(self) -> None:
        if self._client is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._client.quit()
        self._drop()


def _quietly_close(client: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        client.close()


class FolderTransport:
    """Writes each message to ``folder/<name>`` as .eml (``--dry-run-mail``); nothing is sent."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.written: list[Path] = []

    def write(self, name: str, message: EmailMessage) -> Path:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / name
        path.write_bytes(bytes(message))
        self.written.append(path)
        return path

    def close(self) -> None:
        return None
