"""Key-encryption keys (KEKs) and the audit signing key, held by a key provider.

The provider wraps and unwraps data keys; KEKs never leave it, which is what lets a PKCS#11 HSM take its place.
The default provider is a local keyring file, itself sealed under a master secret the operator supplies.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import structlog

from vault._primitives import Aead, Signer, derive_key_from_secret, random_bytes
from vault.config import Settings
from vault.crypto import WrapContext
from vault.errors import ConfigurationError, DecryptionFailed, KeyUnavailable
from vault.vocabulary import Category

log = structlog.get_logger(__name__)

KEYRING_FORMAT = "kluis.keyring.v1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_MIN_SECRET_BYTES = 32


class KeyProvider(Protocol):
    """What the vault needs from a key store. A PKCS#11 implementation satisfies the same protocol."""

    def active_version(self, category: Category) -> int: ...

    def versions(self, category: Category) -> list[int]: ...

    def wrap(self, material: bytes, context: WrapContext) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: WrapContext) -> bytes: ...

    def rotate(self, category: Category) -> int: ...

    def audit_signer(self) -> Signer: ...


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


class LocalKeyring:
    """KEKs per category and version, plus the audit signing key, in one file sealed under the master secret."""

    def __init__(self, path: Path, master_secret: bytes) -> None:
        self._path = path
        self._secret = master_secret
        self._lock = threading.Lock()
        self._payload: dict[str, Any] = {}
        self._keks: dict[tuple[str, int], Aead] = {}

    # -- lifecycle -------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, master_secret: bytes) -> LocalKeyring:
        if path.exists():
            raise ConfigurationError(f"keyring already exists: {path}")
        ring = cls(path, master_secret)
        ring._payload = {
            "keks": {c.value: {"active": 1, "versions": {"1": _b64(random_bytes(32))}} for c in Category},
            "audit_signing_key": _b64(Signer.generate_private_bytes()),
        }
        ring._save()
        ring._index()
        return ring

    @classmethod
    def open(cls, path: Path, master_secret: bytes) -> LocalKeyring:
        ring = cls(path, master_secret)
        ring._load()
        return ring

    def _load(self) -> None:
        try:
            document = json.loads(self._path.read_bytes())
        except FileNotFoundError:
            raise KeyUnavailable(f"no keyring at {self._path}; run `kluis init`") from None
        if document.get("format") != KEYRING_FORMAT:
            raise KeyUnavailable("unknown keyring format")
        kdf = document["kdf"]
        wrapping = Aead(derive_key_from_secret(self._secret, _unb64(kdf["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"]))
        try:
            sealed = _unb64(document["sealed"])
            self._payload = json.loads(wrapping.open(sealed, KEYRING_FORMAT.encode()))
        except DecryptionFailed:
            raise KeyUnavailable("keyring does not open with this master secret") from None
        self._index()

    def _save(self) -> None:
        salt = random_bytes(16)
        wrapping = Aead(derive_key_from_secret(self._secret, salt, **_SCRYPT))
        sealed = wrapping.seal(json.dumps(self._payload).encode(), KEYRING_FORMAT.encode())
        document = {
            "format": KEYRING_FORMAT,
            "kdf": {"name": "scrypt", "salt": _b64(salt), **_SCRYPT},
            "sealed": _b64(sealed),
        }
        _atomic_write(self._path, json.dumps(document, indent=1).encode())

    def _index(self) -> None:
        self._keks = {
            (category, int(version)): Aead(_unb64(material))
            for category, entry in self._payload["keks"].items()
            for version, material in entry["versions"].items()
        }

    # -- KeyProvider -----------------------------------------------------------------------------------------
    def active_version(self, category: Category) -> int:
        return int(self._payload["keks"][category.value]["active"])

    def versions(self, category: Category) -> list[int]:
        return sorted(int(v) for v in self._payload["keks"][category.value]["versions"])

    def wrap(self, material: bytes, context: WrapContext) -> bytes:
        return self._kek(context.category, context.kek_version).seal(material, context.associated_data())

    def unwrap(self, wrapped: bytes, context: WrapContext) -> bytes:
        return self._kek(context.category, context.kek_version).open(wrapped, context.associated_data())

    def rotate(self, category: Category) -> int:
        with self._lock:
            self._load()  # another process may have rotated since we read the file
            entry = self._payload["keks"][category.value]
            new_version = max(int(v) for v in entry["versions"]) + 1
            entry["versions"][str(new_version)] = _b64(random_bytes(32))
            entry["active"] = new_version
            self._save()
            self._index()
        log.info("kek_rotated", category=category.value, version=new_version)
        return new_version

    def audit_signer(self) -> Signer:
        return Signer(_unb64(self._payload["audit_signing_key"]))

    def _kek(self, category: str, version: int) -> Aead:
        kek = self._keks.get((category, version))
        if kek is None:
            with self._lock:
                self._load()  # rotated by another process
            kek = self._keks.get((category, version))
        if kek is None:
            raise KeyUnavailable(f"no KEK {category} v{version}")
        return kek

    def __repr__(self) -> str:
        return f"LocalKeyring({self._path}, <keys hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key material cannot be pickled")


# -- master secret -------------------------------------------------------------------------------------------
def _is_inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def master_secret_path(settings: Settings) -> Path:
    """The file the master secret comes from, refusing the unsafe layout in production."""
    if settings.master_secret_file is not None:
        if settings.environment == "production" and _is_inside(settings.master_secret_file, settings.data_dir):
            raise ConfigurationError(
                "production refuses a master secret stored inside the data directory; keep it apart from the data"
            )
        return settings.master_secret_file
    if settings.environment == "production":
        raise ConfigurationError("production needs KLUIS_MASTER_SECRET_FILE naming the keyring's master secret")
    return settings.local_master_secret_file


def read_master_secret(path: Path) -> bytes:
    try:
        secret = path.read_bytes().strip()
    except FileNotFoundError:
        raise ConfigurationError(f"master secret file not found: {path}") from None
    if len(secret) < _MIN_SECRET_BYTES:
        raise ConfigurationError(f"master secret must be at least {_MIN_SECRET_BYTES} bytes")
    return secret


def create_local_master_secret(path: Path) -> bytes:
    secret = base64.urlsafe_b64encode(random_bytes(32))
    _atomic_write(path, secret + b"\n")
    log.warning(
        "development_master_secret_created",
        path=str(path),
        warning="A master secret stored beside the data is for trying Kluis out only. "
        "In production set KLUIS_ENVIRONMENT=production and KLUIS_MASTER_SECRET_FILE to a secret kept elsewhere.",
    )
    return secret


def open_keyring(settings: Settings) -> LocalKeyring:
    return LocalKeyring.open(settings.effective_keyring_file, read_master_secret(master_secret_path(settings)))


def export_public_key(signer: Signer, path: Path) -> None:
    _atomic_write(path, _b64(signer.public_bytes()).encode() + b"\n")


def read_public_key(path: Path) -> bytes:
    try:
        return _unb64(path.read_text().strip())
    except FileNotFoundError:
        raise ConfigurationError(f"audit public key not found: {path}") from None
