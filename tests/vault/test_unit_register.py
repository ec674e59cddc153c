"""The unit register (R3, R4, R7) and need-to-know over time (R2, R10), on the injected clock, to the minute.

What it proves, on SQLite and PostgreSQL:
- a token's data role counts only while a live, sealed registration confirms it: a registration that lapses at
  midnight, is suspended or ended stops access with the next request (audited ``not_registered``), reinstating a
  suspension restores it, and an ended registration is never reinstated;
- medical staff work under the supervisor the register names: their events carry that adviser as the responsible
  user whatever the token claims, and they lose access when that adviser's registration is suspended; staff are
  registered only on an agreement and under a supervisor;
- segregation of duties: nobody holds an officer's duty beside a data role, in the register or in a token;
- nobody registers, changes or assigns themselves; an adviser's assignment of others never outlasts their own; an
  assignee must be registered in the role; a closed case ends every assignment and takes no new one;
- the security officer's review lists assignments per case and per user and the register with whether each entry
  is live and sealed; a registration row edited in the database confirms nothing and raises an integrity alert.

Every refusal is checked to have been audited: the last event's type, outcome ``denied`` and reason code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    Category,
    Conflict,
    InvalidInput,
    NewRecord,
    NotFound,
    Purpose,
    Registration,
    RegistrationStatus,
    Role,
)
from vault.access._row_macs import member_message
from vault.models import UnitMember

CANARY = "CANARY-UNIT-5e1b"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
ADVISER = actor("dr.jansen", "medical_adviser")
OTHER_ADVISER = actor("dr.smit", "medical_adviser")
SECURITY = actor("sec.officer", "security_officer")
HANDLER = actor("claims.de.vries", "claims_handler")
KEY_ADMIN = actor("kees.admin", "key_admin")


# -- fixtures and helpers ----------------------------------------------------------------------------------------------
@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def events(kluis: Harness) -> list[dict[str, Any]]:
    """Every audit event's body, in log order."""
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(body)) for body in rows]


def last_event(kluis: Harness) -> dict[str, Any]:
    return events(kluis)[-1]


def assert_denied(kluis: Harness, event_type: str, reason: str) -> dict[str, Any]:
    """The refusal just raised was audited: the last event is a denial of this type, with this reason code."""
    last = last_event(kluis)
    assert (last["event_type"], last["outcome"], last["reason"]) == (event_type, "denied", reason)
    return last


def health_record(case: str, subject: str = "CUST-1") -> NewRecord:
    return NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": CANARY},
        source="GP under consent",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )


def assign(
    kluis: Harness, case: str, user_id: str, role: Role, *, ends_at: datetime | None = None, by: Any = REGISTRAR
) -> int:
    return kluis.vault.assignments.assign(by, case_ref=case, user_id=user_id, role=role, ends_at=ends_at)


def adviser_with_record(kluis: Harness, case: str = "C-1", *, ends_at: datetime | None = None) -> tuple[int, str]:
    """dr.jansen registered (until ``ends_at``) and assigned to the case, with one health record on it."""
    member = register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER, ends_at=ends_at)
    assign(kluis, case, "dr.jansen", Role.MEDICAL_ADVISER)
    return member, kluis.vault.records.create(ADVISER, health_record(case)).record_id


def reads(kluis: Harness, who: Any, record_id: str) -> bool:
    """Whether ``who`` reads the record now (True), or is refused with the record hidden (False)."""
    try:
        view = kluis.vault.records.read(who, record_id, Purpose.CLAIM_ASSESSMENT)
    except NotFound:
        return False
    assert view.fields == {"summary": CANARY}
    return True


def staff_registration(*, credential: str | None, supervisor: str | None) -> Registration:
    return Registration(
        user_id="nurse.bakker",
        role=Role.MEDICAL_STAFF,
        credential=credential,
        credential_date=datetime(2026, 1, 5, tzinfo=UTC) if credential else None,
        supervisor=supervisor,
    )


# -- 1. a registration lapses at its end, to the minute ----------------------------------------------------------------
def test_a_registration_ending_at_midnight_confirms_at_2359_and_not_at_0000(timed: Harness, clock: ManualClock) -> None:
    _, record_id = adviser_with_record(timed, ends_at=MIDNIGHT)
    clock.current = MIDNIGHT - timedelta(minutes=1)
    assert reads(timed, ADVISER, record_id)
    assert last_event(timed)["outcome"] == "allowed"
    clock.current = MIDNIGHT
    assert not reads(timed, ADVISER, record_id)
    denied = assert_denied(timed, "record.read", "not_registered")
    assert denied["record_id"] == record_id and denied["occurred_at"].startswith("2026-12-02T00:00:00")


# -- 2. suspension, reinstatement, ending ------------------------------------------------------------------------------
def test_suspension_ends_access_with_the_next_request_and_reinstatement_restores_it(timed: Harness) -> None:
    member, record_id = adviser_with_record(timed)
    assert reads(timed, ADVISER, record_id)

    suspended = timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.SUSPENDED)
    assert suspended.status is RegistrationStatus.SUSPENDED and not suspended.live and suspended.sealed
    assert last_event(timed)["event_type"] == "unit.change" and last_event(timed)["outcome"] == "allowed"
    assert not reads(timed, ADVISER, record_id)  # same minute: no grace period
    assert_denied(timed, "record.read", "not_registered")

    reinstated = timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.ACTIVE)
    assert reinstated.status is RegistrationStatus.ACTIVE and reinstated.live
    assert reads(timed, ADVISER, record_id)


def test_an_ended_registration_cannot_be_reinstated_or_suspended(timed: Harness) -> None:
    member, record_id = adviser_with_record(timed)
    ended = timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.ENDED)
    assert ended.status is RegistrationStatus.ENDED and not ended.live
    assert not reads(timed, ADVISER, record_id)
    assert_denied(timed, "record.read", "not_registered")
    for status in (RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED, RegistrationStatus.ENDED):
        with pytest.raises(Conflict):
            timed.vault.unit.change(REGISTRAR, member, status)
        assert_denied(timed, "unit.change", "policy")
    assert not reads(timed, ADVISER, record_id)
    (view,) = timed.vault.unit.members(SECURITY, user_id="dr.jansen")
    assert view.status is RegistrationStatus.ENDED and not view.live


# -- 3. medical staff under the register's supervisor ------------------------------------------------------------------
def test_staff_events_name_the_registered_supervisor_never_the_tokens_claim(timed: Harness) -> None:
    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    _, record_id = adviser_with_record(timed)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF)
    for claimed in ("dr.smit", "somebody.else", None):
        staff = actor("nurse.bakker", "medical_staff", responsible_user=claimed)
        assert reads(timed, staff, record_id)
        last = last_event(timed)
        assert (last["event_type"], last["outcome"]) == ("record.read", "allowed")
        assert last["actor"]["user"] == "nurse.bakker" and last["actor"]["responsible_user"] == "dr.jansen"


def test_staff_lose_access_while_their_supervisors_registration_is_suspended(timed: Harness) -> None:
    supervisor, record_id = adviser_with_record(timed)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF)
    staff = actor("nurse.bakker", "medical_staff", responsible_user="dr.jansen")
    assert reads(timed, staff, record_id)

    timed.vault.unit.change(REGISTRAR, supervisor, RegistrationStatus.SUSPENDED)
    assert not reads(timed, staff, record_id)
    assert_denied(timed, "record.read", "not_registered")
    (nurse,) = timed.vault.unit.members(SECURITY, user_id="nurse.bakker")
    assert nurse.status is RegistrationStatus.ACTIVE and nurse.sealed and not nurse.live  # unsupervised
    # and no new staff can be registered under the suspended adviser
    with pytest.raises(InvalidInput):
        register(timed.vault, "nurse.visser", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    assert_denied(timed, "unit.register", "not_registered")

    timed.vault.unit.change(REGISTRAR, supervisor, RegistrationStatus.ACTIVE)
    assert reads(timed, staff, record_id)


@pytest.mark.parametrize(
    ("credential", "supervisor"),
    [("CA-2026-001", None), (None, "dr.jansen")],
    ids=["without-supervisor", "without-agreement"],
)
def test_staff_are_registered_only_on_an_agreement_and_under_a_supervisor(
    timed: Harness, credential: str | None, supervisor: str | None
) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(InvalidInput):
        timed.vault.unit.register(REGISTRAR, staff_registration(credential=credential, supervisor=supervisor))
    assert_denied(timed, "unit.register", "invalid_credential")
    assert timed.vault.unit.members(SECURITY, user_id="nurse.bakker") == []


def test_staff_under_an_unregistered_supervisor_are_refused(timed: Harness) -> None:
    with pytest.raises(InvalidInput):
        timed.vault.unit.register(REGISTRAR, staff_registration(credential="CA-2026-001", supervisor="dr.nobody"))
    assert_denied(timed, "unit.register", "not_registered")


# -- 4. segregation of duties (R7) -------------------------------------------------------------------------------------
def test_a_key_admin_with_a_live_duty_is_never_registered_as_adviser(timed: Harness) -> None:
    register(timed.vault, "kees.admin", Role.KEY_ADMIN)
    with pytest.raises(Conflict):
        register(timed.vault, "kees.admin", Role.MEDICAL_ADVISER)
    assert_denied(timed, "unit.register", "separation_of_duties")
    roles = [view.role for view in timed.vault.unit.members(SECURITY, user_id="kees.admin")]
    assert roles == [Role.KEY_ADMIN]


def test_a_registered_adviser_is_never_given_an_officers_duty(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(Conflict):
        register(timed.vault, "dr.jansen", Role.SECURITY_OFFICER)
    assert_denied(timed, "unit.register", "separation_of_duties")


@pytest.mark.parametrize("officer", ["key_admin", "security_officer", "privacy_officer"])
def test_a_token_with_an_officer_role_beside_medical_adviser_reads_nothing(timed: Harness, officer: str) -> None:
    _, record_id = adviser_with_record(timed)
    both = actor("dr.jansen", officer, "medical_adviser")
    assert not reads(timed, both, record_id)
    assert_denied(timed, "record.read", "separation_of_duties")
    assert reads(timed, ADVISER, record_id)  # the registration itself still holds


def test_a_data_role_and_an_officers_duty_are_never_registered_to_overlap(timed: Harness) -> None:
    """R7 holds over time, not only at this minute: an officer's duty that starts tomorrow beside a live adviser's
    registration would make one person hold both from tomorrow on."""
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(Conflict):
        register(timed.vault, "dr.jansen", Role.PRIVACY_OFFICER, starts_at=START + timedelta(days=1))
    assert_denied(timed, "unit.register", "separation_of_duties")


def test_an_officers_duty_starting_later_blocks_a_data_role_now(timed: Harness) -> None:
    register(timed.vault, "kees.admin", Role.KEY_ADMIN, starts_at=START + timedelta(days=1))
    with pytest.raises(Conflict):
        register(timed.vault, "kees.admin", Role.MEDICAL_ADVISER)
    assert_denied(timed, "unit.register", "separation_of_duties")


def test_a_live_officers_duty_in_the_register_makes_a_data_role_not_count(timed: Harness) -> None:
    """Beside a live, sealed officer's duty in the register (a state the register refuses to create, e.g. a row from
    before the check), a token with only the data role reads nothing, and the denial says why."""
    _, record_id = adviser_with_record(timed)
    starts = START - timedelta(hours=1)
    message = member_message("default", "dr.jansen", "privacy_officer", None, None, None, None, starts, None, "active")
    duty = {
        "organisation": "default",
        "user_id": "dr.jansen",
        "role": "privacy_officer",
        "starts_at": starts,
        "status": "active",
        "changed_at": starts,
        "changed_by": "legacy",
        "mac": timed.vault._deps.guard._row_macs.sign(message),  # sealed as the register seals it
    }
    with timed.engine.begin() as connection:
        connection.execute(sa.insert(UnitMember), [duty])
    views = {view.role: view for view in timed.vault.unit.members(SECURITY, user_id="dr.jansen")}
    assert views[Role.PRIVACY_OFFICER].sealed and views[Role.PRIVACY_OFFICER].live

    assert not reads(timed, ADVISER, record_id)
    assert not [e for e in events(timed) if e["event_type"] == "integrity.alert"]  # the duty row is genuine
    assert_denied(timed, "record.read", "separation_of_duties")


# -- 5. self-service ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.KEY_ADMIN, Role.MEDICAL_ADVISER])
def test_a_key_admin_never_registers_himself(timed: Harness, role: Role) -> None:
    with pytest.raises(AccessDenied):
        register(timed.vault, "kees.admin", role, by=KEY_ADMIN)
    assert_denied(timed, "unit.register", "self_service")
    assert timed.vault.unit.members(SECURITY, user_id="kees.admin") == []


def test_a_key_admin_never_assigns_himself_to_a_case(timed: Harness) -> None:
    with pytest.raises(AccessDenied):
        assign(timed, "C-1", "kees.admin", Role.MEDICAL_ADVISER, by=KEY_ADMIN)
    denied = assert_denied(timed, "assignment.create", "self_service")
    assert denied["case_ref"] == "C-1" and denied["actor"]["user"] == "kees.admin"
    assert timed.vault.assignments.assignments(SECURITY, user_id="kees.admin", live_only=False) == []


def test_nobody_changes_their_own_registration(timed: Harness) -> None:
    own = register(timed.vault, "kees.admin", Role.KEY_ADMIN)
    with pytest.raises(AccessDenied):
        timed.vault.unit.change(KEY_ADMIN, own, RegistrationStatus.ENDED)
    assert_denied(timed, "unit.change", "self_service")
    (view,) = timed.vault.unit.members(SECURITY, user_id="kees.admin")
    assert view.status is RegistrationStatus.ACTIVE and view.live


def test_a_key_admin_at_the_console_is_the_same_person_as_his_token(timed: Harness) -> None:
    console = actor("operator:kees.admin", "key_admin")
    with pytest.raises(AccessDenied):
        register(timed.vault, "kees.admin", Role.MEDICAL_ADVISER, by=console)
    assert_denied(timed, "unit.register", "self_service")
    with pytest.raises(AccessDenied):
        assign(timed, "C-1", "kees.admin", Role.MEDICAL_ADVISER, by=console)
    assert_denied(timed, "assignment.create", "self_service")


# -- credentials and who keeps the register ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "credential", "dated"),
    [
        (Role.MEDICAL_ADVISER, None, False),  # no BIG number
        (Role.MEDICAL_ADVISER, "1234", True),  # not an 11-digit BIG number
        (Role.MEDICAL_ADVISER, "12345678901", False),  # no date of verification
        (Role.CRIMINAL_DATA_OFFICER, None, False),  # no authorisation
        (Role.SECURITY_OFFICER, "AUTH-1", True),  # an officer's duty carries no credential
    ],
)
def test_a_registration_rests_on_its_roles_credential(
    timed: Harness, role: Role, credential: str | None, dated: bool
) -> None:
    registration = Registration(
        user_id="p.person",
        role=role,
        credential=credential,
        credential_date=datetime(2026, 1, 5, tzinfo=UTC) if dated else None,
    )
    with pytest.raises(InvalidInput):
        timed.vault.unit.register(REGISTRAR, registration)
    denied = assert_denied(timed, "unit.register", "invalid_credential")
    assert denied["target"] == f"p.person:{role.value}"
    assert timed.vault.unit.members(SECURITY, user_id="p.person") == []


def test_a_registration_ending_before_now_is_refused(timed: Harness) -> None:
    with pytest.raises(InvalidInput):
        register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER, ends_at=START - timedelta(minutes=1))
    assert_denied(timed, "unit.register", "invalid_credential")


@pytest.mark.parametrize("who", [SECURITY, HANDLER, ADVISER])
def test_only_the_key_admin_keeps_the_register(timed: Harness, who: Any) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)  # the adviser's own role is confirmed: not the issue
    member = register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    with pytest.raises(AccessDenied):
        register(timed.vault, "dr.visser", Role.MEDICAL_ADVISER, by=who)
    assert_denied(timed, "unit.register", "policy")
    with pytest.raises(AccessDenied):
        timed.vault.unit.change(who, member, RegistrationStatus.SUSPENDED)
    assert_denied(timed, "unit.change", "policy")
    assert [(view.user_id, view.status) for view in timed.vault.unit.members(SECURITY)] == [
        ("dr.jansen", RegistrationStatus.ACTIVE),
        ("dr.smit", RegistrationStatus.ACTIVE),
    ]


def test_changing_an_unknown_registration_is_refused_and_audited(timed: Harness) -> None:
    with pytest.raises(NotFound):
        timed.vault.unit.change(REGISTRAR, 404, RegistrationStatus.SUSPENDED)
    denied = assert_denied(timed, "unit.change", "not_found")
    assert denied["target"] == "unit_member:404"


def test_a_registration_confirms_from_its_start_to_the_minute(timed: Harness, clock: ManualClock) -> None:
    starts = START + timedelta(hours=1)
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER, starts_at=starts)
    clock.current = starts - timedelta(minutes=1)
    with pytest.raises(InvalidInput):
        assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    assert_denied(timed, "assignment.create", "not_registered")
    (view,) = timed.vault.unit.members(SECURITY, user_id="dr.jansen")
    assert not view.live
    clock.current = starts
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    assert reads(timed, ADVISER, timed.vault.records.create(ADVISER, health_record("C-1")).record_id)


def test_a_criminal_data_officer_reads_only_while_his_authorisation_is_registered(timed: Harness) -> None:
    officer = actor("c.officer", "criminal_data_officer")
    member = register(timed.vault, "c.officer", Role.CRIMINAL_DATA_OFFICER)
    assign(timed, "C-1", "c.officer", Role.CRIMINAL_DATA_OFFICER)
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref="C-1",
        category=Category.CRIMINAL,
        kind="police_report",
        fields={"summary": CANARY},
        source="police",
        purpose=Purpose.SECURITY_INTEGRITY,
    )
    record_id = timed.vault.records.create(officer, new).record_id
    assert timed.vault.records.read(officer, record_id, Purpose.SECURITY_INTEGRITY).fields == {"summary": CANARY}
    timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.SUSPENDED)
    with pytest.raises(NotFound):
        timed.vault.records.read(officer, record_id, Purpose.SECURITY_INTEGRITY)
    assert_denied(timed, "record.read", "not_registered")


# -- 6. assignments over time ------------------------------------------------------------------------------------------
def test_an_advisers_assignment_of_staff_never_outlasts_his_own(timed: Harness) -> None:
    until = START + timedelta(days=1)
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=until)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")

    for too_long in (None, until + timedelta(minutes=1)):
        with pytest.raises(AccessDenied):
            assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF, ends_at=too_long, by=ADVISER)
        assert_denied(timed, "assignment.create", "outlasts_assigner")
    assert timed.vault.assignments.assignments(SECURITY, user_id="nurse.bakker") == []

    assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF, ends_at=until, by=ADVISER)
    assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF, ends_at=until - timedelta(hours=1), by=ADVISER)
    last = last_event(timed)
    assert (last["event_type"], last["outcome"], last["actor"]["user"]) == ("assignment.create", "allowed", "dr.jansen")
    listed = timed.vault.assignments.assignments(SECURITY, user_id="nurse.bakker")
    assert sorted(view.ends_at for view in listed if view.ends_at) == [until - timedelta(hours=1), until]
    assert all(view.created_by == "dr.jansen" and view.live and view.sealed for view in listed)


def test_an_adviser_with_an_open_ended_assignment_assigns_staff_open_ended(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF, by=ADVISER)
    (view,) = timed.vault.assignments.assignments(SECURITY, user_id="nurse.bakker")
    assert view.ends_at is None and view.created_by == "dr.jansen" and view.live


def test_an_adviser_not_on_the_case_assigns_nobody_to_it(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    with pytest.raises(AccessDenied):
        assign(timed, "C-2", "nurse.bakker", Role.MEDICAL_STAFF, by=ADVISER)
    assert_denied(timed, "assignment.create", "policy")


def test_an_adviser_never_extends_his_own_assignment(timed: Harness) -> None:
    until = START + timedelta(days=1)
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=until)
    with pytest.raises(AccessDenied):
        assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=until + timedelta(days=30), by=ADVISER)
    assert_denied(timed, "assignment.create", "self_service")
    (own,) = timed.vault.assignments.assignments(SECURITY, user_id="dr.jansen")
    assert own.ends_at == until


def test_an_assignment_ending_at_2359_allows_at_2358_and_denies_at_2359(timed: Harness, clock: ManualClock) -> None:
    ends = MIDNIGHT - timedelta(minutes=1)
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=ends)
    record_id = timed.vault.records.create(ADVISER, health_record("C-1")).record_id
    clock.current = ends - timedelta(minutes=1)
    assert reads(timed, ADVISER, record_id)
    clock.current = ends
    assert not reads(timed, ADVISER, record_id)
    assert_denied(timed, "record.read", "policy")  # registered still: the need-to-know ended, not the role


def test_an_assignment_ending_at_midnight_allows_at_2359_and_denies_at_0000(timed: Harness, clock: ManualClock) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=MIDNIGHT)
    record_id = timed.vault.records.create(ADVISER, health_record("C-1")).record_id
    clock.current = MIDNIGHT - timedelta(minutes=1)
    assert reads(timed, ADVISER, record_id)
    clock.current = MIDNIGHT
    assert not reads(timed, ADVISER, record_id)
    assert_denied(timed, "record.read", "policy")


@pytest.mark.parametrize(
    ("user_id", "role"),
    [
        ("dr.nobody", Role.MEDICAL_ADVISER),  # never registered
        ("dr.jansne", Role.MEDICAL_ADVISER),  # a misspelling of a registered adviser
        ("dr.jansen", Role.MEDICAL_STAFF),  # registered, but in another role
        ("dr.jansen", Role.CRIMINAL_DATA_OFFICER),
    ],
)
def test_an_assignee_must_be_registered_in_the_role(timed: Harness, user_id: str, role: Role) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(InvalidInput):
        assign(timed, "C-1", user_id, role)
    denied = assert_denied(timed, "assignment.create", "not_registered")
    assert denied["target"] == f"{user_id}:{role.value}"
    assert timed.vault.assignments.assignments(SECURITY, case_ref="C-1", live_only=False) == []


def test_a_suspended_adviser_is_not_assigned(timed: Harness) -> None:
    member = register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.SUSPENDED)
    with pytest.raises(InvalidInput):
        assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    assert_denied(timed, "assignment.create", "not_registered")


def test_non_data_roles_are_never_assigned_and_the_attempt_is_audited(timed: Harness) -> None:
    before = len(events(timed))
    with pytest.raises(InvalidInput):
        assign(timed, "C-1", "claims.de.vries", Role.CLAIMS_HANDLER)
    after = events(timed)
    assert len(after) == before + 1  # R39: the refused attempt is on record (review finding)
    assert after[-1]["event_type"] == "assignment.create" and after[-1]["outcome"] == "denied"


# -- 7. closing a case -------------------------------------------------------------------------------------------------
def test_closing_a_case_ends_its_assignments_and_takes_no_new_one(timed: Harness, clock: ManualClock) -> None:
    referral = timed.vault.cases.refer(HANDLER, "C-9", "CUST-9", "Can the claimant work?")
    assert referral.status == "referred"
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-9", "dr.jansen", Role.MEDICAL_ADVISER)
    question = timed.vault.records.resolve(ADVISER, referral.reference, Purpose.CLAIM_ASSESSMENT)
    assert question.fields == {"question": "Can the claimant work?"}
    record_id = timed.vault.records.create(ADVISER, health_record("C-9", "CUST-9")).record_id
    assert reads(timed, ADVISER, record_id)

    clock.advance(minutes=5)
    assert timed.vault.cases.close(HANDLER, "C-9") == 1
    closed = last_event(timed)
    assert (closed["event_type"], closed["outcome"], closed["case_ref"]) == ("case.close", "allowed", "C-9")
    assert not reads(timed, ADVISER, record_id)
    assert_denied(timed, "record.read", "policy")
    (ended,) = timed.vault.assignments.assignments(SECURITY, case_ref="C-9", live_only=False)
    assert ended.revoked_at == clock.now() and not ended.live and ended.sealed

    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    with pytest.raises(Conflict):
        assign(timed, "C-9", "dr.smit", Role.MEDICAL_ADVISER)
    assert_denied(timed, "assignment.create", "case_closed")
    with pytest.raises(Conflict):
        timed.vault.cases.close(HANDLER, "C-9")
    assert_denied(timed, "case.close", "case_closed")


def test_an_adviser_closes_only_a_case_he_is_assigned_to(timed: Harness) -> None:
    timed.vault.cases.refer(HANDLER, "C-9", "CUST-9", "Can the claimant work?")
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    assign(timed, "C-9", "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(AccessDenied):
        timed.vault.cases.close(OTHER_ADVISER, "C-9")
    assert_denied(timed, "case.close", "policy")
    assert timed.vault.cases.close(ADVISER, "C-9") == 1


def test_closing_an_unknown_case_is_refused_and_audited(timed: Harness) -> None:
    with pytest.raises(NotFound):
        timed.vault.cases.close(HANDLER, "C-404")
    assert_denied(timed, "case.close", "not_found")


# -- 8. the security officer's review ----------------------------------------------------------------------------------
def test_the_security_officer_lists_assignments_per_case_and_per_user(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-2", "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.smit", Role.MEDICAL_ADVISER)
    assert timed.vault.assignments.revoke(REGISTRAR, case_ref="C-1", user_id="dr.smit", role=Role.MEDICAL_ADVISER) == 1

    live = timed.vault.assignments.assignments(SECURITY, case_ref="C-1")
    assert [(v.user_id, v.live, v.sealed) for v in live] == [("dr.jansen", True, True)]
    listed = last_event(timed)
    assert (listed["event_type"], listed["outcome"], listed["case_ref"]) == ("assignment.list", "allowed", "C-1")
    everything = timed.vault.assignments.assignments(SECURITY, case_ref="C-1", live_only=False)
    assert sorted((v.user_id, v.live, v.revoked_at is not None) for v in everything) == [
        ("dr.jansen", True, False),
        ("dr.smit", False, True),
    ]
    per_user = timed.vault.assignments.assignments(SECURITY, user_id="dr.jansen")
    assert [(v.case_ref, v.role, v.created_by) for v in per_user] == [
        ("C-1", Role.MEDICAL_ADVISER, REGISTRAR.user),
        ("C-2", Role.MEDICAL_ADVISER, REGISTRAR.user),
    ]
    assert timed.vault.assignments.assignments(SECURITY, user_id="dr.smit") == []
    assert len(timed.vault.assignments.assignments(SECURITY, user_id="dr.smit", live_only=False)) == 1


def test_a_claims_handler_lists_no_assignments(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    with pytest.raises(AccessDenied):
        timed.vault.assignments.assignments(HANDLER, case_ref="C-1")
    assert_denied(timed, "assignment.list", "policy")
    with pytest.raises(AccessDenied):
        timed.vault.unit.members(HANDLER)
    assert_denied(timed, "unit.list", "policy")


def test_the_register_shows_a_suspended_registration_as_not_live(timed: Harness) -> None:
    jansen = register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    timed.vault.unit.change(REGISTRAR, jansen, RegistrationStatus.SUSPENDED)
    views = {view.user_id: view for view in timed.vault.unit.members(SECURITY)}
    listed = last_event(timed)
    assert (listed["event_type"], listed["outcome"]) == ("unit.list", "allowed")
    assert views["dr.jansen"].status is RegistrationStatus.SUSPENDED
    assert not views["dr.jansen"].live and views["dr.jansen"].sealed
    assert views["dr.jansen"].changed_by == REGISTRAR.user
    assert views["dr.smit"].live and views["dr.smit"].sealed
    assert views["dr.smit"].credential == "12345678901" and views["dr.smit"].verified_by == REGISTRAR.user


def test_a_registration_edited_in_the_database_confirms_nothing_and_is_alerted(timed: Harness) -> None:
    member, record_id = adviser_with_record(timed)
    timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.ENDED)
    with timed.engine.begin() as connection:  # an insider puts the ended registration back
        connection.execute(sa.text("UPDATE unit_members SET status = 'active' WHERE id = :id"), {"id": member})

    assert not reads(timed, ADVISER, record_id)
    assert_denied(timed, "record.read", "not_registered")
    alerts = [e for e in events(timed) if e["event_type"] == "integrity.alert"]
    assert len(alerts) == 1
    assert alerts[0]["outcome"] == "denied" and alerts[0]["reason"] == "mac_invalid"
    assert alerts[0]["target"] == f"unit_member:{member}" and alerts[0]["object_type"] == "unit_member"

    (view,) = timed.vault.unit.members(SECURITY, user_id="dr.jansen")
    assert view.status is RegistrationStatus.ACTIVE and not view.sealed and not view.live
    with pytest.raises(InvalidInput):  # nor does it confirm him to be assigned anew
        assign(timed, "C-2", "dr.jansen", Role.MEDICAL_ADVISER)
    assert_denied(timed, "assignment.create", "not_registered")
    with pytest.raises(Conflict):  # and it is not changed on its broken seal
        timed.vault.unit.change(REGISTRAR, member, RegistrationStatus.ENDED)
    assert_denied(timed, "unit.change", "mac_invalid")


def test_revoking_an_adviser_ends_the_assignments_the_adviser_gave_on_the_case(timed: Harness) -> None:
    """None outlasts the adviser's own (review finding): revoking the adviser takes the staff they brought in."""
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF)
    timed.vault.assignments.assign(OPERATOR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    adviser = actor("dr.jansen", "medical_adviser")
    timed.vault.assignments.assign(adviser, case_ref="C-1", user_id="nurse.bakker", role=Role.MEDICAL_STAFF)
    assert timed.vault.assignments.revoke(OPERATOR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER) == 2
    listed = timed.vault.assignments.assignments(actor("sara", "security_officer"), case_ref="C-1")
    assert listed == []


# -- the periodic need-to-know review (R10) and the worklist -----------------------------------------------------------
def test_an_assignment_unconfirmed_for_the_review_age_is_due_and_a_review_keeps_or_ends_it(
    timed: Harness, clock: ManualClock
) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF)
    kept = assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    ended = assign(timed, "C-1", "nurse.bakker", Role.MEDICAL_STAFF)
    clock.advance(days=89, hours=23)
    assert timed.vault.assignments.due_for_review(SECURITY) == []
    clock.advance(hours=2)  # 90 days and an hour: due (KLUIS_ASSIGNMENT_REVIEW_DAYS, 90 by default)
    assert {a.assignment_id for a in timed.vault.assignments.due_for_review(SECURITY)} == {kept, ended}

    confirmed = timed.vault.assignments.review(SECURITY, kept, keep=True)
    assert confirmed.confirmed_at == clock.now() and events(timed)[-1]["reason"] == "confirmed"
    revoked = timed.vault.assignments.review(SECURITY, ended, keep=False)
    assert revoked.revoked_at == clock.now() and events(timed)[-1]["reason"] == "revoked"
    assert timed.vault.assignments.due_for_review(SECURITY) == []  # confirmed: not due for another 90 days
    live = timed.vault.assignments.assignments(SECURITY, case_ref="C-1")
    assert [a.user_id for a in live] == ["dr.jansen"]
    clock.advance(days=91)
    assert [a.assignment_id for a in timed.vault.assignments.due_for_review(SECURITY)] == [kept]


def test_the_review_is_for_the_security_officer_or_an_assigned_adviser_and_never_of_oneself(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "nurse.bakker", Role.MEDICAL_STAFF)
    own = assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    staff = timed.vault.assignments.assign(ADVISER, case_ref="C-1", user_id="nurse.bakker", role=Role.MEDICAL_STAFF)
    with pytest.raises(AccessDenied):
        timed.vault.assignments.review(ADVISER, own, keep=True)
    assert events(timed)[-1]["reason"] == "self_service"
    assert timed.vault.assignments.review(ADVISER, staff, keep=True).confirmed_at is not None
    with pytest.raises(AccessDenied):
        timed.vault.assignments.review(HANDLER, staff, keep=False)
    with pytest.raises(NotFound):
        timed.vault.assignments.review(SECURITY, 999, keep=True)
    assert events(timed)[-1]["event_type"] == "assignment.review" and events(timed)[-1]["reason"] == "not_found"


def test_the_worklist_shows_the_callers_own_cases_and_how(timed: Harness, clock: ManualClock) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, ends_at=clock.now() + timedelta(days=3))
    assign(timed, "C-2", "dr.jansen", Role.MEDICAL_ADVISER)
    mine = timed.vault.assignments.mine(ADVISER)
    assert [(a.case_ref, a.relation.value, a.ends_at) for a in mine] == [
        ("C-1", "assigned", clock.now() + timedelta(days=3)),
        ("C-2", "assigned", None),
    ]
    assert events(timed)[-1]["event_type"] == "worklist.read"
    with pytest.raises(AccessDenied):  # a worklist is a unit member's
        timed.vault.assignments.mine(HANDLER)
    with pytest.raises(AccessDenied):  # ... whom the register confirms
        timed.vault.assignments.mine(actor("dr.nobody", "medical_adviser"))
    clock.advance(days=3)
    assert [a.case_ref for a in timed.vault.assignments.mine(ADVISER)] == ["C-2"]


def test_an_adviser_reviews_the_units_assignments_but_not_a_criminal_data_officers(timed: Harness) -> None:
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "cor", Role.CRIMINAL_DATA_OFFICER)
    assign(timed, "C-1", "dr.jansen", Role.MEDICAL_ADVISER)
    criminal = assign(timed, "C-1", "cor", Role.CRIMINAL_DATA_OFFICER)
    with pytest.raises(AccessDenied):
        timed.vault.assignments.review(ADVISER, criminal, keep=False)
    assert {a.user_id for a in timed.vault.assignments.assignments(SECURITY, case_ref="C-1")} == {"cor", "dr.jansen"}
    assert timed.vault.assignments.review(SECURITY, criminal, keep=True).confirmed_at is not None
