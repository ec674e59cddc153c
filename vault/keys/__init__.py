"""Key custody: the key-provider protocol an HSM can satisfy (KEKs and the audit signing key never leave it), the
local keyring provider chosen by settings, and the master secret that seals it.

The key service (status, rotation, migration for the key admin) decides through the access guard, so it sits one
layer up, in ``vault.keys.service``.
"""

from vault.keys._local import KEYRING_FORMAT, LocalKeyring
from vault.keys._master_secret import (
    create_local_master_secret,
    export_public_key,
    master_secret_path,
    read_master_secret,
    read_public_key,
)
from vault.keys._provider import KeyProvider, Signer
from vault.keys._select import open_key_provider, prepare_key_provider

__all__ = [
    "KEYRING_FORMAT",
    "KeyProvider",
    "LocalKeyring",
    "Signer",
    "create_local_master_secret",
    "export_public_key",
    "master_secret_path",
    "open_key_provider",
    "prepare_key_provider",
    "read_master_secret",
    "read_public_key",
]
