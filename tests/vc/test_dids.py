"""vc.dids and vc.purposes: did:key, did:web (through an injected fetch), DID documents, purposes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vc import proofs
from vc.dids import (
    DidResolver,
    did_key_document,
    did_web_for,
    did_web_url,
    parse_did_document,
    split_did_url,
)
from vc.errors import (
    CryptographicSecurityError,
    DiplomatError,
    FetchError,
    MalformedValueError,
    ParsingError,
    ResolutionError,
)
from vc.keys import KeyPair, KeyType, generate
from vc.purposes import AssertionMethod, Authentication, issuer_id

SEED = bytes(range(32))
NOW = datetime(2025, 6, 1, tzinfo=UTC)
CREATED = datetime(2025, 1, 1, tzinfo=UTC)
UNIVERSITY = "did:web:university.example"
UNIVERSITY_URL = "https://university.example/.well-known/did.json"


def did_web_document(did: str, key: KeyPair, *, relationships: tuple[str, ...] = ("assertionMethod", "authentication"), controller: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Factory: the DID document an issuer publishes (Multikey, as vc.dids documents it)."""
    vm_id = did + "#key-1"
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": controller or did,
                "publicKeyMultibase": key.public.multikey,
            }
        ],
    }
    for name in relationships:
        document[name] = [vm_id]
    return document


def fetcher(pages: dict[str, bytes], calls: list[str] | None = None) -> Callable[[str], bytes]:
    """Factory: an in-memory fetch function (what the core is given instead of a socket)."""

    def fetch(url: str) -> bytes:
        if calls is not None:
            calls.append(url)
        try:
            return pages[url]
        except KeyError:
            raise FetchError(f"404 for {url}") from None

    return fetch


def credential(issuer: str | dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Factory: a minimal VC 2.0 credential."""
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0b4c5f4e-9b8f-4a44-9a3c-6a1b2c3d4e5f",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Bachelor of Arts",
        "credentialSubject": {"id": "did:example:student"},
    }
    document.update(overrides)
    return document


# --- did:key ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key_type", "reference"),
    [(KeyType.ED25519, "did-key-ed25519.json"), (KeyType.P256, "did-key-p256.json")],
)
def test_did_key_document_equals_reference(
    key_type: KeyType, reference: str, vectors: Path
) -> None:
    expected = json.loads((vectors / "reference-outputs" / reference).read_text(encoding="utf-8"))
    key = generate(key_type, SEED)
    assert key.public.did_key == expected["id"]
    document = DidResolver().resolve(key.public.did_key)
    # Ours emits the same Multikey form as the reference libraries: the whole document is equal.
    assert dict(document.raw) == expected
    vm_id = expected["verificationMethod"][0]["id"]
    assert document.assertion_method == (vm_id,)
    assert document.authentication == (vm_id,)
    assert document.method(vm_id).public_key == key.public
    assert document.method(vm_id).controller == expected["id"]


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256, KeyType.P384])
def test_did_key_resolves_locally(key_type: KeyType) -> None:
    key = generate(key_type, SEED)
    vm_url = f"{key.public.did_key}#{key.public.multikey}"
    method, document = DidResolver().resolve_method(vm_url)
    assert method.public_key == key.public
    assert method.type == "Multikey"
    assert document.id == key.public.did_key
    assert document.authorizes(vm_url, "assertionMethod")
    assert not document.authorizes(vm_url, "keyAgreement")


@pytest.mark.parametrize(
    "did",
    [
        "did:key:zNotAKey",
        "did:key:z6Mk",
        "did:key:",
        "did:key:6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd",
    ],
)
def test_bad_did_key_is_a_resolution_error(did: str) -> None:
    with pytest.raises(ResolutionError):
        DidResolver().resolve(did)


def test_did_key_document_needs_did_key() -> None:
    with pytest.raises(MalformedValueError):
        did_key_document("did:web:example.com")


def test_did_key_method_with_other_fragment_is_not_found() -> None:
    key = generate(KeyType.ED25519, SEED)
    with pytest.raises(ResolutionError):
        DidResolver().resolve_method(key.public.did_key + "#key-2")


@pytest.mark.parametrize("url", ["did:key:z6Mk", "not a did", "did:key:abc#", "did:KEY:x#y"])
def test_method_url_without_fragment_or_malformed(url: str) -> None:
    with pytest.raises(DiplomatError):
        DidResolver().resolve_method(url)


@pytest.mark.parametrize("did", ["did:example:123", "did:ion:abc", "did:peer:2.Ez6L"])
def test_unsupported_did_method(did: str) -> None:
    with pytest.raises(ResolutionError):
        DidResolver().resolve(did)


# --- did:web ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("did", "url"),
    [
        # did:web Method Specification §3.2 (Read) examples.
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com:u:bob:keys", "https://example.com/u/bob/keys/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


def test_did_web_url_http_only_for_loopback_in_development() -> None:
    assert did_web_url("did:web:localhost%3A8000", insecure_http=True) == (
        "http://localhost:8000/.well-known/did.json"
    )
    assert did_web_url("did:web:127.0.0.1%3A5000:issuer", insecure_http=True) == (
        "http://127.0.0.1:5000/issuer/did.json"
    )
    assert did_web_url("did:web:example.com", insecure_http=True).startswith("https://")


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:exa mple.com",
        "did:web:example.com::alice",
        "did:web:example.com:..",
        "did:web:example.com:a%2Fb",
        "did:web:user@example.com",
        "did:web:example.com%2F..",
        "did:key:z6Mk",
    ],
)
def test_bad_did_web_refused(did: str) -> None:
    with pytest.raises(MalformedValueError):
        did_web_url(did)


@pytest.mark.parametrize(
    ("base", "did"),
    [
        ("https://university.example", "did:web:university.example"),
        (
            "https://university.example:8443/issuers/1",
            "did:web:university.example%3A8443:issuers:1",
        ),
        ("http://127.0.0.1:5000/", "did:web:127.0.0.1%3A5000"),
    ],
)
def test_did_web_for_round_trips(base: str, did: str) -> None:
    assert did_web_for(base) == did
    assert did_web_url(did, insecure_http=True).startswith(base.rstrip("/"))


def test_did_web_for_needs_a_host() -> None:
    with pytest.raises(MalformedValueError):
        did_web_for("not a url")


def test_did_web_resolution_through_injected_fetch() -> None:
    key = generate(KeyType.ED25519, SEED)
    calls: list[str] = []
    body = json.dumps(did_web_document(UNIVERSITY, key)).encode()
    resolver = DidResolver(fetcher({UNIVERSITY_URL: body}, calls))
    method, document = resolver.resolve_method(UNIVERSITY + "#key-1")
    assert method.public_key == key.public
    assert document.id == UNIVERSITY
    assert document.authorizes(UNIVERSITY + "#key-1", "assertionMethod")
    resolver.resolve(UNIVERSITY)
    assert calls == [UNIVERSITY_URL]  # cached per resolver


def test_the_document_cache_keeps_the_newest_documents_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(DidResolver, "MAX_CACHED", 3)
    key = generate(KeyType.ED25519, SEED)
    calls: list[str] = []
    body = json.dumps(did_web_document(UNIVERSITY, key)).encode()
    resolver = DidResolver(fetcher({UNIVERSITY_URL: body}, calls))
    resolver.resolve(UNIVERSITY)
    for n in range(3):  # three other issuers since: the university's document is the oldest
        resolver.resolve(generate(KeyType.ED25519, bytes([n + 1]) * 32).public.did_key)
    assert len(resolver._cache) == 3
    resolver.resolve(UNIVERSITY)
    assert calls == [UNIVERSITY_URL, UNIVERSITY_URL]  # dropped, so fetched again
    assert len(resolver._cache) == 3


def _resolve_concurrently(
    fetch: Callable[[str], bytes], release: threading.Event
) -> tuple[DidResolver, list[object]]:
    """Three threads resolve UNIVERSITY with one resolver: the first is held inside ``fetch``
    (until ``release``) while the two others ask, and released once both wait for it.
    Returns the resolver and what each thread got (a document or the exception)."""
    entered = threading.Event()

    def held(url: str) -> bytes:
        entered.set()
        assert release.wait(30), "never released"
        return fetch(url)

    resolver = DidResolver(held)
    got: list[object] = [None, None, None]

    def run(slot: int) -> None:
        try:
            got[slot] = resolver.resolve(UNIVERSITY)
        except Exception as exc:  # the test compares what each thread got
            got[slot] = exc

    first = threading.Thread(target=run, args=(0,))
    first.start()
    assert entered.wait(30)
    others = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in others:
        thread.start()
    # Both others wait on the fetch in flight (threading.Condition keeps its waiters), unless
    # the resolver let them fetch too: then they are held in ``held`` and never wait here.
    pending = resolver._fetching[UNIVERSITY]
    deadline = time.monotonic() + 30
    while len(pending._condition._waiters) < 2:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the other resolutions did not wait for the first"
        time.sleep(0.01)
    release.set()
    for thread in [first, *others]:
        thread.join(30)
    return resolver, got


def test_concurrent_did_web_resolutions_share_one_fetch() -> None:
    key = generate(KeyType.ED25519, SEED)
    calls: list[str] = []
    body = json.dumps(did_web_document(UNIVERSITY, key)).encode()
    resolver, got = _resolve_concurrently(fetcher({UNIVERSITY_URL: body}, calls), threading.Event())
    assert calls == [UNIVERSITY_URL]
    assert got[0] is got[1] is got[2]  # one document
    assert resolver.resolve(UNIVERSITY) is got[0]  # cached
    assert calls == [UNIVERSITY_URL]


def test_a_failed_did_web_fetch_is_shared_then_tried_again() -> None:
    calls: list[str] = []
    resolver, got = _resolve_concurrently(fetcher({}, calls), threading.Event())
    assert calls == [UNIVERSITY_URL]
    assert all(isinstance(outcome, FetchError) for outcome in got)
    assert got[0] is got[1] is got[2]  # the same error
    with pytest.raises(FetchError):
        resolver.resolve(UNIVERSITY)  # failures are not cached: asked again
    assert calls == [UNIVERSITY_URL, UNIVERSITY_URL]


def test_did_web_without_fetcher_is_offline() -> None:
    with pytest.raises(ResolutionError, match="no fetcher"):
        DidResolver().resolve(UNIVERSITY)


def test_did_web_wrong_id_refused() -> None:
    key = generate(KeyType.ED25519, SEED)
    body = json.dumps(did_web_document("did:web:evil.example", key)).encode()
    with pytest.raises(ResolutionError):
        DidResolver(fetcher({UNIVERSITY_URL: body})).resolve(UNIVERSITY)


def test_did_web_fetch_error_propagates_typed() -> None:
    with pytest.raises(FetchError):
        DidResolver(fetcher({})).resolve(UNIVERSITY)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"{", b'{"id": "a", "id": "b"}', b"[]", b'"did"', b"\xff\xfe"],
)
def test_did_web_malformed_json_is_a_parsing_error(body: bytes) -> None:
    with pytest.raises(ParsingError):
        DidResolver(fetcher({UNIVERSITY_URL: body})).resolve(UNIVERSITY)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(verificationMethod="not a list"),
        lambda d: d.update(assertionMethod={"id": "#key-1"}),
        lambda d: d["verificationMethod"][0].pop("controller"),
        lambda d: d.update(assertionMethod=[42]),
    ],
)
def test_did_document_bad_shape_is_typed(mutate: Callable[[dict[str, Any]], None]) -> None:
    document = did_web_document(UNIVERSITY, generate(KeyType.ED25519, SEED))
    mutate(document)
    with pytest.raises(MalformedValueError):
        parse_did_document(document, UNIVERSITY)


def test_did_document_relative_refs_and_jwk_methods() -> None:
    ed, p256 = generate(KeyType.ED25519, SEED), generate(KeyType.P256, SEED)
    document = {
        "id": UNIVERSITY,
        "verificationMethod": [
            {"id": "#ed", "type": "Multikey", "controller": UNIVERSITY, "publicKeyMultibase": ed.public.multikey},
            {"id": "#ec", "type": "JsonWebKey", "controller": UNIVERSITY, "publicKeyJwk": p256.public.to_jwk()},
            {"id": "#x", "type": "X25519KeyAgreementKey2020", "controller": UNIVERSITY, "publicKeyMultibase": "z6LS"},
        ],
        "assertionMethod": ["#ed", UNIVERSITY + "#ec"],
        "authentication": [{"id": "#embedded", "type": "Multikey", "controller": UNIVERSITY, "publicKeyMultibase": ed.public.multikey}],
    }  # fmt: skip
    parsed = parse_did_document(document, UNIVERSITY)
    assert parsed.assertion_method == (UNIVERSITY + "#ed", UNIVERSITY + "#ec")
    assert parsed.authentication == (UNIVERSITY + "#embedded",)
    assert parsed.method(UNIVERSITY + "#ec").public_key == p256.public
    assert UNIVERSITY + "#x" not in parsed.methods  # unusable method skipped, others kept
    assert split_did_url(UNIVERSITY + "#ed") == (UNIVERSITY, "ed")


def test_method_controlled_by_another_did_must_be_listed_there() -> None:
    key = generate(KeyType.ED25519, SEED)
    other = "did:web:controller.example"
    listed = did_web_document(UNIVERSITY, key, controller=other)
    pages = {UNIVERSITY_URL: json.dumps(listed).encode()}
    controller_doc = {"id": other, "verificationMethod": []}
    pages["https://controller.example/.well-known/did.json"] = json.dumps(controller_doc).encode()
    with pytest.raises(ResolutionError):
        DidResolver(fetcher(pages)).resolve_method(UNIVERSITY + "#key-1")


# --- proof purposes -------------------------------------------------------------------------------
def _signed(key: KeyPair, issuer: str, vm: str, **kwargs: Any) -> dict[str, Any]:
    return proofs.sign(credential(issuer), key, verification_method=vm, created=CREATED, **kwargs)


def test_did_web_issuer_verifies() -> None:
    key = generate(KeyType.ED25519, SEED)
    pages = {UNIVERSITY_URL: json.dumps(did_web_document(UNIVERSITY, key)).encode()}
    result = proofs.verify(
        _signed(key, UNIVERSITY, UNIVERSITY + "#key-1"),
        resolver=DidResolver(fetcher(pages)),
        now=NOW,
    )
    assert result.verified, result.errors
    assert result.results[0].controller == UNIVERSITY


def test_method_not_in_assertion_method_fails() -> None:
    key = generate(KeyType.ED25519, SEED)
    document = did_web_document(UNIVERSITY, key, relationships=("authentication",))
    resolver = DidResolver(fetcher({UNIVERSITY_URL: json.dumps(document).encode()}))
    result = proofs.verify(
        _signed(key, UNIVERSITY, UNIVERSITY + "#key-1"), resolver=resolver, now=NOW
    )
    assert not result.verified
    [error] = result.errors
    assert isinstance(error, CryptographicSecurityError)
    assert "not authorised for assertionMethod" in error.detail


def test_key_not_controlled_by_the_issuer_fails() -> None:
    """A valid signature by someone else's key is not the issuer's credential."""
    key = generate(KeyType.ED25519, SEED)
    vm = f"{key.public.did_key}#{key.public.multikey}"
    signed = _signed(key, UNIVERSITY, vm)  # claims issuer university, signed with a did:key
    result = proofs.verify(signed, resolver=DidResolver(), now=NOW)
    assert not result.verified
    [error] = result.errors
    assert isinstance(error, CryptographicSecurityError)
    assert "not by the issuer" in error.detail
    # the signature itself is fine: proof-only mode accepts it
    proof_only = proofs.verify(
        signed, resolver=DidResolver(), now=NOW, purpose=AssertionMethod(bind_issuer=False)
    )
    assert proof_only.verified


def test_issuer_object_with_id_is_bound() -> None:
    key = generate(KeyType.P256, SEED)
    vm = f"{key.public.did_key}#{key.public.multikey}"
    document = credential({"id": key.public.did_key, "name": "Example University"})
    signed = proofs.sign(
        document, key, verification_method=vm, created=CREATED, suite="ecdsa-rdfc-2019"
    )
    assert proofs.verify(signed, resolver=DidResolver(), now=NOW).verified


def test_wrong_proof_purpose_fails() -> None:
    key = generate(KeyType.ED25519, SEED)
    vm = f"{key.public.did_key}#{key.public.multikey}"
    signed = _signed(key, key.public.did_key, vm, proof_purpose="authentication")
    result = proofs.verify(signed, resolver=DidResolver(), now=NOW)
    assert not result.verified
    assert "proofPurpose" in result.errors[0].detail


def test_authentication_purpose_checks_challenge_domain_and_holder() -> None:
    key = generate(KeyType.ED25519, SEED)
    holder = key.public.did_key
    vm = f"{holder}#{key.public.multikey}"
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
    }
    signed = proofs.sign(
        presentation, key, verification_method=vm, created=CREATED,
        proof_purpose="authentication", challenge="c-123", domain="verifier.example",
    )  # fmt: skip
    resolver = DidResolver()

    def check(purpose: Authentication, document: dict[str, Any] = signed) -> bool:
        return proofs.verify(document, resolver=resolver, now=NOW, purpose=purpose).verified

    assert check(Authentication("c-123", "verifier.example"))
    assert check(Authentication("c-123"))
    assert not check(Authentication("other"))
    assert not check(Authentication(None))
    assert not check(Authentication("c-123", "evil.example"))
    # signed correctly, but by a key that is not the holder's
    stranger = proofs.sign(
        dict(presentation, holder="did:example:someone-else"), key, verification_method=vm,
        created=CREATED, proof_purpose="authentication", challenge="c-123",
    )  # fmt: skip
    assert not check(Authentication("c-123"), stranger)
    result = proofs.verify(stranger, resolver=resolver, now=NOW, purpose=Authentication("c-123"))
    assert "not by its holder" in result.errors[0].detail


@pytest.mark.parametrize("issuer", [None, 42, "", {"name": "no id"}, ["did:example:a"]])
def test_issuer_id_must_be_a_url(issuer: object) -> None:
    with pytest.raises(MalformedValueError):
        issuer_id({"issuer": issuer})
