"""Delegation (DOMAIN R2), on the injected clock: an adviser delegates their cases to another registered adviser for
a period; the delegate reads them on the delegator's behalf (``on_behalf_of`` in each event) before nothing, during
everything, after nothing; a delegate cannot delegate further; nothing crosses organisations."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    Category,
    InvalidInput,
    NewRecord,
    NotFound,
    Purpose,
    RegistrationStatus,
    Role,
)

JANSEN = actor("dr.jansen", "medical_adviser")
SMIT = actor("dr.smit", "medical_adviser")
SECURITY = actor("sara", "security_officer")


def _record(kluis: Harness, case: str) -> str:
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": f"CANARY-{case}"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


@pytest.fixture
def records(timed: Harness) -> dict[str, str]:
    """dr.jansen assigned to C-1 and C-2; dr.smit registered, assigned to nothing."""
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(timed.vault, "dr.smit", Role.MEDICAL_ADVISER)
    for case in ("C-1", "C-2"):
        timed.vault.assignments.assign(REGISTRAR, case_ref=case, user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    return {case: _record(timed, case) for case in ("C-1", "C-2")}


def _last(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def test_a_delegation_gives_access_only_during_its_period_on_the_delegators_behalf(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    start, end = clock.now() + timedelta(days=1), clock.now() + timedelta(days=8)
    made = timed.vault.delegations.delegate(JANSEN, "dr.smit", starts_at=start, ends_at=end)
    assert made.case_ref is None and not made.live  # all cases, from tomorrow
    with pytest.raises(NotFound):  # before
        timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)
    clock.current = start
    for case, record in records.items():  # during: every case dr.jansen is assigned to
        assert timed.vault.records.read(SMIT, record, Purpose.CLAIM_ASSESSMENT).fields["summary"] == f"CANARY-{case}"
        last = _last(timed)
        assert last["outcome"] == "allowed" and last["actor"]["on_behalf_of"] == "dr.jansen"
    assert timed.vault.records.read(JANSEN, records["C-1"], Purpose.CLAIM_ASSESSMENT)  # the delegator keeps access
    assert _last(timed)["actor"]["on_behalf_of"] is None
    clock.current = end  # after: it ends on time
    with pytest.raises(NotFound):
        timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)


def test_a_delegation_of_one_case_covers_that_case_only_and_ends_when_revoked(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    made = timed.vault.delegations.delegate(JANSEN, "dr.smit", case_ref="C-1", ends_at=clock.now() + timedelta(days=1))
    assert timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)
    with pytest.raises(NotFound):
        timed.vault.records.read(SMIT, records["C-2"], Purpose.CLAIM_ASSESSMENT)
    with pytest.raises(AccessDenied):  # only the adviser who gave it revokes it
        timed.vault.delegations.revoke(SMIT, made.delegation_id)
    assert timed.vault.delegations.revoke(JANSEN, made.delegation_id).revoked_at == clock.now()
    with pytest.raises(NotFound):
        timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)


def test_a_delegation_follows_the_delegators_own_assignment(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    timed.vault.delegations.delegate(JANSEN, "dr.smit", ends_at=clock.now() + timedelta(days=7))
    timed.vault.assignments.revoke(REGISTRAR, case_ref="C-2", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    with pytest.raises(NotFound):  # what the delegator no longer has, the delegate does not have either
        timed.vault.records.read(SMIT, records["C-2"], Purpose.CLAIM_ASSESSMENT)
    assert timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)


def test_a_delegate_cannot_delegate_further(timed: Harness, records: dict[str, str], clock: ManualClock) -> None:
    register(timed.vault, "dr.de.boer", Role.MEDICAL_ADVISER)
    timed.vault.delegations.delegate(JANSEN, "dr.smit", ends_at=clock.now() + timedelta(days=7))
    with pytest.raises(AccessDenied):  # a case dr.smit holds only by delegation
        timed.vault.delegations.delegate(SMIT, "dr.de.boer", case_ref="C-1", ends_at=clock.now() + timedelta(days=1))
    assert _last(timed)["reason"] == "delegated_further"
    timed.vault.delegations.delegate(SMIT, "dr.de.boer", ends_at=clock.now() + timedelta(days=1))  # all of his own:
    with pytest.raises(NotFound):  # ... which are none: what was delegated to him is not passed on
        timed.vault.records.read(actor("dr.de.boer", "medical_adviser"), records["C-1"], Purpose.CLAIM_ASSESSMENT)


def test_delegations_go_only_to_registered_advisers_of_the_same_organisation(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    until = clock.now() + timedelta(days=1)
    with pytest.raises(InvalidInput):
        timed.vault.delegations.delegate(JANSEN, "dr.unknown", ends_at=until)
    assert _last(timed)["reason"] == "not_registered"
    other = actor("operator:registrar", "key_admin", organisation="other-insurer")
    register(timed.vault, "dr.elders", Role.MEDICAL_ADVISER, by=other)  # an adviser of another organisation
    with pytest.raises(InvalidInput):
        timed.vault.delegations.delegate(JANSEN, "dr.elders", ends_at=until)
    with pytest.raises(InvalidInput):
        timed.vault.delegations.delegate(JANSEN, "dr.jansen", ends_at=until)
    assert _last(timed)["reason"] == "self_service"
    with pytest.raises(AccessDenied):  # staff, officers and the claims side do not delegate
        timed.vault.delegations.delegate(actor("kees", "key_admin"), "dr.smit", ends_at=until)


def test_the_security_officer_sees_every_delegation_and_an_edited_one_grants_nothing(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    made = timed.vault.delegations.delegate(JANSEN, "dr.smit", case_ref="C-1", ends_at=clock.now() + timedelta(hours=1))
    listed = timed.vault.delegations.delegations(SECURITY)
    assert [(d.delegator, d.delegate, d.live, d.sealed) for d in listed] == [("dr.jansen", "dr.smit", True, True)]
    assert [d.delegation_id for d in timed.vault.delegations.delegations(SMIT)] == [made.delegation_id]
    with timed.engine.begin() as connection:  # a DBA widens it to every case
        connection.execute(sa.text("UPDATE delegations SET case_ref = NULL"))
    with pytest.raises(NotFound):
        timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)
    assert timed.vault.delegations.delegations(SECURITY)[0].sealed is False


def test_a_delegation_ends_with_the_delegators_registration_and_the_security_officer_can_end_it(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    made = timed.vault.delegations.delegate(JANSEN, "dr.smit", ends_at=clock.now() + timedelta(days=7))
    jansen = next(m for m in timed.vault.unit.members(SECURITY, "dr.jansen"))
    timed.vault.unit.change(REGISTRAR, jansen.member_id, RegistrationStatus.SUSPENDED)
    with pytest.raises(NotFound):  # a delegator whose registration does not count delegates nothing
        timed.vault.records.read(SMIT, records["C-1"], Purpose.CLAIM_ASSESSMENT)
    assert timed.vault.assignments.mine(SMIT) == []
    ended = timed.vault.delegations.revoke(SECURITY, made.delegation_id)  # the delegator cannot any more
    assert ended.revoked_at == clock.now()
    with pytest.raises(AccessDenied):  # nobody else ends another's delegation
        timed.vault.delegations.revoke(actor("kees", "key_admin"), made.delegation_id)


def test_a_delegation_starts_now_or_later_and_is_capped(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    with pytest.raises(InvalidInput):  # KLUIS_DELEGATION_MAX_DAYS, 90 by default
        timed.vault.delegations.delegate(JANSEN, "dr.smit", ends_at=clock.now() + timedelta(days=91))
    with pytest.raises(InvalidInput):
        timed.vault.delegations.delegate(
            JANSEN, "dr.smit", starts_at=clock.now() - timedelta(days=1), ends_at=clock.now() + timedelta(days=1)
        )


def test_a_delegate_neither_revokes_on_the_case_nor_breaks_glass_on_it(
    timed: Harness, records: dict[str, str], clock: ManualClock
) -> None:
    from vault import BreakGlassReason, Conflict

    timed.vault.cases.refer(actor("anna", "claims_handler"), "C-1", "CUST-1", "Fictional: can the claimant work?")
    timed.vault.delegations.delegate(JANSEN, "dr.smit", ends_at=clock.now() + timedelta(days=7))
    with pytest.raises(AccessDenied):
        timed.vault.assignments.revoke(SMIT, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    assert timed.vault.records.read(JANSEN, records["C-1"], Purpose.CLAIM_ASSESSMENT)  # dr.jansen keeps the case
    with pytest.raises(Conflict):  # he has access already: no false alert for the security officer
        timed.vault.break_glass.open(SMIT, "C-1", BreakGlassReason.OTHER, "Covering for dr.jansen this week.")
    assert _last(timed)["reason"] == "already_assigned"
