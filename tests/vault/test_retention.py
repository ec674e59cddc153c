"""Retention (DOMAIN R36, GDPR art. 5(1)(e)): a record is shredded on the exact local day its class's period ends
after the case's closure (or its last change), never the day before; a dry run changes nothing; a legal hold, an
open request or a restriction defers it with its ground; a closure edited in the database shreds nothing; each
record shredded has its own audit event and appears in the report; the chain verifies after the run; an
interrupted run leaves finished batches done and completes when run again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import Harness, ManualClock, open_harness
from vault import (
    AccessDenied,
    Category,
    HoldGround,
    Identity,
    IdentityMethod,
    NewHold,
    NewRecord,
    NewRequest,
    NewRestriction,
    Purpose,
    RequestKind,
    RestrictionGround,
    RetentionDeferral,
    RetentionOutcome,
    RetentionReport,
    Settings,
    initialise,
)
from vault.config import DEFAULT_RETENTION_RULES, RetentionRule
from vault.retention import service as retention_service
from vault.vocabulary import RetentionClass, RetentionStart

PRIVACY = actor("pia", "privacy_officer")
CLAIMS = actor("bram", "claims_handler")
ADVISER = actor("dr.jansen", "medical_adviser")
IMPORTER = actor("op", "importer")
CHECKED = Identity(method=IdentityMethod.ID_DOCUMENT_SEEN, reference="ID-CHECK-2026-91")
# 1 December 2026, 09:00 UTC = 10:00 in Amsterdam: the closure's local date is 1 December 2026.
CLOSED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RULES = [
    *DEFAULT_RETENTION_RULES,
    RetentionRule(
        category=Category.HEALTH,
        retention_class=RetentionClass.LIABILITY,
        years=20,
        kinds=["injury_report"],
        basis="BW 3:310 lid 2: 20 years for personal injury",
    ),
    RetentionRule(
        category=Category.HEALTH,
        retention_class=RetentionClass.TAX_REPORTING,
        years=7,
        counted_from=RetentionStart.LAST_CHANGE,
        kinds=["income_statement"],
        basis="AWR 52: 7 years",
    ),
]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, retention_rules=RULES)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(CLOSED)


def _record(kluis: Harness, subject: str, case: str, kind: str = "medical_report") -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=Category.HEALTH,
        kind=kind,
        fields={"summary": f"CANARY-{subject}-{case}-{kind}"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(IMPORTER, new).record_id


def _case(kluis: Harness, subject: str, case: str, *, close: bool = True) -> list[str]:
    """A referred case with one more medical report; closed (at the clock's time) unless told otherwise. Returns
    the ids of its case_file records (the referral question and the report)."""
    kluis.vault.cases.refer(CLAIMS, case, subject, "Fictional: is the claim explained by the accident?")
    ids = [_record(kluis, subject, case)]
    with kluis.sessions() as session:
        ids += [
            str(r)
            for r in session.scalars(
                sa.text("SELECT id FROM records WHERE case_ref = :c AND kind = 'referral_question'"), {"c": case}
            )
        ]
    if close:
        kluis.vault.cases.close(CLAIMS, case)
    return sorted(ids)


def _live_keys(kluis: Harness, case: str) -> int:
    with kluis.sessions() as session:
        query = "SELECT count(*) FROM data_keys WHERE case_ref = :c AND wrapped IS NOT NULL"
        return int(session.scalar(sa.text(query), {"c": case}) or 0)


def _events(kluis: Harness, event_type: str) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.scalars(sa.text("SELECT body FROM audit_events ORDER BY seq"))
        bodies = [dict(json.loads(bytes(body))) for body in rows]
    return [b for b in bodies if b["event_type"] == event_type]


def _run(kluis: Harness, *, dry_run: bool = False) -> RetentionReport:
    return kluis.vault.retention.run(PRIVACY, dry_run=dry_run)


def _outcomes(report: RetentionReport) -> dict[str, tuple[RetentionOutcome, RetentionDeferral | None]]:
    return {item.record_id: (item.outcome, item.ground) for item in report.items}


def _request(kluis: Harness, subject: str, kind: RequestKind) -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref=subject, kind=kind)).request_id
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


# -- the exact day -------------------------------------------------------------------------------------------------
def test_a_case_file_expires_on_the_exact_local_day_and_a_dry_run_changes_nothing(
    timed: Harness, clock: ManualClock
) -> None:
    ids = _case(timed, "CUST-1", "C-1")
    clock.current = datetime(2033, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 on 30 November 2033 in Amsterdam
    assert _run(timed).items == [] and _live_keys(timed, "C-1") == 1

    clock.current = datetime(2033, 11, 30, 23, 0, tzinfo=UTC)  # 00:00 on 1 December 2033: seven years on
    dry = _run(timed, dry_run=True)
    assert _outcomes(dry) == {i: (RetentionOutcome.WOULD_SHRED, None) for i in ids}
    assert dry.dry_run and dry.would_shred == 2 and dry.shredded == 0 and dry.keys_destroyed == 0
    assert _live_keys(timed, "C-1") == 1 and _events(timed, "retention.erase") == []  # nothing changed

    done = _run(timed)
    assert _outcomes(done) == {i: (RetentionOutcome.SHREDDED, None) for i in ids}
    assert {item.expired_on.isoformat() for item in done.items} == {"2033-12-01"}
    assert done.shredded == 2 and done.keys_destroyed == 1 and _live_keys(timed, "C-1") == 0
    erased = _events(timed, "retention.erase")
    assert sorted(e["record_id"] for e in erased) == ids  # one event per record
    for event in erased:
        assert (event["outcome"], event["reason"], event["action_code"]) == ("allowed", "retention_ended", "D")
        assert event["target"].startswith("retention:case_file:2033-12-01;data_keys:")
        assert "CANARY" not in json.dumps(event)
    runs = [r["target"] for r in _events(timed, "retention.run")]
    assert runs == ["retention:run", "retention:dry_run", "retention:run", "retention:batch:1"]
    assert timed.vault.audit.verify(actor("sol", "security_officer")).ok
    assert _run(timed).items == []  # what is shredded is not due again


def test_a_closure_late_in_the_evening_utc_counts_from_the_next_local_day(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 December in Amsterdam
    _case(timed, "CUST-1", "C-1")
    clock.current = datetime(2033, 12, 1, 12, 0, tzinfo=UTC)
    assert _run(timed, dry_run=True).items == []
    clock.current = datetime(2033, 12, 1, 23, 0, tzinfo=UTC)  # 2 December 2033, 00:00 local
    assert {i.expired_on.isoformat() for i in _run(timed).items} == {"2033-12-02"}


def test_only_the_expired_class_of_the_closed_case_goes(timed: Harness, clock: ManualClock) -> None:
    file_ids = _case(timed, "CUST-1", "C-1", close=False)
    injury = _record(timed, "CUST-1", "C-1", "injury_report")  # liability: 20 years
    timed.vault.cases.close(CLAIMS, "C-1")
    open_case = _case(timed, "CUST-1", "C-2", close=False)  # the same subject's case still open
    other = _case(timed, "CUST-2", "C-3")
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    report = _run(timed)
    assert sorted(i.record_id for i in report.items) == sorted(file_ids + other)
    with timed.sessions() as session:
        classes = {str(i): str(c) for i, c in session.execute(sa.text("SELECT id, retention_class FROM records"))}
    assert classes[injury] == "liability" and {classes[i] for i in file_ids} == {"case_file"}
    assert _live_keys(timed, "C-1") == 1 and _live_keys(timed, "C-2") == 1  # the liability key; the open case
    assert not set(open_case) & {i.record_id for i in report.items}
    clock.current = datetime(2046, 12, 1, 12, 0, tzinfo=UTC)  # 20 years after closure
    assert [i.record_id for i in _run(timed).items] == [injury]


def test_a_class_counted_from_its_last_change_expires_while_the_case_is_open(
    timed: Harness, clock: ManualClock
) -> None:
    _case(timed, "CUST-1", "C-1", close=False)
    statement = _record(timed, "CUST-1", "C-1", "income_statement")
    clock.current = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    later = _record(timed, "CUST-1", "C-1", "income_statement")  # the class's newest change: counted from here
    clock.current = datetime(2036, 6, 1, 12, 0, tzinfo=UTC)
    assert _run(timed).items == []  # seven years after the first statement, not after the last
    clock.current = datetime(2037, 6, 1, 12, 0, tzinfo=UTC)
    assert sorted(i.record_id for i in _run(timed).items) == sorted([statement, later])
    assert _live_keys(timed, "C-1") == 1  # the open case's file stays


# -- what defers --------------------------------------------------------------------------------------------------
def test_a_legal_hold_defers_with_its_ground_until_it_is_lifted(timed: Harness, clock: ManualClock) -> None:
    ids = _case(timed, "CUST-1", "C-1")
    other = _case(timed, "CUST-1", "C-2")
    hold = timed.vault.subjects.place_hold(
        PRIVACY, NewHold(subject_ref="CUST-1", case_ref="C-1", ground=HoldGround.LEGAL_CLAIM, reference="ROL-1")
    )
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    report = _run(timed)
    assert _outcomes(report) == {
        **{i: (RetentionOutcome.DEFERRED, RetentionDeferral.LEGAL_HOLD) for i in ids},
        **{i: (RetentionOutcome.SHREDDED, None) for i in other},  # the hold is on C-1 only
    }
    assert {i.hold_ground for i in report.items if i.case_ref == "C-1"} == {HoldGround.LEGAL_CLAIM}
    assert _live_keys(timed, "C-1") == 1
    timed.vault.subjects.lift_hold(PRIVACY, hold.hold_id)
    assert _outcomes(_run(timed)) == {i: (RetentionOutcome.SHREDDED, None) for i in ids}


def test_a_hold_lifted_in_the_database_still_defers(timed: Harness, clock: ManualClock) -> None:
    ids = _case(timed, "CUST-1", "C-1")
    timed.vault.subjects.place_hold(
        PRIVACY, NewHold(subject_ref="CUST-1", ground=HoldGround.FRAUD_INVESTIGATION, reference="VZ-7")
    )
    with timed.sessions.begin() as session:
        session.execute(sa.text("UPDATE legal_holds SET lifted_at = placed_at"))
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    assert _outcomes(_run(timed)) == {i: (RetentionOutcome.DEFERRED, RetentionDeferral.LEGAL_HOLD) for i in ids}


def test_an_open_request_and_a_restriction_defer(timed: Harness, clock: ManualClock) -> None:
    asking = _case(timed, "CUST-1", "C-1")
    restricted = _case(timed, "CUST-2", "C-2")
    _request(timed, "CUST-1", RequestKind.ACCESS)
    restriction = _request(timed, "CUST-2", RequestKind.RESTRICTION)
    timed.vault.restrictions.place(
        PRIVACY,
        NewRestriction(
            request_id=restriction, category=Category.HEALTH, ground=RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS
        ),
    )
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    outcomes = _outcomes(_run(timed))
    assert {outcomes[i] for i in asking} == {(RetentionOutcome.DEFERRED, RetentionDeferral.OPEN_REQUEST)}
    # CUST-2's restriction request is open too; the request defers first, and the restriction would on its own
    assert {outcomes[i][1] for i in restricted} <= {RetentionDeferral.OPEN_REQUEST, RetentionDeferral.RESTRICTED}
    with timed.sessions.begin() as session:  # the requests answered: CUST-2 stays restricted (art. 18(1)(c))
        session.execute(sa.text("DELETE FROM subject_requests WHERE kind = 'access'"))
    outcomes = _outcomes(_run(timed))
    assert {outcomes[i] for i in asking} == {(RetentionOutcome.SHREDDED, None)}


def test_a_closure_moved_back_in_the_database_shreds_nothing_and_alerts(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2032, 1, 1, 12, 0, tzinfo=UTC)
    ids = _case(timed, "CUST-1", "C-1")  # closed in 2032: not due until 2039
    with timed.sessions.begin() as session:
        session.execute(sa.text("UPDATE cases SET closed_at = :t"), {"t": datetime(2020, 1, 1, tzinfo=UTC)})
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    assert _outcomes(_run(timed)) == {i: (RetentionOutcome.DEFERRED, RetentionDeferral.CLOSURE_UNPROVEN) for i in ids}
    assert _live_keys(timed, "C-1") == 1
    alerts = _events(timed, "integrity.alert")
    assert any(a["target"] == "case_closure:C-1" for a in alerts)


def test_a_closure_without_its_seal_is_never_proven_not_even_by_a_row_forged_in_the_log(
    timed: Harness, clock: ManualClock
) -> None:
    clock.current = datetime(2032, 1, 1, 12, 0, tzinfo=UTC)
    ids = _case(timed, "CUST-1", "C-1")
    forged = json.dumps({"event_type": "case.close", "outcome": "allowed", "case_ref": "C-1"}).encode()
    with timed.sessions.begin() as session:  # the seal removed, the closure moved back, a log row forged at seq -5
        session.execute(
            sa.text("UPDATE cases SET closure_mac = NULL, closed_at = :t"), {"t": datetime(2020, 1, 1, tzinfo=UTC)}
        )
        session.execute(
            sa.text(
                "INSERT INTO audit_events (seq, prev_hash, hash, body, occurred_at, actor, event_type, outcome,"
                " case_ref) VALUES (-5, :p, :h, :b, :t, 'x', 'case.close', 'allowed', 'C-1')"
            ),
            {"p": b"p" * 32, "h": b"h" * 32, "b": forged, "t": datetime(2020, 1, 1, tzinfo=UTC)},
        )
    clock.current = datetime(2028, 1, 1, 12, 0, tzinfo=UTC)
    assert _outcomes(_run(timed)) == {i: (RetentionOutcome.DEFERRED, RetentionDeferral.CLOSURE_UNPROVEN) for i in ids}
    assert any(a["target"] == "case_closure:C-1" for a in _events(timed, "integrity.alert"))
    result = timed.vault.audit.verify(actor("sol", "security_officer"))
    assert not result.ok and (result.problem, result.first_bad_seq) == ("inserted", -5)


def test_a_record_relabelled_to_a_shorter_class_in_the_database_is_deferred_and_alerted(
    timed: Harness, clock: ManualClock
) -> None:
    _case(timed, "CUST-1", "C-1", close=False)
    injury = _record(timed, "CUST-1", "C-1", "injury_report")  # liability: 20 years
    timed.vault.cases.close(CLAIMS, "C-1")
    with timed.sessions.begin() as session:
        session.execute(sa.text("UPDATE records SET retention_class = 'case_file' WHERE id = :r"), {"r": injury})
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    outcomes = _outcomes(_run(timed))
    assert outcomes[injury] == (RetentionOutcome.DEFERRED, RetentionDeferral.SCOPE_MISMATCH)
    assert _live_keys(timed, "C-1") == 2  # neither the case file nor the liability key went
    assert any(a["target"].startswith("retention_scope:C-1") for a in _events(timed, "integrity.alert"))


def test_a_live_hold_moved_to_another_case_in_the_database_still_defers_all_the_subjects_data(
    timed: Harness, clock: ManualClock
) -> None:
    ids = _case(timed, "CUST-1", "C-1")
    timed.vault.subjects.place_hold(
        PRIVACY, NewHold(subject_ref="CUST-1", case_ref="C-1", ground=HoldGround.LEGAL_CLAIM, reference="ROL-1")
    )
    with timed.sessions.begin() as session:
        session.execute(sa.text("UPDATE legal_holds SET case_ref = 'C-9'"))
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    assert _outcomes(_run(timed)) == {i: (RetentionOutcome.DEFERRED, RetentionDeferral.LEGAL_HOLD) for i in ids}


def test_only_the_privacy_officer_runs_retention(timed: Harness, clock: ManualClock) -> None:
    _case(timed, "CUST-1", "C-1")
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    for someone in (CLAIMS, ADVISER, actor("kai", "key_admin"), actor("sol", "security_officer")):
        with pytest.raises(AccessDenied):
            timed.vault.retention.run(someone, dry_run=True)
    denied = _events(timed, "retention.run")
    assert len(denied) == 4 and {e["outcome"] for e in denied} == {"denied"}
    assert _live_keys(timed, "C-1") == 1


# -- an interrupted run ----------------------------------------------------------------------------------------
def test_an_interrupted_run_leaves_whole_batches_and_finishes_when_run_again(
    timed: Harness, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = {f"C-{n}": _case(timed, f"CUST-{n}", f"C-{n}") for n in range(1, 5)}
    clock.current = datetime(2034, 1, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(retention_service, "BATCH_SUBJECTS", 1)
    real = retention_service._shred
    calls: list[int] = []

    def crashing(work: Any, due: Any) -> int | None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the process dies mid-batch")
        return real(work, due)

    monkeypatch.setattr(retention_service, "_shred", crashing)
    with pytest.raises(RuntimeError):
        _run(timed)
    assert sum(_live_keys(timed, case) for case in cases) == 2  # two batches committed, the third rolled back whole
    assert len(_events(timed, "retention.erase")) == 4  # events only for what was shredded
    monkeypatch.setattr(retention_service, "_shred", real)
    again = _run(timed)
    assert again.shredded == 4 and sum(_live_keys(timed, case) for case in cases) == 0
    erased = sorted(e["record_id"] for e in _events(timed, "retention.erase"))
    assert erased == sorted(i for ids in cases.values() for i in ids)  # each record exactly once
    assert timed.vault.audit.verify(actor("sol", "security_officer")).ok


# -- the schedule ---------------------------------------------------------------------------------------------
def test_the_schedule_is_validated_and_audit_retention_never_below_five_years(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with pytest.raises(ValidationError, match="keeps a case_file rule for criminal"):
        make_settings(tmp_path, url, retention_rules=[DEFAULT_RETENTION_RULES[0]])
    twice = RetentionRule(
        category=Category.HEALTH,
        retention_class=RetentionClass.TAX_REPORTING,
        years=7,
        kinds=["injury_report"],
        basis="x",
    )
    with pytest.raises(ValidationError, match="two classes"):
        make_settings(tmp_path, url, retention_rules=[*RULES[:3], twice])
    with pytest.raises(ValidationError, match="at least one month"):
        RetentionRule(category=Category.HEALTH, retention_class=RetentionClass.CASE_FILE, basis="x")
    with pytest.raises(ValidationError, match="names the kinds"):
        RetentionRule(category=Category.HEALTH, retention_class=RetentionClass.LIABILITY, years=20, basis="x")
    with pytest.raises(ValidationError):
        make_settings(tmp_path, url, audit_retention_years=4)
    assert make_settings(tmp_path, url).audit_retention_years == 5


def test_the_access_report_states_each_class_period(timed: Harness) -> None:
    _case(timed, "CUST-1", "C-1", close=False)
    _record(timed, "CUST-1", "C-1", "injury_report")
    request_id = _request(timed, "CUST-1", RequestKind.ACCESS)
    report = timed.vault.subjects.report(PRIVACY, request_id)
    (health,) = report.categories
    assert health.retention == ["case_file: 7 years after the case closes", "liability: 20 years after the case closes"]


def test_a_vault_without_custom_rules_keeps_health_7_and_criminal_8_years(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    try:
        rules = {(r.category, r.retention_class): r.years for r in kluis.vault.retention.schedule.rules}
        assert rules == {
            (Category.CRIMINAL, RetentionClass.CASE_FILE): 8,
            (Category.HEALTH, RetentionClass.CASE_FILE): 7,
        }
    finally:
        kluis.close()
