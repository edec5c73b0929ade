"""Signing keys on disk: PKCS#8 PEM files (encrypted with a passphrase) created with mode 0600.

A key reference (``SigningKey.private_key_ref`` in the store) is the file's name inside the keys
directory, never a path outside it and never key material. Loaded keys are cached per KeyStore, so
a batch reads each key file once. Nothing here logs or prints private material.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import threading
from pathlib import Path

from vc.errors import CryptographicSecurityError, MalformedValueError, ProofGenerationError
from vc.keys import KeyPair, KeyType, generate

_REF = re.compile(r"^signing-[a-z0-9-]{1,64}\.pem\Z")


class KeyStore:
    """Private keys in ``keys_dir``; ``passphrase`` encrypts new files and decrypts old ones."""

    def __init__(self, keys_dir: Path, passphrase: bytes | None = None) -> None:
        self.keys_dir = Path(keys_dir)
        self._passphrase = passphrase or None
        self._cache: dict[str, KeyPair] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        encrypted = "encrypted" if self._passphrase else "unencrypted"
        return f"KeyStore({str(self.keys_dir)!r}, {encrypted})"

    @property
    def encrypts(self) -> bool:
        """Are new key files encrypted (a passphrase is configured)?"""
        return self._passphrase is not None

    def create(self, key_type: KeyType = KeyType.ED25519) -> tuple[str, KeyPair]:
        """Generate a key and write it to a new 0600 file; returns (key_ref, key pair).

        Raises MalformedValueError when the keys directory cannot be written.
        """
        key = generate(key_type)
        ref = f"signing-{secrets.token_hex(8)}.pem"
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_secret(self.keys_dir / ref, key.to_pkcs8_pem(self._passphrase))
        with self._lock:
            self._cache[ref] = key
        return ref, key

    def worker_args(self) -> tuple[Path, bytes | None]:
        """(keys_dir, passphrase) to rebuild this key store in a worker process we spawn."""
        return self.keys_dir, self._passphrase

    def path(self, key_ref: str) -> Path:
        """The file of a key reference. Raises MalformedValueError for anything but our names."""
        if not isinstance(key_ref, str) or _REF.match(key_ref) is None:
            raise MalformedValueError("not a key reference of this key store")
        return self.keys_dir / key_ref

    def load(self, key_ref: str) -> KeyPair:
        """The key pair of a reference (cached after the first read).

        Raises MalformedValueError when the file is missing or unreadable, ProofGenerationError
        when it is a symbolic link or other users may read or write it (read_private_file), and
        CryptographicSecurityError for a wrong or missing passphrase.
        """
        with self._lock:
            cached = self._cache.get(key_ref)
        if cached is not None:
            return cached
        path = self.path(key_ref)
        data = read_private_file(path)
        try:
            key = KeyPair.from_pkcs8_pem(data, self._passphrase)
        except CryptographicSecurityError as exc:
            raise CryptographicSecurityError(f"key file {path}: {exc.detail}") from exc
        with self._lock:
            self._cache[key_ref] = key
        return key


def read_private_file(path: Path) -> bytes:
    """The bytes of a private key file, refused unless it is a regular file, not a symbolic
    link, owned by this user and closed to everyone else (no group or other permission bits).

    A key that other users can read is a key that may already be someone else's; one reached
    through a symlink may be a world-readable copy somewhere else. Refusing to sign is the only
    safe answer: the issuer must fix the file (``chmod 600``), not the verifier downstream.
    Raises MalformedValueError (missing, unreadable) or ProofGenerationError (unsafe).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ProofGenerationError(
                f"key file {path} is a symbolic link: refusing to sign with a key reached "
                "through a link (keep the key file itself in the keys directory, mode 0600)"
            ) from None
        raise MalformedValueError(f"cannot read key file {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ProofGenerationError(f"key file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise ProofGenerationError(
                f"key file {path} is open to other users (mode {stat.S_IMODE(info.st_mode):04o}): "
                f"refusing to sign with a key others can read; run chmod 600 {path}"
            )
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise ProofGenerationError(
                f"key file {path} belongs to another user (uid {info.st_uid}): refusing to sign"
            )
        return handle.read()


def write_secret(path: Path, data: bytes) -> None:
    """Write bytes to a new file readable only by its owner (0600 from creation; never overwrite).

    Raises MalformedValueError when the file exists or cannot be created.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MalformedValueError(f"{path} exists; refusing to overwrite it") from None
    except OSError as exc:
        raise MalformedValueError(f"cannot create {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise MalformedValueError(f"cannot write {path}: {exc.strerror}") from exc
    os.chmod(path, 0o600)  # in case a umask or ACL widened it
