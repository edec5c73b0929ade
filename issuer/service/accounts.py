"""Console users (argon2id passwords) and API bearer tokens (only their SHA-256 stored)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from issuer.errors import InvalidTokenError, NotFoundError
from issuer.service.base import IssuerContext
from issuer.store import ApiToken, Role, User, new_token
from issuer.store.interfaces import Accounts
from vc.errors import MalformedValueError, RangeValueError

ROLES = ("registrar", "admin")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
_HASHER = PasswordHasher()  # argon2id, RFC 9106 "second recommended" parameters (64 MiB)


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so both answers cost the same work."""
    return _HASHER.hash("diplomat: no such user, constant work")


def _role(role: str) -> Role:
    if role == "registrar":
        return "registrar"
    if role == "admin":
        return "admin"
    raise MalformedValueError(f"role must be one of {', '.join(ROLES)}", pointer="/role")


class AccountService:
    """create_user, authenticate, create_api_token, authenticate_token, revoke_api_token."""

    def __init__(self, ctx: IssuerContext, accounts: Accounts) -> None:
        self._ctx = ctx
        self._accounts = accounts

    def create_user(
        self, username: str, password: str, role: str, *, actor: str = "system"
    ) -> User:
        """Add a console user; the password is stored as an argon2id hash only.

        Raises RangeValueError for a password shorter than 12 characters, MalformedValueError
        for an unknown role or empty username, DuplicateError for a taken username.
        """
        checked = _role(role)
        if not isinstance(username, str) or not username.strip():
            raise MalformedValueError("username must not be empty", pointer="/username")
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
            raise RangeValueError(
                f"the password must have at least {MIN_PASSWORD_CHARS} characters",
                pointer="/password",
            )
        if len(password) > MAX_PASSWORD_CHARS:
            raise RangeValueError("the password is too long", pointer="/password")
        user = self._accounts.create_user(username.strip(), _HASHER.hash(password), checked)
        self._ctx.audit(actor, "user.create", user.username, {"role": checked})
        return user

    def authenticate(self, username: str, password: str) -> User:
        """The user whose password this is. Raises InvalidTokenError (401) otherwise, after the
        same argon2 work whether or not the user exists."""
        try:
            user = self._accounts.get_user(username) if isinstance(username, str) else None
        except NotFoundError:
            user = None
        stored = user.password_hash if user is not None else _dummy_hash()
        try:
            _HASHER.verify(stored, password if isinstance(password, str) else "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise InvalidTokenError("wrong username or password") from None
        if user is None:
            raise InvalidTokenError("wrong username or password")
        if _HASHER.check_needs_rehash(stored):
            user = self._accounts.set_password_hash(user.username, _HASHER.hash(password))
        return user

    def create_api_token(self, name: str, role: str, *, actor: str = "system") -> str:
        """A new API bearer token (256 bits). Returned once; only its SHA-256 is stored."""
        checked = _role(role)
        token = new_token()
        record = self._accounts.create_api_token(name, token, checked)
        self._ctx.audit(
            actor, "token.create", f"token:{record.id}", {"name": name, "role": checked}
        )
        return token

    def authenticate_token(self, token: str) -> ApiToken:
        """The token's record. Raises InvalidTokenError (401) for unknown or revoked tokens."""
        return self._accounts.authenticate_api_token(token)

    def revoke_api_token(self, token_id: int, *, actor: str) -> ApiToken:
        """Revoke a token (idempotent). Raises NotFoundError."""
        record = self._accounts.revoke_api_token(token_id)
        self._ctx.audit(actor, "token.revoke", f"token:{token_id}", {"name": record.name})
        return record

    def list_api_tokens(self) -> list[ApiToken]:
        return self._accounts.list_api_tokens()
