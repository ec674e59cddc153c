"""The key provider named by settings (``KLUIS_KEY_PROVIDER``): only ``local`` for now; PKCS#11 comes next."""

from __future__ import annotations

from vault.config import Settings
from vault.errors import ConfigurationError
from vault.keys._local import LocalKeyring
from vault.keys._master_secret import create_local_master_secret, master_secret_path, read_master_secret
from vault.keys._provider import KeyProvider


def open_key_provider(settings: Settings) -> KeyProvider:
    """The configured provider, opened; refuses an unknown provider or an unsafe master-secret layout."""
    if settings.key_provider != "local":
        raise ConfigurationError(f"unknown key provider: {settings.key_provider}")
    return LocalKeyring.open(settings.effective_keyring_file, read_master_secret(master_secret_path(settings)))


def prepare_key_provider(settings: Settings) -> tuple[KeyProvider, list[str]]:
    """For `kluis init`: the provider, created where missing. Returns it and what was created."""
    if settings.key_provider != "local":
        raise ConfigurationError(f"unknown key provider: {settings.key_provider}")
    created: list[str] = []
    secret_path = master_secret_path(settings)  # refuses an unsafe layout before anything is created
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not secret_path.exists() and secret_path == settings.local_master_secret_file:
        create_local_master_secret(secret_path)
        created.append("development master secret")
    keyring_path = settings.effective_keyring_file
    if keyring_path.exists():
        return open_key_provider(settings), created
    created.append("keyring")
    return LocalKeyring.create(keyring_path, read_master_secret(secret_path)), created
