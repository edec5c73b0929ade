"""`diplomat issuer|issue|revoke|suspend|reinstate|tokens|users`: the registrar's commands.

Configuration: the settings (docs/configuration.md), flag > DIPLOMAT_* > diplomat.toml > default.
``issuer init`` takes the flags a first cohort needs (--base-url, --nqf-name/--nqf-url, --country)
and records the settings among them in ``<home>/diplomat.toml``, so that ``diplomat issue``, the
web app and gunicorn read the same. Exit codes: 0 done, 1 a batch finished with rows in error,
2 usage or input error (nothing issued for a refused file).
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from diplomat.commands import add_command
from diplomat.commands.common import read_bytes, record_settings, settings, settings_file_update
from diplomat.commands.mail import hand_over_links
from issuer.config import IssuerConfig
from issuer.errors import PossibleDuplicateDegreeError
from issuer.service import BatchFormat, IssuerService, open_service
from issuer.store import BatchProgress
from vc.errors import MalformedValueError
from vc.keys import KeyType
from vc.settings import Settings

_KEY_TYPES = {"ed25519": KeyType.ED25519, "p256": KeyType.P256}
PASSWORD_ENV = "DIPLOMAT_PASSWORD"  # noqa: S105 - the variable's name, not a password
BAR_WIDTH = 30


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    issuer = add_command(sub, "issuer")
    isub = issuer.add_subparsers(dest="issuer_command", required=True)
    init = isub.add_parser("init", help="create the issuer, its DID and first signing key")
    init.add_argument("--name", required=True, help="legal name of the university")
    init.add_argument("--domain", required=True, help="the university's website (domain or URL)")
    init.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. KZ")
    init.add_argument(
        "--base-url",
        help="the issuer's public https URL; its did:web is derived from it "
        "(setting issuer_base_url, DIPLOMAT_ISSUER_BASE_URL)",
    )
    init.add_argument(
        "--nqf-name",
        help="the national qualifications framework that national_level refers to "
        "(setting nqf_name, DIPLOMAT_NQF_NAME)",
    )
    init.add_argument("--nqf-url", help="its URL (setting nqf_url, DIPLOMAT_NQF_URL)")
    init.add_argument(
        "--verifier-url",
        help="the verifier page share QR codes open (setting verifier_url, DIPLOMAT_VERIFIER_URL)",
    )
    init.add_argument(
        "--dev", action="store_true", help="development: allow a did:web on 127.0.0.1 over http"
    )
    init.add_argument("--did-method", choices=("web", "key"), default="web")
    init.add_argument("--key-type", choices=sorted(_KEY_TYPES), default="ed25519")
    init.add_argument("--out", help="also write the DID document to this file (did.json)")
    init.set_defaults(handler=_init)
    did = isub.add_parser("did-document", help="print the issuer's current DID document")
    did.set_defaults(handler=_did_document)
    rotate = isub.add_parser("rotate-key", help="new active key; the old one keeps verifying")
    rotate.set_defaults(handler=_rotate)
    retire = isub.add_parser("retire-key", help="drop a rotated key from the DID document")
    retire.add_argument("key_id", metavar="KEY_ID", help="verification method id or 'key-N'")
    retire.set_defaults(handler=_retire)

    issue = add_command(sub, "issue")
    source = issue.add_mutually_exclusive_group(required=True)
    source.add_argument("--csv", metavar="FILE", help="cohort CSV (header = input field names)")
    source.add_argument("--json", metavar="FILE", help="JSON array of degree inputs")
    issue.add_argument("--quiet", action="store_true", help="no progress bar")
    issue.add_argument(
        "--links-out",
        metavar="FILE",
        help="write every graduate's claim link to this CSV (row, student number, name, e-mail, "
        "diploma number, credential id, claim URL, expiry): handed out once, keep it safe",
    )
    issue.add_argument(
        "--dry-run-mail",
        metavar="DIR",
        help="queue no e-mail: write the message each graduate with an e-mail address would "
        "get into DIR as .eml files instead",
    )
    issue.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="issue rows whose student number already holds a degree of the same programme "
        "(without it, such a file is refused before anything is issued)",
    )
    issue.set_defaults(handler=_issue)

    for name, purpose, value in (
        ("revoke", "revocation", True),
        ("suspend", "suspension", True),
        ("reinstate", "suspension", False),
    ):
        status = add_command(sub, name)
        status.add_argument("credential_id", metavar="CREDENTIAL_ID")
        status.add_argument("--reason", required=True, help="private: kept in the audit log")
        status.add_argument(
            "--public-note", help="what the diploma's share pages show (default: nothing)"
        )
        status.set_defaults(handler=_status_handler(purpose, value, name))

    tokens = add_command(sub, "tokens")
    tsub = tokens.add_subparsers(dest="tokens_command", required=True)
    create_token = tsub.add_parser("create", help="make a token (printed once)")
    create_token.add_argument("--name", required=True)
    create_token.add_argument("--role", choices=("registrar", "admin"), required=True)
    create_token.set_defaults(handler=_create_token)

    users = add_command(sub, "users")
    usub = users.add_subparsers(dest="users_command", required=True)
    create_user = usub.add_parser("create", help=f"add a user (password from ${PASSWORD_ENV})")
    create_user.add_argument("--username", required=True)
    create_user.add_argument("--role", choices=("registrar", "admin"), required=True)
    create_user.set_defaults(handler=_create_user)


@contextmanager
def _service(args: argparse.Namespace, resolved: Settings | None = None) -> Iterator[IssuerService]:
    chosen = resolved if resolved is not None else settings(args)
    service = open_service(IssuerConfig.from_settings(chosen))
    try:
        yield service
    finally:
        service.close()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


_INIT_FLAGS = {  # flag -> setting that issuer init records in diplomat.toml
    "base_url": "issuer_base_url",
    "nqf_name": "nqf_name",
    "nqf_url": "nqf_url",
    "verifier_url": "verifier_url",
}


def _init(args: argparse.Namespace) -> int:
    flags: dict[str, Any] = {
        setting: getattr(args, flag)
        for flag, setting in _INIT_FLAGS.items()
        if getattr(args, flag) is not None
    }
    if args.dev:
        flags["dev"] = True
    resolved = settings(
        args, flag_names={s: "--" + f.replace("_", "-") for f, s in _INIT_FLAGS.items()}, **flags
    )
    _check_init(args, resolved)
    recorded = {
        setting: resolved[setting]
        for setting in ("issuer_base_url", "nqf_name", "nqf_url", "verifier_url", "dev")
        if resolved.source(setting).startswith("flag")
    }
    settings_file_update(resolved, recorded)  # refuse a conflict before anything is created
    with _service(args, resolved) as service:
        issuer = service.identity.init_identity(
            args.name,
            args.domain,
            args.country,
            key_type=_KEY_TYPES[args.key_type],
            did_method=args.did_method,
            actor=_actor(),
        )
        document = service.identity.did_document()
        encrypted = "encrypted" if service.keystore.encrypts else "unencrypted"
        print(f"issuer {issuer.did} created", file=sys.stderr)
        print(
            f"signing key written to {service.config.keys_dir} ({encrypted}, mode 0600)",
            file=sys.stderr,
        )
        if not service.keystore.encrypts:
            print("set DIPLOMAT_KEY_PASSPHRASE to encrypt key files", file=sys.stderr)
    if recorded:
        path = record_settings(resolved, recorded)
        print(f"settings {', '.join(recorded)} recorded in {path}", file=sys.stderr)
    if resolved["nqf_name"] is None:
        print(
            "no national qualifications framework: degrees with national_level will be refused "
            "until nqf_name and nqf_url are set (--nqf-name/--nqf-url, or DIPLOMAT_NQF_NAME/"
            "DIPLOMAT_NQF_URL)",
            file=sys.stderr,
        )
    text = json.dumps(document, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"DID document written to {args.out}", file=sys.stderr)
    print(text)
    return 0


def _check_init(args: argparse.Namespace, resolved: Settings) -> None:
    """Refuse what would make a useless first issuer, naming the flag or variable to set."""
    if args.did_method != "web" or resolved["dev"]:
        return
    base_url = resolved["issuer_base_url"]
    host = urllib.parse.urlsplit(base_url).hostname or ""
    if _is_loopback(host):
        where = resolved.source("issuer_base_url")
        raise MalformedValueError(
            f"the issuer's base URL {base_url} ({where}) is a loopback address: its did:web "
            "would resolve nowhere else. Pass --base-url https://your-public-host (or set "
            "DIPLOMAT_ISSUER_BASE_URL), or --dev for a development issuer"
        )
    if not base_url.startswith("https://"):
        raise MalformedValueError(
            f"--base-url (DIPLOMAT_ISSUER_BASE_URL) must be https for a did:web, got {base_url}"
            " (or pass --dev)"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _did_document(args: argparse.Namespace) -> int:
    with _service(args) as service:
        print(json.dumps(service.identity.did_document(), indent=2))
    return 0


def _rotate(args: argparse.Namespace) -> int:
    with _service(args) as service:
        key = service.identity.rotate_key(_actor())
    print(f"new active key {key.key_id}; the previous key stays until retired", file=sys.stderr)
    print(key.key_id)
    return 0


def _retire(args: argparse.Namespace) -> int:
    with _service(args) as service:
        key = service.identity.retire_key(args.key_id, _actor())
    print(f"retired {key.key_id}: credentials it signed no longer verify", file=sys.stderr)
    return 0


class ProgressBar:
    """`\\r[#####.....] 5000/10000` on a stream, redrawn only when the text changes."""

    def __init__(self, stream: TextIO, width: int = BAR_WIDTH) -> None:
        self.stream = stream
        self.width = width
        self._last = ""

    def __call__(self, progress: BatchProgress) -> None:
        total = max(progress.total, 1)
        filled = self.width * progress.processed // total
        text = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {progress.processed}/{progress.total}"
        )
        if text != self._last:
            self._last = text
            self.stream.write("\r" + text)
            self.stream.flush()

    def done(self) -> None:
        if self._last:
            self.stream.write("\n")
            self.stream.flush()


def _issue(args: argparse.Namespace) -> int:
    fmt: BatchFormat = "csv" if args.csv else "json"
    path = args.csv or args.json
    source = read_bytes(path)
    bar = None if args.quiet else ProgressBar(sys.stderr)
    links_out = Path(args.links_out) if args.links_out else None
    if links_out is not None and links_out.exists():
        raise MalformedValueError(
            f"--links-out {links_out} exists: claim links are not overwritten"
        )
    with _service(args) as service:
        batch = service.batches.create_batch(source, fmt, actor=_actor())
        print(f"batch {batch.id}: {batch.total_rows} rows from {path}", file=sys.stderr)
        duplicates = [] if args.allow_duplicates else service.batches.possible_duplicates(batch.id)
        if duplicates:
            for duplicate in duplicates:
                print(duplicate.describe(), file=sys.stderr)
            raise PossibleDuplicateDegreeError(
                f"nothing issued: {len(duplicates)} row(s) would give a student number a second"
                " degree of the same programme; check them, then run again with"
                " --allow-duplicates to issue them anyway"
            )
        try:
            final = service.batches.run_batch(
                batch.id, progress=bar, send_mail=args.dry_run_mail is None
            )
        finally:
            if bar is not None:
                bar.done()
        rows = service.batches.batch_rows(batch.id)
        if final.state == "done":
            hand_over_links(service, batch.id, links_out, args.dry_run_mail, _actor())
    for row in rows:
        for error in row.errors:
            field = f" column {error['field']}" if error.get("field") else ""
            print(f"row {error.get('row')}{field}: {error.get('reason')}", file=sys.stderr)
    print(
        f"batch {batch.id}: {final.issued} issued, {final.duplicates} already issued"
        f" (duplicate), {final.errors} with errors",
        file=sys.stderr,
    )
    summary = {
        "batch": batch.id,
        "state": final.state,
        "total": final.total,
        "issued": final.issued,
        "duplicates": final.duplicates,
        "errors": final.errors,
        "credentials": [
            {"row": row.row_number, "diploma_number": row.diploma_number, "id": row.credential_id}
            for row in rows
            if row.state == "issued"
        ],
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if final.errors else 0


def _status_handler(purpose: str, value: bool, verb: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        with _service(args) as service:
            change = service.status.set_status(
                args.credential_id,
                purpose,
                value,
                args.reason,
                actor=_actor(),
                public_note=args.public_note,
            )
        state = "done" if change.changed else "no change (already so)"
        print(f"{verb} {args.credential_id}: {state}", file=sys.stderr)
        return 0

    return handler


def _create_token(args: argparse.Namespace) -> int:
    with _service(args) as service:
        token = service.accounts.create_api_token(args.name, args.role, actor=_actor())
    print("API token (shown once; only its hash is stored):", file=sys.stderr)
    print(token)
    return 0


def _password(args: argparse.Namespace) -> str:
    from_env: str | None = settings(args)["password"]
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise MalformedValueError(f"no password: set {PASSWORD_ENV} or run in a terminal")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise MalformedValueError("the two passwords differ")
    return first


def _create_user(args: argparse.Namespace) -> int:
    password = _password(args)
    with _service(args) as service:
        user = service.accounts.create_user(args.username, password, args.role, actor=_actor())
    print(f"user {user.username} ({user.role}) created", file=sys.stderr)
    return 0
