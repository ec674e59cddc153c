"""Processors (DOMAIN R47), on the injected clock: a volmacht holder's or an external medical-advice bureau's staff act
for the controller only under a live, sealed processing agreement, only in the roles it covers, and every event of
theirs names the processor and the agreement. Without one — never recorded, not yet started, lapsed, ended, edited
in the database — their token counts for nothing, and each refusal says why."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    Actor,
    AuditQuery,
    Category,
    Conflict,
    InvalidInput,
    NewAgreement,
    NewRecord,
    NotFound,
    Purpose,
    Registration,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
SECURITY = actor("sara", "security_officer")
BUREAU = "bureau-x"
# dr.bakker works for the advice bureau: her IdP token says so, through the issuer's configuration (api/deps.py)
BAKKER = replace(actor("dr.bakker", "medical_adviser"), processor=BUREAU)
MIDNIGHT = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Amsterdam


def _agreement(kluis: Harness, *roles: Role, reference: str = "VWO-2026-014", **period: datetime) -> int:
    made = kluis.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference=reference, roles=list(roles), **period)
    )
    return made.agreement_id


def _record(kluis: Harness, case: str = "C-1") -> str:
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-bureau"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _last(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def _denied(kluis: Harness, event_type: str, reason: str) -> dict[str, Any]:
    last = _last(kluis)
    assert (last["event_type"], last["outcome"], last["reason"]) == (event_type, "denied", reason)
    return last


@pytest.fixture
def bureau_case(timed: Harness) -> str:
    """An agreement with bureau-x for advisers until midnight at the year's end; dr.bakker registered for the
    bureau and assigned to C-1."""
    _agreement(timed, Role.MEDICAL_ADVISER, ends_at=MIDNIGHT)
    register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.bakker", role=Role.MEDICAL_ADVISER)
    return _record(timed)


def test_a_processors_adviser_acts_under_the_agreement_until_it_lapses_at_midnight(
    timed: Harness, bureau_case: str, clock: ManualClock
) -> None:
    assert timed.vault.records.read(BAKKER, bureau_case, Purpose.CLAIM_ASSESSMENT).fields["summary"]
    event = _last(timed)
    assert event["outcome"] == "allowed" and event["v"] == 3
    assert (event["actor"]["processor"], event["actor"]["agreement"]) == (BUREAU, "VWO-2026-014")
    assert event["actor"]["organisation"] == "default"  # the controller, whose data it is
    clock.current = MIDNIGHT - timedelta(minutes=1)
    assert timed.vault.records.read(BAKKER, bureau_case, Purpose.CLAIM_ASSESSMENT)
    clock.current = MIDNIGHT
    with pytest.raises(NotFound):
        timed.vault.records.read(BAKKER, bureau_case, Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "record.read", "no_processing_agreement")


def test_a_processors_token_without_any_agreement_counts_for_nothing_and_is_audited(timed: Harness) -> None:
    record = _record(timed)
    handler = replace(actor("henk", "claims_handler"), processor="volmacht-y")
    with pytest.raises(NotFound):
        timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    event = _denied(timed, "case.view", "no_processing_agreement")
    assert event["actor"]["processor"] == "volmacht-y" and event["actor"]["agreement"] is None
    assert event["actor"]["roles"] == []  # the role that did not count is not recorded as held
    with pytest.raises(NotFound):
        timed.vault.records.read(BAKKER, record, Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "record.read", "no_processing_agreement")


def test_an_agreement_starting_tomorrow_gives_nothing_today(timed: Harness, clock: ManualClock) -> None:
    tomorrow = clock.now() + timedelta(days=1)
    _agreement(timed, Role.CLAIMS_HANDLER, starts_at=tomorrow)
    _record(timed)
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    with pytest.raises(NotFound):
        timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "case.view", "no_processing_agreement")
    clock.current = tomorrow
    assert timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT).records
    assert _last(timed)["actor"]["agreement"] == "VWO-2026-014"


def test_roles_the_agreement_does_not_cover_do_not_count(timed: Harness) -> None:
    _agreement(timed, Role.CLAIMS_HANDLER)
    _record(timed)
    both = replace(actor("henk", "claims_handler", "security_officer"), processor=BUREAU)
    with pytest.raises(AccessDenied):  # never the controller's oversight, whatever the token says
        timed.vault.audit.search(both, AuditQuery())
    event = _denied(timed, "audit.search", "outside_processing_agreement")
    assert event["actor"]["roles"] == ["claims_handler"]
    assert timed.vault.cases.view(both, "C-1", Purpose.CLAIM_ASSESSMENT).records  # the covered role counts


def test_the_register_and_the_token_must_name_the_same_processor(timed: Harness, bureau_case: str) -> None:
    own = actor("dr.bakker", "medical_adviser")  # the same person's token, without the bureau
    with pytest.raises(NotFound):
        timed.vault.records.read(own, bureau_case, Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "record.read", "not_registered")
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)  # the controller's own adviser ...
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    posing = replace(actor("dr.jansen", "medical_adviser"), processor=BUREAU)  # ... with a bureau token
    with pytest.raises(NotFound):
        timed.vault.records.read(posing, bureau_case, Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "record.read", "not_registered")


def test_registering_a_processors_member_needs_an_agreement_covering_the_role(timed: Harness) -> None:
    with pytest.raises(InvalidInput):
        register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    _denied(timed, "unit.register", "no_processing_agreement")
    _agreement(timed, Role.CLAIMS_HANDLER)
    with pytest.raises(InvalidInput):  # an agreement, but not for advisers
        register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    _denied(timed, "unit.register", "no_processing_agreement")
    officer = Registration(user_id="olga", role=Role.SECURITY_OFFICER, processor=BUREAU)
    with pytest.raises(InvalidInput):  # an officer's duty is the controller's own
        timed.vault.unit.register(REGISTRAR, officer)
    _denied(timed, "unit.register", "invalid_credential")


def test_ending_the_agreement_ends_the_processors_access_with_the_next_request(
    timed: Harness, bureau_case: str
) -> None:
    agreement_id = timed.vault.processors.agreements(SECURITY)[0].agreement_id
    ended = timed.vault.processors.end(PRIVACY, agreement_id)
    assert ended.ended_by == "pia" and not ended.live
    with pytest.raises(NotFound):
        timed.vault.records.read(BAKKER, bureau_case, Purpose.CLAIM_ASSESSMENT)
    _denied(timed, "record.read", "no_processing_agreement")
    with pytest.raises(Conflict):
        timed.vault.processors.end(PRIVACY, agreement_id)
    _denied(timed, "agreement.end", "policy")


def test_a_staff_member_of_the_bureau_works_under_the_bureaus_registered_adviser(timed: Harness) -> None:
    _agreement(timed, Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF)
    register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    register(timed.vault, "tess", Role.MEDICAL_STAFF, supervisor="dr.bakker", processor=BUREAU)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="tess", role=Role.MEDICAL_STAFF)
    record = _record(timed)
    tess = replace(actor("tess", "medical_staff"), processor=BUREAU)
    assert timed.vault.records.read(tess, record, Purpose.CLAIM_ASSESSMENT)
    event = _last(timed)
    assert (event["actor"]["responsible_user"], event["actor"]["processor"]) == ("dr.bakker", BUREAU)


def test_one_agreement_at_a_time_per_processor_and_a_renewal_takes_over_at_its_start(
    timed: Harness, clock: ManualClock
) -> None:
    _agreement(timed, Role.CLAIMS_HANDLER, ends_at=MIDNIGHT)
    with pytest.raises(Conflict):
        _agreement(timed, Role.CLAIMS_HANDLER, reference="VWO-2027-001", starts_at=MIDNIGHT - timedelta(days=1))
    _denied(timed, "agreement.record", "policy")
    _agreement(timed, Role.CLAIMS_HANDLER, reference="VWO-2027-001", starts_at=MIDNIGHT)
    _record(timed)
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    clock.current = MIDNIGHT - timedelta(minutes=1)
    timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    assert _last(timed)["actor"]["agreement"] == "VWO-2026-014"
    clock.current = MIDNIGHT
    timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    assert _last(timed)["actor"]["agreement"] == "VWO-2027-001"


def test_only_the_privacy_officer_records_and_ends_agreements(timed: Harness) -> None:
    new = NewAgreement(processor=BUREAU, reference="VWO-1", roles=[Role.CLAIMS_HANDLER])
    for who in (REGISTRAR, SECURITY, actor("henk", "claims_handler")):
        with pytest.raises(AccessDenied):
            timed.vault.processors.record(who, new)
        _denied(timed, "agreement.record", "policy")
    made = timed.vault.processors.record(PRIVACY, new)
    assert made.live and made.recorded_by == "pia" and made.roles == [Role.CLAIMS_HANDLER]
    with pytest.raises(AccessDenied):
        timed.vault.processors.end(REGISTRAR, made.agreement_id)
    assert [a.reference for a in timed.vault.processors.agreements(REGISTRAR)] == ["VWO-1"]  # the key admin reads
    with pytest.raises(AccessDenied):
        timed.vault.processors.agreements(actor("henk", "claims_handler"))
    with pytest.raises(InvalidInput):  # a controller is not its own processor
        timed.vault.processors.record(PRIVACY, NewAgreement(processor="default", reference="X", roles=new.roles))
    _denied(timed, "agreement.record", "policy")
    with pytest.raises(NotFound):
        timed.vault.processors.end(PRIVACY, 999)
    _denied(timed, "agreement.end", "not_found")


def test_a_processor_of_one_controller_gets_nothing_from_another(timed: Harness, bureau_case: str) -> None:
    elsewhere = replace(BAKKER, organisation="insurer-b")
    with pytest.raises(NotFound):
        timed.vault.records.read(elsewhere, bureau_case, Purpose.CLAIM_ASSESSMENT)
    event = _denied(timed, "record.read", "not_found")  # not even there: it is another controller's record
    assert event["actor"]["agreement"] is None and event["actor"]["roles"] == []  # no agreement with insurer-b
    assert timed.vault.processors.agreements(replace(PRIVACY, organisation="insurer-b")) == []


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ends_at", datetime(2030, 1, 1, tzinfo=UTC)),
        ("roles", "claims_handler,criminal_data_officer,medical_adviser"),
        ("processor", "bureau-z"),
        ("ended_at", None),
    ],
)
def test_an_agreement_edited_in_the_database_grants_nothing_and_raises_an_alert(
    timed: Harness, bureau_case: str, clock: ManualClock, column: str, value: object
) -> None:
    if column == "ended_at":  # the insider undoes an ending
        timed.vault.processors.end(PRIVACY, timed.vault.processors.agreements(PRIVACY)[0].agreement_id)
    with timed.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE processing_agreements SET {column} = :value"), {"value": value})
    if column == "processor":
        return _assert_bureau_z_gets_nothing(timed, bureau_case)
    with pytest.raises(NotFound):
        timed.vault.records.read(BAKKER, bureau_case, Purpose.CLAIM_ASSESSMENT)
    page = timed.vault.audit.search(SECURITY, AuditQuery(user="dr.bakker", outcome="denied"))
    alerts = [e["target"] for e in page.events if e["event_type"] == "integrity.alert"]
    assert alerts == ["processing_agreement:1"]
    assert not timed.vault.processors.agreements(SECURITY)[0].sealed


def _assert_bureau_z_gets_nothing(timed: Harness, record: str) -> None:
    with timed.engine.begin() as connection:  # the insider also moves the registration over
        connection.execute(sa.text("UPDATE unit_members SET processor = 'bureau-z'"))
    moved = replace(BAKKER, processor="bureau-z")
    with pytest.raises(NotFound):
        timed.vault.records.read(moved, record, Purpose.CLAIM_ASSESSMENT)
    assert _last(timed)["event_type"] in ("record.read", "integrity.alert")


def test_an_agreement_inserted_in_the_database_grants_nothing(timed: Harness) -> None:
    record = _record(timed)
    row = {
        "organisation": "default",
        "processor": BUREAU,
        "reference": "FORGED",
        "roles": "claims_handler",
        "starts_at": datetime(2026, 1, 1, tzinfo=UTC),
        "recorded_by": "pia",
        "recorded_at": datetime(2026, 1, 1, tzinfo=UTC),
        "mac": b"\0" * 32,
    }
    columns = ", ".join(row)
    with timed.engine.begin() as connection:
        connection.execute(
            sa.text(f"INSERT INTO processing_agreements ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row
        )
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    with pytest.raises(NotFound):
        timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    assert record


@pytest.mark.parametrize(
    "fields",
    [
        {"roles": ["security_officer"]},
        {"roles": ["importer"]},
        {"roles": []},
        {"processor": "bureau x"},
        {"processor": "123456782"},  # a BSN is never an identifier
        {"reference": "a" * 65},
        {"starts_at": datetime(2027, 1, 2, tzinfo=UTC), "ends_at": datetime(2027, 1, 1, tzinfo=UTC)},
        {"ends_at": datetime(2027, 1, 1)},
    ],
)
def test_a_malformed_agreement_is_refused_before_anything_is_decided(fields: dict[str, object]) -> None:
    valid: dict[str, object] = {"processor": BUREAU, "reference": "VWO-1", "roles": ["claims_handler"]}
    with pytest.raises(ValidationError):
        NewAgreement.model_validate({**valid, **fields})


def test_an_agreement_ending_in_the_past_is_refused_and_audited(timed: Harness, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput):
        _agreement(timed, Role.CLAIMS_HANDLER, ends_at=clock.now() - timedelta(days=1))
    _denied(timed, "agreement.record", "policy")


def test_the_controllers_own_staff_are_untouched_by_agreements(timed: Harness) -> None:
    handler: Actor = actor("henk", "claims_handler")
    _record(timed)
    assert timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT).records
    event = _last(timed)
    assert (event["actor"]["processor"], event["actor"]["agreement"]) == (None, None)
