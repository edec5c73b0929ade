"""Every endpoint of both services, each with a valid request to mutate (bench.fuzzkit).

``issuer_request`` / ``verifier_request`` draw one mutated request for a chosen endpoint group;
the valid material (tokens, an issued credential, its share and management links, a signed
credential) comes from the caller, who set the services up. Pure: no I/O.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bench.fuzzbulk import bulk_upload
from bench.fuzzkit import JSON, Request, headers, json_request, mutate_json, query_value, raw_body

VC2 = "https://www.w3.org/ns/credentials/v2"


@dataclass(frozen=True)
class IssuerTargets:
    """What a fuzzing run knows about one issuer it set up."""

    registrar: str  # API token
    admin: str  # API token
    degree_input: Mapping[str, Any]  # a valid POST /api/degrees body
    credential_id: str  # the last path segment of an issued credential's id
    share_path: str  # /share/<token>
    manage_path: str  # /manage/<id>?token=...
    batch_id: int


@dataclass(frozen=True)
class VerifierTargets:
    """What a fuzzing run knows about the verifier: a valid signed credential and its JWT, a
    share link that serves it, and a finished bulk job's id."""

    credential: Mapping[str, Any]
    jwt: str
    share_url: str
    bulk_job: str = "no-such-job"


def _q(rng: random.Random, names: tuple[str, ...]) -> str:
    parts = [f"{quote(rng.choice(names))}={quote(query_value(rng), safe='')}"]
    if rng.random() < 0.3:
        parts.append(f"{quote(rng.choice(names))}={quote(query_value(rng), safe='')}")
    return "?" + "&".join(parts)


def _segment(rng: random.Random, valid: str) -> str:
    roll = rng.random()
    if roll < 0.4:
        return valid
    if roll < 0.7:
        return quote(query_value(rng), safe="")
    return quote(valid + str(rng.choice(("x", "%00", "/..", "9" * 30))), safe="/%")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned_vc() -> dict[str, Any]:
    return {
        "@context": [VC2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alumnus", "name": "Test Alumnus"},
    }


def _issuer_catalog(t: IssuerTargets) -> dict[str, Callable[[random.Random], Request]]:
    reg, adm = _auth(t.registrar), _auth(t.admin)
    status_body = {
        "credentialId": t.credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
        "status": False,
    }
    return {
        "POST /api/degrees": lambda r: json_request(
            r, "POST /api/degrees", "/api/degrees", t.degree_input, reg
        ),
        "POST /api/batches": lambda r: json_request(
            r, "POST /api/batches", "/api/batches", [t.degree_input], reg
        ),
        "POST /credentials/issue": lambda r: json_request(
            r,
            "POST /credentials/issue",
            "/credentials/issue",
            {"credential": unsigned_vc(), "options": {}},
            reg,
        ),
        "POST /credentials/status": lambda r: json_request(
            r, "POST /credentials/status", "/credentials/status", status_body, reg
        ),
        "GET /credentials/<id>": lambda r: Request(
            "GET /credentials/<id>", "GET", "/credentials/" + _segment(r, t.credential_id), reg
        ),
        "GET /api/credentials": lambda r: Request(
            "GET /api/credentials",
            "GET",
            "/api/credentials" + _q(r, ("q", "limit", "offset")),
            headers(r, reg),
        ),
        "GET /api/credentials/<id>": lambda r: Request(
            "GET /api/credentials/<id>",
            "GET",
            "/api/credentials/" + _segment(r, t.credential_id),
            reg,
        ),
        "GET /api/batches/<id>": lambda r: Request(
            "GET /api/batches/<id>",
            "GET",
            "/api/batches/" + _segment(r, str(t.batch_id)),
            reg,
        ),
        "GET /api/audit": lambda r: Request(
            "GET /api/audit", "GET", "/api/audit" + _q(r, ("limit", "offset")), adm
        ),
        "GET /.well-known/did.json": lambda r: Request(
            "GET /.well-known/did.json",
            "GET",
            r.choice(("/.well-known/did.json", "/did.json", "/x/did.json")),
            headers(r, {}),
        ),
        "GET /status/<purpose>/<n>": lambda r: Request(
            "GET /status/<purpose>/<n>",
            "GET",
            f"/status/{r.choice(('revocation', 'suspension', 'message', 'x'))}/{_segment(r, '0')}"
            + (_q(r, ("format",)) if r.random() < 0.2 else ""),
            headers(r, {"If-None-Match": r.choice(('"x"', "*", "W/" + "a" * 500))}),
        ),
        "GET /share/<token>": lambda r: Request(
            "GET /share/<token>",
            "GET",
            _segment(r, t.share_path) + r.choice(("", "/qr.png", "/qr.svg")),
            headers(r, {"Accept": r.choice(("application/json", "text/html", "*/*"))}),
        ),
        "GET /manage/<id>": lambda r: Request(
            "GET /manage/<id>",
            "GET",
            r.choice((t.manage_path, t.manage_path.split("?")[0] + _q(r, ("token",)))),
            headers(r, {}),
        ),
        "POST /manage/<id>/links": lambda r: Request(
            "POST /manage/<id>/links",
            "POST",
            t.manage_path.split("?")[0] + "/links",
            {},
            form={
                "token": r.choice((t.manage_path.split("token=")[-1], query_value(r))),
                "expires_days": query_value(r),
            },
        ),
        "POST /manage/<id>/wallet/<protocol>": lambda r: Request(
            "POST /manage/<id>/wallet/<protocol>",
            "POST",
            t.manage_path.split("?")[0] + "/wallet/" + r.choice(("vc-api", "oid4vci", "x")),
            {},
            form={"token": r.choice((t.manage_path.split("token=")[-1], query_value(r)))},
        ),
        "POST /exchanges/<id>": lambda r: json_request(
            r,
            "POST /exchanges/<id>",
            "/exchanges/" + _segment(r, "e" * 43),
            r.choice(({}, {"verifiablePresentation": {"@context": [VC2], "type": ["X"]}})),
            {},
        ),
        "POST /oid4vci/token": lambda r: Request(
            "POST /oid4vci/token",
            "POST",
            "/oid4vci/token",
            {},
            form={
                "grant_type": r.choice(
                    ("urn:ietf:params:oauth:grant-type:pre-authorized_code", query_value(r))
                ),
                "pre-authorized_code": query_value(r),
                "tx_code": query_value(r),
            },
        ),
        "POST /oid4vci/credential": lambda r: json_request(
            r,
            "POST /oid4vci/credential",
            "/oid4vci/credential",
            {
                "credential_configuration_id": "DiplomaCredential_ldp_vc",
                "proofs": {"jwt": ["eyJhbGciOiJFZERTQSJ9.eyJhdWQiOiJ4In0.c2ln"]},
            },
            _auth(r.choice(("t" * 43, query_value(r)))),
        ),
        "GET /oid4vci/offers/<id>": lambda r: Request(
            "GET /oid4vci/offers/<id>",
            "GET",
            "/oid4vci/offers/" + _segment(r, "o" * 43),
            headers(r, {}),
        ),
        "GET /console/credentials": lambda r: Request(
            "GET /console/credentials",
            "GET",
            "/console/credentials" + _q(r, ("q", "offset")),
            {},
        ),
        "GET /console/batches/<id>": lambda r: Request(
            "GET /console/batches/<id>",
            "GET",
            "/console/batches/" + _segment(r, str(t.batch_id)) + r.choice(("", "/progress.json")),
            {},
        ),
    }


ISSUER_ENDPOINTS: tuple[str, ...] = tuple(
    _issuer_catalog(IssuerTargets("", "", {}, "x", "/share/x", "/manage/x?token=y", 1))
)


def issuer_request(rng: random.Random, targets: IssuerTargets, endpoint: str) -> Request:
    """One mutated request to ``endpoint`` (one of ISSUER_ENDPOINTS)."""
    return _issuer_catalog(targets)[endpoint](rng)


def _presentation(credential: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "verifiablePresentation": {
            "@context": [VC2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [dict(credential)],
        },
        "options": {"challenge": "not-issued-by-us"},
    }


def _form_text(rng: random.Random, credential: Mapping[str, Any], jwt: str) -> str:
    roll = rng.random()
    if roll < 0.1:
        return jwt[: rng.randint(0, len(jwt))]
    if roll < 0.25:
        return query_value(rng)
    if roll < 0.35:
        return raw_body(rng, json.dumps(credential).encode()).decode("utf-8", "replace")
    return json.dumps(mutate_json(rng, credential))


def _verifier_catalog(t: VerifierTargets) -> dict[str, Callable[[random.Random], Request]]:
    share_host = urlsplit(t.share_url).netloc
    return {
        "POST /credentials/verify": lambda r: json_request(
            r,
            "POST /credentials/verify",
            "/credentials/verify",
            {
                "verifiableCredential": r.choice(
                    (
                        dict(t.credential),
                        t.jwt,
                        {
                            "@context": [VC2],
                            "type": "EnvelopedVerifiableCredential",
                            "id": "data:application/vc+jwt," + t.jwt,
                        },
                    )
                ),
                "options": {"returnResults": True},
            },
        ),
        "POST /api/verify": lambda r: json_request(
            r,
            "POST /api/verify",
            "/api/verify" + (_q(r, ("for",)) if r.random() < 0.2 else ""),
            r.choice(
                (
                    {"verifiableCredential": dict(t.credential)},
                    {
                        "verifiableCredential": dict(t.credential),
                        "recipient": {"identityType": "emailAddress", "identity": "a@b.example"},
                    },
                )
            ),
        ),
        "POST /presentations/verify": lambda r: json_request(
            r, "POST /presentations/verify", "/presentations/verify", _presentation(t.credential)
        ),
        "POST /challenges": lambda r: Request(
            "POST /challenges",
            "POST",
            "/challenges",
            headers(r, {"Content-Type": "application/json"}),
            r.choice((b"", b"{}", raw_body(r, b"{}"))),
        ),
        "GET /verify": lambda r: Request(
            "GET /verify",
            "GET",
            "/verify"
            + r.choice(
                (
                    "?url=" + quote(query_value(r), safe=""),
                    f"?url=http://{share_host}/share/missing&for=" + quote(query_value(r)),
                    _q(r, ("url", "for", "recipient")),
                )
            ),
            headers(r, {"Accept": "text/html"}),
        ),
        "GET /": lambda r: Request("GET /", "GET", "/" + _q(r, ("for",)), headers(r, {})),
        "POST /verify/paste": lambda r: Request(
            "POST /verify/paste",
            "POST",
            "/verify/paste",
            {"Accept": "text/html"},
            form={
                "credential": _form_text(r, t.credential, t.jwt),
                "for": r.choice(("", "JP", query_value(r))),
                "recipient": r.choice(("", "a@b.example", query_value(r))),
            },
        ),
        "POST /verify/upload": lambda r: Request(
            "POST /verify/upload",
            "POST",
            "/verify/upload",
            {"Accept": "text/html"},
            form={"file": _form_text(r, t.credential, t.jwt)},
        ),
        "POST /verify": lambda r: Request(
            "POST /verify",
            "POST",
            "/verify",
            {"Accept": "text/html"},
            form={"url": query_value(r), "for": r.choice(("", "KZ", query_value(r)))},
        ),
        **_bulk_catalog(t),
    }


def _bulk_catalog(t: VerifierTargets) -> dict[str, Callable[[random.Random], Request]]:
    """The bulk endpoints (CSV of links or ZIP of files) and the verification record (PDF)."""

    def upload(r: random.Random) -> tuple[bytes, str]:
        return bulk_upload(r, t.share_url, "https://verify.example/verify", t.credential, t.jwt)

    def api_start(r: random.Random) -> Request:
        body, kind = upload(r)
        path = "/api/verify/bulk" + (_q(r, ("for",)) if r.random() < 0.2 else "")
        if r.random() < 0.2:
            name = r.choice(("cohort.csv", "cohort.zip", "x", ""))
            return Request("POST /api/verify/bulk", "POST", path, {}, files={"file": (name, body)})
        return Request(
            "POST /api/verify/bulk", "POST", path, headers(r, {"Content-Type": kind}), body
        )

    def page_start(r: random.Random) -> Request:
        body, kind = upload(r)
        name = ("cohort.zip" if kind.endswith("zip") else "cohort.csv") if r.random() < 0.95 else ""
        country = query_value(r) if r.random() < 0.15 else r.choice(("", "JP"))
        return Request(
            "POST /verify/bulk",
            "POST",
            "/verify/bulk",
            {"Accept": "text/html"},
            form={"for": country, "lang": r.choice(("", "ru", "xx"))},
            files={"file": (name, body)} if r.random() < 0.97 else {},
        )

    def record(r: random.Random) -> Request:
        form = {"for": r.choice(("", "KZ", query_value(r))), "lang": r.choice(("", "kk", "ja"))}
        if r.random() < 0.4:
            form["url"] = r.choice((t.share_url, query_value(r), t.share_url + "x"))
        else:
            form["credential"] = _form_text(r, t.credential, t.jwt)
        return Request("POST /verify/record", "POST", "/verify/record", {}, form=form)

    return {
        "POST /api/verify/bulk": api_start,
        "GET /api/verify/bulk/<id>": lambda r: Request(
            "GET /api/verify/bulk/<id>",
            "GET",
            "/api/verify/bulk/"
            + _segment(r, t.bulk_job)
            + r.choice(("", "/results", "/results.csv", "/x")),
            headers(r, {}),
        ),
        "POST /verify/bulk": page_start,
        "GET /verify/bulk": lambda r: Request(
            "GET /verify/bulk",
            "GET",
            "/verify/bulk"
            + r.choice(("", "/" + _segment(r, t.bulk_job)))
            + (_q(r, ("lang",)) if r.random() < 0.3 else ""),
            headers(r, {"Accept": "text/html"}),
        ),
        "POST /verify/record": record,
    }


VERIFIER_ENDPOINTS: tuple[str, ...] = tuple(
    _verifier_catalog(VerifierTargets({}, "", "http://127.0.0.1:1/share/x"))
)


def verifier_request(rng: random.Random, targets: VerifierTargets, endpoint: str) -> Request:
    """One mutated request to ``endpoint`` (one of VERIFIER_ENDPOINTS)."""
    return _verifier_catalog(targets)[endpoint](rng)


# The one documented 5xx a request can cause without a fault of ours (vc.errors.FetchError): a
# link the caller gave whose server answered badly (HTTP 502 Bad Gateway, "could not check").
UPSTREAM = 502


def well_formed_problem(status: int, content_type: str, body: bytes) -> str | None:
    """None when a response is acceptable for fuzzed input, else what is wrong: any 5xx but
    UPSTREAM; an error that is not RFC 9457 problem details with its own status (JSON), a
    traceback anywhere."""
    if status >= 500 and status != UPSTREAM:
        return f"HTTP {status}"
    if status >= 400 and content_type.startswith("application/problem+json"):
        try:
            problem: JSON = json.loads(body)
        except ValueError:
            return "problem details that are not JSON"
        if not isinstance(problem, dict):
            return "problem details that are not an object"
        missing = [k for k in ("type", "title", "status", "detail") if k not in problem]
        if missing:
            return f"problem details without {', '.join(missing)}"
        if problem["status"] != status:
            return f"problem status {problem['status']} on an HTTP {status}"
    if b"Traceback (most recent call last)" in body:
        return "a traceback in the response"
    return None


__all__ = [
    "ISSUER_ENDPOINTS",
    "UPSTREAM",
    "VERIFIER_ENDPOINTS",
    "IssuerTargets",
    "VerifierTargets",
    "issuer_request",
    "unsigned_vc",
    "verifier_request",
    "well_formed_problem",
]
