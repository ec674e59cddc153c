"""The one guarded path as a structure: no public way to a data key, grants only from the guard, nothing commits
unaudited, refusals raised after their event, lawful states (erased) audited as such."""

from __future__ import annotations

import json
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import vault
import vault.crypto
from tests.conftest import OPERATOR, actor
from tests.harness import Harness, enrol, register
from vault import AccessDenied, Category, Erased, NewRecord, NotFound, Purpose, Role
from vault.access import Grant, Target, Work
from vault.audit import About, EventType
from vault.models import Record, RecordField

ROOT = Path(__file__).resolve().parents[3]
CANARY = "CANARY-GUARD-41c2"
ADVISER = actor("dr.jansen", "medical_adviser")


def record(case: str = "CLAIM-1", subject: str = "CUST-1") -> NewRecord:
    return NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": CANARY},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )


def events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


@pytest.fixture
def stored(kluis: Harness) -> str:
    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    return kluis.vault.records.create(ADVISER, record()).record_id


def _reachable(root: object, depth: int = 3) -> list[object]:
    """Every object reachable from ``root`` through public attributes, a few levels deep."""
    seen: dict[int, object] = {}
    frontier = [root]
    for _ in range(depth):
        following = []
        for item in frontier:
            for name in dir(item):
                if name.startswith("_"):
                    continue
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        value = getattr(item, name)
                except Exception:  # a property that needs state: not a way in
                    continue
                if id(value) not in seen and not isinstance(value, str | int | float | bool | bytes | type(None)):
                    seen[id(value)] = value
                    following.append(value)
        frontier = following
    return list(seen.values())


def test_the_six_line_bypass_finds_no_key_among_public_names(kluis: Harness, stored: str) -> None:
    """The old bypass (DataKeys.for_opening + DataKey.open + repository.sealed_fields + Kluis.keyring) with only
    what the public surfaces offer: no data key, key store, key provider or unwrapping method is reachable."""
    from vault.crypto._data_keys import DataKey, DataKeys
    from vault.keys import LocalKeyring

    for surface in (vault, vault.crypto):
        assert not {"DataKey", "DataKeys", "for_opening", "keyring", "KeyProvider"} & set(surface.__all__)
    found = _reachable(kluis.vault) + [getattr(vault, name) for name in vault.__all__]
    assert not [o for o in found if isinstance(o, DataKey | DataKeys | LocalKeyring)]
    assert not [o for o in found if callable(getattr(o, "unwrap", None)) or callable(getattr(o, "for_opening", None))]
    before = len(events(kluis))
    assert kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT).fields == {"summary": CANARY}
    assert len(events(kluis)) == before + 1  # the only way to the value leaves its event


def test_a_key_provider_in_hand_unwraps_nothing_without_key_access(kluis: Harness, stored: str) -> None:
    """Even with the service's own settings (master secret included), the public provider will not unwrap a data
    key, rotate a KEK or hand out the audit signer: that takes the one KeyAccess, which only the guard holds."""
    from vault.crypto import WrapContext
    from vault.keys import open_key_provider
    from vault.keys._access import KeyAccess

    provider = open_key_provider(kluis.settings)
    with kluis.sessions() as session:
        row = session.execute(sa.text("SELECT id, subject_id, category, kek_version, wrapped FROM data_keys")).one()
    context = WrapContext(row[0], row[1], row[2], int(row[3]))
    with pytest.raises(TypeError):
        provider.unwrap(bytes(row[4]), context)  # type: ignore[call-arg]
    with pytest.raises(PermissionError):
        provider.unwrap(bytes(row[4]), context, object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        KeyAccess(object())
    with pytest.raises(PermissionError):
        provider.rotate(Category.HEALTH, None)  # type: ignore[arg-type]
    with pytest.raises(PermissionError):
        provider.audit_signer(None)  # type: ignore[arg-type]
    assert not {"Aead", "Ed25519Signer", "derive_key_from_secret"} & set(vault.crypto.__all__)


def test_a_grant_cannot_be_minted_copied_or_pickled_outside_the_guard(kluis: Harness, stored: str) -> None:
    with pytest.raises(TypeError):
        Grant(object(), None, None, None, None, None, None)  # type: ignore[arg-type]
    kept: list[Grant] = []

    def operation(work: Work) -> None:
        target = Target(Category.HEALTH, About(case_ref="CLAIM-1"))
        kept.append(work.authorize(EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, target))

    kluis.vault._deps.guard.run(ADVISER, operation)
    with pytest.raises(TypeError):
        pickle.dumps(kept[0])


def test_a_grant_outlives_its_unit_of_work_for_nothing(kluis: Harness, stored: str) -> None:
    from vault.access import SealedField, SealedRecord

    kept: list[Grant] = []

    def operation(work: Work) -> None:
        target = Target(Category.HEALTH, About(case_ref="CLAIM-1"))
        kept.append(work.authorize(EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, target))

    kluis.vault._deps.guard.run(ADVISER, operation)
    with kluis.sessions() as session:
        row = session.get(RecordField, (stored, "summary"))
        record_row = session.get(Record, stored)
        assert row is not None and record_row is not None
        field = SealedField("summary", row.data_key_id, row.ciphertext)
        sealed = SealedRecord(stored, record_row.subject_id, Category.HEALTH, (field,), "default", "CLAIM-1")
    with pytest.raises(PermissionError):
        kept[0].open(sealed)


def test_a_grant_is_bound_to_the_record_it_was_decided_for(kluis: Harness, stored: str) -> None:
    from vault.access import SealedRecord

    def operation(work: Work) -> None:
        target = Target(Category.HEALTH, About(case_ref="CLAIM-1", record_id=stored))
        grant = work.authorize(EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, target)
        grant.open(SealedRecord("another-record", "another-subject", Category.HEALTH, (), "default", "CLAIM-1"))

    with pytest.raises(PermissionError):
        kluis.vault._deps.guard.run(ADVISER, operation)


def test_a_read_grant_does_not_seal(kluis: Harness, stored: str) -> None:
    from vault.access import FieldsToSeal

    def operation(work: Work) -> None:
        target = Target(Category.HEALTH, About(case_ref="CLAIM-1"))
        grant = work.authorize(EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, target)
        grant.seal(FieldsToSeal(stored, "s", Category.HEALTH, "CLAIM-1", "case_file", {"summary": "forged"}))

    with pytest.raises(PermissionError):
        kluis.vault._deps.guard.run(ADVISER, operation)


def test_a_grant_from_a_unit_that_failed_is_good_for_nothing(kluis: Harness, stored: str) -> None:
    from vault.access import SealedField, SealedRecord

    kept: list[Grant] = []

    def operation(work: Work) -> None:
        target = Target(Category.HEALTH, About(case_ref="CLAIM-1"))
        kept.append(work.authorize(EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, target))
        raise RuntimeError("the operation fails after its decision")

    with pytest.raises(RuntimeError):
        kluis.vault._deps.guard.run(ADVISER, operation)
    with kluis.sessions() as session:
        row = session.get(RecordField, (stored, "summary"))
        record_row = session.get(Record, stored)
        assert row is not None and record_row is not None
        field = SealedField("summary", row.data_key_id, row.ciphertext)
        sealed = SealedRecord(stored, record_row.subject_id, Category.HEALTH, (field,), "default", "CLAIM-1")
    with pytest.raises(PermissionError):
        kept[0].open(sealed)


def test_a_wrapped_key_that_will_not_open_fails_a_create_with_its_event(kluis: Harness, stored: str) -> None:
    with kluis.engine.begin() as connection:  # an insider flips a byte of the wrapped data key
        wrapped = bytes(connection.scalar(sa.text("SELECT wrapped FROM data_keys")))
        connection.execute(sa.text("UPDATE data_keys SET wrapped = :w"), {"w": wrapped[:-1] + bytes([wrapped[-1] ^ 1])})
    before = len(events(kluis))
    with pytest.raises(vault.KeyUnavailable):
        kluis.vault.records.create(ADVISER, record())
    after = events(kluis)
    assert len(after) == before + 1 and after[-1]["outcome"] == "failed"
    assert after[-1]["reason"] == "decryption_failed"
    with kluis.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Record)) == 1


def test_a_grant_opens_only_its_own_category(kluis: Harness, stored: str) -> None:
    from vault.access import SealedRecord

    def operation(work: Work) -> None:
        target = Target(Category.CRIMINAL, About(case_ref="CLAIM-1"))
        grant = work.authorize(EventType.RECORD_READ, vault.Action.VIEW_METADATA, Purpose.ACCEPTANCE, target)
        grant.open(SealedRecord(stored, "s", Category.HEALTH, (), "default", "CLAIM-1"))

    claims = actor("claims", "claims_handler")
    with pytest.raises(PermissionError):
        kluis.vault._deps.guard.run(claims, operation)


def test_an_operation_that_neither_decides_nor_refuses_cannot_commit(kluis: Harness) -> None:
    def sneaky(work: Work) -> None:
        work.session.execute(sa.text("UPDATE subjects SET subject_ref = subject_ref"))  # any write, unaudited

    before = len(events(kluis))
    with pytest.raises(RuntimeError, match="unaudited"):
        kluis.vault._deps.guard.run(ADVISER, sneaky)
    assert len(events(kluis)) == before


def test_a_refusal_is_raised_after_its_event_commits(kluis: Harness, stored: str) -> None:
    other = actor("dr.other", "medical_adviser")
    register(kluis.vault, "dr.other", Role.MEDICAL_ADVISER)  # in the unit, not on the case: the policy refuses
    before = len(events(kluis))
    with pytest.raises(NotFound):
        kluis.vault.records.read(other, stored, Purpose.CLAIM_ASSESSMENT)
    after = events(kluis)
    assert len(after) == before + 1 and after[-1]["outcome"] == "denied" and after[-1]["reason"] == "policy"


def _shred(kluis: Harness, record_id: str) -> None:
    """What erasure does to a subject's data key (crypto-shredding), here by hand."""
    with kluis.engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE data_keys SET wrapped = NULL, destroyed_at = CURRENT_TIMESTAMP "
                "WHERE id IN (SELECT data_key_id FROM record_fields WHERE record_id = :r)"
            ),
            {"r": record_id},
        )


def test_an_erased_record_reads_as_erased_with_an_erased_event(kluis: Harness, stored: str) -> None:
    _shred(kluis, stored)
    with pytest.raises(Erased):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    last = events(kluis)[-1]
    assert last["outcome"] == "erased" and last["reason"] == "key_destroyed" and last["record_id"] == stored
    assert last["rule"].startswith("p, medical_adviser, health, read")  # the decision was lawful; the data are gone


def test_a_create_for_an_erased_subject_is_refused_and_audited(kluis: Harness, stored: str) -> None:
    _shred(kluis, stored)
    before = len(events(kluis))
    with pytest.raises(Erased):
        kluis.vault.records.create(ADVISER, record())
    after = events(kluis)
    assert len(after) == before + 1
    assert after[-1]["event_type"] == "record.create" and after[-1]["outcome"] == "erased"
    with kluis.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Record)) == 1  # nothing new stored


def test_an_erased_subject_in_a_batch_refuses_only_its_own_line(kluis: Harness, stored: str) -> None:
    _shred(kluis, stored)
    enrol(kluis.vault, "CLAIM-2", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    result = kluis.vault.records.create_many(ADVISER, [record(), record(case="CLAIM-2", subject="CUST-2")])
    assert result.created[0] is None and result.created[1] is not None and result.erased == {0}
    outcomes = [e["outcome"] for e in events(kluis)[-2:]]
    assert outcomes == ["erased", "allowed"]


def test_denied_create_names_no_record(kluis: Harness) -> None:
    with pytest.raises(AccessDenied):
        kluis.vault.records.create(actor("dr.other", "medical_adviser"), record())
    last = events(kluis)[-1]
    assert last["outcome"] == "denied" and last["record_id"] is None and last["subject"] is None


# -- grep-level rules ------------------------------------------------------------------------------------------
def _sources(*packages: str) -> list[Path]:
    return [p for package in packages for p in (ROOT / package).rglob("*.py")]


def test_no_event_is_built_or_appended_outside_the_audit_package() -> None:
    """Only vault/audit builds events; only the guard calls the builders and appends them."""
    built = re.compile(r"\bAuditEvent\(")
    builders = re.compile(r"\bevents\.(decided|refused|token_refused|concluded)\(")
    appended = re.compile(r"audit_log\.(append|seal_head)\(")
    constructed = re.compile(r"\bAuditLog\(")
    offenders = []
    for path in _sources("vault", "api"):
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        if built.search(text) and not relative.startswith("vault/audit/"):
            offenders.append(f"{relative}: builds an AuditEvent")
        if builders.search(text) and relative != "vault/access/_guard.py":
            offenders.append(f"{relative}: calls an event builder")
        if appended.search(text) and relative != "vault/access/_guard.py":
            offenders.append(f"{relative}: appends to the audit log")
        if constructed.search(text) and relative not in ("vault/bootstrap.py", "vault/audit/_log.py"):
            offenders.append(f"{relative}: builds an audit log")
    assert offenders == []


def test_reasons_in_events_are_codes_never_request_text() -> None:
    """Every reason an event can carry is a member of the Reason vocabulary (the builders take only Reason)."""
    import inspect

    from vault.audit import Reason, events

    for builder in (events.decided, events.refused, events.token_refused, events.concluded):
        annotation = str(inspect.signature(builder).parameters["reason"].annotation)
        assert "Reason" in annotation and "str" not in annotation
    assert all(re.fullmatch(r"[a-z_]+", r.value) for r in Reason)


def test_a_referral_for_an_erased_subject_is_gone_not_forbidden(kluis: Harness, stored: str) -> None:
    _shred(kluis, stored)
    with pytest.raises(Erased):
        kluis.vault.cases.refer(actor("claims", "claims_handler"), "CLAIM-1", "CUST-1", "a question")
    assert events(kluis)[-1]["outcome"] == "erased"


def test_audit_review_filters_are_identifiers_only(kluis: Harness) -> None:
    security = actor("sec", "security_officer")
    for bad in ("a;b", "user:x", "free text", "111222333"):
        with pytest.raises(vault.InvalidInput):
            kluis.vault.audit.search(security, vault.AuditQuery(user=bad))
    assert kluis.vault.audit.search(security, vault.AuditQuery(user="dr.jansen@insurer")).events == []
    assert events(kluis)[-1]["target"] == "user:dr.jansen@insurer"


# -- read-only units: group commit ------------------------------------------------------------------------------
def _head(kluis: Harness) -> int:
    with kluis.sessions() as session:
        return int(session.scalar(sa.text("SELECT seq FROM audit_head")))


def test_a_read_only_unit_cannot_write_and_leaves_no_trace(kluis: Harness, stored: str) -> None:
    guard = kluis.vault._deps.guard
    before = _head(kluis)

    def sneaky(work: Work) -> None:
        about = About(case_ref="CLAIM-1", category="health")
        work.authorize(
            EventType.RECORD_READ, vault.Action.READ, Purpose.CLAIM_ASSESSMENT, Target(Category.HEALTH, about)
        )
        work.session.execute(sa.text("UPDATE records SET status = 'tampered'"))

    with pytest.raises(vault.AuditUnavailable):
        guard.run(ADVISER, sneaky, reads_only=True)
    with kluis.sessions() as session:  # refused by the database (query_only / READ ONLY), not merely undone
        assert session.scalar(sa.text("SELECT count(*) FROM records WHERE status = 'tampered'")) == 0
    assert _head(kluis) == before


def test_a_read_only_unit_seals_nothing(kluis: Harness, stored: str) -> None:
    guard = kluis.vault._deps.guard
    from vault.access import FieldsToSeal

    def sealing(work: Work) -> None:
        about = About(case_ref="CLAIM-1", category="health")
        grant = work.authorize(
            EventType.RECORD_UPDATE, vault.Action.UPDATE, Purpose.CLAIM_ASSESSMENT, Target(Category.HEALTH, about)
        )
        grant.seal(FieldsToSeal("r", "s", Category.HEALTH, "CLAIM-1", "claim", {"summary": CANARY}))

    with pytest.raises(PermissionError):
        guard.run(ADVISER, sealing, reads_only=True)


def test_concurrent_reads_each_return_after_their_event_and_the_chain_stays_linear(kluis: Harness, stored: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.harness import verify_stored

    before = _head(kluis)
    threads, reads = 8, 25

    def reader(n: int) -> int:
        who = actor("dr.jansen", "medical_adviser")
        done = 0
        for _ in range(reads):
            view = kluis.vault.records.read(who, stored, Purpose.CLAIM_ASSESSMENT)
            assert view.fields["summary"] == CANARY
            done += 1
        return done

    with ThreadPoolExecutor(max_workers=threads) as pool:
        assert sum(pool.map(reader, range(threads))) == threads * reads
    assert _head(kluis) == before + threads * reads  # one event per read, none lost, none doubled
    reads_logged = [e for e in events(kluis)[before:] if e["event_type"] == "record.read" and e["outcome"] == "allowed"]
    assert len(reads_logged) == threads * reads
    with kluis.read_sessions() as session:
        result = verify_stored(session, kluis.public_key, kluis.audit.checkpoint_interval)
    assert result.ok, result.detail
