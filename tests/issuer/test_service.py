"""IssuerService: issued degrees verify with the standards core; status, sharing, accounts, audit."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy import text

from issuer.config import IssuerConfig
from issuer.degree import parse_input
from issuer.errors import (
    DuplicateCredentialError,
    InvalidTokenError,
    IrreversibleStatusError,
    NotFoundError,
    ShareLinkExpiredError,
    ShareLinkRevokedError,
)
from issuer.keystore import KeyStore
from issuer.service import IssuerService
from issuer.store import open_store
from vc import jsonld
from vc.dids import DidResolver, did_web_url
from vc.errors import (
    ContextNotAllowedError,
    FetchError,
    MalformedValueError,
    RangeValueError,
    SafeModeError,
)
from vc.keys import KeyType
from vc.proofs import verify
from vc.status import check_status, parse_entry


class FakeClock(Protocol):
    """The settable clock of tests/issuer/conftest.py (its ``clock`` fixture)."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> datetime: ...


SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NQF = ("National Qualifications Framework of the Republic of Kazakhstan", "https://kaznu.kz/nqf")


def sample_input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "degree.json").read_text(encoding="utf-8"))
    data.update(overrides)
    return data


def make_service(
    db_url: str, tmp_path: Path, clock: FakeClock, *, did_method: str = "web", **config: Any
) -> IssuerService:
    cfg = IssuerConfig(
        database_url=db_url,
        keys_dir=tmp_path / "keys",
        spool_dir=tmp_path / "spool",
        nqf_name=NQF[0],
        nqf_url=NQF[1],
        **config,
    )
    store = open_store(db_url, clock=clock)
    service = IssuerService(store, KeyStore(cfg.keys_dir, cfg.key_passphrase), cfg, clock=clock)
    if did_method:
        service.identity.init_identity(
            "Al-Farabi Kazakh National University",
            "kaznu.kz",
            "KZ",
            did_method="web" if did_method == "web" else "key",
        )
    return service


def resolver_for(service: IssuerService) -> DidResolver:
    """A DID resolver whose did:web fetch serves the service's current DID document."""
    did = service.context.issuer().did

    def fetch(url: str) -> bytes:
        if did.startswith("did:web:") and url == did_web_url(did):
            return json.dumps(service.identity.did_document()).encode()
        raise FetchError(f"nothing served at {url}")

    return DidResolver(fetch)


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Any:
    svc = make_service(f"sqlite:///{tmp_path / 'issuer.sqlite3'}", tmp_path, clock)
    yield svc
    svc.close()


def status_of(service: IssuerService, credential: dict[str, Any], purpose: str) -> bool:
    """Read the credential's bit through the signed status list credential, checking its proof."""
    entries = [parse_entry(e) for e in credential["credentialStatus"]]
    entry = next(e for e in entries if e.purpose == purpose)
    number = int(entry.list_credential.rsplit("/", 1)[1])
    document, _, _ = service.status.status_list_credential(purpose, number)
    assert document["id"] == entry.list_credential
    assert document["issuer"] == service.context.issuer().did
    result = verify(document, resolver=resolver_for(service), now=service.context.now())
    assert result.verified, result.errors
    return check_status(entry, document, expected_issuer=service.context.issuer().did).set


def test_did_web_degree_verifies_with_the_core(service: IssuerService) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="registrar:alice")
    credential = issued.credential
    assert credential["issuer"]["id"] == service.context.issuer().did == "did:web:127.0.0.1%3A8001"
    assert credential["id"] == issued.credential_id
    assert credential["id"].startswith("http://127.0.0.1:8001/credentials/")
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["verificationMethod"] == f"{service.context.issuer().did}#key-1"
    assert credential["credentialSchema"][0]["id"] == (
        "http://127.0.0.1:8001/schemas/degree-credential.schema.json"
    )
    result = verify(credential, resolver=resolver_for(service), now=service.context.now())
    assert result.verified, result.errors
    stored = service.issuing.credential_document(issued.credential_id)
    assert stored == credential
    purposes = sorted(e["statusPurpose"] for e in credential["credentialStatus"])
    assert purposes == ["revocation", "suspension"]


def test_tampered_degree_does_not_verify(service: IssuerService) -> None:
    credential = service.issuing.issue_degree(parse_input(sample_input()), actor="a").credential
    credential["credentialSubject"]["name"] = "Someone Else"
    assert not verify(
        credential, resolver=resolver_for(service), now=service.context.now()
    ).verified


def test_did_key_issuer_degree_verifies_offline(tmp_path: Path, clock: FakeClock) -> None:
    svc = make_service(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path, clock, did_method="key")
    try:
        credential = svc.issuing.issue_degree(parse_input(sample_input()), actor="a").credential
        assert svc.context.issuer().did.startswith("did:key:z6Mk")
        assert verify(credential, resolver=DidResolver(), now=svc.context.now()).verified
        assert svc.identity.did_document()["id"] == svc.context.issuer().did
    finally:
        svc.close()


def test_p256_issuer_signs_with_ecdsa(tmp_path: Path, clock: FakeClock) -> None:
    from vc.keys import KeyType

    cfg = IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", keys_dir=tmp_path / "keys"
    )
    svc = IssuerService(
        open_store(cfg.database_url, clock=clock), KeyStore(cfg.keys_dir), cfg, clock=clock
    )
    try:
        svc.identity.init_identity("Uni", "uni.example.kz", "kz", key_type=KeyType.P256)
        credential = svc.issuing.issue_degree(
            parse_input(sample_input(national_level=None)), actor="a"
        ).credential
        assert credential["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
        assert verify(credential, resolver=resolver_for(svc), now=svc.context.now()).verified
    finally:
        svc.close()


def test_revoked_degree_shows_revoked_in_the_signed_status_list(service: IssuerService) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    other = service.issuing.issue_degree(
        parse_input(sample_input(diploma_number="ЖБ-Б 2", student_number="KZ-2021-00418")),
        actor="a",
    )
    assert status_of(service, issued.credential, "revocation") is False
    change = service.status.revoke(
        issued.credential_id, "degree obtained by fraud", actor="registrar"
    )
    assert change.changed
    assert status_of(service, issued.credential, "revocation") is True
    assert status_of(service, issued.credential, "suspension") is False
    assert status_of(service, other.credential, "revocation") is False
    with pytest.raises(IrreversibleStatusError):
        service.status.set_status(
            issued.credential_id, "revocation", False, "oops", actor="registrar"
        )
    assert service.issuing.get_credential(issued.credential_id).revoked


def test_suspended_then_reinstated_shows_not_suspended(service: IssuerService) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    service.status.suspend(issued.credential_id, "under investigation", actor="registrar")
    assert status_of(service, issued.credential, "suspension") is True
    service.status.reinstate(issued.credential_id, "cleared", actor="registrar")
    assert status_of(service, issued.credential, "suspension") is False
    assert status_of(service, issued.credential, "revocation") is False
    actions = [e.action for e in service.store.audit.list_audit(target=issued.credential_id)]
    assert "status.suspension.set" in actions and "status.suspension.clear" in actions


def test_status_list_is_resigned_only_after_a_change(
    service: IssuerService, clock: FakeClock
) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    first, etag1, _ = service.status.status_list_credential("revocation", 0)
    clock.advance(minutes=5)
    again, etag2, _ = service.status.status_list_credential("revocation", 0)
    assert (again, etag2) == (first, etag1)
    service.status.revoke(issued.credential_id, "error in the record", actor="registrar")
    clock.advance(minutes=5)
    changed, etag3, _ = service.status.status_list_credential("revocation", 0)
    assert etag3 != etag1
    assert changed["proof"]["created"] != first["proof"]["created"]
    assert changed["credentialSubject"]["ttl"] == 300_000


def test_status_errors_are_typed(service: IssuerService) -> None:
    with pytest.raises(NotFoundError):
        service.status.status_list_credential("revocation", 7)
    with pytest.raises(NotFoundError):
        service.status.status_list_credential("message", 0)
    with pytest.raises(NotFoundError):
        service.status.revoke("http://127.0.0.1:8001/credentials/none", "x", actor="a")
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    with pytest.raises(MalformedValueError):
        service.status.set_status(issued.credential_id, "refresh", True, "x", actor="a")
    with pytest.raises(MalformedValueError):
        service.status.revoke(issued.credential_id, "  ", actor="a")


def test_same_diploma_number_is_not_issued_twice(service: IssuerService) -> None:
    first = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    with pytest.raises(DuplicateCredentialError) as caught:
        service.issuing.issue_degree(parse_input(sample_input(full_name="Another Name")), actor="a")
    assert first.credential_id in caught.value.detail
    assert service.store.credentials.count_credentials(service.context.issuer().id) == 1


def test_management_token_is_stored_only_hashed(service: IssuerService) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    assert issued.management_url is not None
    token = issued.management_url.rsplit("token=", 1)[1]
    assert len(token) >= 22
    service.store.sharing.check_holder_secret(issued.credential_id, token)
    with service.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM claim_links")).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def minimal_vc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:student", "name": "Aliya"},
    }
    doc.update(overrides)
    return doc


def test_vc_api_issue_completes_and_signs(service: IssuerService) -> None:
    signed = service.issuing.issue_credential(minimal_vc(), actor="token:1")
    assert signed["issuer"] == service.context.issuer().did
    assert "validFrom" in signed and signed["id"].startswith("http://127.0.0.1:8001/credentials/")
    assert len(signed["credentialStatus"]) == 2
    assert verify(signed, resolver=resolver_for(service), now=service.context.now()).verified
    stored = service.issuing.get_credential(signed["id"])
    assert stored.diploma_number == signed["id"]
    v1 = service.issuing.issue_credential(
        {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": {"id": service.context.issuer().did},
            "credentialSubject": {"id": "did:example:other"},
        },
        actor="token:1",
    )
    assert verify(v1, resolver=resolver_for(service), now=service.context.now()).verified


def test_vc_1_1_issue_needs_no_unassigned_context(service: IssuerService) -> None:
    v1 = service.issuing.issue_credential(
        {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:other"},
        },
        actor="token:1",
    )
    urls = [c for c in v1["@context"] if isinstance(c, str)]
    assert urls == [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    assert not any("credentials/status" in url for url in urls)

    def other_processor(url: str, options: Any = None) -> dict[str, Any]:
        # A processor that knows only the assigned context URLs (as the W3C suites' loaders).
        if url.startswith("https://www.w3.org/ns/credentials/status/"):
            raise ContextNotAllowedError(f"unknown context {url}")
        return jsonld.default_loader()(url, options)

    expanded = json.dumps(jsonld.expand(v1, other_processor))
    for term in ("BitstringStatusListEntry", "statusListIndex", "statusListCredential"):
        assert f"https://www.w3.org/ns/credentials/status#{term}" in expanded
    assert verify(v1, resolver=resolver_for(service), now=service.context.now()).verified


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (minimal_vc(type=["OpenBadgeCredential"]), MalformedValueError),
        (minimal_vc(issuer="did:web:someone-else.example"), MalformedValueError),
        (minimal_vc(credentialSubject={}), MalformedValueError),
        (minimal_vc(validFrom="yesterday"), MalformedValueError),
        (minimal_vc(proof={"type": "DataIntegrityProof"}), MalformedValueError),
        (minimal_vc(credentialStatus={"type": "X"}), MalformedValueError),
        (minimal_vc(**{"@context": ["https://example.org/ctx"]}), MalformedValueError),
        (minimal_vc(favouriteColour="blue"), SafeModeError),
        (
            minimal_vc(
                **{"@context": ["https://www.w3.org/ns/credentials/v2", "https://x.test/c"]}
            ),
            ContextNotAllowedError,
        ),
    ],
)
def test_vc_api_issue_refuses_non_conforming_credentials(
    service: IssuerService, bad: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        service.issuing.issue_credential(bad, actor="token:1")
    assert service.store.credentials.count_credentials(service.context.issuer().id) == 0


def test_share_link_opens_counts_and_dies(service: IssuerService, clock: FakeClock) -> None:
    import zxingcpp
    from PIL import Image

    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="a")
    assert issued.management_url is not None
    token = issued.management_url.rsplit("token=", 1)[1]
    with pytest.raises(InvalidTokenError):
        service.sharing.create_share_link(issued.credential_id, management_token="x" * 43)
    link, share_token, share_url = service.sharing.create_share_link(
        issued.credential_id, management_token=token, expires_at=clock.now + timedelta(days=1)
    )
    assert share_url == f"http://127.0.0.1:8001/share/{share_token}"
    assert service.sharing.open_share(share_token).id == issued.credential_id
    assert service.sharing.open_share(share_token).id == issued.credential_id
    views = service.sharing.list_share_links(issued.credential_id, actor="registrar")[0].view_count
    assert views == 2

    png = service.sharing.share_qr_png(share_token)
    import io

    decoded = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [d.text for d in decoded] == [service.sharing.verifier_link(share_token)]
    assert service.sharing.verifier_link(share_token).startswith(
        "http://127.0.0.1:8002/verify?url=http%3A%2F%2F127.0.0.1%3A8001%2Fshare%2F"
    )
    assert service.sharing.share_qr_svg(share_token).lstrip().startswith(b"<?xml")

    clock.advance(days=2)
    with pytest.raises(ShareLinkExpiredError):
        service.sharing.open_share(share_token)
    _, second, _ = service.sharing.create_share_link(issued.credential_id, actor="registrar:bob")
    service.sharing.revoke_share_link(issued.credential_id, link.id + 1, actor="registrar:bob")
    with pytest.raises(ShareLinkRevokedError):
        service.sharing.open_share(second)
    with pytest.raises(NotFoundError):
        service.sharing.open_share("nonexistent-token-nonexistent-token")
    with pytest.raises(MalformedValueError):
        service.sharing.create_share_link(issued.credential_id)


def test_users_and_api_tokens(service: IssuerService) -> None:
    user = service.accounts.create_user(
        "registrar1", "correct horse battery", "registrar", actor="admin"
    )
    assert user.password_hash.startswith("$argon2id$")
    assert service.accounts.authenticate("registrar1", "correct horse battery").id == user.id
    with pytest.raises(InvalidTokenError):
        service.accounts.authenticate("registrar1", "wrong password!!")
    with pytest.raises(InvalidTokenError):
        service.accounts.authenticate("nobody", "correct horse battery")
    with pytest.raises(RangeValueError):
        service.accounts.create_user("short", "short", "registrar")
    with pytest.raises(MalformedValueError):
        service.accounts.create_user("x", "long enough password", "root")

    token = service.accounts.create_api_token("sis-sync", "registrar", actor="admin")
    assert service.accounts.authenticate_token(token).name == "sis-sync"
    with pytest.raises(InvalidTokenError):
        service.accounts.authenticate_token(token[:-2] + "xx")
    record = service.accounts.list_api_tokens()[0]
    service.accounts.revoke_api_token(record.id, actor="admin")
    with pytest.raises(InvalidTokenError):
        service.accounts.authenticate_token(token)
    with service.store.engine.connect() as conn:
        hashes = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]


def test_audit_log_names_actor_and_never_holds_secrets(service: IssuerService) -> None:
    issued = service.issuing.issue_degree(parse_input(sample_input()), actor="registrar:alice")
    token = service.accounts.create_api_token("sync", "admin", actor="admin:bob")
    service.status.revoke(issued.credential_id, "fraud", actor="registrar:alice")
    entries = service.store.audit.list_audit(limit=100)
    by_action = {e.action: e for e in entries}
    assert by_action["credential.issue"].actor == "registrar:alice"
    assert by_action["token.create"].actor == "admin:bob"
    assert by_action["status.revocation.set"].target == issued.credential_id
    assert "issuer.init" in by_action
    secrets_ = [token, (issued.management_url or "").rsplit("token=", 1)[1]]
    dumped = json.dumps([(e.actor, e.target, dict(e.details)) for e in entries])
    assert all(secret not in dumped for secret in secrets_)


def test_service_refuses_work_before_init(tmp_path: Path, clock: FakeClock) -> None:
    svc = make_service(f"sqlite:///{tmp_path / 'e.sqlite3'}", tmp_path, clock, did_method="")
    try:
        with pytest.raises(NotFoundError):
            svc.issuing.issue_degree(parse_input(sample_input()), actor="a")
        with pytest.raises(MalformedValueError):
            svc.identity.init_identity("Uni", "not a domain", "KZ")
        with pytest.raises(MalformedValueError):
            svc.identity.init_identity("Uni", "uni.kz", "Kazakhstan")
        svc.identity.init_identity("Uni", "https://uni.kz/", "KZ")
        assert svc.context.issuer_profile().url == "https://uni.kz"
        from issuer.errors import ConflictError

        with pytest.raises(ConflictError):
            svc.identity.init_identity("Uni", "uni.kz", "KZ")
    finally:
        svc.close()


def test_config_from_env(tmp_path: Path) -> None:
    cfg = IssuerConfig.from_env(
        {
            "DIPLOMAT_HOME": str(tmp_path),
            "DIPLOMAT_ISSUER_BASE_URL": "https://diplomas.kaznu.kz/",
            "DIPLOMAT_KEY_PASSPHRASE": "s3cret",
            "DIPLOMAT_MAX_UPLOAD_BYTES": "1000",
        }
    )
    assert cfg.database_url == f"sqlite:///{tmp_path / 'var' / 'issuer.sqlite3'}"
    assert cfg.keys_dir == tmp_path / "keys"
    assert cfg.public_base_url == "https://diplomas.kaznu.kz"
    assert cfg.key_passphrase == b"s3cret"
    assert cfg.max_upload_bytes == 1000
    secret = cfg.ensure_secret_key()
    assert cfg.ensure_secret_key() == secret
    assert (tmp_path / "keys" / "secret_key").stat().st_mode & 0o777 == 0o600
    bad: list[dict[str, str]] = [
        {"DIPLOMAT_ISSUER_BASE_URL": "ftp://x"},
        {"DIPLOMAT_MAX_BATCH_ROWS": "many"},
        {"DIPLOMAT_STATUS_LIST_TTL": "0"},
        {"DIPLOMAT_NQF_NAME": "NQF"},
    ]
    for env in bad:
        with pytest.raises((MalformedValueError, RangeValueError)):
            IssuerConfig.from_env(env)


@pytest.mark.parametrize(
    ("overrides", "section"),
    [
        ({"issuer": None}, "VC-DM 2.0 §4.7 Issuer"),
        ({"termsOfUse": {"id": "https://example.org/policy"}}, "VC-DM 2.0 §5.5 Terms of Use"),
        ({"evidence": {"id": "https://example.org/evidence"}}, "VC-DM 2.0 §5.6 Evidence"),
        ({"refreshService": {"id": "https://example.org/refresh"}}, "VC-DM 2.0 §5.4 Refreshing"),
        ({"credentialSchema": {"id": "https://example.org/s.json"}}, "VC-DM 2.0 §4.11"),
        ({"relatedResource": ["https://www.w3.org/ns/credentials/v2"]}, "VC-DM 2.0 §5.3"),
        ({"credentialStatus": {"id": "https://example.org/status/1"}}, "VC-DM 2.0 §4.10"),
    ],
)
def test_vc_api_issue_refuses_data_model_errors_naming_the_section(
    service: IssuerService, overrides: dict[str, Any], section: str
) -> None:
    with pytest.raises(MalformedValueError) as caught:
        service.issuing.issue_credential(minimal_vc(**overrides), actor="token:1")
    assert caught.value.detail.startswith(section)
    assert service.store.credentials.count_credentials(service.context.issuer().id) == 0


def test_vc_api_issue_keeps_a_well_formed_caller_status_entry(service: IssuerService) -> None:
    theirs = {
        "id": "https://registry.example/status/7#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://registry.example/status/7",
    }
    signed = service.issuing.issue_credential(minimal_vc(credentialStatus=theirs), actor="token:1")
    entries = signed["credentialStatus"]
    assert entries[0] == theirs
    ours = [
        e for e in entries[1:] if e["statusListCredential"].startswith(service.context.base_url)
    ]
    assert sorted(e["statusPurpose"] for e in ours) == ["revocation", "suspension"]
    assert verify(signed, resolver=resolver_for(service), now=service.context.now()).verified
    # A BitstringStatusListEntry that breaks Bitstring Status List §2.1 is refused.
    with pytest.raises(MalformedValueError):
        service.issuing.issue_credential(
            minimal_vc(credentialStatus={**theirs, "statusListIndex": "-1"}), actor="token:1"
        )


@pytest.mark.parametrize(
    ("key_type", "suites"),
    [
        (KeyType.P384, ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")),
        (KeyType.P256, ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")),
        (KeyType.ED25519, ("eddsa-rdfc-2022", "eddsa-jcs-2022")),
    ],
)
def test_vc_api_issues_every_cryptosuite_of_the_key(
    tmp_path: Path, clock: FakeClock, key_type: KeyType, suites: tuple[str, ...]
) -> None:
    service = make_service(f"sqlite:///{tmp_path / 'i.sqlite3'}", tmp_path, clock, did_method="")
    try:
        service.identity.init_identity(
            "Uni", "uni.example", "KZ", key_type=key_type, did_method="key"
        )
        for suite in (None, *suites):
            signed = service.issuing.issue_credential(minimal_vc(), actor="token:1", suite=suite)
            assert signed["proof"]["cryptosuite"] == (suite or suites[0])
            assert verify(signed, resolver=DidResolver(), now=service.context.now()).verified
        other = "eddsa-rdfc-2022" if key_type is not KeyType.ED25519 else "ecdsa-rdfc-2019"
        with pytest.raises(MalformedValueError, match="cannot sign with this issuer"):
            service.issuing.issue_credential(minimal_vc(), actor="token:1", suite=other)
    finally:
        service.close()
