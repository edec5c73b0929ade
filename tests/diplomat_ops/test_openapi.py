"""The OpenAPI documents: valid OpenAPI 3.1, merged with the common part without clashes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from diplomat_ops.openapi import OpenApiDocumentError, load_document, openapi_path

SERVICES = ("issuer.web", "verifier.web")


@pytest.mark.parametrize("package", SERVICES)
def test_each_service_document_is_valid_openapi_3_1(package: str) -> None:
    document = load_document(resources.files(package).joinpath("openapi.yaml"), version="1.2.3")
    validate(document)  # raises OpenAPIValidationError naming the offending node
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == "1.2.3"
    for common in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert common in document["paths"]
    assert "Problem" in document["components"]["schemas"]


@pytest.mark.parametrize("package", SERVICES)
def test_every_operation_has_an_id_a_tag_and_documented_responses(package: str) -> None:
    document = load_document(resources.files(package).joinpath("openapi.yaml"), version="0")
    ids = []
    for path, item in document["paths"].items():
        for verb, operation in item.items():
            if verb not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation.get("tags"), f"{verb} {path} has no tag"
            assert operation["responses"], f"{verb} {path} documents no response"
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_a_service_cannot_redefine_a_common_path_or_component(tmp_path: Path) -> None:
    own = tmp_path / "openapi.yaml"
    own.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '0'}\npaths:\n  /healthz: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(OpenApiDocumentError, match="paths//healthz is already in"):
        load_document(own, version="0")
    own.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '0'}\npaths: {}\n"
        "components:\n  schemas:\n    Problem: {type: object}\n",
        encoding="utf-8",
    )
    with pytest.raises(OpenApiDocumentError, match="components/schemas/Problem"):
        load_document(own, version="0")


def test_an_unreadable_document_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("paths: [unclosed", encoding="utf-8")
    with pytest.raises(OpenApiDocumentError, match=r"cannot read openapi\.yaml"):
        load_document(broken, version="0")
    broken.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(OpenApiDocumentError, match="not a YAML mapping"):
        load_document(broken, version="0")


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/api/batches/<int:batch_id>", "/api/batches/{batch_id}"),
        ("/credentials/<path:credential_id>", "/credentials/{credential_id}"),
        ("/status/<purpose>/<int:number>", "/status/{purpose}/{number}"),
        ("/x/<any(a, b):kind>", "/x/{kind}"),
        ("/.well-known/did.json", "/.well-known/did.json"),
    ],
)
def test_flask_rules_become_openapi_path_templates(rule: str, path: str) -> None:
    assert openapi_path(rule) == path
