"""Fixture factories for the verifier's shells (web app, pages, CLI): signed degrees, a signed
registry file, a real HTTP server on 127.0.0.1 serving share links and status lists, configs."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vc import proofs, strictjson
from vc.keys import KeyPair, generate
from vc.ob3 import EMAIL_ADDRESS, identity_hash
from vc.status import Bitstring, status_entry, status_list_credential
from verifier.config import VerifierConfig, build_context
from verifier.context import VerifierContext
from verifier.registry import (
    accreditation_entry,
    add_institution,
    new_registry,
    registry_credential,
)

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
VC2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISCED_URL = "https://uis.unesco.org/en/topic/international-standard-classification-education-isced"


def key(n: int) -> KeyPair:
    """A fixed Ed25519 key (seed = 32 times the byte n)."""
    return generate(seed=bytes([n]) * 32)


UNIVERSITY = key(0xC1)  # a Kazakh university listed by the registry (country KZ)
OPERATOR = key(0xC2)  # the registry operator (trusted)
HOLDER = key(0xC3)  # the graduate
STRANGER = key(0xC4)  # someone else
UNLISTED = key(0xC5)  # a university no registry lists


def vm(kp: KeyPair) -> str:
    return kp.public.did_key + "#" + kp.public.multikey


def degree(
    issuer: KeyPair = UNIVERSITY,
    *,
    status_url: str | None = None,
    index: int = 7,
    **overrides: Any,
) -> dict[str, Any]:
    """An unsigned OB 3.0 Master's degree (ISCED 7, field 0613) with an optional revocation entry."""
    credential: dict[str, Any] = {
        "@context": [VC2, OB_V3P0],
        "id": "urn:uuid:2a4e0f5c-8c52-4df1-9a11-6b7f0f3d9c21",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {
            "id": issuer.public.did_key,
            "type": ["Profile"],
            "name": "Al-Farabi Test University",
            "address": {"type": ["Address"], "addressCountryCode": "KZ"},
        },
        "validFrom": "2024-07-01T00:00:00Z",
        "awardedDate": "2024-06-30T00:00:00Z",
        "name": "Master of Science in Software Engineering",
        "credentialSubject": {
            "id": HOLDER.public.did_key,
            "type": ["AchievementSubject"],
            "name": "Aigerim Sarsenbayeva",
            "achievement": {
                "id": "urn:uuid:7b0d7c1e-3e8a-4b7e-9d44-5f3b2c1a0e99",
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
    if status_url is not None:
        credential["credentialStatus"] = status_entry(
            list_id=status_url, index=index, purpose="revocation"
        )
    credential.update(overrides)
    return credential


def sign(
    document: Mapping[str, Any], signer: KeyPair = UNIVERSITY, **options: Any
) -> dict[str, Any]:
    return proofs.sign(
        document, signer, verification_method=vm(signer), created=SIGNED_AT, **options
    )


def signed_degree(issuer: KeyPair = UNIVERSITY, **overrides: Any) -> dict[str, Any]:
    return sign(degree(issuer, **overrides), issuer)


CANDIDATE_EMAIL = "aigerim.sarsenbayeva@student.example.kz"  # what the issuer hashed
STUDENT_NUMBER = "KZ-2019-04417"
EMAIL_SALT = "3e1f0a9c77d24b18"


def identified_degree(issuer: KeyPair = UNIVERSITY, **overrides: Any) -> dict[str, Any]:
    """A signed degree whose subject carries the IdentityObjects Diplomat's issuer writes: the
    name and student number in plain text, the e-mail address as a salted hash."""
    subject = degree(issuer)["credentialSubject"]
    subject["identifier"] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": "Aigerim Sarsenbayeva"},
        {"type": "IdentityObject", "identityType": "sisSourcedId", "hashed": False,
         "identityHash": STUDENT_NUMBER},
        {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
         "identityHash": identity_hash(EMAIL_ADDRESS, CANDIDATE_EMAIL, EMAIL_SALT),
         "salt": EMAIL_SALT},
    ]  # fmt: skip
    return signed_degree(issuer, credentialSubject=subject, **overrides)


def tampered(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The same signed credential with the holder's name changed after signing."""
    copy = json.loads(json.dumps(credential))
    copy["credentialSubject"]["name"] = "Someone Else"
    return copy


def status_list(url: str, *, revoked: Sequence[int] = (), issuer: KeyPair = UNIVERSITY) -> bytes:
    bits = Bitstring.new()
    for index in revoked:
        bits.set(index, True)
    unsigned = status_list_credential(
        list_id=url,
        issuer=issuer.public.did_key,
        purpose="revocation",
        bitstring=bits,
        valid_from=SIGNED_AT,
    )
    return strictjson.dumps(sign(unsigned, issuer)).encode()


def registry_document() -> dict[str, Any]:
    doc = new_registry(
        registry_id="https://nic.test.example/registry",
        name="Test National Registry of Kazakhstan",
        operator_did=OPERATOR.public.did_key,
        operator_name="Test National Information Centre",
        jurisdiction="KZ",
        as_of=date(2026, 4, 1),
        description="Institutions accredited in the test jurisdiction.",
    )
    record = accreditation_entry(
        accrediting_body="Test Independent Accreditation Agency",
        status="accredited",
        valid_from=date(2015, 1, 1),
        valid_until=date(2030, 12, 31),
        isced_levels=["6", "7", "8"],
        source_url="https://agency.test.example/decisions/1",
        source_title="Accreditation decision 1",
        retrieved=date(2026, 4, 1),
    )
    return add_institution(
        doc,
        dids=[UNIVERSITY.public.did_key],
        names={"en": "Al-Farabi Test University", "kk": "Әл-Фараби атындағы сынақ университеті"},
        country="KZ",
        source_url="https://nic.test.example/institutions/1",
        source_title="Institution record",
        retrieved=date(2026, 4, 1),
        accreditations=[record],
    )


def signed_registry() -> dict[str, Any]:
    unsigned = registry_credential(
        registry_document(),
        operator_did=OPERATOR.public.did_key,
        valid_from=datetime(2026, 4, 1, tzinfo=UTC),
    )
    return sign(unsigned, OPERATOR)


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def config(registry_file: Path | None, **overrides: Any) -> VerifierConfig:
    """Development-mode config (http on 127.0.0.1 allowed) trusting OPERATOR."""
    fields: dict[str, Any] = {
        "country": "JP",
        "registries": (str(registry_file),) if registry_file else (),
        "trusted_operators": (OPERATOR.public.did_key,),
        "dev_mode": True,
        "fetch_timeout": 3.0,
    }
    fields.update(overrides)
    return VerifierConfig(**fields)


def context_factory(cfg: VerifierConfig, now: datetime = NOW) -> Callable[[], VerifierContext]:
    """build_context at a fixed time (the real fetcher, resolver, cache and registries)."""
    return lambda: build_context(cfg, now)


def qr_png(text: str) -> bytes:
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def noise_png(size: int = 160, seed: int = 7) -> bytes:
    import random

    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes(
        "L", (size, size), bytes(rng.randrange(256) for _ in range(size * size))
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def verifier_link(base_url: str, share_url: str, country: str | None = None) -> str:
    link = f"{base_url}/verify?url={quote(share_url, safe='')}"
    return link + (f"&for={country}" if country else "")


class DocumentServer:
    """A real HTTP server on 127.0.0.1: ``documents[path] = (content_type, body)``."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.gone: set[str] = set()  # paths answered with 410 Gone (a withdrawn share link)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # http.server's naming
                server.requests.append((self.path, self.headers.get("Accept")))
                path = self.path.split("?", 1)[0]
                found = server.documents.get(path)
                if found is None:
                    self.send_response(410 if path in server.gone else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type, body = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(
        self, path: str, body: bytes | Mapping[str, Any], content_type: str = "application/json"
    ) -> str:
        data = body if isinstance(body, bytes) else strictjson.dumps(dict(body)).encode()
        self.documents[path] = (content_type, data)
        return self.url(path)

    def __enter__(self) -> DocumentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class AppServer:
    """A Flask app served by werkzeug on a real 127.0.0.1 port, in a thread."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = int(self._server.server_port)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AppServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """``response`` is RFC 9457 problem details with ``status``, a title, a detail, no traceback."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == PROBLEM
    problem: dict[str, Any] = response.get_json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return problem
