"""Issuer store fixtures: a fresh database per test, SQLite file or PostgreSQL, and row factories.

PostgreSQL tests create ``diplomat_test_<random>`` through the ``test`` database of the server at
127.0.0.1:5432 (user postgres, trust auth) and drop it afterwards; they skip, saying why, when the
server cannot be reached.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pgkit import fresh_postgres_database
from webfixtures import WebEnv, make_env

from issuer.store import Issuer, NewCredential, Store, open_store


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'issuer.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with fresh_postgres_database() as url:
            yield url


class FakeClock:
    """A settable clock for the store (aware UTC)."""

    def __init__(self, start: datetime = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_store(db_url: str, clock: FakeClock) -> Iterator[Callable[..., Store]]:
    """Factory: ``make_store(**open_store_kwargs)`` opens (and migrates) the test database."""
    opened: list[Store] = []

    def factory(**kwargs: Any) -> Store:
        kwargs.setdefault("clock", clock)
        store = open_store(db_url, **kwargs)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    return make_store()


@pytest.fixture
def make_issuer(store: Store) -> Callable[..., Issuer]:
    """Factory: ``make_issuer(**overrides)`` registers an issuer with a unique DID."""

    def factory(**overrides: str) -> Issuer:
        suffix = secrets.token_hex(4)
        fields = {
            "did": f"did:web:uni-{suffix}.example",
            "name": "Al-Farabi Kazakh National University",
            "domain": f"uni-{suffix}.example",
            "country": "KZ",
        }
        fields.update(overrides)
        return store.issuers.create_issuer(**fields)

    return factory


@pytest.fixture
def issuer(make_issuer: Callable[..., Issuer]) -> Issuer:
    return make_issuer()


@pytest.fixture
def new_credential(issuer: Issuer) -> Callable[..., NewCredential]:
    """Factory: ``new_credential(**overrides)`` a signed-looking credential of ``issuer``."""

    def factory(**overrides: Any) -> NewCredential:
        suffix = secrets.token_hex(6)
        base = NewCredential(
            id=f"urn:uuid:{suffix}",
            issuer_id=issuer.id,
            diploma_number=f"KZ-{suffix}",
            subject_name="Әлия Сәрсенбаева",
            achievement_type="BachelorDegree",
            credential_json='{"type": ["VerifiableCredential", "OpenBadgeCredential"]}',
        )
        return replace(base, **overrides)

    return factory


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    """An issuer web app on a fresh SQLite file (webfixtures.make_env), closed after the test."""
    made = make_env(tmp_path)
    yield made
    made.wait_for_batches()
    made.service.close()


@pytest.fixture
def envs() -> Iterator[list[WebEnv]]:
    """Issuer web apps a test makes itself (each with its own settings, e.g. its SMTP server's
    port), closed after it."""
    made: list[WebEnv] = []
    yield made
    for env in made:
        env.close()


@pytest.fixture(scope="module")
def shared_key_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """One did:key issuer per test module (building one costs a second), for modules whose
    tests each issue their own diploma (the wallet protocols)."""
    made = make_env(tmp_path_factory.mktemp("wallets"), did_method="key")
    yield made
    made.service.close()


@pytest.fixture
def key_env(shared_key_env: WebEnv) -> Iterator[WebEnv]:
    """``shared_key_env`` with the clock and the OID4VCI notifier put back after each test."""
    start = shared_key_env.clock.now
    yield shared_key_env
    shared_key_env.clock.now = max(start, datetime.now(UTC).replace(microsecond=0))
    shared_key_env.service.oid4vci.notifier = None
