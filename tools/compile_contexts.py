"""Make schemas/compiled-contexts.json: the contexts Diplomat's credentials reach, processed by pyld.

Run: .venv/bin/python tools/compile_contexts.py          (writes the file)
     .venv/bin/python tools/compile_contexts.py --check  (exit 1 if the stored file differs;
                                                          tests/vc/test_ldsnapshot.py runs it)

Every document here is canonicalized and safe-mode checked with a loader whose compiler starts
empty (pyld processes every context); vc.ldsnapshot then stores what that compiler made. The
documents are what a verifier reads most: the issuer's degree credential (with course results and
both status entries) signed by each RDF suite, its status list credentials, and an accreditation
registry credential (the demo registry). Anything else
still works: its contexts are processed by pyld when first met. (A presentation is not here: the
VC 2.0 context scopes "@context": null to its verifiableCredential, which only pyld's path
implements.)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import transcripts  # noqa: E402  (the repository root first)
from vc import jsonld, ldsnapshot, proofs  # noqa: E402
from vc.keys import KeyType, generate  # noqa: E402
from vc.status import Bitstring, status_list_credential  # noqa: E402
from verifier.registry.signed import registry_credential  # noqa: E402

TARGET = REPO / "schemas" / ldsnapshot.SNAPSHOT_FILE
CREATED = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
# (suite, key type): every suite whose proof is canonicalized as RDF.
RDF_SUITES = (
    ("eddsa-rdfc-2022", KeyType.ED25519),
    ("ecdsa-rdfc-2019", KeyType.P256),
    ("ecdsa-rdfc-2019", KeyType.P384),
    ("Ed25519Signature2020", KeyType.ED25519),
)


def _signed(document: dict[str, Any], suite: str, key_type: KeyType) -> Any:
    key = generate(key_type, seed=bytes(32))
    method = transcripts.verification_method(key)
    return proofs.sign(document, key, verification_method=method, created=CREATED, suite=suite)


def documents() -> list[dict[str, Any]]:
    """The documents whose contexts the snapshot holds."""
    key = generate(KeyType.ED25519, seed=bytes(32))
    degree = transcripts.degree(key, courses=2)
    out = []
    for suite, key_type in RDF_SUITES:
        required = proofs.get_suite(suite).required_context
        document = degree
        if required and required not in degree["@context"]:
            document = {**degree, "@context": [*degree["@context"], required]}
        out.append(_signed(document, suite, key_type))
    for purpose in ("revocation", "suspension"):
        listed = status_list_credential(
            list_id=f"{transcripts.STATUS_BASE}/{purpose}/1",
            issuer=key.public.did_key,
            purpose=purpose,
            bitstring=Bitstring(bytes(16_384)),
            valid_from=CREATED,
        )
        out.append(_signed(listed, "eddsa-rdfc-2022", KeyType.ED25519))
    registry = json.loads((REPO / "samples" / "registry-demo.json").read_text(encoding="utf-8"))
    operator = registry["operator"]["id"]
    signed_registry = registry_credential(registry, operator_did=operator, valid_from=CREATED)
    out.append(_signed(signed_registry, "eddsa-rdfc-2022", KeyType.ED25519))
    return out


def build() -> str:
    """The snapshot's JSON text, made from pyld and the vendored contexts."""
    loader = jsonld.StaticDocumentLoader(snapshot=False)  # pyld processes every context
    for document in documents():
        jsonld.check_safe_mode(document, loader)
        jsonld.canonize(proofs.unsecured(document), loader)
    counts = jsonld.compiled_counts()
    if counts["fallbacks"]:
        raise SystemExit(f"a seed document fell back to pyld: {counts['fallbacks']}")
    snapshot = ldsnapshot.capture(loader.compiler())
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        stored = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if stored != text:
            print(f"{TARGET.relative_to(REPO)} is stale: run python tools/compile_contexts.py")
            return 1
        print(f"{TARGET.relative_to(REPO)} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
