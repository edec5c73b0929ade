"""Key rotation and retirement, and the key store's files (0600, encrypted PKCS#8)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

from issuer.config import IssuerConfig
from issuer.degree import parse_input
from issuer.errors import ConflictError, NotFoundError
from issuer.keystore import KeyStore
from issuer.service import IssuerService
from issuer.store import open_store
from vc.dids import DidResolver, did_web_url
from vc.errors import CryptographicSecurityError, FetchError, MalformedValueError, ResolutionError
from vc.keys import KeyType
from vc.proofs import verify

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


class FakeClock(Protocol):
    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> datetime: ...


def degree(number: str) -> Any:
    data = json.loads((SAMPLES / "degree.json").read_text(encoding="utf-8"))
    data.update(diploma_number=number, student_number=f"S-{number}", national_level=None)
    return parse_input(data)


def build(tmp_path: Path, clock: FakeClock, did_method: str = "web") -> IssuerService:
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg = IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'issuer.sqlite3'}",
        keys_dir=tmp_path / "keys",
        public_base_url="https://diplomas.kaznu.kz",
    )
    store = open_store(cfg.database_url, clock=clock)
    service = IssuerService(store, KeyStore(cfg.keys_dir), cfg, clock=clock)
    service.identity.init_identity(
        "Al-Farabi Kazakh National University",
        "kaznu.kz",
        "KZ",
        did_method="web" if did_method == "web" else "key",
    )
    return service


def verifies(service: IssuerService, document: dict[str, Any]) -> tuple[bool, str]:
    did = service.context.issuer().did

    def fetch(url: str) -> bytes:
        if url != did_web_url(did):
            raise FetchError(f"nothing at {url}")
        return json.dumps(service.identity.did_document()).encode()

    result = verify(document, resolver=DidResolver(fetch), now=service.context.now())
    return result.verified, "; ".join(e.detail for e in result.errors)


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Any:
    svc = build(tmp_path, clock)
    yield svc
    svc.close()


def test_rotated_key_keeps_verifying_and_retired_key_stops(
    service: IssuerService, clock: FakeClock
) -> None:
    did = service.context.issuer().did
    assert did == "did:web:diplomas.kaznu.kz"
    old = service.issuing.issue_degree(degree("D-1"), actor="a").credential
    old_list, _, _ = service.status.status_list_credential("revocation", 0)
    clock.advance(days=30)

    new_key = service.identity.rotate_key("admin")
    assert new_key.key_id == f"{did}#key-2"
    document = service.identity.did_document()
    assert document["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2"]
    assert [m["id"] for m in document["verificationMethod"]] == document["authentication"]
    new = service.issuing.issue_degree(degree("D-2"), actor="a").credential
    assert new["proof"]["verificationMethod"] == f"{did}#key-2"
    assert verifies(service, old) == (True, "")
    assert verifies(service, new) == (True, "")

    service.identity.retire_key("key-1", "admin")
    assert [m["id"] for m in service.identity.did_document()["verificationMethod"]] == [
        f"{did}#key-2"
    ]
    ok, why = verifies(service, old)
    assert not ok and "key-1" in why
    assert verifies(service, new) == (True, "")
    # The status list signed by the retired key is re-signed with the active one when served.
    assert verifies(service, old_list)[0] is False
    fresh, _, _ = service.status.status_list_credential("revocation", 0)
    assert fresh["proof"]["verificationMethod"] == f"{did}#key-2"
    assert verifies(service, fresh) == (True, "")
    statuses = {k.key_id: k.status for k in service.identity.list_keys()}
    assert statuses == {f"{did}#key-1": "retired", f"{did}#key-2": "active"}
    actions = [e.action for e in service.store.audit.list_audit()]
    assert "key.rotate" in actions and "key.retire" in actions


def test_retired_key_fails_with_a_resolution_error(service: IssuerService) -> None:
    old = service.issuing.issue_degree(degree("D-1"), actor="a").credential
    service.identity.rotate_key("admin")
    service.identity.retire_key(f"{service.context.issuer().did}#key-1", "admin")
    did = service.context.issuer().did
    resolver = DidResolver(lambda url: json.dumps(service.identity.did_document()).encode())
    result = verify(old, resolver=resolver, now=service.context.now())
    assert not result.verified
    assert isinstance(result.errors[0], ResolutionError)
    assert did in result.errors[0].detail


def test_key_refusals_are_typed(service: IssuerService, tmp_path: Path, clock: FakeClock) -> None:
    with pytest.raises(ConflictError):
        service.identity.retire_key("key-1", "admin")  # the active key
    with pytest.raises(NotFoundError):
        service.identity.retire_key("key-9", "admin")
    key_service = build(tmp_path / "k", clock, did_method="key")
    try:
        with pytest.raises(ConflictError):
            key_service.identity.rotate_key("admin")
    finally:
        key_service.close()


def test_rotation_can_change_key_type(service: IssuerService) -> None:
    key = service.identity.rotate_key("admin", key_type=KeyType.P256)
    assert key.key_type == "P-256"
    credential = service.issuing.issue_degree(degree("D-9"), actor="a").credential
    assert credential["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    assert verifies(service, credential) == (True, "")


def test_key_files_are_0600_and_encrypted_with_a_passphrase(tmp_path: Path) -> None:
    plain = KeyStore(tmp_path / "plain")
    ref, key = plain.create()
    path = plain.path(ref)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert KeyStore(tmp_path / "plain").load(ref).public == key.public

    locked = KeyStore(tmp_path / "locked", b"correct horse")
    ref, key = locked.create(KeyType.P256)
    data = locked.path(ref).read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert locked.path(ref).stat().st_mode & 0o777 == 0o600
    assert KeyStore(tmp_path / "locked", b"correct horse").load(ref).public == key.public
    with pytest.raises(CryptographicSecurityError):
        KeyStore(tmp_path / "locked", b"wrong").load(ref)
    with pytest.raises(CryptographicSecurityError):
        KeyStore(tmp_path / "locked").load(ref)
    assert "correct horse" not in repr(locked)


@pytest.mark.parametrize(
    "ref", ["../etc/passwd", "signing-x.pem/../../a", "/abs/signing-1.pem", "signing-nope.pem"]
)
def test_key_references_outside_the_store_are_refused(tmp_path: Path, ref: str) -> None:
    with pytest.raises(MalformedValueError):
        KeyStore(tmp_path).load(ref)
