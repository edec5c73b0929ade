"""Property-based fuzzing of every verifier endpoint (bench.fuzzcatalog): mutated valid requests
(types, sizes, numbers, Unicode, nesting, headers, raw bytes) never get a 5xx, and every 4xx
problem is well formed. Bounded for `make test`; `make fuzz` runs the same mutations longer."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import webkit as kit
from flask.testing import FlaskClient
from fuzzing import SUITE, check
from hypothesis import given
from hypothesis import strategies as st

from bench.fuzzcatalog import VERIFIER_ENDPOINTS, VerifierTargets, verifier_request
from vc.jose import sign_vc_jwt
from verifier.web import create_app


@pytest.fixture(scope="module")
def fuzzed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FlaskClient, VerifierTargets]]:
    tmp = tmp_path_factory.mktemp("fuzz-verifier")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    with kit.DocumentServer() as server:
        list_url = server.url("/status/1")
        server.put("/status/1", kit.status_list(list_url, revoked=[3]), "application/vc")
        credential = kit.signed_degree(status_url=list_url, index=7)
        share_url = server.put("/share/good", credential)
        cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
        app = create_app(cfg, context_factory=kit.context_factory(cfg))
        jwt = sign_vc_jwt(kit.degree(), kit.UNIVERSITY, kit.vm(kit.UNIVERSITY))
        yield app.test_client(), VerifierTargets(credential, jwt, share_url)


@pytest.mark.parametrize("endpoint", VERIFIER_ENDPOINTS)
def test_no_verifier_endpoint_answers_5xx(
    fuzzed: tuple[FlaskClient, VerifierTargets], endpoint: str
) -> None:
    client, targets = fuzzed

    @SUITE
    @given(rng=st.randoms(use_true_random=False))
    def property(rng: random.Random) -> None:
        check(client, verifier_request(rng, targets, endpoint))

    property()
