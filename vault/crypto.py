"""Field sealing bound to context (envelope encryption, the data-key layer).

A field value is sealed with the subject's data key (DEK) under AES-256-GCM. The associated data is the canonical
encoding of the field's context, so a ciphertext copied to another record, field, category, subject or data key
does not open. The byte format is written down in docs/FORMATS.md and pinned by tests/vectors/.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vault._primitives import NONCE_BYTES, TAG_BYTES, Aead, random_bytes
from vault.errors import DecryptionFailed, KeyUnavailable

FIELD_FORMAT_VERSION = 1
DEK_WRAP_FORMAT_VERSION = 1
MAX_FIELD_BYTES = 1 << 20  # one field value: 1 MiB of UTF-8 at most
# Random 96-bit nonces: the collision bound says stay far below 2**32 messages per key. We stop at 2**30.
MAX_SEALS_PER_KEY = 1 << 30

_FIELD_AD_LABEL = b"kluis.field"
_DEK_AD_LABEL = b"kluis.dek"


_U16 = struct.Struct(">H").pack


def _encode_parts(label: bytes, version: int, parts: tuple[str, ...]) -> bytes:
    """Length-prefixed, so no two different contexts share an encoding."""
    chunks = [label, bytes((version,))]
    for part in parts:
        raw = part.encode("utf-8")
        chunks.append(_U16(len(raw)))
        chunks.append(raw)
    return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class FieldContext:
    """Where a sealed field lives. Every member is bound into the ciphertext."""

    record_id: str
    field: str
    category: str
    subject_id: str
    data_key_id: str

    def associated_data(self) -> bytes:
        return _encode_parts(
            _FIELD_AD_LABEL,
            FIELD_FORMAT_VERSION,
            (self.record_id, self.field, self.category, self.subject_id, self.data_key_id),
        )


@dataclass(frozen=True, slots=True)
class WrapContext:
    """Where a wrapped data key belongs: its subject, category, id and the KEK version that wraps it."""

    data_key_id: str
    subject_id: str
    category: str
    kek_version: int

    def associated_data(self) -> bytes:
        return _encode_parts(
            _DEK_AD_LABEL,
            DEK_WRAP_FORMAT_VERSION,
            (self.data_key_id, self.subject_id, self.category, str(self.kek_version)),
        )


class DataKey:
    """An unwrapped data key. It seals and opens fields; it never hands out its bytes."""

    __slots__ = ("_aead", "id", "seals", "unsaved_seals")

    def __init__(self, key_id: str, key: bytes, seals: int = 0) -> None:
        self.id = key_id
        self._aead = Aead(key)
        self.seals = seals  # messages sealed under this key, as stored plus since loaded
        self.unsaved_seals = 0

    def take_unsaved_seals(self) -> int:
        count, self.unsaved_seals = self.unsaved_seals, 0
        return count

    @staticmethod
    def generate_material() -> bytes:
        return random_bytes(32)

    def seal(self, context: FieldContext, plaintext: str) -> bytes:
        if context.data_key_id != self.id:
            raise ValueError("context names another data key")
        raw = plaintext.encode("utf-8")
        if len(raw) > MAX_FIELD_BYTES:
            raise ValueError("field value too large")
        if self.seals >= MAX_SEALS_PER_KEY:
            raise KeyUnavailable("data key has reached its encryption limit")
        self.seals += 1
        self.unsaved_seals += 1
        return bytes([FIELD_FORMAT_VERSION]) + self._aead.seal(raw, context.associated_data())

    def open(self, context: FieldContext, envelope: bytes) -> str:
        if context.data_key_id != self.id:
            raise DecryptionFailed()
        if not _plausible_envelope(envelope):
            raise DecryptionFailed()
        plaintext = self._aead.open(envelope[1:], context.associated_data())
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionFailed() from None

    def __repr__(self) -> str:
        return f"DataKey(id={self.id!r}, <key hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key material cannot be pickled")


def _plausible_envelope(envelope: bytes) -> bool:
    size = len(envelope)
    return (
        1 + NONCE_BYTES + TAG_BYTES <= size <= 1 + NONCE_BYTES + MAX_FIELD_BYTES + TAG_BYTES
        and envelope[0] == FIELD_FORMAT_VERSION
    )
