"""Argument checks the repositories run before touching the database (no I/O)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from issuer.store.tokens import hash_token
from issuer.store.values import (
    ROLES,
    STATUS_PURPOSES,
    NewCredential,
)
from vc import multibase
from vc.errors import MalformedValueError, RangeValueError


def check_text(value: object, field: str, max_len: int | None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedValueError(f"{field} must be a non-empty string", pointer=f"/{field}")
    if max_len is not None and len(value) > max_len:
        raise RangeValueError(f"{field} is longer than {max_len} characters", pointer=f"/{field}")
    if "\x00" in value:
        raise MalformedValueError(f"{field} contains a NUL character", pointer=f"/{field}")
    return value


def check_new_credential(new: NewCredential) -> None:
    check_text(new.id, "id", 512)
    check_text(new.diploma_number, "diploma_number", 255)
    check_text(new.subject_name, "subject_name", 512)
    check_text(new.achievement_type, "achievement_type", 255)
    check_text(new.credential_json, "credential_json", None)
    if new.student_number is not None:
        check_text(new.student_number, "student_number", 255)
    if new.programme_key is not None:
        check_text(new.programme_key, "programme_key", 512)


def check_row_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedValueError("a row number must be an integer")
    return value


def check_aware(value: object, field: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise MalformedValueError(f"{field} must be a time-zone-aware datetime")
    return value


def check_purpose(purpose: object) -> None:
    if purpose not in STATUS_PURPOSES:
        raise MalformedValueError(f"status purpose must be one of {STATUS_PURPOSES}")


def check_role(role: object) -> None:
    if role not in ROLES:
        raise MalformedValueError(f"role must be one of {ROLES}", pointer="/role")


def check_argon2(password_hash: object) -> None:
    check_text(password_hash, "password_hash", 512)
    if not cast(str, password_hash).startswith("$argon2"):
        raise MalformedValueError("password_hash must be an argon2 hash ($argon2id$...)")


def check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= 1000 or offset < 0:
        raise RangeValueError("limit must be in 1..1000 and offset non-negative")


def lookup_hash(token: str) -> str:
    """Hash a presented token; a malformed one matches nothing rather than being an error."""
    try:
        return hash_token(token)
    except MalformedValueError:
        return "-"  # never a stored hash (those are 64 hex digits)


def check_json(value: Any, field: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise MalformedValueError(f"{field} is not JSON-serialisable: {exc}") from exc
    return value


def check_key_fields(
    key_id: str, key_type: str, public_multikey: str, private_key_ref: str
) -> None:
    check_text(key_id, "key_id", 1024)
    check_text(key_type, "key_type", 64)
    check_text(public_multikey, "public_multikey", 512)
    check_text(private_key_ref, "private_key_ref", 2048)
    if "PRIVATE KEY-----" in private_key_ref and "ENCRYPTED PRIVATE KEY" not in private_key_ref:
        raise MalformedValueError("private_key_ref holds an unencrypted private key")
    stripped = private_key_ref.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "d" in parsed:
            raise MalformedValueError("private_key_ref holds a private JWK")
    if stripped.startswith("z"):
        try:
            raw = multibase.decode_base58btc(stripped, "private_key_ref")
        except MalformedValueError:
            raw = b""
        if raw[:2] in (multibase.ED25519_PRIV, multibase.P256_PRIV, multibase.P384_PRIV):
            raise MalformedValueError("private_key_ref holds a private Multikey")
