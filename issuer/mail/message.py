"""The messages to graduates, in their language: the claim link (plain text and HTML) and the
OpenID4VCI transaction code (plain text). No I/O beyond reading the catalogues once.

The caller chooses the language per graduate (issuer.i18n.graduate_language: the degree's
language of instruction, then the issuer's configured ``mail_language``, then English);
the texts are the issuer's catalogues (issuer.i18n), dates are CLDR's. Each message says its
language (``Content-Language``, RFC 3282, and the HTML ``lang``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from issuer.i18n import DEFAULT_LANGUAGE, Texts, _, texts
from vc.errors import MalformedValueError


@dataclass(frozen=True)
class ClaimMail:
    """What one message says: who it is for, the diploma, the link (with its expiry), and the
    catalogue it is written in (issuer.i18n.graduate_language)."""

    recipient: str
    graduate_name: str
    degree_title: str
    diploma_number: str
    institution: str
    claim_url: str
    expires_at: datetime | None
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class TxCodeMail:
    """The transaction code a wallet asks for (OID4VCI 1.0 §4.1.1 tx_code), for one graduate."""

    recipient: str
    graduate_name: str
    diploma_number: str
    institution: str
    tx_code: str
    language: str = DEFAULT_LANGUAGE


def _address(value: str, what: str) -> Address | str:
    name, addr = parseaddr(value)
    if "@" not in addr or any(c in addr for c in "\r\n"):
        raise MalformedValueError(f"{what} {value!r} is not an e-mail address")
    return Address(display_name=name, addr_spec=addr) if name else addr


def _message(sender: str, recipient: str, subject: str, now: datetime) -> EmailMessage:
    """A new message with its headers. Raises MalformedValueError for an address."""
    message = EmailMessage()
    message["From"] = _address(sender, "the sender")
    message["To"] = _address(recipient, "the recipient")
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("diploma", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    return message


def _said_in(message: EmailMessage, lang: Texts) -> EmailMessage:
    """The message, saying its language (RFC 3282). Set last: set_content clears a part's
    Content-* headers, and add_alternative and add_attachment move them into the first subpart."""
    message["Content-Language"] = lang.tag
    return message


def compose(
    mail: ClaimMail,
    *,
    sender: str,
    now: datetime,
    attachment: tuple[str, bytes] | None = None,
) -> EmailMessage:
    """An RFC 5322 message in plain text and HTML carrying the claim link, in ``mail.language``;
    ``attachment`` is a (file name, JSON bytes) pair attached only when the registrar asked.

    Raises MalformedValueError for an address that is not one.
    """
    lang = texts(mail.language)
    subject = lang.text(_("Your diploma from %(institution)s"), institution=mail.institution)
    message = _message(sender, mail.recipient, subject, now)
    greeting = _("Dear %(name)s,")
    issued = _("%(institution)s has issued your diploma as a digitally signed credential:")
    diploma = _("%(degree)s (diploma %(number)s).")
    open_it = _("Open your private page to see it, download it, add it to a wallet and share it:")
    if mail.expires_at is not None:
        care = _(
            "The link works until %(date)s. Keep this link private: anyone who has it can share "
            "your diploma. If it stops working, ask the registrar's office for a new one."
        )
        date = lang.long_date(mail.expires_at)
    else:
        care = _(
            "The link does not expire. Keep this link private: anyone who has it can share your "
            "diploma. If it stops working, ask the registrar's office for a new one."
        )
        date = ""
    message.set_content(
        f"{lang.text(greeting, name=mail.graduate_name)}\n\n"
        f"{lang.text(issued, institution=mail.institution)}\n"
        f"{lang.text(diploma, degree=mail.degree_title, number=mail.diploma_number)}\n\n"
        f"{lang.text(open_it)}\n\n"
        f"{mail.claim_url}\n\n"
        f"{lang.text(care, date=date)}\n\n"
        f"{mail.institution}\n"
    )
    e = html.escape
    title = f"<strong>{e(mail.degree_title)}</strong>"
    message.add_alternative(
        f'<!doctype html><html lang="{e(lang.tag)}"><body>'
        f"<p>{lang.markup(greeting, name=e(mail.graduate_name))}</p>"
        f"<p>{lang.markup(issued, institution=e(mail.institution))} "
        f"{lang.markup(diploma, degree=title, number=e(mail.diploma_number))}</p>"
        f"<p>{lang.markup(open_it)}</p>"
        f'<p><a href="{e(mail.claim_url)}">{e(mail.claim_url)}</a></p>'
        f"<p>{lang.markup(care, date=e(date))}</p>"
        f"<p>{e(mail.institution)}</p></body></html>",
        subtype="html",
    )
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="json", filename=name)
    return _said_in(message, lang)


def compose_tx_code(mail: TxCodeMail, *, sender: str, now: datetime) -> EmailMessage:
    """The plain-text message with a wallet's transaction code, in ``mail.language``.

    Raises MalformedValueError for an address that is not one.
    """
    lang = texts(mail.language)
    subject = lang.text(_("Your code to add your diploma to a wallet: %(code)s"), code=mail.tx_code)
    message = _message(sender, mail.recipient, subject, now)
    asks = _(
        "Your wallet asks for a code to receive diploma %(number)s from %(institution)s. Enter "
        "this code in the wallet:"
    )
    hello = _("Hello %(name)s,")
    once = _(
        "It works once, for this offer only. If you did not ask for it, ignore this message: "
        "without the code nobody can take your diploma."
    )
    message.set_content(
        f"{lang.text(hello, name=mail.graduate_name)}\n\n"
        f"{lang.text(asks, number=mail.diploma_number, institution=mail.institution)}\n\n"
        f"    {mail.tx_code}\n\n"
        f"{lang.text(once)}\n"
    )
    return _said_in(message, lang)


def eml_name(row_number: int | None, diploma_number: str) -> str:
    """A safe file name for a message written to a folder (``--dry-run-mail``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", diploma_number).strip("-.") or "diploma"
    prefix = f"row-{row_number:05d}-" if row_number is not None else ""
    return f"{prefix}{safe}.eml"
