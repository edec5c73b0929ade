"""DIDs: did:key resolved locally, did:web through an injected fetcher; DID documents parsed."""

from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from vc import strictjson
from vc.contexts import DID_V1, MULTIKEY_V1
from vc.errors import (
    DiplomatError,
    MalformedValueError,
    PrivateKeyPublishedError,
    ResolutionError,
    RevokedKeyError,
)
from vc.keys import KeyType, PublicKey

Fetch = Callable[[str], bytes]
"""Fetch a URL and return the body; raise vc.errors.FetchError. Injected: the core opens no socket."""


_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._%:-]*[A-Za-z0-9._%-]\Z")
_WEB_HOST = re.compile(r"^[A-Za-z0-9.-]+(%3[Aa]\d{1,5})?\Z")


@dataclass(frozen=True)
class VerificationMethod:
    """``revoked``: the instant the controller's document says the method was revoked (DID Core
    / Controlled Identifiers §2.2 ``revoked``); None when it is in force."""

    id: str
    type: str
    controller: str
    public_key: PublicKey
    revoked: str | None = None


@dataclass(frozen=True)
class DidDocument:
    id: str
    methods: Mapping[str, VerificationMethod]
    assertion_method: tuple[str, ...] = ()
    authentication: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def method(self, vm_id: str) -> VerificationMethod:
        try:
            return self.methods[vm_id]
        except KeyError:
            raise ResolutionError(f"{vm_id} is not a verification method of {self.id}") from None

    def authorizes(self, vm_id: str, relationship: str) -> bool:
        """Is the method listed under this verification relationship (assertionMethod, …)?"""
        listed = {"assertionMethod": self.assertion_method, "authentication": self.authentication}
        return vm_id in listed.get(relationship, ())


def split_did_url(url: str) -> tuple[str, str]:
    """Split 'did:…#frag' into (did, fragment). Raises MalformedValueError."""
    did, _, fragment = url.partition("#")
    if not _DID.match(did):
        raise MalformedValueError(f"{url!r} is not a DID URL")
    return did, fragment


# --- did:key -----------------------------------------------------------------------------------
def did_key_document(did: str) -> DidDocument:
    """Resolve did:key locally (Ed25519 z6Mk…, P-256 zDn…, P-384 z82…) as a Multikey document."""
    if not did.startswith("did:key:"):
        raise MalformedValueError(f"{did} is not a did:key")
    multikey = did[len("did:key:") :]
    try:
        key = PublicKey.from_multikey(multikey, "did:key")
    except DiplomatError as exc:
        raise ResolutionError(f"cannot resolve {did}: {exc.detail}") from exc
    vm_id = f"{did}#{multikey}"
    vm = VerificationMethod(vm_id, "Multikey", did, key)
    raw = {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }
    return DidDocument(did, {vm_id: vm}, (vm_id,), (vm_id,), raw)


# --- did:web -----------------------------------------------------------------------------------
def did_web_url(did: str, *, insecure_http: bool = False) -> str:
    """Map did:web to its DID document URL (did:web spec §3.2 Read).

    did:web:example.com → https://example.com/.well-known/did.json;
    did:web:example.com:u:a → https://example.com/u/a/did.json; '%3A' encodes a port.
    `insecure_http` (development only) uses http:// for loopback hosts.
    """
    if not did.startswith("did:web:"):
        raise MalformedValueError(f"{did} is not a did:web")
    parts = did[len("did:web:") :].split(":")
    host = parts[0]
    if not host or not _WEB_HOST.match(host):
        raise MalformedValueError(f"{did}: bad did:web host {host!r}")
    host = urllib.parse.unquote(host)
    path_parts = [urllib.parse.unquote(p) for p in parts[1:]]
    if any(not p or "/" in p or p in (".", "..") for p in path_parts):
        raise MalformedValueError(f"{did}: bad did:web path")
    path = "/" + "/".join(path_parts) + "/did.json" if path_parts else "/.well-known/did.json"
    hostname = host.split(":")[0]
    scheme = "http" if insecure_http and hostname in ("localhost", "127.0.0.1") else "https"
    return f"{scheme}://{host}{path}"


def did_web_for(base_url: str) -> str:
    """The did:web identifier served at a base URL (https://host[:port][/path])."""
    parsed = urllib.parse.urlsplit(base_url)
    if not parsed.hostname:
        raise MalformedValueError(f"{base_url!r} has no host")
    host = parsed.hostname + (f"%3A{parsed.port}" if parsed.port else "")
    path = [p for p in parsed.path.split("/") if p]
    return "did:web:" + ":".join([host, *path])


# --- parsing -----------------------------------------------------------------------------------
def _key_of(method: Mapping[str, Any]) -> PublicKey:
    vm_type = method.get("type")
    if vm_type in ("Multikey", "Ed25519VerificationKey2020"):
        key = PublicKey.from_multikey(method.get("publicKeyMultibase"))
        if vm_type == "Ed25519VerificationKey2020" and key.key_type is not KeyType.ED25519:
            raise MalformedValueError("Ed25519VerificationKey2020 must hold an Ed25519 key")
        return key
    if vm_type in ("JsonWebKey", "JsonWebKey2020"):
        return PublicKey.from_jwk(method.get("publicKeyJwk"))
    raise MalformedValueError(f"unsupported verification method type {vm_type!r}")


# Properties that carry a secret (Controlled Identifiers §2.2.2 privateKeyMultibase; the Linked
# Data key formats before it), and the private members of a JWK (RFC 7518 §6.2.2, §6.3.2, §6.4).
_PRIVATE_PROPERTIES = frozenset(
    {"privateKeyMultibase", "privateKeyJwk", "privateKeyBase58", "privateKeyPem", "privateKeyHex"}
)
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _private_material(value: object, depth: int = 0) -> str | None:
    """The name of the first private-key property anywhere in ``value``, else None."""
    if depth > 32:
        return None
    if isinstance(value, Mapping):
        for name, item in value.items():
            if name in _PRIVATE_PROPERTIES:
                return str(name)
            if name == "publicKeyJwk" and isinstance(item, Mapping):
                secret = sorted(_PRIVATE_JWK_MEMBERS & set(item))
                if secret:
                    return f"publicKeyJwk.{secret[0]}"
            found = _private_material(item, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _private_material(item, depth + 1)
            if found is not None:
                return found
    return None


def parse_did_document(doc: Mapping[str, Any], expected_id: str) -> DidDocument:
    """Parse a DID document; its id must be the DID that was resolved.

    Raises ResolutionError (wrong id), MalformedValueError (bad shape, a verification method id
    that is not an absolute DID URL of this DID) or PrivateKeyPublishedError (the document
    publishes private key material: every key it lists must be taken as compromised).
    """
    if doc.get("id") != expected_id:
        raise ResolutionError(f"DID document id {doc.get('id')!r} is not {expected_id}")
    secret = _private_material(doc)
    if secret is not None:
        raise PrivateKeyPublishedError(
            f"ALARM: the DID document of {expected_id} publishes private key material "
            f"({secret}): anyone can sign as this issuer, so nothing signed with its keys can be "
            "trusted. Tell the issuer."
        )
    methods: dict[str, VerificationMethod] = {}
    embedded: list[Mapping[str, Any]] = []
    for rel in ("verificationMethod", "assertionMethod", "authentication"):
        entries = doc.get(rel, [])
        if not isinstance(entries, list):
            raise MalformedValueError(f"{rel} must be an array")
        embedded.extend(e for e in entries if isinstance(e, dict))
    for entry in embedded:
        vm_id = _absolute(entry.get("id"), expected_id)
        controller = entry.get("controller")
        if not isinstance(controller, str):
            raise MalformedValueError(f"verification method {vm_id} has no controller")
        try:
            key = _key_of(entry)
        except MalformedValueError:
            continue  # a method we cannot use is not an error for the others (e.g. X25519)
        revoked = entry.get("revoked")
        if revoked is not None and (not isinstance(revoked, str) or not revoked):
            raise MalformedValueError(f"verification method {vm_id}: revoked must be a dateTime")
        methods[vm_id] = VerificationMethod(vm_id, str(entry.get("type")), controller, key, revoked)

    def relationship(name: str) -> tuple[str, ...]:
        refs = []
        for entry in doc.get(name, []):
            ref = entry.get("id") if isinstance(entry, dict) else entry
            refs.append(_absolute(ref, expected_id))
        return tuple(refs)

    return DidDocument(
        expected_id, methods, relationship("assertionMethod"), relationship("authentication"), doc
    )


def _absolute(ref: object, did: str) -> str:
    """A verification method id as an absolute DID URL with a fragment: ``#key-1`` is made
    absolute against the document's DID; anything else must already be ``did:…#…``. A bare
    relative reference (``key-1``) or a non-DID URL would name a method no resolver can find
    the same way twice (DID Core §5.2: the id is a DID URL). Raises MalformedValueError."""
    if not isinstance(ref, str) or not ref:
        raise MalformedValueError("verification method reference must be a string")
    absolute = did + ref if ref.startswith("#") else ref
    try:
        _did, fragment = split_did_url(absolute)
    except MalformedValueError:
        raise MalformedValueError(
            f"verification method id {ref[:80]!r} in {did} is not a DID URL (nor #fragment)"
        ) from None
    if not fragment:
        raise MalformedValueError(f"verification method id {ref[:80]!r} in {did} has no fragment")
    return absolute


# --- resolver ----------------------------------------------------------------------------------
class DidResolver:
    """Resolves did:key locally and did:web through `fetch`; caches documents per instance.

    Thread-safe. Concurrent resolutions of one did:web share one fetch: the others wait for its
    document, or its error (a verifier checks a credential's proof while its status lists,
    signed by the same issuer, are verified in other threads: verifier.prefetch). Failures are
    not cached: the next resolution after one tries again. At most MAX_CACHED documents are
    kept, the oldest dropped first: every credential a verifier is sent may name another DID.
    """

    MAX_CACHED = 1024

    def __init__(
        self, fetch: Fetch | None = None, *, insecure_http_localhost: bool = False
    ) -> None:
        self._fetch = fetch
        self._insecure = insecure_http_localhost
        self._cache: dict[str, DidDocument] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, Future[DidDocument]] = {}

    def resolve(self, did: str) -> DidDocument:
        """Resolve a DID. Raises ResolutionError, FetchError, or MalformedValueError."""
        found = self._cache.get(did)
        if found is not None:
            return found
        if did.startswith("did:key:"):
            document = did_key_document(did)
            with self._lock:
                self._remember(did, document)
            return document
        if not did.startswith("did:web:"):
            raise ResolutionError(f"unsupported DID method: {did.split(':')[:2]}")
        if self._fetch is None:
            raise ResolutionError(f"cannot resolve {did}: no fetcher configured (offline)")
        with self._lock:
            found = self._cache.get(did)
            if found is not None:
                return found
            waiting = self._fetching.get(did)
            if waiting is None:
                pending: Future[DidDocument] = Future()
                self._fetching[did] = pending
        if waiting is not None:
            return waiting.result()  # the same document, or the same error
        try:
            body = self._fetch(did_web_url(did, insecure_http=self._insecure))
            document = parse_did_document(strictjson.loads_object(body, "DID document"), did)
        except BaseException as exc:
            with self._lock:
                del self._fetching[did]
            pending.set_exception(exc)
            raise
        with self._lock:
            self._remember(did, document)
            del self._fetching[did]
        pending.set_result(document)
        return document

    def _remember(self, did: str, document: DidDocument) -> None:
        # Called with the lock held.
        while len(self._cache) >= self.MAX_CACHED:
            del self._cache[next(iter(self._cache))]
        self._cache[did] = document

    def resolve_method(self, vm_url: str) -> tuple[VerificationMethod, DidDocument]:
        """Resolve a verification method URL to the method and its controller's document."""
        did, fragment = split_did_url(vm_url)
        if not fragment:
            raise MalformedValueError(f"verification method {vm_url!r} has no fragment")
        document = self.resolve(did)
        method = document.method(vm_url)
        controller_doc = document
        if method.controller != document.id:
            # The method is controlled elsewhere: the controller's document must list it too.
            controller_doc = self.resolve(method.controller)
            listed = controller_doc.method(vm_url)
            if listed.revoked is not None:
                method = listed
        if method.revoked is not None:
            # Whatever the proof's created says: a backdated created is exactly what a holder of
            # a leaked key would write, so a revoked method verifies nothing.
            raise RevokedKeyError(
                f"verification method {vm_url} was revoked ({method.revoked}) by its controller; "
                "nothing it signed is accepted, whatever date the proof claims"
            )
        return method, controller_doc
