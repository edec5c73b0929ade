"""The verifier's endpoints and pages under the inputs a fuzzing run found answering 500: huge
numbers, malformed IPv6 links, a verificationMethod array in the report page, foreign envelopes.
Each answer is a 4xx problem (or a page saying what is wrong), never a 500."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webkit as kit
from flask.testing import FlaskClient

from vc.jose import sign_vc_jwt
from verifier.web import create_app

HUGE = "9" * 5000


@dataclass
class World:
    client: FlaskClient
    good: dict[str, Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("webhostile")
    registry = kit.write_json(tmp / "registry.json", kit.signed_registry())
    cfg = kit.config(registry, database_url=f"sqlite:///{tmp / 'verifier.sqlite3'}")
    app = create_app(cfg, context_factory=kit.context_factory(cfg))
    yield World(app.test_client(), kit.signed_degree())


@pytest.mark.parametrize("path", ["/credentials/verify", "/api/verify", "/presentations/verify"])
def test_a_number_of_thousands_of_digits_is_a_400(world: World, path: str) -> None:
    body = '{"verifiableCredential": {"n": ' + HUGE + "}}"
    response = world.client.post(path, data=body, content_type="application/json")
    kit.assert_problem(response, 400)


def test_a_huge_number_inside_a_credential_is_a_400_everywhere(world: World) -> None:
    text = json.dumps(world.good)[:-1] + ', "n": -' + HUGE + "}"
    kit.assert_problem(
        world.client.post("/api/verify", data=text, content_type="application/json"), 400
    )
    for path, data in (
        ("/verify/paste", {"credential": text}),
        ("/verify/upload", {"file": (io.BytesIO(text.encode()), "vc.json")}),
    ):
        page = world.client.post(path, data=data, headers={"Accept": "text/html"})
        assert 400 <= page.status_code < 500, (path, page.status_code)
        assert "Traceback" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["http://%5B::1", "https://[::1/share/x", "https://[zz::1]/share", "http://[::1]:99999/"]
)
def test_a_malformed_ipv6_link_is_a_400_page(world: World, url: str) -> None:
    page = world.client.get(f"/verify?url={url}", headers={"Accept": "text/html"})
    assert page.status_code == 400, page.get_data(as_text=True)[:300]
    assert "text/html" in page.content_type
    pasted = world.client.post(
        "/verify/paste",
        data={"credential": url.replace("%5B", "[")},
        headers={"Accept": "text/html"},
    )
    assert pasted.status_code == 400


def test_a_verification_method_array_renders_the_report_page(world: World) -> None:
    credential = kit.signed_degree()
    credential["proof"]["verificationMethod"] = [kit.vm(kit.UNIVERSITY)] * 2
    page = world.client.post(
        "/verify/paste",
        data={"credential": json.dumps(credential)},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    assert 'data-verdict="not_verified"' in page.get_data(as_text=True)


@pytest.mark.parametrize("media", ["text/html", "application/json", "text/plain;base64"])
def test_an_envelope_of_another_media_type_is_a_400(world: World, media: str) -> None:
    token = sign_vc_jwt(kit.degree(), kit.UNIVERSITY, kit.vm(kit.UNIVERSITY))
    envelope = {
        "@context": [kit.VC2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:{media},{token}",
    }
    response = world.client.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert kit.assert_problem(response, 400)["pointer"] == "/verifiableCredential/id"


def test_the_report_labels_a_self_asserted_issuer_name(world: World, tmp_path: Path) -> None:
    unlisted = kit.signed_degree(kit.UNLISTED)
    page = world.client.post(
        "/verify/paste", data={"credential": json.dumps(unlisted)}, headers={"Accept": "text/html"}
    )
    assert "as the credential states it" in page.get_data(as_text=True)
