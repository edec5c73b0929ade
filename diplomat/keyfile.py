"""Key files: PKCS#8 PEM, encrypted when DIPLOMAT_KEY_PASSPHRASE is set, created with mode 0600."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from issuer.keystore import read_private_file
from vc.errors import MalformedValueError
from vc.keys import KeyPair

PASSPHRASE_ENV = "DIPLOMAT_KEY_PASSPHRASE"  # noqa: S105 - the variable name, not a secret


def passphrase_from_env(args: argparse.Namespace) -> bytes | None:
    """The key_passphrase setting (DIPLOMAT_KEY_PASSPHRASE or diplomat.toml), or None."""
    from diplomat.commands.common import settings

    value = settings(args)["key_passphrase"]
    return value.encode() if value else None


def write_secret(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write bytes to a new file readable only by its owner (0600 from creation, no race)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise MalformedValueError(f"{path} exists; refusing to overwrite a key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def save_key(path: Path, key: KeyPair, passphrase: bytes | None) -> None:
    write_secret(path, key.to_pkcs8_pem(passphrase))


def load_key(path: Path, passphrase: bytes | None) -> KeyPair:
    """A private key file (refused when it is a symlink or open to other users: see
    issuer.keystore.read_private_file)."""
    return KeyPair.from_pkcs8_pem(read_private_file(path), passphrase)
