"""The OpenAPI 3.1 documents: one YAML file per service (package data), plus the common part.

``openapi-common.yaml`` (beside this module) describes what every service has: ``/healthz``,
``/readyz``, ``/metrics``, ``/openapi.json``, the problem-details schema and the error responses.
Each service's own file (``issuer/web/openapi.yaml``, ``verifier/web/openapi.yaml``) describes
its endpoints and may refer to the common components (``#/components/responses/NotFound``,
``#/components/schemas/Problem``, ...). ``load_document`` merges the two; a path or component
named in both is an error, so a service cannot silently replace a common one.

Adding an endpoint: add its path (Flask's ``<int:batch_id>`` becomes ``{batch_id}``), each
method, and every status it answers, with a schema for each JSON body, to the service's file.
The tests fail for a route the document does not describe and for a response the tests see that
it does not allow.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from importlib import resources
from importlib.abc import Traversable
from typing import Any

COMMON = "openapi-common.yaml"
_CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([A-Za-z_][A-Za-z0-9_]*)>")


class OpenApiDocumentError(ValueError):
    """A service's OpenAPI file cannot be read or clashes with the common part."""


def read_yaml(source: Traversable) -> dict[str, Any]:
    """Parse one YAML file into a mapping. Raises OpenApiDocumentError."""
    import yaml  # here: a worker that is never asked for /openapi.json never holds PyYAML

    try:
        loaded = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OpenApiDocumentError(f"cannot read {source.name}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise OpenApiDocumentError(f"{source.name} is not a YAML mapping")
    return loaded


def _merge_section(into: dict[str, Any], extra: Mapping[str, Any], where: str, name: str) -> None:
    for key, value in extra.items():
        if key in into:
            raise OpenApiDocumentError(f"{name}: {where}/{key} is already in {COMMON}")
        into[key] = value


def load_document(service_file: Traversable, *, version: str) -> dict[str, Any]:
    """The service's document merged with the common part, ``info.version`` set to
    ``version``. Raises OpenApiDocumentError."""
    common = read_yaml(resources.files(__package__).joinpath(COMMON))
    own = read_yaml(service_file)
    document = copy.deepcopy(own)
    document.setdefault("info", {})["version"] = version
    paths = document.setdefault("paths", {})
    _merge_section(paths, common.get("paths", {}), "paths", service_file.name)
    components = document.setdefault("components", {})
    for section, entries in common.get("components", {}).items():
        _merge_section(
            components.setdefault(section, {}),
            entries,
            f"components/{section}",
            service_file.name,
        )
    return document


def openapi_path(rule: str) -> str:
    """The OpenAPI path template of a Flask URL rule: ``/batches/<int:batch_id>`` →
    ``/batches/{batch_id}``."""
    return _CONVERTER.sub(lambda match: "{" + match.group(1) + "}", rule)
