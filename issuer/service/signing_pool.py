"""Signing degree credentials in worker processes: the CPU-heavy half of a batch, in parallel.

JSON-LD canonicalization (RDFC-1.0 in pyld) costs milliseconds per credential, so a batch keeps
the database work (status allocation, storing) in its own process and hands building, validating
and signing to spawned workers. Each worker loads the signing key from the key store once. A
worker whose parent dies (even by SIGKILL) exits by itself.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from issuer.degree import DegreeInput, IssuerProfile
from issuer.keystore import KeyStore
from issuer.service.issuing import Signer, build_and_sign
from issuer.store import SigningKey
from vc.errors import MalformedValueError, ParsingError, RangeValueError

SignOutcome = tuple[bool, Any]
"""(True, signed credential) or (False, the reason the row cannot be issued)"""

# Row failures: recorded as that row's error; anything else stops the batch.
ROW_ERRORS = (MalformedValueError, RangeValueError, ParsingError)

_worker: dict[str, Signer] = {}


@dataclass(frozen=True)
class SignerSpec:
    """A Signer without its private key: what crosses the process boundary."""

    issuer_id: int
    profile: IssuerProfile
    key_record: SigningKey
    suite: str
    schema_url: str
    keys_dir: str
    passphrase: bytes | None


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # orphaned: the batch runner is gone
        time.sleep(0.5)


def _init_worker(spec: SignerSpec, parent: int) -> None:
    # ``parent`` comes from the pool's creator, not from os.getppid() here: a worker still starting
    # up when the runner is killed would otherwise take its new parent (init) for the real one
    # and never exit.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    keystore = KeyStore(Path(spec.keys_dir), spec.passphrase)
    _worker["signer"] = Signer(
        issuer_id=spec.issuer_id,
        profile=spec.profile,
        key_record=spec.key_record,
        key=keystore.load(spec.key_record.private_key_ref),
        suite=spec.suite,
        schema_url=spec.schema_url,
    )


def _sign(
    inp: DegreeInput, credential_id: str, entries: list[dict[str, Any]], now: datetime
) -> SignOutcome:
    try:
        return True, build_and_sign(inp, _worker["signer"], credential_id, entries, now)
    except ROW_ERRORS as exc:
        return False, exc.detail  # returned, not raised: not all of our errors unpickle
    except Exception as exc:
        # Anything else stops the batch; RuntimeError survives the trip back to the parent.
        raise RuntimeError(f"signing worker failed: {type(exc).__name__}: {exc}") from None


class SigningPool:
    """A pool of ``workers`` spawned processes signing with ``signer``'s key."""

    def __init__(self, signer: Signer, keystore: KeyStore, workers: int) -> None:
        keys_dir, passphrase = keystore.worker_args()
        spec = SignerSpec(
            signer.issuer_id,
            signer.profile,
            signer.key_record,
            signer.suite,
            signer.schema_url,
            str(keys_dir),
            passphrase,
        )
        self._executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(spec, os.getpid()),
        )

    def submit(
        self, inp: DegreeInput, credential_id: str, entries: list[dict[str, Any]], now: datetime
    ) -> Future[SignOutcome]:
        return self._executor.submit(_sign, inp, credential_id, entries, now)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
