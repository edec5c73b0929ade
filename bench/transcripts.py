"""Degree credentials of every size for the benchmarks, and plain pyld on the same bytes.

``degree(key, courses)``: the credential the issuer builds for one cohort row (the issuer's own
``build_credential``, a revocation and a suspension entry), plus ``courses`` course results (OB 3.0
§B.1: a ResultDescription in the achievement and a Result in the subject per course), unsigned.

``PlainPyld``: eddsa-rdfc-2022 (VC Data Integrity EdDSA Cryptosuites §3.3) done with nothing but
``pyld.jsonld.normalize`` (offline loader over the vendored contexts, results tagged static so pyld
caches the processed contexts), SHA-256 and Ed25519: the yardstick "plain pyld" of ``make bench``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import base58  # type: ignore[import-untyped, unused-ignore]
from pyld import jsonld as pyld_jsonld

from issuer.degree import IssuerProfile, build_credential, parse_input
from vc import proofs
from vc.keys import KeyPair
from vc.schemas import CONTEXTS_DIR
from vc.status import status_entry

CREATED = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # when the benchmarks verify
STATUS_BASE = "https://diplomas.university.bench.example/status"
ROW: dict[str, Any] = {
    "full_name": "Aigerim Sarsenbayeva",
    "student_number": "KZ-2021-00042",
    "email": "aigerim@student.university.example.kz",
    "achievement_type": "MasterDegree",
    "degree_title": "Master of Science in Software Engineering",
    "field_of_study": "Software Engineering",
    "ects_available": 120,
    "ects_earned": 120,
    "awarded_date": "2025-06-27",
    "gpa": 3.71,
    "gpa_scale": 4,
    "language_of_instruction": "en",
    "diploma_number": "BENCH-000042",
    "isced_field": "0613",
    "eqf_level": "7",
}
GRADES = ("A", "A-", "B+", "B", "B-", "C+")


def verification_method(key: KeyPair) -> str:
    return f"{key.public.did_key}#{key.public.multikey}"


def degree(
    key: KeyPair,
    courses: int = 0,
    *,
    list_base: str = STATUS_BASE,
    index: int = 42,
) -> dict[str, Any]:
    """The unsigned degree credential of one graduate with ``courses`` course results; ``index``
    (status list index) also makes its id, student and diploma numbers."""
    profile = IssuerProfile(
        did=key.public.did_key,
        legal_name="Bench State University",
        url="https://university.bench.example",
        country="KZ",
    )
    entries = [
        status_entry(list_id=f"{list_base}/{purpose}/1", index=index, purpose=purpose)
        for purpose in ("revocation", "suspension")
    ]
    credential = build_credential(
        parse_input(
            {
                **ROW,
                "student_number": f"KZ-2021-{index:05d}",
                "diploma_number": f"BENCH-{index:06d}",
            }
        ),
        profile,
        credential_id=f"urn:uuid:51f4c2f8-98a1-4f5e-9e5d-{index:012d}",
        valid_from=CREATED,
        status_entries=entries,
        salt="bench-salt",
    )
    achievement = credential["credentialSubject"]["achievement"]
    descriptions = achievement.setdefault("resultDescription", [])
    results = credential["credentialSubject"].setdefault("result", [])
    for n in range(courses):
        rd_id = f"{achievement['id']}#course-{n:03d}"
        descriptions.append(
            {
                "id": rd_id,
                "type": ["ResultDescription"],
                "name": f"Course {n:03d}: Topics in Software Engineering {n}",
                "resultType": "LetterGrade",
                "allowedValue": list(GRADES),
            }
        )
        results.append({"type": ["Result"], "resultDescription": rd_id, "value": GRADES[n % 6]})
    return credential


def sign(document: dict[str, Any], key: KeyPair) -> dict[str, Any]:
    """``document`` signed with eddsa-rdfc-2022 by Diplomat (vc.proofs.sign)."""
    return proofs.sign(document, key, verification_method=verification_method(key), created=CREATED)


def _vendored() -> dict[str, Any]:
    manifest = json.loads((CONTEXTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {
        entry["url"]: json.loads((CONTEXTS_DIR / entry["file"]).read_text(encoding="utf-8"))
        for entry in manifest["contexts"]
    }


class PlainPyld:
    """eddsa-rdfc-2022 with plain pyld: normalize, hash, Ed25519 (no safe mode, no checks)."""

    def __init__(self) -> None:
        documents = _vendored()

        def loader(url: str, options: Any = None) -> dict[str, Any]:
            return {
                "contextUrl": None,
                "documentUrl": url,
                "document": documents[url],
                "tag": "static",
            }

        self._options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
        }

    def canonical(self, document: dict[str, Any]) -> bytes:
        return str(pyld_jsonld.normalize(document, dict(self._options))).encode()

    def hash_data(self, unsecured: dict[str, Any], proof: dict[str, Any]) -> bytes:
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        config["@context"] = unsecured["@context"]
        return (
            hashlib.sha256(self.canonical(config)).digest()
            + hashlib.sha256(self.canonical(unsecured)).digest()
        )

    def verify(self, signed: dict[str, Any], key: KeyPair) -> bool:
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        proof = signed["proof"]
        signature = base58.b58decode(proof["proofValue"][1:])
        try:
            key.public.verify(signature, self.hash_data(unsecured, proof))
        except Exception:
            return False
        return True

    def sign(self, unsecured: dict[str, Any], key: KeyPair) -> dict[str, Any]:
        proof = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "verificationMethod": verification_method(key),
            "proofPurpose": "assertionMethod",
        }
        signature = key.sign(self.hash_data(unsecured, proof))
        signed = copy.copy(unsecured)
        signed["proof"] = {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}
        return signed
