"""Wallet-side helpers for the wallet tests: a did:key holder that answers a VC-API exchange
and makes OpenID4VCI key proofs, the holder-page forms, and the Node scripts' runner."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from jwcrypto import jwk, jws
from webfixtures import WebEnv, issue

from vc.contexts import VC_V2
from vc.keys import KeyPair, generate
from vc.oid4vci import PROOF_TYP
from vc.proofs import sign

REPO = Path(__file__).resolve().parents[2]
NODE_SCRIPTS = Path(__file__).resolve().parent / "wallets"
NODE_TIMEOUT = 90


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Holder:
    """A graduate's diploma as the holder page sees it: id, management token, issued body."""

    env: WebEnv
    credential_id: str
    token: str
    issued: dict[str, Any]

    @classmethod
    def issue(cls, env: WebEnv, **overrides: Any) -> Holder:
        overrides.setdefault("diploma_number", f"W-{secrets.token_hex(4)}")
        issued = issue(env, **overrides)
        parts = urlsplit(issued["managementUrl"])
        token = parse_qs(parts.query)["token"][0]
        credential_id = unquote(parts.path.removeprefix("/manage/"))
        return cls(env, credential_id, token, issued)

    def manage_path(self) -> str:
        return path_of(self.issued["managementUrl"])

    def wallet_page(self, protocol: str) -> str:
        path = urlsplit(self.issued["managementUrl"]).path + f"/wallet/{protocol}"
        response = self.env.client.post(path, data={"token": self.token})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    def wallet_links(self, protocol: str) -> list[str]:
        html = self.wallet_page(protocol)
        return [
            link.replace("&amp;", "&")
            for link in re.findall(r'<code class="wallet-url">([^<]+)</code>', html)
        ]


@dataclass
class Wallet:
    """A did:key wallet (Ed25519) of our own, for the protocol's failure cases."""

    key: KeyPair = field(default_factory=generate)

    @property
    def did(self) -> str:
        return self.key.public.did_key

    @property
    def kid(self) -> str:
        return f"{self.did}#{self.did.removeprefix('did:key:')}"

    def presentation(
        self, challenge: str, domain: str | None, now: datetime, holder: str | None = None
    ) -> dict[str, Any]:
        unsigned = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder or self.did,
        }
        return sign(
            unsigned,
            self.key,
            verification_method=self.kid,
            created=now,
            proof_purpose="authentication",
            challenge=challenge,
            domain=domain,
        )

    def proof_jwt(
        self,
        *,
        audience: str,
        nonce: str | None,
        iat: int | None = None,
        typ: str = PROOF_TYP,
        header: dict[str, Any] | None = None,
    ) -> str:
        claims: dict[str, Any] = {
            "aud": audience,
            "iat": iat if iat is not None else int(time.time()),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        protected = header or {"alg": "EdDSA", "typ": typ, "kid": self.kid}
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(
            jwk.JWK(**self.key.private_jwk()), alg=None, protected=json.dumps(protected)
        )
        return str(token.serialize(compact=True))


def node_or_skip() -> str:
    """The node binary, or a skip saying why (node and the npm packages are test tools)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the wallet interop tests need Node.js 20+")
    if not (REPO / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.skip("node_modules is absent: run `make browser-deps` (npm ci)")
    return node


def run_node(script: str, *args: str) -> dict[str, Any]:
    """Run one of tests/issuer/wallets/*.mjs; its last stdout line is its JSON result."""
    run = subprocess.run(
        [node_or_skip(), str(NODE_SCRIPTS / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    assert run.returncode == 0, f"{script} failed:\n{run.stdout}\n{run.stderr}"
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines, f"{script} printed nothing:\n{run.stderr}"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    return result


def diplomat_verify(credential: dict[str, Any] | str) -> Any:
    """Diplomat's verifier on ``credential`` (a document or a vc+jwt), its status lists read from
    the live issuer over HTTP first (the verifier's own fetcher refuses loopback addresses)."""
    import base64
    import urllib.request

    from vc.dids import DidResolver
    from vc.fetch import StaticFetcher
    from verifier.context import VerifierContext
    from verifier.report import verify_credential
    from verifier.statuscache import StatusListCache

    document = credential
    if isinstance(credential, str):
        payload = credential.split(".")[1]
        document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(document, dict)
    lists: dict[str, bytes] = {}
    for entry in document.get("credentialStatus", []):
        url = entry["statusListCredential"]
        request = urllib.request.Request(url, headers={"Accept": "application/vc"})
        with urllib.request.urlopen(request, timeout=30) as response:  # 127.0.0.1
            lists[url] = response.read()
    resolver = DidResolver()
    context = VerifierContext(
        resolver=resolver,
        status_lists=StatusListCache(StaticFetcher(lists), resolver=resolver),
    )
    return verify_credential(credential, context)


class RecordingNotifier:
    """A TxCodeNotifier that keeps what it was asked to send: (credential id, code)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def reaches(self, credential: Any) -> bool:
        return True

    def send_tx_code(self, credential: Any, tx_code: str) -> None:
        self.sent.append((credential.id, tx_code))
