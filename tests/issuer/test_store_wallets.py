"""issuer.store.wallets on SQLite and PostgreSQL: every secret is spent once, wrong transaction
codes are counted (and committed) until the code dies, nonces and grants expire.

Spawned processes import this module, so it imports no conftest names (tests/conftest.py and
tests/issuer/conftest.py would be ambiguous there); the clock fixture is the store's FakeClock."""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from prockit import PROCESSES, run_processes

from issuer.errors import NotFoundError
from issuer.store import NewCredential, Store, open_store
from issuer.store.tokens import new_token
from issuer.store.wallets import Outcome


@pytest.fixture
def credential_id(store: Store, new_credential: Callable[..., NewCredential]) -> str:
    made = new_credential()
    store.credentials.insert_credential(made)
    return made.id


def test_an_exchange_completes_once_and_expires(
    store: Store, clock: Any, credential_id: str
) -> None:
    handle = new_token()
    grant = store.wallets.create_grant(
        credential_id, "vc-api", handle, expires_at=clock.now + timedelta(minutes=30), challenge="c"
    )
    assert store.wallets.get_grant(handle) == grant
    assert store.wallets.complete_grant(handle).outcome is Outcome.OK
    assert store.wallets.complete_grant(handle).outcome is Outcome.USED
    assert store.wallets.complete_grant(new_token()).outcome is Outcome.UNKNOWN
    late = new_token()
    store.wallets.create_grant(
        credential_id, "vc-api", late, expires_at=clock.now + timedelta(minutes=30)
    )
    clock.advance(minutes=30)
    assert store.wallets.complete_grant(late).outcome is Outcome.EXPIRED
    with pytest.raises(NotFoundError):
        store.wallets.get_grant(new_token())
    with pytest.raises(NotFoundError):
        store.wallets.create_grant(
            "urn:uuid:none", "vc-api", new_token(), expires_at=clock.now + timedelta(minutes=1)
        )


def test_a_code_is_redeemed_once_and_its_token_spent_once(
    store: Store, clock: Any, credential_id: str
) -> None:
    code, access = new_token(), new_token()
    store.wallets.create_grant(
        credential_id, "oid4vci", new_token(), expires_at=clock.now + timedelta(days=7), code=code
    )
    later = clock.now + timedelta(minutes=10)
    first = store.wallets.redeem_code(
        code, None, access_token=access, token_expires_at=later, max_tx_failures=5
    )
    assert first.ok and first.grant is not None and first.grant.redeemed_at == clock.now
    again = store.wallets.redeem_code(
        code, None, access_token=new_token(), token_expires_at=later, max_tx_failures=5
    )
    assert again.outcome is Outcome.USED
    assert store.wallets.peek_access_token(access).outcome is Outcome.OK
    assert store.wallets.spend_access_token(access).outcome is Outcome.OK
    assert store.wallets.spend_access_token(access).outcome is Outcome.USED
    assert store.wallets.spend_access_token(new_token()).outcome is Outcome.UNKNOWN


def test_wrong_transaction_codes_are_counted_until_the_code_dies(
    store: Store, clock: Any, credential_id: str
) -> None:
    code = new_token()
    store.wallets.create_grant(
        credential_id,
        "oid4vci",
        new_token(),
        expires_at=clock.now + timedelta(days=7),
        code=code,
        tx_code="123456",
    )

    def redeem(tx_code: str | None) -> Outcome:
        return store.wallets.redeem_code(
            code,
            tx_code,
            access_token=new_token(),
            token_expires_at=clock.now + timedelta(minutes=10),
            max_tx_failures=3,
        ).outcome

    assert redeem(None) is Outcome.TX_CODE_MISSING
    assert redeem("000000") is Outcome.TX_CODE_WRONG
    assert redeem("000001") is Outcome.TX_CODE_WRONG
    assert redeem("000002") is Outcome.TX_CODE_WRONG  # the third: the code is dead now
    assert redeem("123456") is Outcome.EXPIRED


def test_nonces_are_spent_once_and_expire(store: Store, clock: Any) -> None:
    fresh, stale = new_token(), new_token()
    store.wallets.issue_nonce(fresh, expires_at=clock.now + timedelta(minutes=5))
    store.wallets.issue_nonce(stale, expires_at=clock.now + timedelta(minutes=5))
    assert store.wallets.spend_nonce(fresh) is Outcome.OK
    assert store.wallets.spend_nonce(fresh) is Outcome.USED
    assert store.wallets.spend_nonce(new_token()) is Outcome.UNKNOWN
    assert store.wallets.spend_nonce("short") is Outcome.UNKNOWN
    clock.advance(minutes=5)
    assert store.wallets.spend_nonce(stale) is Outcome.EXPIRED
    # Issuing a nonce a day later drops the long-expired ones.
    clock.advance(days=2)
    store.wallets.issue_nonce(new_token(), expires_at=clock.now + timedelta(minutes=5))
    assert store.wallets.spend_nonce(fresh) is Outcome.UNKNOWN


def _race(url: str, code: str, nonce: str, worker: int, barrier: Barrier, results: Any) -> None:
    """One process: redeem the shared code and spend the shared nonce at the same moment."""
    try:
        store = open_store(url)
        try:
            barrier.wait(timeout=120)
            later = datetime.now(UTC) + timedelta(minutes=10)
            redeemed = store.wallets.redeem_code(
                code, None, access_token=new_token(), token_expires_at=later, max_tx_failures=5
            ).outcome
            spent = store.wallets.spend_nonce(nonce)
            results.put(("ok", worker, redeemed.value, spent.value))
        finally:
            store.close()
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


@pytest.mark.timeout(300)  # spawned processes each import the app and open the database
def test_racing_wallets_redeem_a_code_and_a_nonce_once(
    db_url: str, store: Store, credential_id: str
) -> None:
    code, nonce = new_token(), new_token()
    store.wallets.create_grant(
        credential_id,
        "oid4vci",
        new_token(),
        expires_at=datetime.now(UTC) + timedelta(days=1),
        code=code,
    )
    store.wallets.issue_nonce(nonce, expires_at=datetime.now(UTC) + timedelta(minutes=5))
    reports = run_processes(_race, lambda w, b, r: (db_url, code, nonce, w, b, r))
    assert Counter(report[2] for report in reports) == {"ok": 1, "used": PROCESSES - 1}
    assert Counter(report[3] for report in reports) == {"ok": 1, "used": PROCESSES - 1}
