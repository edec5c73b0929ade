"""The signing worker's side of issuer.service.signing_pool: what runs in each spawned process.

A worker imports this module, the degree model and the standards core, not the issuer's service
layer (store, SQLAlchemy, Flask, images): a spawned worker starts in about 0.2 s instead of a
second. It warms up once (a throwaway credential signed, so the JSON-LD contexts are compiled
before the first row), keeps each signing key it loads, and exits by itself when its parent dies
(even by SIGKILL). What crosses the process boundary (SignerSpec, SignJob) holds no database
record.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from issuer.degree import DegreeInput, IssuerProfile
from issuer.keystore import KeyStore
from issuer.signing import KeyRecord, Signer, build_and_sign
from vc import strictjson
from vc.errors import MalformedValueError, ParsingError, RangeValueError

SignOutcome = tuple[bool, Any]
"""(True, the signed credential's JSON text) or (False, the reason the row cannot be issued)"""
SignJob = tuple[DegreeInput, str, list[dict[str, Any]], datetime]
"""(input, credential id, status entries, issue time)"""

# Row failures: recorded as that row's error; anything else stops the batch.
ROW_ERRORS = (MalformedValueError, RangeValueError, ParsingError)

_signers: dict[tuple[object, ...], Signer] = {}


@dataclass(frozen=True)
class KeyRef:
    """The fields of a signing key's record that signing reads (issuer.signing.KeyRecord),
    without the store's class: unpickling it in a worker imports nothing of the store."""

    id: int
    key_id: str
    key_type: str
    private_key_ref: str

    @classmethod
    def of(cls, record: KeyRecord) -> KeyRef:
        return cls(record.id, record.key_id, record.key_type, record.private_key_ref)


@dataclass(frozen=True)
class SignerSpec:
    """A Signer without its private key: what crosses the process boundary."""

    issuer_id: int
    profile: IssuerProfile
    key_record: KeyRef
    suite: str
    schema_url: str
    keys_dir: str
    passphrase: bytes | None

    @classmethod
    def of(cls, signer: Signer, keystore: KeyStore) -> SignerSpec:
        keys_dir, passphrase = keystore.worker_args()
        return cls(
            signer.issuer_id,
            signer.profile,
            KeyRef.of(signer.key_record),
            signer.suite,
            signer.schema_url,
            str(keys_dir),
            passphrase,
        )

    def cache_key(self) -> tuple[object, ...]:
        record = self.key_record
        return (
            self.issuer_id,
            record.id,
            record.private_key_ref,
            self.suite,
            self.schema_url,
            repr(self.profile),
            self.keys_dir,
        )


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # orphaned: the batch runner is gone
        time.sleep(0.5)


def warm_up() -> None:
    """Sign a throwaway degree: the modules, the JSON Schemas and the processed JSON-LD contexts
    are loaded before the first real row (and kept: the worker lives on)."""
    from issuer.degree import parse_input
    from vc.keys import generate
    from vc.status import status_entry

    key = generate()
    profile = IssuerProfile(
        did=key.public.did_key, legal_name="Warm-up", url="https://warm-up.example", country="KZ"
    )
    created = datetime(2025, 1, 1, tzinfo=UTC)
    vm = f"{key.public.did_key}#{key.public.multikey}"
    record = KeyRef(0, vm, "Ed25519", "")
    signer = Signer(
        issuer_id=0,
        profile=profile,
        key_record=record,
        key=key,
        suite="eddsa-rdfc-2022",
        schema_url="https://warm-up.example/schemas/degree-credential.schema.json",
    )
    inp = parse_input(
        {
            "full_name": "Warm Up",
            "achievement_type": "BachelorDegree",
            "degree_title": "Bachelor of Science",
            "field_of_study": "Computer Science",
            "isced_field": "0613",
            "awarded_date": "2025-06-27",
            "diploma_number": "WARM-UP",
            "ects_available": 240,
            "gpa": 3.5,
            "gpa_scale": 4,
        }
    )
    entries = [
        status_entry(list_id="https://warm-up.example/status/1", index=0, purpose=purpose)
        for purpose in ("revocation", "suspension")
    ]
    build_and_sign(inp, signer, "urn:uuid:00000000-0000-4000-8000-000000000000", entries, created)


def init_worker(parent: int) -> None:
    # ``parent`` comes from the pool's creator, not from os.getppid() here: a worker still starting
    # up when the runner is killed would otherwise take its new parent (init) for the real one
    # and never exit.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    # Warming is an optimisation: a failure here shows again, as a row error, on the real rows.
    with contextlib.suppress(Exception):
        warm_up()


def _signer(spec: SignerSpec) -> Signer:
    key = spec.cache_key()
    signer = _signers.get(key)
    if signer is None:
        keystore = KeyStore(Path(spec.keys_dir), spec.passphrase)
        signer = Signer(
            issuer_id=spec.issuer_id,
            profile=spec.profile,
            key_record=spec.key_record,
            key=keystore.load(spec.key_record.private_key_ref),
            suite=spec.suite,
            schema_url=spec.schema_url,
        )
        _signers[key] = signer
    return signer


def sign_job(signer: Signer, job: SignJob) -> SignOutcome:
    """Build, validate, sign and serialize one row: (True, JSON text) or (False, reason)."""
    inp, credential_id, entries, now = job
    try:
        return True, strictjson.dumps(build_and_sign(inp, signer, credential_id, entries, now))
    except ROW_ERRORS as exc:
        return False, exc.detail  # returned, not raised: not all of our errors unpickle


def sign_many(spec: SignerSpec, jobs: Sequence[SignJob]) -> list[SignOutcome]:
    try:
        signer = _signer(spec)
        return [sign_job(signer, job) for job in jobs]
    except Exception as exc:
        # Anything else stops the batch; RuntimeError survives the trip back to the parent.
        raise RuntimeError(f"signing worker failed: {type(exc).__name__}: {exc}") from None


def ready() -> int:
    return os.getpid()
