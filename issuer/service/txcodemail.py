"""OpenID4VCI transaction codes by e-mail: the TxCodeNotifier the issuer uses when mail is set up.

OID4VCI 1.0 §4.1.1 (tx_code): the code must reach the graduate by another channel than the offer
itself, so it goes to the address the registrar gave for the graduate's claim link, at once (not
through the outbox: the wallet is waiting for it), and the offer is made only if the mail server
accepted it.
"""

from __future__ import annotations

from issuer.errors import MailUnavailableError
from issuer.mail import TxCodeMail, compose_tx_code
from issuer.service.base import IssuerContext
from issuer.service.mail import MailService, credential_language
from issuer.store import Credential
from issuer.store.interfaces import Claims
from vc.errors import MalformedValueError


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
        try:
            message = compose_tx_code(
                TxCodeMail(
                    recipient=recipient,
                    graduate_name=credential.subject_name,
                    diploma_number=credential.diploma_number,
                    institution=self._ctx.issuer().name,
                    tx_code=tx_code,
                    language=credential_language(credential, self._ctx.config.mail_language),
                ),
                sender=self._mail.sender(),
                now=self._ctx.now(),
            )
        except MalformedValueError as exc:  # an address the mail library refuses
            raise MailUnavailableError(
                f"the transaction code cannot be mailed: {exc.detail}"
            ) from exc
        transport = self._mail.open_transport()
        try:
            delivery = transport.send(message)
        finally:
            transport.close()
        if delivery.outcome != "sent":
            raise MailUnavailableError(
                f"the mail server did not accept the transaction code: {delivery.answer}"
            )
