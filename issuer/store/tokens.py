"""Bearer secrets for the store: generate them, and hash them (only the SHA-256 is ever stored)."""

from __future__ import annotations

import hashlib
import secrets

from vc.errors import MalformedValueError

TOKEN_BYTES = 32
# token_urlsafe(16) is 22 characters: anything shorter cannot carry 128 bits, and a plain SHA-256
# (no salt, no work factor) is only right for high-entropy secrets.
MIN_TOKEN_CHARS = 22


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    """A fresh URL-safe bearer token with ``nbytes`` bytes of entropy (default 256 bits)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Lower-case hex SHA-256 of the token's UTF-8; raise MalformedValueError for weak tokens."""
    if not isinstance(token, str) or len(token) < MIN_TOKEN_CHARS:
        raise MalformedValueError(
            f"tokens must be strings of at least {MIN_TOKEN_CHARS} characters (use new_token())"
        )
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
