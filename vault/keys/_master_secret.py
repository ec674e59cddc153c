"""The master secret that seals the local keyring, and the audit public key file: where they may live."""

from __future__ import annotations

import base64
from pathlib import Path

import structlog

from vault.config import Settings
from vault.crypto._primitives import random_bytes
from vault.errors import ConfigurationError
from vault.keys._files import atomic_write, b64, unb64

log = structlog.get_logger(__name__)
_MIN_SECRET_BYTES = 32


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
    atomic_write(path, secret + b"\n")
    log.warning(
        "development_master_secret_created",
        path=str(path),
        warning="A master secret stored beside the data is for trying Kluis out only. "
        "In production set KLUIS_ENVIRONMENT=production and KLUIS_MASTER_SECRET_FILE to a secret kept elsewhere.",
    )
    return secret


def export_public_key(public_key: bytes, path: Path) -> None:
    atomic_write(path, b64(public_key).encode() + b"\n")


def read_public_key(path: Path) -> bytes:
    try:
        return unb64(path.read_text().strip())
    except FileNotFoundError:
        raise ConfigurationError(f"audit public key not found: {path}") from None
