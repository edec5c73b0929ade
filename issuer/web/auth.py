"""Who is calling: bearer API tokens (roles registrar < admin) and console sessions with CSRF tokens.

API calls carry ``Authorization: Bearer <token>``, checked by ``service.accounts.authenticate_token``:
no or a bad token is 401 with ``WWW-Authenticate: Bearer`` (RFC 6750 §3), a token whose role is
too low is 403. Console users log in with a username and password (``service.accounts.authenticate``,
argon2); the session lives in Flask's signed cookie (HttpOnly, SameSite=Lax, Secure on https)
and carries a CSRF token that every console POST must echo in its ``csrf_token`` field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from issuer.errors import PROBLEMS, NotFoundError
from issuer.web.state import state
from vc.errors import DiplomatError

Role = Literal["registrar", "admin"]
# An admin may do everything a registrar may, and more (the audit log).
_RANK: dict[str, int] = {"registrar": 1, "admin": 2}
SESSION_LIFETIME = timedelta(hours=8)

P = ParamSpec("P")
R = TypeVar("R")


class NotAuthenticatedError(DiplomatError):
    problem_type = PROBLEMS + "not-authenticated"
    code = -401
    status = 401
    title = "Authentication required"


class ForbiddenError(DiplomatError):
    problem_type = PROBLEMS + "forbidden"
    code = -403
    status = 403
    title = "Not allowed"


class CsrfError(ForbiddenError):
    problem_type = PROBLEMS + "csrf"
    title = "Missing or wrong CSRF token"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an API token or a console user."""

    kind: Literal["token", "user"]
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """What the audit log records as "who" (never a secret)."""
        return f"{self.kind}:{self.name}"

    def may(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


def current_principal() -> Principal:
    """The principal a ``require_*`` decorator put on this request."""
    found = g.get("principal")
    if not isinstance(found, Principal):
        raise NotAuthenticatedError("this request is not authenticated")
    return found


# ------------------------------------------------------------------ API tokens


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise NotAuthenticatedError("send an API token: Authorization: Bearer <token>")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticatedError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def authenticate_api(role: Role) -> Principal:
    """Check the bearer token and its role. Raises NotAuthenticatedError / InvalidTokenError
    (401) or ForbiddenError (403)."""
    record = state().service.accounts.authenticate_token(_bearer_token())
    principal = Principal("token", record.name, record.role)
    if not principal.may(role):
        raise ForbiddenError(f"this needs the {role} role; the token has {principal.role}")
    g.principal = principal
    return principal


def require_token(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator: the view runs only for a bearer token with at least ``role``."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            authenticate_api(role)
            return view(*args, **kwargs)

        return wrapper

    return decorate


# ------------------------------------------------------------------ console sessions


def csrf_token() -> str:
    """This session's CSRF token (created on first use, also before login)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Raise CsrfError unless the form echoes this session's CSRF token."""
    expected = session.get("csrf")
    sent = request.form.get("csrf_token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfError("the form is stale or was not sent by this console; reload and retry")


def log_in(username: str, password: str) -> Principal:
    """Check the password (service.accounts.authenticate) and start a fresh session.

    The old session is discarded first, so a session id planted before login is worthless.
    """
    user = state().service.accounts.authenticate(username, password)
    session.clear()
    session["user"] = user.username
    session["role"] = user.role  # informative only: every request reads the role from the store
    session["stamp"] = _session_stamp(user.password_hash)
    session["since"] = datetime.now(UTC).isoformat()
    session["csrf"] = secrets.token_urlsafe(32)
    return Principal("user", user.username, user.role)


def log_out() -> None:
    session.clear()


def _session_stamp(password_hash: str) -> str:
    """What ties a session to the password it was opened with: a keyed digest of the stored
    argon2 hash (it changes with the password; the cookie, signed but readable, learns nothing)."""
    key = current_app.secret_key
    secret = key.encode() if isinstance(key, str) else bytes(key or b"")
    return hmac.new(secret, password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def console_principal() -> Principal | None:
    """The logged-in console user, or None: no session, one older than SESSION_LIFETIME, or one
    whose user was deleted or changed password since it was opened. The role is read from the
    store on every request, never from the cookie, so a demotion takes effect at once."""
    username, stamp, since = session.get("user"), session.get("stamp"), session.get("since")
    if not isinstance(username, str) or not isinstance(stamp, str) or not isinstance(since, str):
        return None
    try:
        started = datetime.fromisoformat(since)
    except ValueError:
        return None
    if datetime.now(UTC) - started > SESSION_LIFETIME:
        session.clear()
        return None
    try:
        user = state().service.store.accounts.get_user(username)
    except NotFoundError:
        session.clear()  # deleted since login
        return None
    if not hmac.compare_digest(stamp, _session_stamp(user.password_hash)):
        session.clear()  # the password changed: every session opened with the old one ends
        return None
    return Principal("user", user.username, user.role)


def require_login(role: Role = "registrar") -> Callable[[Callable[P, Any]], Callable[P, Any]]:
    """Decorator for console views: redirect to the login page when there is no session,
    403 when the user's role is too low, and a CSRF check on every POST."""

    def decorate(view: Callable[P, Any]) -> Callable[P, Any]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
            principal = console_principal()
            if principal is None:
                if request.method != "GET":
                    raise NotAuthenticatedError("log in to the console first")
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if not principal.may(role):
                raise ForbiddenError(f"this needs the {role} role")
            if request.method == "POST":
                check_csrf()
            g.principal = principal
            return view(*args, **kwargs)

        return wrapper

    return decorate


def safe_next(target: str | None) -> str:
    """A post-login redirect target that stays on this site (no open redirect)."""
    default = url_for("console.dashboard")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def redirect_to(target: str) -> WerkzeugResponse:
    return redirect(target, code=303)
