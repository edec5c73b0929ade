"""`diplomat sign`: add a Data Integrity proof to a credential and print it."""

from __future__ import annotations

import argparse
from pathlib import Path

from diplomat.commands import add_command
from diplomat.commands.common import moment, read_json_object
from diplomat.keyfile import load_key, passphrase_from_env
from vc import strictjson
from vc.proofs import sign
from vc.suites import DEFAULT_SUITE, SUITES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(sub, "sign")
    parser.add_argument("file", help="unsigned credential (JSON), or - for stdin")
    parser.add_argument("--key", required=True, help="key file from `diplomat keys generate`")
    parser.add_argument("--suite", choices=sorted(SUITES), default=DEFAULT_SUITE)
    parser.add_argument("--created", help="proof creation time, e.g. 2025-01-01T00:00:00Z")
    parser.add_argument("--issuer", help="issuer DID to set (default: the key's did:key)")
    parser.add_argument("--verification-method", help="default: the did:key method of the key")
    parser.set_defaults(handler=_sign)


def _sign(args: argparse.Namespace) -> int:
    document = read_json_object(args.file, "credential")
    key = load_key(Path(args.key), passphrase_from_env(args))
    issuer = args.issuer or key.public.did_key
    if isinstance(document.get("issuer"), dict):
        document["issuer"] = {**document["issuer"], "id": issuer}
    else:
        document["issuer"] = issuer
    if args.suite == "Ed25519Signature2020":
        context = document.get("@context")
        required = SUITES[args.suite].required_context
        if isinstance(context, list) and required not in context:
            document["@context"] = [*context, required]
    vm = args.verification_method or f"{key.public.did_key}#{key.public.multikey}"
    signed = sign(
        document,
        key,
        verification_method=vm,
        created=moment(args.created, "--created"),
        suite=args.suite,
    )
    print(strictjson.dumps(signed))
    return 0
