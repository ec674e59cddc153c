"""The local key provider: KEKs per category and version and the audit signing key, in one keyring file sealed
under the operator's master secret (scrypt + AES-256-GCM)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import structlog

from vault.crypto import WrapContext
from vault.crypto._primitives import (
    Aead,
    Ed25519Signer,
    derive_key_from_secret,
    derive_subkey,
    mac_sha256,
    random_bytes,
)
from vault.errors import ConfigurationError, DecryptionFailed, KeyUnavailable
from vault.keys._access import KeyAccess, require
from vault.keys._files import atomic_write, b64, exclusive, unb64
from vault.keys._provider import Signer
from vault.vocabulary import Category

log = structlog.get_logger(__name__)

KEYRING_FORMAT = "kluis.keyring.v1"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class LocalKeyring:
    """KEKs per category and version, plus the audit signing key, in one file sealed under the master secret."""

    def __init__(self, path: Path, master_secret: bytes) -> None:
        self._path = path
        self._secret = master_secret
        self._lock = threading.Lock()
        self._payload: dict[str, Any] = {}
        self._keks: dict[tuple[str, int], Aead] = {}
        self._row_mac_key: bytes | None = None
        self._stamp: tuple[int, int, int] | None = None  # the file as last read or written (inode, mtime, size)

    # -- lifecycle -------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, master_secret: bytes) -> LocalKeyring:
        if path.exists():
            raise ConfigurationError(f"keyring already exists: {path}")
        ring = cls(path, master_secret)
        ring._payload = {
            "keks": {c.value: {"active": 1, "versions": {"1": b64(random_bytes(32))}} for c in Category},
            "audit_signing_key": b64(Ed25519Signer.generate_private_bytes()),
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
            stamp = self._file_stamp()
            document = json.loads(self._path.read_bytes())
        except FileNotFoundError:
            raise KeyUnavailable(f"no keyring at {self._path}; run `kluis init`") from None
        if document.get("format") != KEYRING_FORMAT:
            raise KeyUnavailable("unknown keyring format")
        kdf = document["kdf"]
        wrapping = Aead(derive_key_from_secret(self._secret, unb64(kdf["salt"]), n=kdf["n"], r=kdf["r"], p=kdf["p"]))
        try:
            sealed = unb64(document["sealed"])
            self._payload = json.loads(wrapping.open(sealed, KEYRING_FORMAT.encode()))
        except DecryptionFailed:
            raise KeyUnavailable("keyring does not open with this master secret") from None
        self._index()
        self._stamp = stamp

    def _file_stamp(self) -> tuple[int, int, int]:
        found = self._path.stat()
        return found.st_ino, found.st_mtime_ns, found.st_size

    def _refresh(self) -> None:
        """Read the file again if another process rotated or retired since: a new key is then wrapped under the
        version now active, never under one retired meanwhile (a stat per call; the scrypt only on a change)."""
        try:
            changed = self._file_stamp() != self._stamp
        except FileNotFoundError:
            raise KeyUnavailable(f"no keyring at {self._path}") from None
        if changed:
            with self._lock:
                self._load()

    def _save(self) -> None:
        salt = random_bytes(16)
        wrapping = Aead(derive_key_from_secret(self._secret, salt, **_SCRYPT))
        sealed = wrapping.seal(json.dumps(self._payload).encode(), KEYRING_FORMAT.encode())
        document = {
            "format": KEYRING_FORMAT,
            "kdf": {"name": "scrypt", "salt": b64(salt), **_SCRYPT},
            "sealed": b64(sealed),
        }
        atomic_write(self._path, json.dumps(document, indent=1).encode())
        self._stamp = self._file_stamp()

    def _index(self) -> None:
        self._keks = {
            (category, int(version)): Aead(unb64(material))
            for category, entry in self._payload["keks"].items()
            for version, material in entry["versions"].items()
        }

    # -- KeyProvider -----------------------------------------------------------------------------------------
    def active_version(self, category: Category) -> int:
        self._refresh()
        return int(self._payload["keks"][category.value]["active"])

    def versions(self, category: Category) -> list[int]:
        self._refresh()
        return sorted(int(v) for v in self._payload["keks"][category.value]["versions"])

    def wrap(self, material: bytes, context: WrapContext) -> bytes:
        self._refresh()
        kek = self._keks.get((context.category, context.kek_version))
        if kek is None:  # retired: never wrap under a version that is gone
            raise KeyUnavailable(f"no KEK {context.category} v{context.kek_version}")
        return kek.seal(material, context.associated_data())

    def unwrap(self, wrapped: bytes, context: WrapContext, access: KeyAccess) -> bytes:
        require(access)
        return self._kek(context.category, context.kek_version).open(wrapped, context.associated_data())

    def rotate(self, category: Category, access: KeyAccess) -> int:
        require(access)
        with exclusive(self._path), self._lock:
            self._load()  # another process may have rotated since we read the file
            entry = self._payload["keks"][category.value]
            new_version = max(int(v) for v in entry["versions"]) + 1
            entry["versions"][str(new_version)] = b64(random_bytes(32))
            entry["active"] = new_version
            self._save()
            self._index()
        log.info("kek_rotated", category=category.value, version=new_version)
        return new_version

    def retire(self, category: Category, below_version: int, access: KeyAccess) -> list[int]:
        require(access)
        with exclusive(self._path), self._lock:
            self._load()
            entry = self._payload["keks"][category.value]
            if int(entry["active"]) < below_version:
                raise KeyUnavailable("only versions below the active one are retired")
            retired = sorted(int(v) for v in entry["versions"] if int(v) < below_version)
            for version in retired:
                del entry["versions"][str(version)]
            self._save()  # the keyring file no longer holds them (copies of the file still do: docs/DECISIONS.md)
            self._index()
        log.info("kek_retired", category=category.value, versions=retired)
        return retired

    def audit_signer(self, access: KeyAccess) -> Signer:
        require(access)
        return Ed25519Signer(unb64(self._payload["audit_signing_key"]))

    def row_mac(self, message: bytes, access: KeyAccess) -> bytes:
        """HMAC-SHA256 under a key derived (HKDF) from the keyring's signing secret for this one purpose, so a
        keyring made before row MACs needs no new member."""
        require(access)
        if self._row_mac_key is None:
            self._row_mac_key = derive_subkey(unb64(self._payload["audit_signing_key"]), b"kluis.row-mac.v1")
        return mac_sha256(self._row_mac_key, message)

    def audit_public_key(self) -> bytes:
        return Ed25519Signer(unb64(self._payload["audit_signing_key"])).public_key()

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
