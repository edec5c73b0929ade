"""The shared challenge store (verifier.challenges) on a real SQLite file and a real PostgreSQL:
several apps and spawned processes over one database, single use under races, expiry, capacity.

PostgreSQL tests create ``diplomat_verifier_test_<random>`` through the ``test`` database of the
server at 127.0.0.1:5432 (user postgres, trust auth) and drop it afterwards; they skip, saying why,
when the server cannot be reached.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import racekit
import sqlalchemy as sa
import webkit as kit
from flask import Flask
from pgkit import fresh_postgres_database
from prockit import PROCESSES, run_processes

from vc import proofs
from vc.errors import MalformedValueError
from vc.keys import KeyPair
from verifier.challenges import (
    ALREADY_USED,
    EXPIRED,
    NOT_ISSUED,
    SQLITE_SCHEMA,
    ChallengeStore,
    ChallengeStoreUnavailableError,
    ServiceBusyError,
    challenge_hash,
    open_challenge_store,
)
from verifier.config import VerifierConfig, default_database_url
from verifier.web import create_app
from verifier.web.state import EXTENSION

ROUNDS = 25
TTL = racekit.TTL
T0 = 1_778_414_400.0  # 2026-05-10T12:00:00Z


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'verifier.sqlite3'}"
    else:
        with fresh_postgres_database("diplomat_verifier_test") as url:
            yield url


class Clock:
    """A settable wall clock (Unix seconds)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_store(db_url: str) -> Iterator[Callable[..., ChallengeStore]]:
    """Factory: ``make_store(**open_challenge_store_kwargs)`` opens the test database (ttl 300)."""
    opened: list[ChallengeStore] = []

    def factory(**kwargs: Any) -> ChallengeStore:
        kwargs.setdefault("ttl", TTL)
        store = open_challenge_store(db_url, **kwargs)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


def _rows(store: ChallengeStore) -> list[tuple[str, float, bool]]:
    with store.engine.connect() as conn:
        query = sa.text("SELECT challenge_hash, expires_at, used FROM verifier_challenges")
        return [(h, float(e), bool(u)) for h, e, u in conn.execute(query).tuples()]


# --- one store ------------------------------------------------------------------------------------


def test_a_challenge_is_redeemed_once(make_store: Callable[..., ChallengeStore]) -> None:
    store = make_store(clock=Clock())
    challenge, ttl = store.issue()
    assert ttl == TTL
    assert len(challenge) >= 32
    assert store.redeem(challenge) is None
    assert store.redeem(challenge) == ALREADY_USED
    assert store.redeem("never-issued-" + challenge) == NOT_ISSUED
    assert store.redeem("\ud800 a lone surrogate") == NOT_ISSUED


def test_the_table_keeps_the_hash_and_never_the_challenge(
    make_store: Callable[..., ChallengeStore],
) -> None:
    store = make_store(clock=Clock())
    challenge, _ = store.issue()
    rows = _rows(store)
    assert rows == [(challenge_hash(challenge), T0 + TTL, False)]
    assert all(challenge not in str(row) for row in rows)


def test_an_expired_challenge_is_refused_then_purged(
    make_store: Callable[..., ChallengeStore],
) -> None:
    clock = Clock()
    store = make_store(clock=clock)
    challenge, _ = store.issue()
    clock.now = T0 + TTL  # the last moment is already too late: expiry is exclusive
    assert store.redeem(challenge) == EXPIRED
    assert store.redeem(challenge) == EXPIRED  # refusing does not use it up
    fresh, _ = store.issue()  # issuing purges what has expired
    assert [row[0] for row in _rows(store)] == [challenge_hash(fresh)]
    assert store.redeem(challenge) == NOT_ISSUED
    clock.now = T0 + TTL + TTL - 0.001
    assert store.redeem(fresh) is None


def test_used_challenges_are_purged_once_expired(
    make_store: Callable[..., ChallengeStore],
) -> None:
    clock = Clock()
    store = make_store(clock=clock)
    used, _ = store.issue()
    assert store.redeem(used) is None
    clock.now += TTL
    store.issue()
    assert challenge_hash(used) not in [row[0] for row in _rows(store)]


def test_only_open_unexpired_challenges_count_toward_the_bound(
    make_store: Callable[..., ChallengeStore],
) -> None:
    clock = Clock()
    store = make_store(clock=clock, max_items=2)
    first, _ = store.issue()
    store.issue()
    with pytest.raises(ServiceBusyError):
        store.issue()
    assert len(_rows(store)) == 2  # the refused issue stored nothing
    assert store.redeem(first) is None  # a used challenge frees its place
    store.issue()
    with pytest.raises(ServiceBusyError):
        store.issue()
    clock.now += TTL  # and so do expired ones
    store.issue()
    store.issue()


def test_the_bound_and_the_challenges_are_shared_by_stores_on_one_database(
    make_store: Callable[..., ChallengeStore],
) -> None:
    clock = Clock()
    one, two = make_store(clock=clock, max_items=2), make_store(clock=clock, max_items=2)
    made_by_one, _ = one.issue()
    made_by_two, _ = two.issue()
    with pytest.raises(ServiceBusyError):
        one.issue()
    assert two.redeem(made_by_one) is None
    assert one.redeem(made_by_one) == ALREADY_USED
    assert one.redeem(made_by_two) is None


def test_starting_twice_on_one_database_keeps_its_challenges(
    make_store: Callable[..., ChallengeStore],
) -> None:
    challenge, _ = make_store().issue()
    assert make_store().redeem(challenge) is None


# --- configuration and failures -------------------------------------------------------------------


def test_sqlite_file_is_created_with_its_directory_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "var" / "verifier.sqlite3"
    with open_challenge_store(f"sqlite:///{path}", ttl=TTL) as store:
        store.issue()
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()


def test_the_sqlite_table_is_the_one_sqlalchemy_makes(tmp_path: Path) -> None:
    # SQLITE_SCHEMA (sqlite3, no SQLAlchemy at start-up) against SQLAlchemy's own statements.
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateIndex, CreateTable

    from verifier.challengedb import challenges

    dialect = sqlite_dialect.dialect()
    made = [str(CreateTable(challenges).compile(dialect=dialect)).strip()]
    made += [str(CreateIndex(index).compile(dialect=dialect)) for index in challenges.indexes]
    ours = [s.replace(" IF NOT EXISTS", "") for s in SQLITE_SCHEMA]
    assert ours == made
    # and the file it makes is the one SQLAlchemy's create_all would have found ready
    path = tmp_path / "verifier.sqlite3"
    open_challenge_store(f"sqlite:///{path}", ttl=TTL).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        inspector = sa.inspect(engine)
        assert [c["name"] for c in inspector.get_columns("verifier_challenges")] == [
            "challenge_hash",
            "expires_at",
            "used",
        ]
        assert [i["name"] for i in inspector.get_indexes("verifier_challenges")] == [
            "ix_verifier_challenges_expires_at"
        ]
    finally:
        engine.dispose()


def test_a_verifier_on_sqlite_imports_sqlalchemy_only_for_a_challenge(tmp_path: Path) -> None:
    # A worker that only verifies credentials never loads SQLAlchemy, the PDF and image
    # libraries or jwcrypto; the first challenge loads SQLAlchemy, and it works.
    script = f"""
import sys
from verifier.config import VerifierConfig
from verifier.web import create_app
app = create_app(VerifierConfig(database_url="sqlite:///{tmp_path / "v.sqlite3"}"))
client = app.test_client()
assert client.get("/readyz").status_code == 200
heavy = ("sqlalchemy", "fpdf", "PIL", "qrcode", "zxingcpp", "jwcrypto", "jsonschema")
print(sorted(m for m in heavy if m in sys.modules))
answer = client.post("/challenges")
print(answer.status_code, "sqlalchemy" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == ["[]", "200 True"], done.stderr


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "postgresql+asyncpg://u@h/db", "::"],
)
def test_unusable_database_urls_are_refused(url: str) -> None:
    with pytest.raises(MalformedValueError, match="DIPLOMAT_VERIFIER_DATABASE_URL"):
        open_challenge_store(url, ttl=TTL)


def test_an_unreachable_database_fails_at_start_as_unavailable() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
    with pytest.raises(ChallengeStoreUnavailableError) as caught:
        open_challenge_store(url, ttl=TTL)
    assert caught.value.status == 503
    assert "127.0.0.1" not in caught.value.detail  # the cause is logged, not shown


def test_the_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = "postgresql+psycopg://verifier@db.example/diplomat"
    assert VerifierConfig.from_env({"DIPLOMAT_VERIFIER_DATABASE_URL": url}).database_url == url
    home = VerifierConfig.from_env({"DIPLOMAT_HOME": str(tmp_path)}).database_url
    assert home == f"sqlite:///{tmp_path / 'var' / 'verifier.sqlite3'}"
    assert VerifierConfig.from_env({}).database_url == default_database_url()
    assert VerifierConfig().database_url.endswith("/var/verifier.sqlite3")


# --- two apps over one database -------------------------------------------------------------------


def _presentation(credential: dict[str, Any], signer: KeyPair, challenge: str) -> dict[str, Any]:
    vp = {
        "@context": [kit.VC2],
        "type": ["VerifiablePresentation"],
        "holder": signer.public.did_key,
        "verifiableCredential": [credential],
    }
    return proofs.sign(
        vp,
        signer,
        verification_method=kit.vm(signer),
        created=kit.SIGNED_AT,
        proof_purpose="authentication",
        challenge=challenge,
    )


def _verify(app: Flask, challenge: str) -> tuple[int, dict[str, Any]]:
    vp = _presentation(kit.signed_degree(), kit.HOLDER, challenge)
    response = app.test_client().post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": challenge}},
    )
    body: dict[str, Any] = response.get_json()
    return response.status_code, body


def _challenge(app: Flask) -> str:
    response = app.test_client().post("/challenges")
    assert response.status_code == 200, response.get_data(as_text=True)
    challenge: str = response.get_json()["challenge"]
    return challenge


@pytest.fixture
def two_apps(db_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two verifier apps (as two gunicorn workers would build them) over one database."""
    registry = kit.write_json(tmp_path / "registry.json", kit.signed_registry())
    cfg = kit.config(registry, database_url=db_url)
    apps = [create_app(cfg, context_factory=kit.context_factory(cfg)) for _ in range(2)]
    yield apps[0], apps[1]
    for app in apps:
        app.extensions[EXTENSION].challenges.close()


def test_a_challenge_from_one_app_is_redeemed_once_by_another(
    two_apps: tuple[Flask, Flask],
) -> None:
    a, b = two_apps
    challenge = _challenge(a)
    status, body = _verify(b, challenge)
    assert status == 200, body["problemDetails"]
    assert body["verified"] is True
    assert body["diplomatReport"]["challenge"] == {
        "accepted": True,
        "reason": None,
        "source": "verifier",
    }

    status, body = _verify(a, challenge)
    assert status == 422
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"].endswith("INVALID_CHALLENGE_ERROR")
    assert body["diplomatReport"]["challenge"]["reason"] == ALREADY_USED

    other = _challenge(b)
    assert _verify(a, other)[0] == 200
    assert _verify(b, other)[1]["diplomatReport"]["challenge"]["reason"] == ALREADY_USED


def test_a_full_store_is_a_503_problem(db_url: str, tmp_path: Path) -> None:
    cfg = kit.config(None, database_url=db_url)
    with open_challenge_store(db_url, ttl=TTL, max_items=1) as store:
        app = create_app(cfg, context_factory=kit.context_factory(cfg), challenges=store)
        client = app.test_client()
        assert client.post("/challenges").status_code == 200
        response = client.post("/challenges")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "urn:diplomat:problem:busy"
    assert problem["status"] == 503


# --- processes racing -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_of_eight_processes_redeeming_one_challenge_exactly_one_wins(
    make_store: Callable[..., ChallengeStore], db_url: str
) -> None:
    store = make_store()
    challenges = [store.issue()[0] for _ in range(ROUNDS)]
    reports = run_processes(
        racekit.redeem_all,
        lambda worker, barrier, results: (db_url, challenges, worker, barrier, results),
    )
    for round_ in range(ROUNDS):
        outcomes = [report[2][round_] for report in reports]
        assert outcomes.count(None) == 1, (round_, outcomes)
        assert outcomes.count(ALREADY_USED) == PROCESSES - 1, (round_, outcomes)
    assert all(used for _, _, used in _rows(store))


@pytest.mark.slow
@pytest.mark.timeout(600)  # several processes sharing two cores with the rest of CI
def test_eight_processes_open_a_fresh_database_at_once(
    make_store: Callable[..., ChallengeStore], db_url: str
) -> None:
    reports = run_processes(
        racekit.open_and_issue, lambda worker, barrier, results: (db_url, worker, barrier, results)
    )
    issued = [report[2] for report in reports]
    store = make_store()
    assert sorted(row[0] for row in _rows(store)) == sorted(challenge_hash(c) for c in issued)
    assert all(store.redeem(challenge) is None for challenge in issued)
