"""Field sealing and data-key wrapping: context binding, tamper detection, opaque failures, key hygiene."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault import Category, DecryptionFailed
from vault.crypto import FieldContext, WrapContext
from vault.crypto._data_keys import DataKey  # the mechanism itself, under test
from vault.keys import LocalKeyring
from vault.keys._access import KEY_ACCESS  # the mechanism under test

KEY = bytes(range(32))
CONTEXT = FieldContext("rec-1", "summary", "health", "subject-1", "dek-1", "insurer-a", "CLAIM-1")


@pytest.fixture
def key() -> DataKey:
    return DataKey("dek-1", KEY)


def test_sealed_field_opens_in_its_own_context(key: DataKey) -> None:
    assert key.open(CONTEXT, key.seal(CONTEXT, "whiplash, 6 weeks physio")) == "whiplash, 6 weeks physio"


def test_sealing_twice_gives_different_ciphertexts(key: DataKey) -> None:
    assert key.seal(CONTEXT, "same") != key.seal(CONTEXT, "same")


@pytest.mark.parametrize(
    "attack",
    [
        {"record_id": "rec-2"},
        {"field": "treating_physician"},
        {"subject_id": "subject-2"},
        {"category": "criminal"},
        {"case_ref": "CLAIM-2"},
        {"organisation": "insurer-b"},
    ],
    ids=[
        "copied-to-other-record",
        "copied-to-other-field",
        "copied-to-other-subject",
        "copied-to-other-category",
        "record-moved-to-other-case",
        "record-moved-to-other-organisation",
    ],
)
def test_context_binds_ciphertext_to_its_place(key: DataKey, attack: dict[str, str]) -> None:
    sealed = key.seal(CONTEXT, "diagnosis text")
    with pytest.raises(DecryptionFailed):
        key.open(replace(CONTEXT, **attack), sealed)


def test_ciphertext_does_not_open_under_another_subjects_key(key: DataKey) -> None:
    other = DataKey("dek-2", bytes(32))
    sealed = key.seal(CONTEXT, "x")
    with pytest.raises(DecryptionFailed):
        other.open(replace(CONTEXT, data_key_id="dek-2"), sealed)
    with pytest.raises(DecryptionFailed):  # and the key refuses a context naming another key
        other.open(CONTEXT, sealed)


def test_every_flipped_bit_in_an_envelope_fails(key: DataKey) -> None:
    sealed = key.seal(CONTEXT, "canary")
    for position in range(len(sealed) * 8):
        tampered = bytearray(sealed)
        tampered[position // 8] ^= 1 << (position % 8)
        with pytest.raises(DecryptionFailed):
            key.open(CONTEXT, bytes(tampered))


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=200))
def test_garbage_envelopes_fail_with_the_one_opaque_error(garbage: bytes) -> None:
    with pytest.raises(DecryptionFailed) as raised:
        DataKey("dek-1", KEY).open(CONTEXT, garbage)
    assert str(raised.value) == "decryption failed"


def test_truncated_and_extended_envelopes_fail(key: DataKey) -> None:
    sealed = key.seal(CONTEXT, "x")
    for bad in (sealed[:-1], sealed + b"\0", sealed[:12], b""):
        with pytest.raises(DecryptionFailed):
            key.open(CONTEXT, bad)


def test_data_key_hides_its_material() -> None:
    key = DataKey("dek-1", KEY)
    assert KEY.hex() not in repr(key) and "hidden" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_associated_data_encoding_has_no_ambiguity() -> None:
    # Same concatenation, different split: length prefixes keep them apart.
    a = FieldContext("ab", "c", "health", "s", "k", "o", "c").associated_data()
    b = FieldContext("a", "bc", "health", "s", "k", "o", "c").associated_data()
    assert a != b
    c = FieldContext("r", "f", "health", "s", "k", "oc", "").associated_data()
    d = FieldContext("r", "f", "health", "s", "k", "o", "c").associated_data()
    assert c != d


def test_a_v1_envelope_still_opens_and_a_v2_one_relabelled_v1_does_not(key: DataKey) -> None:
    from vault.crypto._envelope import FIELD_FORMAT_VERSION
    from vault.crypto._primitives import NONCE_BYTES, Aead

    assert FIELD_FORMAT_VERSION == 2
    aead = Aead(KEY)
    v1 = bytes([1]) + aead.seal(b"from before", CONTEXT.associated_data(1))  # as format 1 sealed it
    assert key.open(CONTEXT, v1) == "from before"
    v2 = key.seal(CONTEXT, "now")
    assert v2[0] == 2 and len(v2) > 1 + NONCE_BYTES
    with pytest.raises(DecryptionFailed):
        key.open(CONTEXT, bytes([1]) + v2[1:])


def test_a_v2_context_must_name_its_organisation_and_case() -> None:
    with pytest.raises(ValueError):
        FieldContext("r", "f", "health", "s", "k").associated_data()


# -- the KEK layer ------------------------------------------------------------------------------------------
@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    return LocalKeyring.create(tmp_path / "keyring.json", b"s" * 32)


def test_wrapped_data_key_moved_to_another_subject_does_not_open(keyring: LocalKeyring) -> None:
    context = WrapContext("dek-1", "subject-1", "health", 1)
    wrapped = keyring.wrap(KEY, context)
    assert keyring.unwrap(wrapped, context, KEY_ACCESS) == KEY
    for moved in (
        replace(context, subject_id="subject-2"),
        replace(context, data_key_id="dek-2"),
        replace(context, category="criminal"),
    ):
        with pytest.raises(DecryptionFailed):
            keyring.unwrap(wrapped, moved, KEY_ACCESS)


def test_kek_per_category_and_rotation_keeps_old_versions(tmp_path: Path, keyring: LocalKeyring) -> None:
    old = WrapContext("dek-1", "subject-1", "health", 1)
    wrapped = keyring.wrap(KEY, old)
    assert keyring.rotate(Category.HEALTH, KEY_ACCESS) == 2
    assert keyring.active_version(Category.HEALTH) == 2
    assert keyring.active_version(Category.CRIMINAL) == 1
    reopened = LocalKeyring.open(tmp_path / "keyring.json", b"s" * 32)
    assert reopened.unwrap(wrapped, old, KEY_ACCESS) == KEY


def test_keyring_file_does_not_open_with_another_secret(tmp_path: Path, keyring: LocalKeyring) -> None:
    from vault import KeyUnavailable

    with pytest.raises(KeyUnavailable):
        LocalKeyring.open(tmp_path / "keyring.json", b"t" * 32)
