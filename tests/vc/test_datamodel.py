"""vc.datamodel: the VC-DM rules for optional properties, each error naming its section."""

from __future__ import annotations

from typing import Any

import pytest

from vc.datamodel import check_properties
from vc.errors import MalformedValueError

ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
RESOURCE = "https://www.w3.org/ns/credentials/v2"


def credential(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:subject"},
    }
    doc.update(overrides)
    return doc


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"issuer": {"id": ISSUER, "name": "Example University"}},
        {"termsOfUse": {"type": "IssuerPolicy", "id": "https://example.org/policy"}},
        {"evidence": [{"type": ["Evidence"]}, {"type": "Evidence", "id": "urn:uuid:1"}]},
        {"refreshService": {"type": "ManualRefreshService2018", "id": "https://r.example/"}},
        {"credentialSchema": {"id": "https://example.org/schema.json", "type": "JsonSchema"}},
        {"credentialStatus": {"type": "BitstringStatusListEntry"}},
        {"relatedResource": {"id": RESOURCE, "digestSRI": SRI}},
        {"relatedResource": [{"id": RESOURCE, "digestMultibase": MULTIBASE}]},
        {
            "relatedResource": [
                {"id": RESOURCE, "digestSRI": SRI, "mediaType": "application/ld+json"}
            ]
        },
    ],
)
def test_conforming_properties_pass(overrides: dict[str, Any]) -> None:
    check_properties(credential(**overrides), "2.0")


@pytest.mark.parametrize(
    ("overrides", "section", "fragment"),
    [
        ({"issuer": None}, "§4.7 Issuer", "null is not an issuer"),
        ({"issuer": {"name": "No id"}}, "§4.7 Issuer", "URL"),
        ({"issuer": "not a url"}, "§4.7 Issuer", "URL"),
        ({"termsOfUse": {"id": "https://example.org/policy"}}, "§5.5 Terms of Use", "type"),
        ({"termsOfUse": []}, "§5.5 Terms of Use", "empty"),
        ({"evidence": [{"type": "Evidence"}, {"id": "urn:x"}]}, "§5.6 Evidence", "type"),
        ({"evidence": "a string"}, "§5.6 Evidence", "object"),
        ({"refreshService": {"id": "https://r.example/"}}, "§5.4 Refreshing", "type"),
        ({"credentialSchema": {"id": "https://e.org/s.json"}}, "§4.11 Data Schemas", "type"),
        ({"credentialSchema": {"type": "JsonSchema"}}, "§4.11 Data Schemas", "id"),
        ({"credentialStatus": {"id": "urn:x"}}, "§4.10 Status", "type"),
        ({"credentialStatus": {"type": "X", "id": ["urn:a", "urn:b"]}}, "§4.10 Status", "URL"),
        ({"relatedResource": [RESOURCE]}, "§5.3 Integrity of Related Resources", "object"),
        ({"relatedResource": [{"digestSRI": SRI}]}, "§5.3", "id that is a URL"),
        (
            {
                "relatedResource": [
                    {"id": RESOURCE, "digestSRI": SRI},
                    {"id": RESOURCE, "digestMultibase": MULTIBASE},
                ]
            },
            "§5.3",
            "unique",
        ),
        ({"relatedResource": [{"id": RESOURCE}]}, "§5.3", "digestSRI or digestMultibase"),
        ({"relatedResource": [{"id": RESOURCE, "digestSRI": "md5-abc"}]}, "§5.3", "SRI"),
        ({"relatedResource": [{"id": RESOURCE, "digestMultibase": "xyz"}]}, "§5.3", "multibase"),
    ],
)
def test_each_error_names_its_section(
    overrides: dict[str, Any], section: str, fragment: str
) -> None:
    with pytest.raises(MalformedValueError) as caught:
        check_properties(credential(**overrides), "2.0")
    detail = caught.value.detail
    assert detail.startswith("VC-DM 2.0 " + section), detail
    assert fragment in detail
    assert caught.value.pointer == "/" + next(iter(overrides))


def test_vc_1_1_errors_name_the_1_1_section() -> None:
    with pytest.raises(MalformedValueError, match=r"VC-DM 1\.1 §5\.6 Terms of Use"):
        check_properties(credential(termsOfUse={"id": "urn:x"}), "1.1")
    with pytest.raises(MalformedValueError, match=r"VC-DM 1\.1 §4\.5 Issuer"):
        check_properties(credential(issuer=None), "1.1")
