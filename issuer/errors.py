"""Issuer-side errors (storage, tokens, share links), extending the one hierarchy of vc.errors.

    vc.errors.DiplomatError
    ├── StoreError                      store-failure               500  the database failed us
    │   └── StoreUnavailableError       store-unavailable           503  locked / unreachable, retry
    ├── NotFoundError                   not-found                   404  no such row
    ├── ConflictError                   conflict                    409  the change clashes with the state
    │   ├── DuplicateCredentialError    duplicate-credential        409  (issuer, diploma number) taken
    │   ├── DuplicateError              duplicate                   409  username / DID / key id / row taken
    │   ├── IrreversibleStatusError     irreversible-status         409  un-revoking a revoked credential
    │   ├── PossibleDuplicateDegreeError possible-duplicate-degree  409  same programme, same student number
    │   └── StaleStatusListError        stale-status-list           409  list changed while it was signed
    ├── InvalidTokenError               invalid-token               401  unknown / revoked token or secret
    └── ShareLinkGoneError              share-link-gone             410  (base of the two below)
        ├── ShareLinkExpiredError       share-link-expired          410
        └── ShareLinkRevokedError       share-link-revoked          410
    ├── ClaimLinkGoneError              claim-link-gone             410  (base of the two below)
    │   ├── ClaimLinkExpiredError       claim-link-expired          410
    │   └── ClaimLinkReplacedError      claim-link-replaced         410  a newer link was made
    ├── ClaimLinksTakenError            claim-links-taken           410  a batch's links, handed out once
    └── MailUnavailableError            mail-unavailable            503  a message that must go now did not

Bad arguments to the store (an unknown purpose, a raw private key where a reference belongs) raise
``vc.errors.MalformedValueError`` / ``vc.errors.RangeValueError`` like the rest of the code base.
Database exceptions are translated at the store boundary with ``raise ... from``.
"""

from __future__ import annotations

from vc.errors import DiplomatError

PROBLEMS = "https://diplomat.example/problems/"


class StoreError(DiplomatError):
    problem_type = PROBLEMS + "store-failure"
    code = -500
    status = 500
    title = "Storage failure"


class StoreUnavailableError(StoreError):
    problem_type = PROBLEMS + "store-unavailable"
    code = -503
    status = 503
    title = "Storage temporarily unavailable"


class NotFoundError(DiplomatError):
    problem_type = PROBLEMS + "not-found"
    code = -404
    status = 404
    title = "Not found"


class ConflictError(DiplomatError):
    problem_type = PROBLEMS + "conflict"
    code = -409
    status = 409
    title = "Conflict"


class DuplicateCredentialError(ConflictError):
    problem_type = PROBLEMS + "duplicate-credential"
    title = "A credential with this diploma number already exists"

    def __init__(
        self,
        detail: str,
        *,
        issuer_id: int,
        diploma_number: str,
        pointer: str | None = None,
    ) -> None:
        super().__init__(detail, pointer=pointer)
        self.issuer_id = issuer_id
        self.diploma_number = diploma_number


class DuplicateError(ConflictError):
    problem_type = PROBLEMS + "duplicate"
    title = "Already exists"


class IrreversibleStatusError(ConflictError):
    problem_type = PROBLEMS + "irreversible-status"
    title = "Revocation cannot be undone"


class PossibleDuplicateDegreeError(ConflictError):
    problem_type = PROBLEMS + "possible-duplicate-degree"
    title = "This student number already holds a degree of this programme"


class StaleStatusListError(ConflictError):
    problem_type = PROBLEMS + "stale-status-list"
    title = "Status list changed while it was being signed"


class InvalidTokenError(DiplomatError):
    problem_type = PROBLEMS + "invalid-token"
    code = -401
    status = 401
    title = "Invalid or revoked token"


class ShareLinkGoneError(DiplomatError):
    problem_type = PROBLEMS + "share-link-gone"
    code = -410
    status = 410
    title = "Share link no longer valid"


class ShareLinkExpiredError(ShareLinkGoneError):
    problem_type = PROBLEMS + "share-link-expired"
    title = "Share link expired"


class ShareLinkRevokedError(ShareLinkGoneError):
    problem_type = PROBLEMS + "share-link-revoked"
    title = "Share link revoked"


class ClaimLinkGoneError(DiplomatError):
    problem_type = PROBLEMS + "claim-link-gone"
    code = -410
    status = 410
    title = "Claim link no longer valid"


class ClaimLinkExpiredError(ClaimLinkGoneError):
    problem_type = PROBLEMS + "claim-link-expired"
    title = "Claim link expired"


class ClaimLinkReplacedError(ClaimLinkGoneError):
    problem_type = PROBLEMS + "claim-link-replaced"
    title = "Claim link replaced by a newer one"


class ClaimLinksTakenError(DiplomatError):
    problem_type = PROBLEMS + "claim-links-taken"
    code = -410
    status = 410
    title = "Claim links already handed out"


class MailUnavailableError(DiplomatError):
    """A message that must be delivered now (a wallet's transaction code) was not accepted by
    the mail server; nothing that depended on it was made."""

    problem_type = PROBLEMS + "mail-unavailable"
    code = -503
    status = 503
    title = "Mail could not be sent"
