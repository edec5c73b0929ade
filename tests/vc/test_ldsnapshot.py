"""vc.ldsnapshot: contexts processed ahead of time are pyld's, and a degree is verified without pyld.

The stored schemas/compiled-contexts.json is made again from pyld and compared byte for byte; a
compiler restored from it must hold what pyld makes; what it lacks is processed by pyld, with the
same answer; a process that signs and verifies degrees never imports pyld (nor asyncio, which
pyld imports); the per-context memos of vc.ldcontext stay bounded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vc import jsonld, ldsnapshot
from vc.jsonld import StaticDocumentLoader, vendored_contexts
from vc.ldcontext import MAX_MEMO, ContextCompiler

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"


def _run(args: list[str], timeout: float = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def test_the_stored_snapshot_is_what_pyld_makes_today() -> None:
    done = _run(["tools/compile_contexts.py", "--check"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is up to date" in done.stdout


def test_a_restored_compiler_holds_the_snapshot_exactly() -> None:
    snapshot = ldsnapshot.stored()
    assert snapshot is not None
    compiler = ContextCompiler(StaticDocumentLoader(), snapshot)
    again = ldsnapshot.capture(compiler)
    assert json.dumps(again, sort_keys=True) == json.dumps(snapshot, sort_keys=True)
    assert len(snapshot["contexts"]) > 10 and snapshot["transitions"]


def test_the_default_loader_starts_from_the_snapshot() -> None:
    loader = StaticDocumentLoader()
    snapshot = ldsnapshot.stored()
    assert snapshot is not None
    assert len(loader.compiler().contexts()) == len(snapshot["contexts"])
    # tools/compile_contexts.py asks for a compiler without it (pyld processes every context)
    assert len(StaticDocumentLoader(snapshot=False).compiler().contexts()) == 1


def test_a_context_the_snapshot_lacks_is_processed_by_pyld() -> None:
    # A VC 1.1 credential: the snapshot holds only VC 2.0 documents.
    document = {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    loader = StaticDocumentLoader()
    before = len(loader.compiler().contexts())
    compiled = jsonld.compiled_canonize(document, loader)
    assert compiled is not None  # the compiled path, with a context pyld processed just now
    assert len(loader.compiler().contexts()) > before
    assert compiled == jsonld.pyld_canonize(document, StaticDocumentLoader())


def test_an_extra_context_is_processed_by_pyld_beside_the_snapshot() -> None:
    extra = "https://contexts.example/extra/v1"
    loader = StaticDocumentLoader({extra: {"@context": {"motto": "https://example.org/motto"}}})
    assert len(loader.compiler().contexts()) == len(StaticDocumentLoader().compiler().contexts())
    document = {"@context": [V2, extra], "type": "VerifiableCredential", "motto": "x"}
    canonical = jsonld.compiled_canonize(document, loader)
    assert canonical is not None and "<https://example.org/motto>" in canonical
    assert canonical == jsonld.pyld_canonize(document, loader)


def test_a_loader_serving_another_document_at_a_vendored_url_does_not_use_the_snapshot() -> None:
    # The snapshot was made from the vendored documents themselves: another document at one of
    # their URLs (even an equal copy) means a compiler that starts empty and asks pyld.
    copy = json.loads(json.dumps(vendored_contexts()[V2]))
    loader = StaticDocumentLoader({V2: copy})
    assert len(loader.compiler().contexts()) == 1  # the initial context alone
    document = {"@context": [V2], "type": "VerifiableCredential", "name": "x"}
    assert jsonld.compiled_canonize(document, loader) == jsonld.canonize(document)


SIGN_AND_VERIFY = """
import sys
from datetime import UTC, datetime
from issuer.degree import IssuerProfile, build_credential, parse_input
from vc import proofs
from vc.dids import DidResolver
from vc.keys import generate
from vc.status import status_entry

key = generate(seed=bytes(32))
profile = IssuerProfile(did=key.public.did_key, legal_name="U", url="https://u.example", country="KZ")
row = {
    "full_name": "A B", "student_number": "S-1", "achievement_type": "MasterDegree",
    "degree_title": "Master of Science", "field_of_study": "Software Engineering",
    "awarded_date": "2025-06-27", "diploma_number": "D-1", "isced_field": "0613",
    "eqf_level": "7",
}
entries = [
    status_entry(list_id=f"https://u.example/status/{p}/1", index=7, purpose=p)
    for p in ("revocation", "suspension")
]
credential = build_credential(
    parse_input(row), profile, credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
    valid_from=datetime(2025, 7, 1, tzinfo=UTC), status_entries=entries,
)
method = f"{key.public.did_key}#{key.public.multikey}"
signed = proofs.sign(credential, key, verification_method=method, created=datetime(2025, 7, 1, tzinfo=UTC))
assert proofs.verify(signed, resolver=DidResolver(), now=datetime(2026, 1, 1, tzinfo=UTC)).verified
from vc import jsonld
print(sorted(m for m in ("pyld", "asyncio", "frozendict") if m in sys.modules), jsonld.compiled_counts())
"""


def test_signing_and_verifying_a_degree_imports_no_pyld() -> None:
    done = _run(["-c", SIGN_AND_VERIFY])
    assert done.returncode == 0, done.stderr
    imported, counts = done.stdout.strip().split(" ", 1)[0], done.stdout.strip()
    assert imported == "[]", counts
    assert "'fallbacks': {}" in counts


def test_memos_stay_bounded_whatever_the_input() -> None:
    context = StaticDocumentLoader().compiler().root.process(V2)
    for n in range(3 * MAX_MEMO):
        assert context.expand_id(f"urn:example:{n}") == f"urn:example:{n}"
        assert context.expand_vocab(f"https://example.org/term/{n}")
    memos: dict[str, Any] = {"ids": context._iri, "vocab": context._vocab_iri}
    assert all(0 < len(table) <= MAX_MEMO for table in memos.values())
    assert context.expand_vocab("name") == "https://schema.org/name"  # still right after a reset
