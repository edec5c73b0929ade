"""`diplomat keys generate|show`: make and inspect signing keys."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diplomat.commands import add_command
from diplomat.keyfile import load_key, passphrase_from_env, save_key
from vc.errors import MalformedValueError
from vc.keys import KeyType, generate

_TYPES = {"ed25519": KeyType.ED25519, "p256": KeyType.P256, "p384": KeyType.P384}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = add_command(sub, "keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    gen = ksub.add_parser("generate", help="make a key pair (PKCS#8 file, mode 0600)")
    gen.add_argument("--type", choices=sorted(_TYPES), default="ed25519")
    gen.add_argument("--seed", help="64 hex digits: deterministic key, for tests and vectors only")
    gen.add_argument("--out", required=True, help="key file to create (never overwritten)")
    gen.set_defaults(handler=_generate)
    show = ksub.add_parser("show", help="print the public parts and the did:key of a key file")
    show.add_argument("file")
    show.set_defaults(handler=_show)


def _generate(args: argparse.Namespace) -> int:
    seed = None
    if args.seed is not None:
        try:
            seed = bytes.fromhex(args.seed)
        except ValueError:
            raise MalformedValueError("--seed must be 64 hexadecimal digits") from None
    key = generate(_TYPES[args.type], seed)
    passphrase = passphrase_from_env(args)
    save_key(Path(args.out), key, passphrase)
    encrypted = "encrypted" if passphrase else "unencrypted (set DIPLOMAT_KEY_PASSPHRASE)"
    print(f"wrote {args.out} ({key.key_type}, {encrypted}, mode 0600)", file=sys.stderr)
    print(key.public.did_key)
    return 0


def _show(args: argparse.Namespace) -> int:
    key = load_key(Path(args.file), passphrase_from_env(args))
    info = {
        "type": str(key.key_type),
        "publicKeyMultibase": key.public.multikey,
        "did": key.public.did_key,
        "verificationMethod": f"{key.public.did_key}#{key.public.multikey}",
        "publicKeyJwk": key.public.to_jwk(),
    }
    print(json.dumps(info, indent=2))
    return 0
