"""The breach register (DOMAIN R46, R34, GDPR art. 33-34): every breach is recorded with its 72-hour deadline;
overdue notifications show and set the alert gauge; per category the protection by encryption is computed from key
state; closing needs the assessment and the notifications the risk calls for; every change is audited and a row
edited in the database shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from tests.conftest import actor
from tests.harness import Harness, ManualClock
from vault import (
    AccessDenied,
    BreachChange,
    BreachRisk,
    Category,
    Conflict,
    Exposure,
    InvalidInput,
    NewBreach,
    NewRecord,
    NotInformedGround,
    Purpose,
)

PRIVACY = actor("pia", "privacy_officer")
SECURITY = actor("sol", "security_officer")
KEYS = actor("kai", "key_admin")


def _record(kluis: Harness, category: Category = Category.HEALTH) -> None:
    kluis.vault.records.create(
        actor("op", "importer"),
        NewRecord(
            subject_ref="CUST-1",
            case_ref="C-1",
            category=category,
            kind="medical_report",
            fields={"summary": "Fictional"},
            source="GP",
            purpose=Purpose.CLAIM_ASSESSMENT if category is Category.HEALTH else Purpose.ACCEPTANCE,
        ),
    )


def _breach(kluis: Harness, exposure: Exposure = Exposure.DATABASE_COPY, **fields: Any) -> int:
    new = NewBreach(
        detected_at=fields.pop("detected_at", kluis.vault.clock.now()),
        exposure=exposure,
        categories=fields.pop("categories", [Category.HEALTH]),
        description="A database dump was found on a share it should not have been on.",
        **fields,
    )
    return kluis.vault.breaches.record(PRIVACY, new).breach_id


def _events(kluis: Harness, event_type: str) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        bodies = [json.loads(bytes(b)) for b in session.scalars(sa.text("SELECT body FROM audit_events ORDER BY seq"))]
    return [b for b in bodies if b["event_type"] == event_type]


def test_the_72_hour_deadline_and_an_overdue_notification_alert(timed: Harness, clock: ManualClock) -> None:
    breach = _breach(timed)
    (view,) = timed.vault.breaches.breaches(PRIVACY)
    assert view.authority_deadline == clock.now() + timedelta(hours=72) and view.notifiable and not view.overdue
    clock.advance(hours=72)
    assert not timed.vault.breaches.breaches(PRIVACY)[0].overdue  # at the deadline, still in time
    clock.advance(minutes=1)
    (due,) = timed.vault.breaches.breaches(PRIVACY, due_only=True)
    assert due.overdue and REGISTRY.get_sample_value("kluis_breach_notifications_overdue") == 1
    notified = BreachChange(authority_notified_at=clock.now(), authority_reference="AP-2026-123", risk=BreachRisk.RISK)
    assert not timed.vault.breaches.change(PRIVACY, breach, notified).overdue
    assert timed.vault.breaches.breaches(PRIVACY, due_only=True) == []
    assert REGISTRY.get_sample_value("kluis_breach_notifications_overdue") == 0


def test_an_unlikely_risk_is_recorded_but_never_overdue(timed: Harness, clock: ManualClock) -> None:
    breach = _breach(timed)
    timed.vault.breaches.change(PRIVACY, breach, BreachChange(risk=BreachRisk.UNLIKELY, risk_assessment="Encrypted."))
    clock.advance(days=10)
    (view,) = timed.vault.breaches.breaches(PRIVACY)
    assert not view.notifiable and not view.overdue
    assert timed.vault.breaches.change(PRIVACY, breach, BreachChange(close=True)).closed  # art. 33(5): kept


def test_protection_is_computed_from_key_state(timed: Harness) -> None:
    _record(timed)
    _record(timed, Category.CRIMINAL)
    both = [Category.HEALTH, Category.CRIMINAL]
    dump = timed.vault.breaches.record(
        PRIVACY,
        NewBreach(
            detected_at=timed.vault.clock.now(),
            exposure=Exposure.DATABASE_COPY,
            categories=both,
            description="Dump",
            compromised_keks={Category.CRIMINAL: [1]},
        ),
    )
    protection = {p.category: p for p in dump.protection}
    assert protection[Category.HEALTH].protected and protection[Category.HEALTH].kek_versions_in_use == [1]
    assert protection[Category.CRIMINAL].encrypted and not protection[Category.CRIMINAL].keys_uncompromised
    timed.vault.keys.retire(KEYS, Category.CRIMINAL)  # every criminal data key now under version 2
    (later,) = [b for b in timed.vault.breaches.breaches(PRIVACY) if b.breach_id == dump.breach_id]
    assert {p.category: p.protected for p in later.protection}[Category.CRIMINAL]  # from the key state, live
    seen = _breach(timed, Exposure.DECRYPTED)
    (view,) = [b for b in timed.vault.breaches.breaches(PRIVACY) if b.breach_id == seen]
    assert not view.protection[0].encrypted and not view.protection[0].protected
    keys = _breach(timed, Exposure.KEY_MATERIAL)
    (view,) = [b for b in timed.vault.breaches.breaches(PRIVACY) if b.breach_id == keys]
    assert not view.protection[0].keys_uncompromised


def test_closing_needs_the_assessment_and_the_notifications_the_risk_calls_for(timed: Harness) -> None:
    _record(timed)
    breach = _breach(timed, Exposure.DECRYPTED)
    for change, why in (
        (BreachChange(close=True), "assess the risk"),
        (BreachChange(risk=BreachRisk.HIGH, close=True), "notifiable"),
        (BreachChange(risk=BreachRisk.HIGH, authority_notified_at=timed.vault.clock.now(), close=True), "inform"),
        (BreachChange(not_informed_ground=NotInformedGround.ENCRYPTED), "not every category"),
    ):
        with pytest.raises((Conflict, InvalidInput), match=why):
            timed.vault.breaches.change(PRIVACY, breach, change)
    refused = _events(timed, "breach.change")
    assert len(refused) == 4 and {e["outcome"] for e in refused} == {"denied"}
    now = timed.vault.clock.now()
    done = BreachChange(risk=BreachRisk.HIGH, authority_notified_at=now, subjects_informed_at=now, close=True)
    assert timed.vault.breaches.change(PRIVACY, breach, done).closed
    with pytest.raises(Conflict, match="closed"):
        timed.vault.breaches.change(PRIVACY, breach, BreachChange(risk=BreachRisk.UNLIKELY))


def test_the_encrypted_ground_stands_when_every_category_was_protected(timed: Harness) -> None:
    _record(timed)
    breach = _breach(timed)
    now = timed.vault.clock.now()
    change = BreachChange(
        risk=BreachRisk.HIGH, authority_notified_at=now, not_informed_ground=NotInformedGround.ENCRYPTED, close=True
    )
    view = timed.vault.breaches.change(PRIVACY, breach, change)
    assert view.closed and view.not_informed_ground is NotInformedGround.ENCRYPTED


def test_an_entry_edited_in_the_database_shows_and_takes_no_change(timed: Harness) -> None:
    breach = _breach(timed)
    with timed.sessions.begin() as session:
        session.execute(sa.text("UPDATE breaches SET risk = 'unlikely'"))  # hiding a notifiable breach
    (view,) = timed.vault.breaches.breaches(PRIVACY)
    assert not view.sealed
    assert any(e["target"] == f"breach:{breach}" for e in _events(timed, "integrity.alert"))
    with pytest.raises(Conflict, match="outside Kluis"):
        timed.vault.breaches.change(PRIVACY, breach, BreachChange(close=True))


def test_the_privacy_officer_keeps_it_and_the_security_officer_reads_it(timed: Harness) -> None:
    _breach(timed)
    assert len(timed.vault.breaches.breaches(SECURITY)) == 1
    new = NewBreach(
        detected_at=datetime.now(UTC), exposure=Exposure.OTHER, categories=[Category.HEALTH], description="x"
    )
    for someone in (SECURITY, KEYS, actor("dr.jansen", "medical_adviser")):
        with pytest.raises(AccessDenied):
            timed.vault.breaches.record(someone, new)
    with pytest.raises(AccessDenied):
        timed.vault.breaches.breaches(KEYS)
    recorded = _events(timed, "breach.record")
    assert [e["outcome"] for e in recorded] == ["allowed", "denied", "denied", "denied"]


def test_a_description_with_a_bsn_or_a_future_detection_is_refused(timed: Harness, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="BSN"):
        NewBreach(
            detected_at=clock.now(), exposure=Exposure.OTHER, categories=[Category.HEALTH], description="123456782"
        )
    with pytest.raises(InvalidInput):
        _breach(timed, detected_at=clock.now() + timedelta(hours=1))
