"""E-mail to graduates: the message (plain text and HTML, standard library ``email``) and its
delivery over SMTP (``smtplib``), each outcome sorted into sent, retry later, or failed for good.

    compose(ClaimMail, ...) -> EmailMessage          issuer.mail.message, each in the
    compose_tx_code(TxCodeMail, ...)                  graduate's language (issuer.i18n)
    SmtpSettings, SmtpTransport, FolderTransport      issuer.mail.transport
    Delivery(outcome, answer)                          the server's answer, kept per message
"""

from __future__ import annotations

from issuer.mail.message import (
    ClaimMail,
    TxCodeMail,
    compose,
    compose_tx_code,
    eml_name,
)
from issuer.mail.transport import (
    Delivery,
    FolderTransport,
    SmtpSettings,
    SmtpTransport,
    Transport,
)

__all__ = [
    "ClaimMail",
    "Delivery",
    "FolderTransport",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "TxCodeMail",
    "compose",
    "compose_tx_code",
    "eml_name",
]
