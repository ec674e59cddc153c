"""The sealed-field envelope and the contexts bound into ciphertexts (formats in docs/FORMATS.md, vectors in
tests/vectors/).

A field value is sealed under AES-256-GCM with the associated data set to the canonical encoding of its context, so a
ciphertext copied to another record, field, category, subject or data key does not open; from format 2 on, neither
does one whose record was moved (by editing its row) to another case or organisation, where other people have the
need-to-know. A wrapped data key is bound the same way to its id, subject, category and KEK version.

    field envelope = version (1 byte: 0x02, or 0x01 from before) || nonce (12) || ciphertext || tag (16)
    context        = label || version (1 byte) || for each part: length (u16 BE) || UTF-8 bytes
    parts          = record id, field, category, subject id, data key id (v1); v2 adds organisation, case
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vault.crypto._primitives import NONCE_BYTES, TAG_BYTES, Aead
from vault.errors import DecryptionFailed

FIELD_FORMAT_VERSION = 2  # what seal_field writes; open_field opens 1 and 2
_FIELD_VERSIONS = (1, 2)
DEK_WRAP_FORMAT_VERSION = 1
MAX_FIELD_BYTES = 1 << 20  # one field value: 1 MiB of UTF-8 at most

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
    """Where a sealed field lives. Every member is bound into the ciphertext (organisation and case from v2)."""

    record_id: str
    field: str
    category: str
    subject_id: str
    data_key_id: str
    organisation: str | None = None
    case_ref: str | None = None

    def associated_data(self, version: int = FIELD_FORMAT_VERSION) -> bytes:
        parts: tuple[str, ...] = (self.record_id, self.field, self.category, self.subject_id, self.data_key_id)
        if version >= 2:
            if self.organisation is None or self.case_ref is None:
                raise ValueError("a field context from format 2 on names its organisation and case")
            parts += (self.organisation, self.case_ref)
        return _encode_parts(_FIELD_AD_LABEL, version, parts)


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


def seal_field(aead: Aead, context: FieldContext, plaintext: str) -> bytes:
    raw = plaintext.encode("utf-8")
    if len(raw) > MAX_FIELD_BYTES:
        raise ValueError("field value too large")
    return bytes([FIELD_FORMAT_VERSION]) + aead.seal(raw, context.associated_data())


def open_field(aead: Aead, context: FieldContext, envelope: bytes) -> str:
    """The plaintext, or DecryptionFailed for anything else: a bad length or version is refused before any work."""
    size = len(envelope)
    if not (1 + NONCE_BYTES + TAG_BYTES <= size <= 1 + NONCE_BYTES + MAX_FIELD_BYTES + TAG_BYTES):
        raise DecryptionFailed()
    version = envelope[0]
    if version not in _FIELD_VERSIONS:
        raise DecryptionFailed()
    # A v2 envelope relabelled v1 does not open either: the version is part of the associated data.
    plaintext = aead.open(envelope[1:], context.associated_data(version))
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionFailed() from None
