"""The message that brings a graduate their claim link: plain text and HTML, no I/O."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from vc.errors import MalformedValueError


@dataclass(frozen=True)
class ClaimMail:
    """What one message says: who it is for, the diploma, and the link (with its expiry)."""

    recipient: str
    graduate_name: str
    degree_title: str
    diploma_number: str
    institution: str
    claim_url: str
    expires_at: datetime | None


def _address(value: str, what: str) -> Address | str:
    name, addr = parseaddr(value)
    if "@" not in addr or any(c in addr for c in "\r\n"):
        raise MalformedValueError(f"{what} {value!r} is not an e-mail address")
    return Address(display_name=name, addr_spec=addr) if name else addr


def compose(
    mail: ClaimMail,
    *,
    sender: str,
    now: datetime,
    attachment: tuple[str, bytes] | None = None,
) -> EmailMessage:
    """An RFC 5322 message in plain text and HTML carrying the claim link; ``attachment`` is a
    (file name, JSON bytes) pair attached only when the registrar asked for it.

    Raises MalformedValueError for an address that is not one.
    """
    message = EmailMessage()
    message["From"] = _address(sender, "the sender")
    message["To"] = _address(mail.recipient, "the recipient")
    message["Subject"] = f"Your diploma from {mail.institution}"
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("diploma", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    until = (
        f"The link works until {mail.expires_at:%d %B %Y}."
        if mail.expires_at is not None
        else "The link does not expire."
    )
    message.set_content(
        f"Dear {mail.graduate_name},\n\n"
        f"{mail.institution} has issued your diploma as a digitally signed credential:\n"
        f"{mail.degree_title} (diploma {mail.diploma_number}).\n\n"
        f"Open your private page to see it, download it, add it to a wallet and share it:\n\n"
        f"{mail.claim_url}\n\n"
        f"{until} Keep this link private: anyone who has it can share your diploma. If it "
        f"stops working, ask the registrar's office for a new one.\n\n"
        f"{mail.institution}\n"
    )
    e = html.escape
    message.add_alternative(
        "<!doctype html><html><body>"
        f"<p>Dear {e(mail.graduate_name)},</p>"
        f"<p>{e(mail.institution)} has issued your diploma as a digitally signed credential: "
        f"<strong>{e(mail.degree_title)}</strong> (diploma {e(mail.diploma_number)}).</p>"
        "<p>Open your private page to see it, download it, add it to a wallet and share it:</p>"
        f'<p><a href="{e(mail.claim_url)}">{e(mail.claim_url)}</a></p>'
        f"<p>{e(until)} Keep this link private: anyone who has it can share your diploma. "
        "If it stops working, ask the registrar's office for a new one.</p>"
        f"<p>{e(mail.institution)}</p></body></html>",
        subtype="html",
    )
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="json", filename=name)
    return message


def eml_name(row_number: int | None, diploma_number: str) -> str:
    """A safe file name for a message written to a folder (``--dry-run-mail``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", diploma_number).strip("-.") or "diploma"
    prefix = f"row-{row_number:05d}-" if row_number is not None else ""
    return f"{prefix}{safe}.eml"
