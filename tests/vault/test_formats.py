"""Known-answer vectors: the byte formats of docs/FORMATS.md cannot drift without a test failing."""

from __future__ import annotations

import hashlib
import json
import struct
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault import Actor, AuthStrength
from vault.audit import (
    GENESIS_HASH,
    About,
    AuditEvent,
    Checkpoint,
    StoredEvent,
    checkpoint_message,
    link_hash,
    verify_chain,
)
from vault.crypto import FieldContext, WrapContext
from vault.crypto._data_keys import DataKey  # the mechanism itself, under test
from vault.crypto._primitives import Ed25519Signer
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
    assert context.associated_data(1).hex() == v["associated_data"]
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


def _event(processor: str | None = None, agreement: str | None = None) -> AuditEvent:
    actor = Actor(
        "dr.jansen",
        ("medical_adviser",),
        "insurer-a",
        client="10.0.0.7",
        request_id="req-1",
        source_system="kluis-api",
        auth_strength=AuthStrength.MULTI_FACTOR,
        on_behalf_of="dr.devries",
        processor=processor,
        agreement=agreement,
    )
    about = About(
        object_type="record",
        record_id="3f8e0c1a-0000-4000-8000-00000000000a",
        reference="kr1_" + "A" * 32,
        case_ref="CLAIM-1",
        subject="7d1c0b2e-0000-4000-8000-00000000000b",
        category="health",
        fields=("summary", "physician"),
        consent_id="C-17",
    )
    return AuditEvent(
        event_id="00000000-0000-4000-8000-000000000001",
        occurred_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        action_code="R",
        event_type="record.read",
        outcome="allowed",
        actor=actor,
        about=about,
        purpose="claim_assessment",
        rule="p, medical_adviser, health, read, health_purposes, case_member, allow",
    )


def test_audit_event_v3_encoding_matches_the_vector() -> None:
    v = VECTORS["audit_event_v3"]
    assert _event("bureau-x", "VWO-2026-014").canonical_bytes().decode() == v["body"]
    document = json.loads(v["body"])
    assert document["v"] == 3
    # what v3 added, as documented in FORMATS.md: the processor and its agreement (R47)
    assert (document["actor"]["processor"], document["actor"]["agreement"]) == ("bureau-x", "VWO-2026-014")
    redone = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert redone == v["body"]
    assert link_hash(v["seq"], bytes.fromhex(v["prev"]), v["body"].encode()).hex() == v["hash"]


def test_v3_is_v2_with_the_processor_and_agreement_added() -> None:
    v2 = json.loads(VECTORS["audit_event_v2"]["body"])
    v3 = json.loads(_event().canonical_bytes())
    assert v3["actor"].pop("processor") is None and v3["actor"].pop("agreement") is None
    assert {**v3, "v": 2} == v2  # nothing else changed, so v2 readers need only ignore two members


def test_audit_event_v2_vector_still_chains() -> None:
    v = VECTORS["audit_event_v2"]
    document = json.loads(v["body"])
    assert document["v"] == 2
    # the v2 members, as documented in FORMATS.md
    assert {"target", "break_glass", "consent_id", "count"} <= document.keys()
    assert {"on_behalf_of", "auth_strength"} <= document["actor"].keys()
    redone = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert redone == v["body"]  # the canonical form is plain sorted, compact, ASCII JSON
    assert link_hash(v["seq"], bytes.fromhex(v["prev"]), v["body"].encode()).hex() == v["hash"]


def test_a_log_of_v1_then_v2_then_v3_events_verifies() -> None:
    signer = Ed25519Signer(Ed25519Signer.generate_private_bytes())
    v1_body = VECTORS["audit_v1"]["body"].encode()
    v2_body = VECTORS["audit_event_v2"]["body"].encode()
    bodies = [v1_body, v2_body, _event().canonical_bytes(), _event("bureau-x", "VWO-2026-014").canonical_bytes()]
    stored, prev = [], GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        chained = link_hash(seq, prev, body)
        stored.append(StoredEvent(seq, prev, chained, body))
        prev = chained
    marks = {4: Checkpoint(4, prev, signer.sign(checkpoint_message(4, prev)))}
    result = verify_chain(stored, marks, signer.public_key(), max_checkpoint_gap=10, expected_head=4)
    assert result.ok and result.events == 4 and result.checkpoints == 1
    assert json.loads(v1_body)["v"] == 1


def test_field_v2_binds_organisation_and_case_and_opens_with_plain_aes_gcm() -> None:
    v = VECTORS["field_v2"]
    c = v["context"]
    context = FieldContext(**c)
    assert context.associated_data().hex() == v["associated_data"]
    documented = _length_prefixed(
        b"kluis.field",
        2,
        c["record_id"],
        c["field"],
        c["category"],
        c["subject_id"],
        c["data_key_id"],
        c["organisation"],
        c["case_ref"],
    )
    assert documented.hex() == v["associated_data"]
    envelope, key = bytes.fromhex(v["envelope"]), bytes.fromhex(v["key"])
    assert envelope[0] == 2
    assert DataKey(context.data_key_id, key).open(context, envelope) == v["plaintext"]
    raw = AESGCM(key).decrypt(envelope[1:13], envelope[13:], bytes.fromhex(v["associated_data"]))
    assert raw.decode() == v["plaintext"]


def test_row_mac_messages_follow_the_documented_encoding() -> None:
    from vault.access._row_macs import agreement_message, member_message  # the encoding itself, under test

    starts, ends = datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    when = [starts.isoformat(timespec="microseconds"), ends.isoformat(timespec="microseconds")]
    own = ("insurer-a", "dr.jansen", "medical_adviser", "12345678901", when[0], "kim", "", when[0], "", "active")
    sealed_before = member_message(
        "insurer-a", "dr.jansen", "medical_adviser", "12345678901", starts, "kim", None, starts, None, "active"
    )
    assert sealed_before == _length_prefixed(b"kluis.row.unit_member", 1, *own)  # unchanged for own staff
    bureau = member_message(
        "insurer-a", "dr.jansen", "medical_adviser", "12345678901", starts, "kim", None, starts, None, "active", "b-x"
    )
    assert bureau == _length_prefixed(b"kluis.row.unit_member", 2, *own, "b-x")  # v2: the processor appended
    agreement = agreement_message("insurer-a", "b-x", "VWO-1", "claims_handler", starts, ends, None)
    documented = _length_prefixed(b"kluis.row.processing_agreement", 1, "insurer-a", "b-x", "VWO-1", "claims_handler")
    assert agreement == documented + _length_prefixed(b"", 0, *when, "")[1:]
