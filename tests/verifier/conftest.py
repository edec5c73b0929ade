"""Fixture factories for the verifier's report tests: signed degrees, status lists, registries."""

from __future__ import annotations

import copy
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import pytest

from vc import proofs, strictjson
from vc.dids import DidResolver
from vc.fetch import StaticFetcher
from vc.keys import KeyPair, generate
from vc.status import Bitstring, status_entry, status_list_credential
from verifier.context import VerifierContext
from verifier.recognition import default_dataset
from verifier.registry import (
    accreditation_entry,
    add_institution,
    load_registry,
    new_registry,
    registry_credential,
)
from verifier.registryview import RegistriesLookup
from verifier.statuscache import StatusListCache

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
AWARDED = "2024-06-30T00:00:00Z"
LIST_URL = "https://uni.test.example/status/revocation/1"
SUSPENSION_URL = "https://uni.test.example/status/suspension/1"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2 = "https://www.w3.org/ns/credentials/v2"
ISCED_URL = "https://uis.unesco.org/en/topic/international-standard-classification-education-isced"


def key(n: int) -> KeyPair:
    """A fixed Ed25519 key (seed = 32 times the byte n)."""
    return generate(seed=bytes([n]) * 32)


ISSUER = key(0xA1)  # the university (did:key)
OTHER = key(0xA2)  # someone else with a did:key
OPERATOR = key(0xA3)  # the accreditation registry's operator
UNLISTED = key(0xA4)  # a university no registry lists
KZ_UNI = key(0xA5)  # a Kazakh university (registry country KZ)
LAPSED = key(0xA6)  # accreditation ended before the award date
NARROW = key(0xA7)  # accredited for ISCED 6 only
HOLDER = key(0xB1)  # the graduate


def vm(kp: KeyPair) -> str:
    return kp.public.did_key + "#" + kp.public.multikey


def degree(university: KeyPair = ISSUER, **overrides: Any) -> dict[str, Any]:
    """An unsigned VC 2.0 OB 3.0 AchievementCredential for a Master's degree (ISCED 7, field
    0613); ``overrides`` replace top-level properties (None removes one)."""
    did = university.public.did_key
    credential: dict[str, Any] = {
        "@context": [VC2, OB_V3P0],
        "id": "urn:uuid:6f1a7c1e-0c1b-4a39-9d43-3b8a6c0e2f11",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": "Test University",
            "address": {"type": ["Address"], "addressCountryCode": "FR"},
        },
        "validFrom": "2024-07-01T00:00:00Z",
        "awardedDate": AWARDED,
        "name": "Master of Science in Software Engineering",
        "credentialSubject": {
            "id": HOLDER.public.did_key,
            "type": ["AchievementSubject"],
            "name": "Aigerim Sarsenbayeva",
            "achievement": {
                "id": "urn:uuid:0e7c2d0a-55c4-4b0b-8a31-1f3f5b1d2c44",
                "type": ["Achievement"],
                "achievementType": "MasterDegree",
                "name": "Master of Science in Software Engineering",
                "criteria": {"narrative": "Completion of the two-year programme (120 ECTS)."},
                "fieldOfStudy": "Software Engineering",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Master's or equivalent level",
                        "targetCode": "7",
                        "targetFramework": "ISCED 2011",
                        "targetType": "ext:ISCED2011Level",
                        "targetUrl": ISCED_URL,
                    },
                    {
                        "type": ["Alignment"],
                        "targetName": "Software and applications development and analysis",
                        "targetCode": "0613",
                        "targetFramework": "ISCED-F 2013",
                        "targetType": "ext:ISCEDF2013Field",
                        "targetUrl": ISCED_URL,
                    },
                ],
            },
        },
    }
    for name, value in overrides.items():
        if value is None:
            credential.pop(name, None)
        else:
            credential[name] = value
    return credential


def sign(
    document: Mapping[str, Any],
    signer: KeyPair = ISSUER,
    *,
    method: str | None = None,
    suite: str = "eddsa-rdfc-2022",
) -> dict[str, Any]:
    return proofs.sign(
        document, signer, verification_method=method or vm(signer), created=SIGNED_AT, suite=suite
    )


def signed_degree(
    university: KeyPair = ISSUER,
    *,
    signer: KeyPair | None = None,
    method: str | None = None,
    status: Sequence[tuple[str, str, int]] = (),
    **overrides: Any,
) -> dict[str, Any]:
    """A degree signed by ``signer`` (default: its issuer). ``status`` adds
    (purpose, list URL, index) BitstringStatusListEntry rows."""
    document = degree(university, **overrides)
    if status:
        entries = [status_entry(list_id=url, index=i, purpose=p) for p, url, i in status]
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    return sign(document, signer or university, method=method)


def status_list(
    issuer: KeyPair = ISSUER,
    *,
    url: str = LIST_URL,
    purpose: str = "revocation",
    set_indexes: Sequence[int] = (),
    signer: KeyPair | None = None,
    valid_until: datetime | None = None,
) -> bytes:
    """A signed BitstringStatusListCredential, serialised."""
    bits = Bitstring.new()
    for index in set_indexes:
        bits.set(index, True)
    unsigned = status_list_credential(
        list_id=url,
        issuer=issuer.public.did_key,
        purpose=purpose,
        bitstring=bits,
        valid_from=SIGNED_AT,
        valid_until=valid_until,
    )
    return strictjson.dumps(sign(unsigned, signer or issuer)).encode()


def _record(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "accrediting_body": "Test Quality Agency",
        "status": "accredited",
        "valid_from": date(2015, 1, 1),
        "valid_until": date(2030, 12, 31),
        "isced_levels": ["6", "7", "8"],
        "source_url": "https://agency.test.example/decisions/1",
        "source_title": "Accreditation decision 1",
        "retrieved": date(2026, 4, 1),
    }
    fields.update(overrides)
    return accreditation_entry(**fields)


def registry_document(issuer_country: str = "AU") -> dict[str, Any]:
    """A registry listing ISSUER (country ``issuer_country``), KZ_UNI (KZ), LAPSED and NARROW."""
    doc = new_registry(
        registry_id="https://nic.test.example/registry",
        name="Test National Registry",
        operator_did=OPERATOR.public.did_key,
        operator_name="Test Information Centre",
        jurisdiction="AU",
        as_of=date(2026, 4, 1),
        description="Institutions accredited in the test jurisdiction.",
    )
    rows = [
        (ISSUER, "Test University", issuer_country, [_record()]),
        (KZ_UNI, "Test Kazakh University", "KZ", [_record()]),
        (LAPSED, "Lapsed Institute", "AU", [_record(valid_until=date(2022, 12, 31))]),
        (NARROW, "Bachelor College", "AU", [_record(isced_levels=["6"])]),
    ]
    for kp, name, country, records in rows:
        doc = add_institution(
            doc,
            dids=[kp.public.did_key],
            names={"en": name},
            country=country,
            accreditations=records,
            source_url="https://nic.test.example/institutions",
            source_title="Institution list",
            retrieved=date(2026, 4, 1),
        )
    return doc


def registry_lookup(issuer_country: str = "AU") -> RegistriesLookup:
    """The real registry code over a registry signed by OPERATOR."""
    unsigned = registry_credential(
        registry_document(issuer_country),
        operator_did=OPERATOR.public.did_key,
        valid_from=datetime(2026, 4, 1, tzinfo=UTC),
    )
    signed = sign(unsigned, OPERATOR)
    loaded = load_registry(
        signed,
        resolver=DidResolver(),
        now=NOW,
        trusted_operators=[OPERATOR.public.did_key],
        source="https://nic.test.example/registry.json",
    )
    return RegistriesLookup([loaded])


def context(
    *,
    lists: Mapping[str, bytes] | None = None,
    fetcher: Any = None,
    registries: Any = "default",
    destination: str | None = None,
    now: datetime = NOW,
    with_conventions: bool = True,
) -> VerifierContext:
    """A VerifierContext: did:key resolver, status lists from ``lists`` (StaticFetcher) or
    ``fetcher``, the real registry (``registries=None`` for none), the shipped conventions."""
    resolver = DidResolver()
    chosen = fetcher if fetcher is not None else StaticFetcher(dict(lists or {}), clock=lambda: now)
    return VerifierContext(
        resolver=resolver,
        status_lists=StatusListCache(chosen, resolver=resolver),
        registries=registry_lookup() if registries == "default" else registries,
        conventions=default_dataset() if with_conventions else None,
        destination_country=destination,
        now=now,
    )


# --- a real HTTP server for status lists -----------------------------------------------------


class StatusServer:
    """Serves status lists on 127.0.0.1 with an ETag and Cache-Control; counts requests. With a
    ``barrier``, each request is answered only once the barrier's other parties have arrived
    too (requests in flight at once), and with 503 when it breaks."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.cache_control = "max-age=60"
        self.requests: list[tuple[str, str | None]] = []
        self.barrier: threading.Barrier | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                server.requests.append((self.path, self.headers.get("If-None-Match")))
                if server.barrier is not None:
                    try:
                        server.barrier.wait()
                    except threading.BrokenBarrierError:
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                body = server.documents.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Cache-Control", server.cache_control)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/vc+ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", server.cache_control)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> StatusServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.barrier is not None:
            self.barrier.abort()  # a request still waiting gives up at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def status_server() -> Iterator[StatusServer]:
    with StatusServer() as server:
        yield server


# Taken now: every directory's conftest is imported as "conftest", so by the time a test runs
# sys.modules["conftest"] may be another directory's (tests/issuer/conftest.py, in a mixed run).
_THIS_MODULE = sys.modules[__name__]


@pytest.fixture
def kit() -> ModuleType:
    """The factories of this module (tests call ``kit.signed_degree(...)`` and so on)."""
    return _THIS_MODULE


def deep(document: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(document))
