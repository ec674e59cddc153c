"""The hazmat fence: primitives (the only importer of ``cryptography``), the sealed-field envelope and the contexts
it binds. Public here: the contexts, signature verification and the dev-mode JWK. The primitives themselves
(``vault.crypto._primitives``: AES-GCM, scrypt, the Ed25519 signer) are for the key providers and the envelope
only, and data keys (``vault.crypto._data_keys``) for ``vault.access`` only — import-linter ``protected``
contracts — so nothing public opens a field or unwraps a data key."""

from vault.crypto._envelope import DEK_WRAP_FORMAT_VERSION, FIELD_FORMAT_VERSION, FieldContext, WrapContext
from vault.crypto._primitives import new_ed25519_jwk, verify_signature

__all__ = [
    "DEK_WRAP_FORMAT_VERSION",
    "FIELD_FORMAT_VERSION",
    "FieldContext",
    "WrapContext",
    "new_ed25519_jwk",
    "verify_signature",
]
