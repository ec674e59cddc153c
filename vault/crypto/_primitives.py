"""The only module that imports ``cryptography.hazmat`` (an import-linter contract). Everything here is a thin,
fail-closed wrapper: callers never pass a nonce and every failure becomes one opaque error."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vault.errors import DecryptionFailed

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


class Aead:
    """AES-256-GCM with a fresh random 96-bit nonce per message. Output is ``nonce || ciphertext || tag``."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed()
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
        except InvalidTag:
            raise DecryptionFailed() from None

    def __repr__(self) -> str:
        return "Aead(<key hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key material cannot be pickled")


def derive_subkey(secret: bytes, info: bytes) -> bytes:
    """A 32-byte key for one purpose (``info``) from a secret held for another: HKDF-SHA256."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(secret)


def mac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256."""
    signer = HMAC(key, hashes.SHA256())
    signer.update(message)
    return signer.finalize()


def derive_key_from_secret(secret: bytes, salt: bytes, *, n: int, r: int, p: int) -> bytes:
    """scrypt, because an operator-supplied master secret may be a passphrase."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(secret)


class Ed25519Signer:
    """An Ed25519 signing key held in memory (the local provider's audit signer). The private key never leaves."""

    __slots__ = ("_key",)

    def __init__(self, private_bytes: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_bytes)

    @staticmethod
    def generate_private_bytes() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def public_key(self) -> bytes:
        return self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def __repr__(self) -> str:
        return "Ed25519Signer(<key hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key material cannot be pickled")


def new_ed25519_jwk() -> dict[str, str]:
    """A fresh Ed25519 private key as the members of an OKP JWK (RFC 8037): for the dev-mode token key only."""
    key = Ed25519PrivateKey.generate()
    d = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    x = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "d": _b64url(d), "x": _b64url(x)}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify_signature(public_bytes: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_bytes).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
