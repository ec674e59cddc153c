"""Known-answer vectors: the byte formats of docs/FORMATS.md cannot drift without a test failing."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.audit import checkpoint_message, link_hash
from vault.crypto import FieldContext, WrapContext
from vault.crypto._data_keys import DataKey  # the mechanism itself, under test
from vault.records import is_reference, new_reference

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "formats-v1.json").read_text())


def _length_prefixed(label: bytes, version: int, *parts: str) -> bytes:
    """An independent re-implementation of the documented encoding."""
    out = label + bytes([version])
    for part in parts:
        raw = part.encode()
        out += struct.pack(">H", len(raw)) + raw
    return out


def test_field_associated_data_matches_the_documented_encoding() -> None:
    v = VECTORS["field_v1"]
    context = FieldContext(**v["context"])
    assert context.associated_data().hex() == v["associated_data"]
    c = v["context"]
    documented = _length_prefixed(
        b"kluis.field", 1, c["record_id"], c["field"], c["category"], c["subject_id"], c["data_key_id"]
    )
    assert documented.hex() == v["associated_data"]


def test_pinned_envelope_opens_with_our_code_and_with_plain_aes_gcm() -> None:
    v = VECTORS["field_v1"]
    envelope, key = bytes.fromhex(v["envelope"]), bytes.fromhex(v["key"])
    context = FieldContext(**v["context"])
    assert DataKey(context.data_key_id, key).open(context, envelope) == v["plaintext"]
    assert envelope[0] == 1  # format version
    raw = AESGCM(key).decrypt(envelope[1:13], envelope[13:], bytes.fromhex(v["associated_data"]))
    assert raw.decode() == v["plaintext"]


def test_dek_wrap_associated_data_matches_the_documented_encoding() -> None:
    v = VECTORS["dek_wrap_v1"]
    c = v["context"]
    assert WrapContext(**c).associated_data().hex() == v["associated_data"]
    documented = _length_prefixed(
        b"kluis.dek", 1, c["data_key_id"], c["subject_id"], c["category"], str(c["kek_version"])
    )
    assert documented.hex() == v["associated_data"]


def test_audit_link_hash_and_checkpoint_message_match_the_vector() -> None:
    v = VECTORS["audit_v1"]
    body, prev = v["body"].encode(), bytes.fromhex(v["prev"])
    assert link_hash(v["seq"], prev, body).hex() == v["hash"]
    documented = hashlib.sha256(b"kluis.audit.v1\x00" + struct.pack(">Q", v["seq"]) + prev + body).hexdigest()
    assert documented == v["hash"]
    assert checkpoint_message(v["seq"], bytes.fromhex(v["hash"])).hex() == v["checkpoint_message"]


def test_reference_tokens_are_random_and_well_formed() -> None:
    tokens = {new_reference() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(is_reference(t) and len(t) == 36 for t in tokens)
    assert not is_reference("kr1_" + "a" * 31) and not is_reference("kr2_" + "a" * 32)
