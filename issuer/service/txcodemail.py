"""OpenID4VCI transaction codes by e-mail: the TxCodeNotifier the issuer uses when mail is set up.

OID4VCI 1.0 §4.1.1 (tx_code): the code must reach the graduate by another channel than the offer
itself, so it goes to the address the registrar gave for the graduate's claim link, at once (not
through the outbox: the wallet is waiting for it), and the offer is made only if the mail server
accepted it.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from issuer.errors import MailUnavailableError
from issuer.service.base import IssuerContext
from issuer.service.mail import MailService
from issuer.store import Credential
from issuer.store.interfaces import Claims


class MailedTxCodes:
    """reaches (a graduate with an e-mail address, mail configured), send_tx_code."""

    def __init__(self, ctx: IssuerContext, mail: MailService, claims: Claims) -> None:
        self._ctx = ctx
        self._mail = mail
        self._claims = claims

    def _address(self, credential: Credential) -> str | None:
        """The address of the graduate's newest claim link that has one."""
        links = sorted(self._claims.list_links(credential.id), key=lambda link: link.created_at)
        found = [link.email for link in links if link.email]
        return found[-1] if found else None

    def reaches(self, credential: Credential) -> bool:
        return self._mail.enabled and self._address(credential) is not None

    def send_tx_code(self, credential: Credential, tx_code: str) -> None:
        """Raises MailUnavailableError when the server does not accept the message."""
        recipient = self._address(credential)
        if recipient is None:
            raise MailUnavailableError("no e-mail address is known for this graduate")
        institution = self._ctx.issuer().name
        message = EmailMessage()
        message["From"] = self._mail.sender()
        message["To"] = recipient
        message["Subject"] = f"Your code to add your diploma to a wallet: {tx_code}"
        message["Date"] = formatdate(self._ctx.now().timestamp(), usegmt=True)
        message["Message-ID"] = make_msgid(domain=self._mail.sender().rpartition("@")[2] or None)
        message.set_content(
            f"Hello {credential.subject_name},\n\n"
            f"Your wallet asks for a code to receive diploma {credential.diploma_number} "
            f"from {institution}. Enter this code in the wallet:\n\n    {tx_code}\n\n"
            "It works once, for this offer only. If you did not ask for it, ignore this message: "
            "without the code nobody can take your diploma.\n"
        )
        transport = self._mail.open_transport()
        try:
            delivery = transport.send(message)
        finally:
            transport.close()
        if delivery.outcome != "sent":
            raise MailUnavailableError(
                f"the mail server did not accept the transaction code: {delivery.answer}"
            )
