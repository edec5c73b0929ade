"""The claim-link and outbox repositories on SQLite and PostgreSQL: a link replaced or expired is
dead, a batch's tokens are handed out once, a message is leased to one sender at a time, and a
holder secret kept by migration 0001 survives the upgrade to 0002 as a claim link."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from issuer.errors import (
    ClaimLinkExpiredError,
    ClaimLinkReplacedError,
    ClaimLinksTakenError,
    InvalidTokenError,
    NotFoundError,
)
from issuer.store import NewClaim, NewCredential, Store, new_token, open_store
from issuer.store.engine import WRITE, migration_config
from issuer.store.outbox import Outcome
from vc.errors import MalformedValueError

NewCredentialFactory = Callable[..., NewCredential]


def stored(store: Store, new_credential: NewCredentialFactory, **overrides: Any) -> NewCredential:
    new = new_credential(**overrides)
    store.credentials.insert_credential(new)
    return new


def test_a_new_link_replaces_the_old_and_expiry_kills_it(
    store: Store, new_credential: NewCredentialFactory, clock: Any
) -> None:
    credential = stored(store, new_credential)
    first, second = new_token(), new_token()
    store.claims.create_links([NewClaim(credential.id, first, clock.now + timedelta(days=2))])
    assert store.claims.open_link(first).opened_at == clock.now
    store.claims.create_links([NewClaim(credential.id, second, clock.now + timedelta(days=2))])
    with pytest.raises(ClaimLinkReplacedError):
        store.claims.open_link(first)
    with pytest.raises(ClaimLinkReplacedError):
        store.claims.check_link(credential.id, first)
    assert store.claims.check_link(credential.id, second).replaced_at is None
    with pytest.raises(InvalidTokenError):
        store.claims.check_link("urn:uuid:other", second)
    clock.advance(days=2)
    with pytest.raises(ClaimLinkExpiredError):
        store.claims.open_link(second)
    for unknown in (new_token(), "short", ""):
        with pytest.raises(NotFoundError):
            store.claims.open_link(unknown)
    with pytest.raises(NotFoundError):
        store.claims.create_links([NewClaim("urn:uuid:ghost", new_token(), None)])
    with pytest.raises(MalformedValueError):
        store.claims.create_links([NewClaim(credential.id, second, None)])  # token in use


def test_a_batchs_tokens_are_handed_out_once_and_resuming_makes_no_second_link(
    store: Store, new_credential: NewCredentialFactory, issuer: Any
) -> None:
    batch = store.batches.create_batch(issuer.id, "test", 2, "digest")
    credentials = [stored(store, new_credential, batch_id=batch.id) for _ in range(2)]
    claims = [
        NewClaim(c.id, new_token(), None, email=f"g{n}@x.example", batch_id=batch.id,
                 row_number=n, pending=True, mail_url=f"https://u.example/claim/{n}")
        for n, c in enumerate(credentials, 1)
    ]  # fmt: skip
    assert len(store.claims.create_links(claims)) == 2
    again = [NewClaim(c.credential_id, new_token(), None, batch_id=batch.id,
                      row_number=c.row_number, pending=True) for c in claims]  # fmt: skip
    assert store.claims.create_links(again, resume=True) == []
    peeked = store.claims.pending_links(batch.id, take=False)
    assert [p.token for p in peeked] == [c.token for c in claims]
    taken = store.claims.pending_links(batch.id, take=True)
    assert [p.token for p in taken] == [c.token for c in claims]
    with pytest.raises(ClaimLinksTakenError):
        store.claims.pending_links(batch.id, take=True)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT token_hash, pending_token FROM claim_links")).all()
    assert sorted(rows) == sorted(
        (hashlib.sha256(c.token.encode()).hexdigest(), None) for c in claims
    )
    assert store.outbox.counts(batch.id)["queued"] == 2


def test_a_message_is_leased_to_one_sender_and_its_outcome_recorded(
    store: Store, new_credential: NewCredentialFactory, clock: Any
) -> None:
    credential = stored(store, new_credential)
    store.claims.create_links(
        [NewClaim(credential.id, new_token(), None, email="g@x.example", mail_url="https://u/c")]
    )
    [leased] = store.outbox.lease_due(10, timedelta(minutes=5))
    assert leased.state == "sending"
    assert store.outbox.lease_due(10, timedelta(minutes=5)) == [], "held by the first sender"
    retry_at = clock.now + timedelta(minutes=1)
    [queued] = store.outbox.record_outcomes([Outcome(leased.id, False, "421 busy", retry_at)])
    assert (queued.state, queued.attempts, queued.last_error) == ("queued", 1, "421 busy")
    assert store.outbox.record_outcomes([Outcome(leased.id, True, "250")]) == [], "not leased"
    assert store.outbox.lease_due(10, timedelta(minutes=5)) == [], "not due yet"
    clock.advance(minutes=1)
    [again] = store.outbox.lease_due(10, timedelta(minutes=5))
    clock.advance(minutes=6)  # the sender died: its lease ran out, another one takes over
    [taken_over] = store.outbox.lease_due(10, timedelta(minutes=5))
    assert taken_over.id == again.id
    [sent] = store.outbox.record_outcomes([Outcome(again.id, True, "250 accepted")])
    assert (sent.state, sent.attempts, sent.claim_url) == ("sent", 2, None)
    assert store.outbox.counts() == {"queued": 0, "sending": 0, "sent": 1, "failed": 0}


def test_holder_secrets_survive_the_upgrade_as_claim_links(db_url: str) -> None:
    store = open_store(db_url, migrate=False)
    try:
        with store.engine.execution_options(**{WRITE: True}).begin() as conn:
            command.upgrade(migration_config(conn), "0001")
        with store.engine.execution_options(**{WRITE: True}).begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO issuers (id, did, name, domain, country, created_at) VALUES "
                    "(1, 'did:web:u.example', 'U', 'u.example', 'KZ', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO credentials (id, issuer_id, diploma_number, subject_name, "
                    "achievement_type, credential_json, revoked, suspended, created_at) VALUES "
                    "('urn:uuid:c1', 1, 'D-1', 'A', 'BachelorDegree', '{}', false, false, "
                    "CURRENT_TIMESTAMP)"
                )
            )
            secret = new_token()
            conn.execute(
                sa.text("INSERT INTO holder_secrets VALUES ('urn:uuid:c1', :h, CURRENT_TIMESTAMP)"),
                {"h": hashlib.sha256(secret.encode()).hexdigest()},
            )  # fmt: skip
        with store.engine.execution_options(**{WRITE: True}).begin() as conn:
            command.upgrade(migration_config(conn), "head")
        assert store.sharing.check_holder_secret("urn:uuid:c1", secret) is None
        assert store.claims.open_link(secret).expires_at is None
        with store.engine.execution_options(**{WRITE: True}).begin() as conn:
            command.downgrade(migration_config(conn), "0001")
            kept = conn.execute(sa.text("SELECT token_hash FROM holder_secrets")).scalars().all()
        assert kept == [hashlib.sha256(secret.encode()).hexdigest()]
    finally:
        store.close()
