"""Console users (argon2 hashes) and API bearer tokens (SHA-256 hashes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.errors import (
    DuplicateError,
    InvalidTokenError,
    NotFoundError,
)
from issuer.store.audit import write_audit  # noqa
from issuer.store.checks import check_argon2, check_role, check_text
from issuer.store.database import Database
from issuer.store.models import (
    ApiTokenRow,
    UserRow,
)
from issuer.store.rows import api_token_value, insert_row, user_value
from issuer.store.tokens import hash_token
from issuer.store.values import (
    ApiToken,
    Role,
    User,
)
from vc.errors import MalformedValueError


class AccountRepository:
    """Users and API tokens: never a plain password or token in the database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_user(self, username: str, password_hash: str, role: Role) -> User:
        """Add a console user. ``password_hash`` is the caller's argon2 hash ("$argon2...").

        Raises MalformedValueError for anything that is not an argon2 hash (a plain password must
        never reach the database), DuplicateError for a taken username.
        """
        check_text(username, "username", 255)
        check_argon2(password_hash)
        check_role(role)

        def work(s: Session) -> User:
            if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise DuplicateError(f"user {username} already exists")
            row = UserRow(
                username=username, password_hash=password_hash, role=role, created_at=self._db.now()
            )
            insert_row(s, row, lambda: DuplicateError(f"user {username} already exists"))
            return user_value(row)

        return self._db.write("creating a user", work)

    def get_user(self, username: str) -> User:
        """Raises NotFoundError."""

        def work(s: Session) -> User:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            if row is None:
                raise NotFoundError(f"no user {username}")
            return user_value(row)

        return self._db.read("reading a user", work)

    def get_user_by_id(self, user_id: int) -> User:
        """Raises NotFoundError."""

        def work(s: Session) -> User:
            row = s.get(UserRow, user_id)
            if row is None:
                raise NotFoundError(f"no user {user_id}")
            return user_value(row)

        return self._db.read("reading a user", work)

    def list_users(self) -> list[User]:
        return self._db.read(
            "listing users",
            lambda s: [
                user_value(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))
            ],
        )

    def set_password_hash(self, username: str, password_hash: str) -> User:
        """Replace a user's argon2 hash (password change or rehash). Raises NotFoundError."""
        check_argon2(password_hash)

        def work(s: Session) -> User:
            row = s.scalars(
                select(UserRow).where(UserRow.username == username).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"no user {username}")
            row.password_hash = password_hash
            return user_value(row)

        return self._db.write("changing a password", work)

    def create_api_token(self, name: str, token: str, role: Role) -> ApiToken:
        """Register an API token (a ``new_token()``); only its SHA-256 is stored."""
        check_text(name, "name", 255)
        check_role(role)
        token_hash = hash_token(token)

        def work(s: Session) -> ApiToken:
            if s.scalar(select(ApiTokenRow.id).where(ApiTokenRow.token_hash == token_hash)):
                raise DuplicateError("token already registered")
            row = ApiTokenRow(
                name=name,
                token_hash=token_hash,
                role=role,
                created_at=self._db.now(),
                last_used_at=None,
                revoked_at=None,
            )
            insert_row(s, row, lambda: DuplicateError("token already registered"))
            return api_token_value(row)

        return self._db.write("creating an API token", work)

    def authenticate_api_token(self, token: str) -> ApiToken:
        """The token's record, stamping last_used_at. Raises InvalidTokenError (unknown/revoked)."""
        try:
            token_hash = hash_token(token)
        except MalformedValueError as exc:
            raise InvalidTokenError("invalid API token") from exc

        def work(s: Session) -> ApiToken:
            row = s.scalars(
                select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash).with_for_update()
            ).first()
            if row is None or row.revoked_at is not None:
                raise InvalidTokenError("invalid or revoked API token")
            row.last_used_at = self._db.now()
            return api_token_value(row)

        return self._db.write("checking an API token", work)

    def revoke_api_token(self, token_id: int) -> ApiToken:
        """Revoke (idempotent). Raises NotFoundError."""

        def work(s: Session) -> ApiToken:
            row = s.get(ApiTokenRow, token_id, with_for_update=True)
            if row is None:
                raise NotFoundError(f"no API token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = self._db.now()
            return api_token_value(row)

        return self._db.write("revoking an API token", work)

    def list_api_tokens(self) -> list[ApiToken]:
        return self._db.read(
            "listing API tokens",
            lambda s: [
                api_token_value(r) for r in s.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
            ],
        )
