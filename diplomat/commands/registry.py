"""`diplomat registry`: build, sign and inspect accreditation registries (a registry operator's tool).

    new               an empty registry document
    add-institution   add an institution with one accreditation record (file rewritten atomically)
    sign              wrap it in a VC 2.0 credential of the operator and sign it
    inspect           check a signed (or draft) registry and summarise it
    import-dcc        validate a DCC known-issuer list and write it in normalised form

Exit codes: 0 done, 2 usage or input error (bad document, untrusted or bad signature).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from diplomat.commands import add_command
from diplomat.commands.common import moment, read_json_object
from diplomat.keyfile import load_key, passphrase_from_env
from vc import proofs, strictjson
from vc.dates import utcnow
from vc.dids import DidResolver
from vc.errors import MalformedValueError
from verifier.registry import (
    accreditation_entry,
    add_institution,
    import_dcc_registry,
    inspect,
    load_registry,
    new_registry,
    registry_credential,
)
from verifier.registry.signed import is_registry_credential


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename,
    so a reader never sees half a file. Raises MalformedValueError when it cannot be written."""
    target = path.resolve()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MalformedValueError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _dump(value: Any) -> str:
    return strictjson.dumps(value) + "\n"


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise MalformedValueError(
            f"{option} must be a date like 2020-01-01, got {value!r}"
        ) from None


def _codes(value: str, option: str) -> list[str]:
    codes = [part.strip() for part in value.split(",") if part.strip()]
    if not codes:
        raise MalformedValueError(f"{option} needs at least one code")
    return codes


def _names(pairs: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for pair in pairs:
        lang, sep, text = pair.partition("=")
        if not sep or not lang.strip() or not text.strip():
            raise MalformedValueError(f"--name must look like en=Name, got {pair!r}")
        names[lang.strip()] = text.strip()
    return names


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(sub, "registry")
    commands = parser.add_subparsers(dest="registry_command", required=True)

    new = commands.add_parser("new", help="create an empty registry document")
    new.add_argument("--name", required=True)
    new.add_argument("--operator-did", required=True)
    new.add_argument("--operator-name", help="default: the registry's name")
    new.add_argument("--id", help="the registry's URL (default: a urn:uuid)")
    new.add_argument("--jurisdiction", default="KZ", help="ISO 3166-1 alpha-2 (default KZ)")
    new.add_argument("--as-of", help="date the facts were gathered (default: today)")
    new.add_argument("--description", default="Institutions and their accreditations.")
    new.add_argument("--out", required=True)
    new.set_defaults(handler=_new)

    add = commands.add_parser("add-institution", help="add an institution to a registry file")
    add.add_argument("file")
    add.add_argument("--did", action="append", required=True, help="the institution's DID(s)")
    add.add_argument("--name", action="append", required=True, help="lang=Name, repeatable")
    add.add_argument("--country", required=True)
    add.add_argument("--url", help="the institution's web site")
    add.add_argument("--body", required=True, help="the accrediting body's name")
    add.add_argument("--body-id", help="the accrediting body's DID or URL")
    add.add_argument(
        "--status", default="accredited", choices=("accredited", "suspended", "withdrawn")
    )
    add.add_argument("--status-since", help="date a suspension or withdrawal took effect")
    add.add_argument("--levels", required=True, help="ISCED 2011 levels, e.g. 6,7")
    add.add_argument("--fields", default="", help="ISCED-F codes, e.g. 06 (default: all fields)")
    add.add_argument("--from", dest="valid_from", required=True, help="accredited from (date)")
    add.add_argument("--until", dest="valid_until", help="accredited until (date)")
    add.add_argument("--source-url", required=True, help="where the decision is published")
    add.add_argument("--source-title", default="Accreditation decision")
    add.add_argument("--retrieved", help="date the source was read (default: today)")
    add.set_defaults(handler=_add_institution)

    sign = commands.add_parser("sign", help="sign a registry as its operator")
    sign.add_argument("file")
    sign.add_argument("--key", required=True, help="the operator's key file")
    sign.add_argument("--operator-did", help="default: the key's did:key")
    sign.add_argument(
        "--verification-method", help="default: the key's did:key method, or DID#key-1"
    )
    sign.add_argument("--valid-from", help="default: now")
    sign.add_argument("--valid-until")
    sign.add_argument("--out", required=True)
    sign.set_defaults(handler=_sign)

    show = commands.add_parser("inspect", help="check and summarise a registry")
    show.add_argument("file")
    show.add_argument("--trust", action="append", default=[], help="DID of the expected operator")
    show.add_argument("--now", help="check freshness at this time (default: now)")
    show.set_defaults(handler=_inspect)

    dcc = commands.add_parser("import-dcc", help="validate and normalise a DCC known-issuer list")
    dcc.add_argument("file")
    dcc.add_argument("--name", default="DCC known-issuer registry")
    dcc.add_argument("--url", help="where the list was published")
    dcc.add_argument("--out", required=True)
    dcc.set_defaults(handler=_import_dcc)


def _new(args: argparse.Namespace) -> int:
    doc = new_registry(
        registry_id=args.id or f"urn:uuid:{uuid.uuid4()}",
        name=args.name,
        operator_did=args.operator_did,
        operator_name=args.operator_name or args.name,
        jurisdiction=args.jurisdiction,
        as_of=_date(args.as_of, "--as-of") if args.as_of else utcnow().date(),
        description=args.description,
    )
    write_atomically(Path(args.out), _dump(doc))
    print(f"created {args.out}: {args.name} (operator {args.operator_did})", file=sys.stderr)
    return 0


def _add_institution(args: argparse.Namespace) -> int:
    doc = read_json_object(args.file, "registry")
    today = utcnow().date()
    record = accreditation_entry(
        accrediting_body=args.body,
        accrediting_body_id=args.body_id,
        status=args.status,
        status_since=_date(args.status_since, "--status-since") if args.status_since else None,
        valid_from=_date(args.valid_from, "--from"),
        valid_until=_date(args.valid_until, "--until") if args.valid_until else None,
        isced_levels=_codes(args.levels, "--levels"),
        isced_fields=[part.strip() for part in args.fields.split(",") if part.strip()],
        source_url=args.source_url,
        source_title=args.source_title,
        retrieved=_date(args.retrieved, "--retrieved") if args.retrieved else today,
    )
    updated = add_institution(
        doc,
        dids=args.did,
        names=_names(args.name),
        country=args.country.strip().upper(),
        url=args.url,
        source_url=args.source_url,
        source_title=args.source_title,
        retrieved=_date(args.retrieved, "--retrieved") if args.retrieved else today,
        accreditations=[record],
    )
    write_atomically(Path(args.file), _dump(updated))
    print(f"added {', '.join(args.did)} to {args.file}", file=sys.stderr)
    return 0


def _sign(args: argparse.Namespace) -> int:
    doc = read_json_object(args.file, "registry")
    key = load_key(Path(args.key), passphrase_from_env(args))
    operator = args.operator_did or key.public.did_key
    if args.verification_method:
        method = args.verification_method
    elif operator == key.public.did_key:
        method = f"{key.public.did_key}#{key.public.multikey}"
    elif operator.startswith("did:key:"):
        raise MalformedValueError(
            f"the key's DID is {key.public.did_key}, not the operator DID {operator}"
        )
    else:
        method = f"{operator}#key-1"
    valid_from = moment(args.valid_from, "--valid-from")
    valid_until = moment(args.valid_until, "--valid-until") if args.valid_until else None
    unsigned = registry_credential(
        doc, operator_did=operator, valid_from=valid_from, valid_until=valid_until
    )
    signed = proofs.sign(unsigned, key, verification_method=method, created=valid_from)
    write_atomically(Path(args.out), _dump(signed))
    print(f"signed {args.file} as {operator} -> {args.out}", file=sys.stderr)
    return 0


def _inspect(args: argparse.Namespace) -> int:
    document = read_json_object(args.file, "registry")
    now = moment(args.now, "--now")
    trusted = list(args.trust)
    pinned = bool(trusted)
    signed = is_registry_credential(document)
    if signed and not pinned:
        issuer = document.get("issuer")
        operator = issuer.get("id") if isinstance(issuer, dict) else issuer
        if isinstance(operator, str):
            trusted.append(operator)
    loaded = load_registry(
        document,
        resolver=DidResolver(),
        now=now,
        trusted_operators=trusted,
        allow_unsigned=True,
        source=args.file,
    )
    print(inspect(loaded))
    if signed and not pinned:
        print(
            "note: the operator was not pinned; pass --trust DID to check it is the one you expect",
            file=sys.stderr,
        )
    return 0


def _import_dcc(args: argparse.Namespace) -> int:
    document = read_json_object(args.file, "DCC registry")
    known = import_dcc_registry(document, name=args.name, url=args.url)
    meta: dict[str, Any] = {"name": known.name}
    if known.url:
        meta["url"] = known.url
    if known.created:
        meta["created"] = known.created
    if known.updated:
        meta["updated"] = known.updated
    registry = {
        entry.did: {
            key: value
            for key, value in (
                ("name", entry.name),
                ("location", entry.location),
                ("url", entry.url),
            )
            if value is not None
        }
        for entry in known.entries
    }
    write_atomically(Path(args.out), _dump({"meta": meta, "registry": registry}))
    print(
        f"{len(known.entries)} known issuer(s) from {args.file} -> {args.out} "
        "(a known issuer is not an accreditation)",
        file=sys.stderr,
    )
    return 0
