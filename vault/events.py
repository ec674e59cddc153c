"""Builders for the audit events the services write: one place that decides what an event says."""

from __future__ import annotations

from datetime import datetime

from vault.audit_event import ActionCode, Actor, AuditEvent, Outcome
from vault.models import Record
from vault.policy import Decision
from vault.records import CreatedRecord, NewRecord
from vault.vocabulary import Purpose


def outcome(decision: Decision) -> Outcome:
    return "allowed" if decision.allowed else "denied"


def create_event(
    actor: Actor,
    record: NewRecord,
    decision: Decision,
    created: CreatedRecord | None,
    subject_id: str | None,
    now: datetime,
) -> AuditEvent:
    return AuditEvent(
        "C",
        "record.create",
        outcome(decision),
        actor,
        purpose=record.purpose.value,
        rule=decision.rule,
        reason=None if decision.allowed else "policy",
        object_type="record",
        record_id=created.record_id if created else None,
        reference=created.reference if created else None,
        case_ref=record.case_ref,
        subject=subject_id if created else None,
        category=record.category.value,
        fields=tuple(sorted(record.fields)),
        occurred_at=now,
    )


def read_event(
    actor: Actor, record: Record, reference: str, purpose: Purpose, decision: Decision, fields: list[str], now: datetime
) -> AuditEvent:
    return AuditEvent(
        "R",
        "record.read",
        outcome(decision),
        actor,
        purpose=purpose.value,
        rule=decision.rule,
        reason=None if decision.allowed else "policy",
        object_type="record",
        record_id=record.id,
        reference=reference,
        case_ref=record.case_ref,
        subject=record.subject_id,
        category=record.category,
        fields=tuple(fields),
        occurred_at=now,
    )


def admin_event(
    actor: Actor,
    event_type: str,
    code: ActionCode,
    decision: Decision,
    now: datetime,
    *,
    case_ref: str | None = None,
    target: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        code,
        event_type,
        outcome(decision),
        actor,
        rule=decision.rule,
        reason=target,
        object_type=event_type.split(".")[0],
        case_ref=case_ref,
        occurred_at=now,
    )


def not_found_event(actor: Actor, code: ActionCode, event_type: str, purpose: Purpose, now: datetime) -> AuditEvent:
    """An attempt on something that does not exist (or is not this organisation's): denied, with no identifiers."""
    return AuditEvent(
        code,
        event_type,
        "denied",
        actor,
        purpose=purpose.value,
        rule="n/a",
        reason="not_found",
        object_type="record",
        occurred_at=now,
    )
