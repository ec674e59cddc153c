"""The audit event (NEN 7513 fields, DOMAIN R40) and its canonical encoding, format v3 (docs/FORMATS.md).

An event names who, what, why, outcome, when and from where. It carries field *names*, never values, and reason
*codes*, never request text. Its canonical bytes (sorted keys, no whitespace, ASCII-escaped JSON) are stored as
written and hashed as stored, so v1 and v2 events written before v3 still verify byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from vault.actor import Actor

ActionCode = Literal["C", "R", "U", "D", "E"]  # create, read, update, delete, execute
Outcome = Literal["allowed", "denied", "failed", "erased"]

SENSITIVITY = {"health": "special-category", "criminal": "criminal-offence"}
EVENT_FORMAT = 3


@dataclass(frozen=True, slots=True)
class About:
    """What an event is about. Identifiers only: a record, its reference, case, subject pseudonym, category, the
    names of the fields touched, and ``target``: whom an administrative action concerned (or a disclosure's
    recipient)."""

    object_type: str | None = None
    record_id: str | None = None
    reference: str | None = None
    case_ref: str | None = None
    subject: str | None = None  # the subject's pseudonym (Kluis subject id), never its external reference
    category: str | None = None
    fields: tuple[str, ...] = ()
    target: str | None = None
    consent_id: str | None = None
    break_glass: bool = False
    count: int = 1  # how many identical attempts this event stands for (aggregated refused tokens)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Build these only through vault.audit's builders (vault/audit/_events.py)."""

    event_id: str
    occurred_at: datetime
    action_code: ActionCode
    event_type: str
    outcome: Outcome
    actor: Actor
    about: About
    purpose: str | None = None
    rule: str | None = None
    reason: str | None = None  # a code from vault.audit.Reason

    def to_document(self) -> dict[str, object]:
        # Built by hand rather than with dataclasses.asdict: this runs once per audited access.
        actor, about = self.actor, self.about
        return {
            "v": EVENT_FORMAT,
            "event_id": self.event_id,
            "occurred_at": _utc_text(self.occurred_at),
            "action_code": self.action_code,
            "event_type": self.event_type,
            "outcome": self.outcome,
            "actor": {
                "user": actor.user,
                "roles": sorted(actor.roles),
                "organisation": actor.organisation,
                "processor": actor.processor,
                "agreement": actor.agreement,
                "responsible_user": actor.responsible_user,
                "on_behalf_of": actor.on_behalf_of,
                "auth_strength": actor.auth_strength.value,
                "unit": actor.unit,
                "client": actor.client,
                "request_id": actor.request_id,
                "source_system": actor.source_system,
            },
            "purpose": self.purpose,
            "rule": self.rule,
            "reason": self.reason,
            "object_type": about.object_type,
            "record_id": about.record_id,
            "reference": about.reference,
            "case_ref": about.case_ref,
            "subject": about.subject,
            "category": about.category,
            "sensitivity": SENSITIVITY.get(about.category or ""),
            "fields": sorted(about.fields),
            "target": about.target,
            "consent_id": about.consent_id,
            "break_glass": about.break_glass,
            "count": about.count,
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_document())


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
