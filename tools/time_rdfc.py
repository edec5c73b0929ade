"""Timing of eddsa-rdfc-2022 sign/verify against one raw Ed25519 verify (issue 11, plain timeit).

Run: .venv/bin/python tools/time_rdfc.py   (medians of repeated timeit runs; first-seen
documents: the expansion cache is cleared before each call)
"""

from __future__ import annotations

import json
import statistics
import timeit
from datetime import UTC, date, datetime
from typing import Any

from issuer.degree.building import build_credential
from issuer.degree.model import DegreeInput, IssuerProfile
from vc import jsonld, proofs
from vc.dids import DidResolver
from vc.keys import KeyType, generate

SEED = bytes(range(32))
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def degree(did: str, results: int = 0) -> dict[str, Any]:
    inp = DegreeInput(
        achievement_type="BachelorDegree",
        degree_title="Bachelor of Engineering and Technology in Software Engineering",
        field_of_study="Information and Communication Technologies",
        awarded_date=date(2025, 6, 27),
        diploma_number="ЖБ-Б 1234567",
        isced_level="6",
        isced_field="0613",
        full_name="Серікова Айгерім Болатқызы",
        student_number="KZ-2021-00417",
        email="aigerim.serikova@student.example.kz",
        specialization="Software Engineering",
        programme_code="6B06102",
        ects_available=240,
        ects_earned=240,
        classification="With honours",
        gpa=3.67,
        gpa_scale=4,
        language_of_instruction="kk",
        eqf_level="6",
        national_level="6",
    )
    issuer = IssuerProfile(
        did=did,
        legal_name="Example University",
        url="https://university.example/",
        country="KZ",
        nqf_name="KZ NQF",
        nqf_url="https://nqf.example/",
    )
    credential = build_credential(
        inp,
        issuer,
        credential_id="urn:uuid:3b2e5c90-83ec-47b9-bd0b-9ff96dd0209e",
        valid_from=datetime(2025, 6, 30, tzinfo=UTC),
        salt="0123456789abcdef",
        status_entries=[
            {
                "id": "https://university.example/status/1#42",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "42",
                "statusListCredential": "https://university.example/status/1",
            }
        ],
        schema_url="https://university.example/schemas/degree.json",
    )
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    for n in range(results):
        rd = f"{achievement['id']}#course-{n}"
        achievement.setdefault("resultDescription", []).append(
            {
                "id": rd,
                "type": ["ResultDescription"],
                "name": f"Course {n}",
                "resultType": "LetterGrade",
            }
        )
        subject.setdefault("result", []).append(
            {"type": ["Result"], "resultDescription": rd, "value": "A"}
        )
    return credential


def median_ms(fn: Any, number: int, repeat: int = 7) -> float:
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1000


def main() -> None:
    key = generate(KeyType.ED25519, SEED)
    did = key.public.did_key
    vm = f"{did}#{did.split(':')[-1]}"
    resolver = DidResolver()
    loader = jsonld.default_loader()
    message = b"x" * 64
    sig = key.sign(message)
    floor = median_ms(lambda: key.public.verify(sig, message), 2000)
    rows = {}
    for label, n in (("degree", 0), ("transcript-200", 200)):
        doc = degree(did, n)
        size = len(json.dumps(doc))
        signed = proofs.sign(doc, key, verification_method=vm, created=NOW)
        assert proofs.verify(signed, resolver=resolver, now=NOW).verified

        def verify(signed: dict[str, Any] = signed) -> None:
            forget = getattr(loader, "forget_expansions", None)
            if forget:
                forget()
            assert proofs.verify(signed, resolver=resolver, now=NOW).verified

        def sign(doc: dict[str, Any] = doc) -> None:
            forget = getattr(loader, "forget_expansions", None)
            if forget:
                forget()
            proofs.sign(doc, key, verification_method=vm, created=NOW)

        number = 50 if n == 0 else 5
        rows[f"{label} verify ({size} B)"] = median_ms(verify, number)
        if n == 0:
            rows[f"{label} sign ({size} B)"] = median_ms(sign, number)
    print(f"raw Ed25519 verify: {floor * 1000:.1f} us")
    for name, ms in rows.items():
        print(f"{name}: {ms:.3f} ms = {ms / floor:.1f}x floor")


if __name__ == "__main__":
    main()
