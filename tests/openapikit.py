"""Holds the services to their OpenAPI documents: every response a Flask test client sees is
checked against the document of the app that answered it (tests/conftest.py installs the check).

For a request whose route the document describes, the response's status must be documented for
that method, its media type documented for that status, and a JSON body must validate against
the documented schema (JSON Schema 2020-12, the OpenAPI 3.1 dialect, with ``$ref`` resolved in
the whole document). Every route of an app that the document does not describe must be on
``NOT_JSON`` with the reason: ``undocumented_routes`` lists the ones that are not, and
tests/diplomat_ops/test_openapi.py fails on them.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from diplomat_ops import EXTENSION, ops
from diplomat_ops.openapi import openapi_path

# Routes that answer no JSON, so the documents leave them out: service -> {rule: reason}.
NOT_JSON: Mapping[str, Mapping[str, str]] = {
    "issuer": {
        "/": "redirects to the console",
        "/static/<path:filename>": "the pages' stylesheets and scripts",
        "/console/login": "console page (HTML form)",
        "/console/logout": "console form action (redirect)",
        "/console/": "console page (HTML)",
        "/console/issue": "console page (HTML form)",
        "/console/batches/new": "console page (HTML form)",
        "/console/batches/<int:batch_id>": "console page (HTML)",
        "/console/credentials": "console page (HTML)",
        "/console/credentials/<path:credential_id>": "console page (HTML)",
        "/console/credentials/<path:credential_id>/management-link": "console form action (HTML)",
        "/console/credentials/<path:credential_id>/status": "console form action (redirect)",
        "/console/credentials/<path:credential_id>/download": "a file download for the console",
        "/manage/<path:credential_id>": "the graduate's management page (HTML)",
        "/claim/<token>": "the graduate's page a claim link opens (HTML)",
        "/console/batches/<int:batch_id>/claim-links": "a batch's claim links as a CSV download",
        "/console/batches/<int:batch_id>/claim-links/renew": "console form action (redirect)",
        "/console/batches/<int:batch_id>/start": "console form action (redirect)",
        "/manage/<path:credential_id>/links": "management page form action (HTML)",
        "/manage/<path:credential_id>/links/<int:link_id>/revoke": "management form (redirect)",
        "/manage/<path:credential_id>/diploma.pdf": "the graduate's diploma (a PDF download)",
        "/console/batches/<int:batch_id>/diplomas.zip": "a batch's diploma PDFs (a ZIP download)",
        "/manage/<path:credential_id>/wallet/vc-api": "holder page form: wallet links (HTML)",
        "/manage/<path:credential_id>/wallet/oid4vci": "holder page form: wallet offer (HTML)",
    },
    "verifier": {
        "/": "the employer's landing page (HTML)",
        "/static/<path:filename>": "the pages' stylesheets",
        "/verify": "the report page a QR code opens, and its form (HTML)",
        "/verify/paste": "report page for a pasted credential (HTML)",
        "/verify/upload": "report page for an uploaded file or QR image (HTML)",
        "/verify/record": "the verification record (a PDF page)",
        "/verify/bulk": "the bulk upload page and its form (HTML)",
        "/verify/bulk/<job_id>": "a bulk job's page (HTML)",
    },
}
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@dataclass
class Checker:
    """Validates responses against one app's document (validators cached per schema)."""

    service: str
    document: dict[str, Any]
    uri: str = ""
    registry: Registry = field(default_factory=Registry)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.uri = f"urn:diplomat:openapi:{self.service}"
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.uri, resource)

    def resolve(self, node: Mapping[str, Any], pointer: str) -> tuple[Mapping[str, Any], str]:
        """Follow a local ``$ref`` (to a response or parameter object)."""
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, pointer
        assert ref.startswith("#/"), f"{self.service}: only local $refs, not {ref}"
        target: Any = self.document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target, ref[1:]

    def validator(self, pointer: str) -> Draft202012Validator:
        found = self._validators.get(pointer)
        if found is None:
            found = Draft202012Validator({"$ref": f"{self.uri}#{pointer}"}, registry=self.registry)
            self._validators[pointer] = found
        return found

    def operation(self, rule: str, method: str) -> tuple[Mapping[str, Any], str] | None:
        path = openapi_path(rule)
        item = self.document["paths"].get(path)
        if item is None:
            return None
        verb = "get" if method == "HEAD" else method.lower()
        operation = item.get(verb)
        if operation is None:
            return None
        return operation, f"/paths/{_escape(path)}/{verb}"

    def check(self, rule: str, method: str, response: TestResponse) -> None:
        """Raise AssertionError when ``response`` is not what the document allows."""
        where = f"{self.service}: {method} {rule} -> {response.status_code} ({response.mimetype})"
        found = self.operation(rule, method)
        if found is None:
            # Not described: a page on NOT_JSON, or a route a test added. Routes of the app
            # itself that are neither are caught by undocumented_routes.
            return
        operation, pointer = found
        status = str(response.status_code)
        responses = operation["responses"]
        if status not in responses:
            raise AssertionError(f"{where}: status {status} is not documented for this operation")
        entry, pointer = self.resolve(responses[status], f"{pointer}/responses/{status}")
        content = entry.get("content", {})
        body = response.get_data()
        if 300 <= response.status_code < 400 or (not body and not content):
            return  # redirects and 304 carry no body worth describing
        media = response.mimetype
        if media == "text/html" and response.status_code >= 400:
            # Every error is also a small HTML page for a browser (an Accept header preferring
            # text/html), on any path; the documents describe the problem details machines get.
            return
        if media not in content:
            raise AssertionError(
                f"{where}: media type {media} is not documented (documented: {sorted(content)})"
            )
        if "json" not in media:
            return
        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
        instance = json.loads(body)
        errors = sorted(
            self.validator(schema_pointer).iter_errors(instance), key=lambda e: list(e.path)
        )
        if errors:
            shown = "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
            raise AssertionError(f"{where}: the body does not match the document: {shown}")


_CHECKERS: weakref.WeakKeyDictionary[Flask, Checker] = weakref.WeakKeyDictionary()


def checker(app: Flask) -> Checker | None:
    """The checker of an app with diplomat_ops installed (None for any other app)."""
    if EXTENSION not in app.extensions:
        return None
    found = _CHECKERS.get(app)
    if found is None:
        installed = ops(app)
        found = Checker(installed.service, installed.openapi)
        _CHECKERS[app] = found
    return found


def matched_rule(app: Flask, path: str, method: str) -> Rule | None:
    """The URL rule routing ``method path`` in ``app``, or None (404, 405, redirect)."""
    adapter = app.url_map.bind("localhost")
    try:
        rule, _args = adapter.match(path, method, return_rule=True)
    except HTTPException:
        return None
    return rule


def check_response(app: Flask, response: TestResponse) -> None:
    """Check one test-client response against ``app``'s document (see the module docstring)."""
    found = checker(app)
    if found is None or response.request is None:
        return
    request = response.request
    rule = matched_rule(app, request.path, request.method)
    if rule is None:
        return  # routing refused it (no such route or method): nothing documented to check
    found.check(rule.rule, request.method, response)


def app_routes(app: Flask) -> Iterator[tuple[str, str]]:
    """(rule, method) of every route of ``app``, except HEAD and OPTIONS."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield rule.rule, method


def undocumented_routes(app: Flask) -> list[str]:
    """The routes of ``app`` that neither its document describes nor NOT_JSON lists."""
    found = checker(app)
    assert found is not None, "diplomat_ops is not installed on this app"
    exempt = NOT_JSON.get(found.service, {})
    return [
        f"{method} {rule}"
        for rule, method in app_routes(app)
        if rule not in exempt and found.operation(rule, method) is None
    ]


def phantom_operations(app: Flask) -> list[str]:
    """Operations the document describes that no route of ``app`` answers."""
    found = checker(app)
    assert found is not None, "diplomat_ops is not installed on this app"
    served = {(openapi_path(rule), method.lower()) for rule, method in app_routes(app)}
    return [
        f"{verb.upper()} {path}"
        for path, item in found.document["paths"].items()
        for verb in item
        if verb in ("get", "post", "put", "patch", "delete") and (path, verb) not in served
    ]
