"""What Kluis needs from a key store, as protocols an HSM can satisfy: KEKs and the audit signing key never leave
the provider. Data keys are wrapped and unwrapped inside it; checkpoints are signed inside it."""

from __future__ import annotations

from typing import Protocol

from vault.crypto import WrapContext
from vault.keys._access import KeyAccess
from vault.vocabulary import Category


class Signer(Protocol):
    """Signs audit checkpoints. The private key stays with the provider (an HSM signs remotely)."""

    def sign(self, message: bytes) -> bytes: ...

    def public_key(self) -> bytes:
        """The raw Ed25519 public key that verifies what this signer signs."""
        ...


class KeyProvider(Protocol):
    """KEKs per data category and version, and the audit signer. A PKCS#11 provider satisfies the same protocol.
    What yields or changes key material (unwrap, rotate, the signer) takes the one KeyAccess (vault/keys/_access.py)."""

    def active_version(self, category: Category) -> int: ...

    def versions(self, category: Category) -> list[int]: ...

    def wrap(self, material: bytes, context: WrapContext) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: WrapContext, access: KeyAccess) -> bytes: ...

    def rotate(self, category: Category, access: KeyAccess) -> int: ...

    def retire(self, category: Category, below_version: int, access: KeyAccess) -> list[int]:
        """Destroy the category's KEK versions below ``below_version`` (the active one stays); returns them."""
        ...

    def audit_signer(self, access: KeyAccess) -> Signer: ...

    def row_mac(self, message: bytes, access: KeyAccess) -> bytes:
        """A MAC over a row that grants access (an assignment), under a key that never leaves the provider."""
        ...

    def audit_public_key(self) -> bytes:
        """The public half of the audit signer (no key access needed: it verifies, never signs)."""
        ...
