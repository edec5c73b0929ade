"""Property-based fuzzing of every issuer endpoint (bench.fuzzcatalog): mutated valid requests
(types, sizes, numbers, Unicode, nesting, headers, raw bytes) never get a 5xx, and every 4xx
problem is well formed. Bounded for `make test`; `make fuzz` runs the same mutations longer."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fuzzing import SUITE, check
from hypothesis import given
from hypothesis import strategies as st
from webfixtures import PASSWORD, WebEnv, degree_input, issue, make_env

from bench.fuzzcatalog import ISSUER_ENDPOINTS, IssuerTargets, issuer_request


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebEnv, IssuerTargets]]:
    env = make_env(tmp_path_factory.mktemp("fuzz-issuer"))
    issued = issue(env)
    batch = env.client.post("/api/batches", json=[degree_input()], headers=env.auth())
    assert batch.status_code == 202, batch.get_data(as_text=True)
    page = env.client.get("/console/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    login = env.client.post(
        "/console/login",
        data={"username": "registrar", "password": PASSWORD, "csrf_token": csrf[1], "next": ""},
    )
    assert login.status_code == 303
    manage = urlsplit(issued["managementUrl"])
    _link, _token, share_url = env.service.sharing.create_share_link(
        issued["credentialId"], actor="fuzz"
    )
    targets = IssuerTargets(
        registrar=env.tokens["registrar"],
        admin=env.tokens["admin"],
        degree_input=degree_input(),
        credential_id=issued["credentialId"].rsplit("/", 1)[-1],
        share_path=urlsplit(share_url).path,
        manage_path=f"{manage.path}?{manage.query}",
        batch_id=int(batch.get_json()["batchId"]),
    )
    yield env, targets
    env.wait_for_batches()
    env.service.close()


@pytest.mark.parametrize("endpoint", ISSUER_ENDPOINTS)
def test_no_issuer_endpoint_answers_5xx(
    fuzzed: tuple[WebEnv, IssuerTargets], endpoint: str, tmp_path: Path
) -> None:
    env, targets = fuzzed

    @SUITE
    @given(rng=st.randoms(use_true_random=False))
    def property(rng: random.Random) -> None:
        check(env.client, issuer_request(rng, targets, endpoint))

    property()
