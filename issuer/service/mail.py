"""Sending the mail outbox: compose each graduate's message, deliver it, record its fate.

Issuance never waits for mail: messages are queued with their claim links (issuer.store.claims)
and sent later by ``send_due``, from the issuer app's background thread (issuer.web.state
MailWorker, setting mail_worker) or from cron (``diplomat mail send``). A message the server
refuses for good (5yz) is "failed" with the server's answer; a transient failure (4yz, a dropped
connection, a server that is down) is retried with back-off (1, 2, 4, ... minutes, at most 6
hours) until config.mail_max_attempts, then "failed". Delivery is at least once: a sender that
dies after the server took a message but before recording it sends it again when its lease ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from issuer.i18n import graduate_language
from issuer.mail import (
    ClaimMail,
    FolderTransport,
    SmtpSettings,
    SmtpTransport,
    Transport,
    eml_name,
)
from issuer.mail import compose as compose_message
from issuer.service.base import IssuerContext
from issuer.service.claims import ClaimExport
from issuer.store import Credential, OutboxMessage
from issuer.store.interfaces import Claims, Credentials, Outbox
from issuer.store.outbox import Outcome
from vc import strictjson
from vc.errors import DiplomatError, MalformedValueError

LEASE = timedelta(minutes=10)
LEASE_ROWS = 50
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class MailReport:
    """What one ``send_due`` run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): 1, 2, 4, ... minutes, at most 6 h."""
    return min(timedelta(minutes=2 ** max(attempt - 1, 0)), MAX_BACKOFF)


def _achievement(credential_json: str) -> dict[str, Any]:
    """The achievement of a stored credential ({} when it has none)."""
    try:
        doc = strictjson.loads_object(credential_json)
    except DiplomatError:
        return {}
    subject: Any = doc.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def _text(achievement: dict[str, Any], key: str) -> str | None:
    value = achievement.get(key)
    return value if isinstance(value, str) else None


def credential_language(credential: Credential, default: str) -> str:
    """The catalogue a graduate's messages are written in: the degree's language of
    instruction (``achievement.inLanguage``) when Diplomat writes mail in it, else ``default``
    (config.mail_language), else English."""
    taught = _text(_achievement(credential.credential_json), "inLanguage")
    return graduate_language(taught, default)


class MailService:
    """send_due, compose, write_messages."""

    def __init__(
        self,
        ctx: IssuerContext,
        credentials: Credentials,
        claims: Claims,
        outbox: Outbox,
        *,
        transport: Callable[[], Transport] | None = None,
    ) -> None:
        self._ctx = ctx
        self._credentials = credentials
        self._claims = claims
        self._outbox = outbox
        self._transport = transport

    @property
    def enabled(self) -> bool:
        return self._ctx.config.mail_enabled

    def sender(self) -> str:
        """The From address: config.mail_from, else diplomas@<the issuer's host>."""
        config = self._ctx.config
        if config.mail_from:
            return config.mail_from
        host = config.public_base_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
        return f"diplomas@{host}"

    def open_transport(self) -> Transport:
        """The configured SMTP transport (or the injected one). MalformedValueError without
        an SMTP server."""
        if self._transport is not None:
            return self._transport()
        config = self._ctx.config
        if config.smtp_host is None:
            raise MalformedValueError("no SMTP server is configured (DIPLOMAT_SMTP_HOST)")
        return SmtpTransport(
            SmtpSettings(
                config.smtp_host,
                config.smtp_port,
                config.smtp_security,
                config.smtp_username,
                config.smtp_password,
                config.smtp_timeout,
            )
        )

    def compose(
        self, credential: Credential, recipient: str, claim_url: str, expires: datetime | None
    ) -> EmailMessage:
        """The message for one graduate, in their language (credential_language), with the
        credential attached when configured."""
        achievement = _achievement(credential.credential_json)  # read once for both
        mail = ClaimMail(
            recipient=recipient,
            graduate_name=credential.subject_name,
            degree_title=_text(achievement, "name") or credential.achievement_type,
            diploma_number=credential.diploma_number,
            institution=self._ctx.issuer().name,
            claim_url=claim_url,
            expires_at=expires,
            language=graduate_language(
                _text(achievement, "inLanguage"), self._ctx.config.mail_language
            ),
        )
        attachment = None
        if self._ctx.config.mail_attach_credential:
            name = eml_name(None, credential.diploma_number).removesuffix(".eml") + ".json"
            attachment = (name, credential.credential_json.encode("utf-8"))
        return compose_message(
            mail, sender=self.sender(), now=self._ctx.now(), attachment=attachment
        )

    def send_due(self, *, limit: int | None = None) -> MailReport:
        """Send every message due now (at most ``limit``), recording each leased run's outcomes
        in one transaction. Never raises for a delivery problem; raises StoreError when the
        database fails and MalformedValueError without an SMTP server."""
        transport = self.open_transport()
        report = MailReport()
        try:
            while limit is None or _done(report) < limit:
                room = LEASE_ROWS if limit is None else min(LEASE_ROWS, limit - _done(report))
                leased = self._outbox.lease_due(room, LEASE)
                if not leased:
                    break
                outcomes = [self._deliver(transport, message) for message in leased]
                self._outbox.record_outcomes(outcomes)
                for outcome in outcomes:
                    report = _count(report, outcome)
        finally:
            transport.close()
        return report

    def _deliver(self, transport: Transport, message: OutboxMessage) -> Outcome:
        if message.claim_url is None:
            return Outcome(message.id, False, "the claim link is gone")
        try:
            credential = self._credentials.get_credential(message.credential_id)
            email = self.compose(
                credential, message.recipient, message.claim_url, message.claim_expires_at
            )
        except MalformedValueError as exc:  # an address the mail library refuses
            return Outcome(message.id, False, exc.detail)
        delivery = transport.send(email)
        attempt = message.attempts + 1
        if delivery.outcome == "sent":
            return Outcome(message.id, True, delivery.answer)
        if delivery.outcome == "retry" and attempt < self._ctx.config.mail_max_attempts:
            return Outcome(message.id, False, delivery.answer, self._ctx.now() + backoff(attempt))
        return Outcome(message.id, False, delivery.answer)

    def write_messages(self, exports: Sequence[ClaimExport], folder: Path) -> list[Path]:
        """Write the message each exported link would send (those with an e-mail address) to
        ``folder`` as .eml files: nothing is sent or queued (``--dry-run-mail``)."""
        writer = FolderTransport(folder)
        for export in exports:
            if not export.email:
                continue
            credential = self._credentials.get_credential(export.credential_id)
            message = self.compose(credential, export.email, export.claim_url, export.expires_at)
            writer.write(eml_name(export.row_number, export.diploma_number), message)
        return writer.written


def _done(report: MailReport) -> int:
    return report.sent + report.retrying + report.failed


def _count(report: MailReport, outcome: Outcome) -> MailReport:
    return MailReport(
        report.sent + outcome.sent,
        report.retrying + (not outcome.sent and outcome.retry_at is not None),
        report.failed + (not outcome.sent and outcome.retry_at is None),
    )
