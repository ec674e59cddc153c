"""The hazmat fence: primitives (the only importer of ``cryptography.hazmat``), the sealed-field envelope and the
contexts it binds. Data keys live in the private ``vault.crypto._data_keys``, which only ``vault.access`` may import
(an import-linter contract): nothing here opens a field or unwraps a data key."""

from vault.crypto._envelope import DEK_WRAP_FORMAT_VERSION, FIELD_FORMAT_VERSION, FieldContext, WrapContext
from vault.crypto._primitives import (
    Aead,
    Ed25519Signer,
    derive_key_from_secret,
    new_ed25519_jwk,
    random_bytes,
    verify_signature,
)

__all__ = [
    "DEK_WRAP_FORMAT_VERSION",
    "FIELD_FORMAT_VERSION",
    "Aead",
    "Ed25519Signer",
    "FieldContext",
    "WrapContext",
    "derive_key_from_secret",
    "new_ed25519_jwk",
    "random_bytes",
    "verify_signature",
]
