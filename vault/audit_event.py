"""The audit event (NEN 7513 fields, DOMAIN R40) and its canonical encoding.

An event names who, what, why, outcome, when and from where. It carries field *names*, never values. Its
canonical bytes (sorted keys, no whitespace, ASCII-escaped JSON) are stored as written and hashed as stored.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

ActionCode = Literal["C", "R", "U", "D", "E"]  # create, read, update, delete, execute
Outcome = Literal["allowed", "denied", "failed"]

SENSITIVITY = {"health": "special-category", "criminal": "criminal-offence"}
EVENT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts. ``responsible_user`` is the supervising medical adviser for medical staff (R4)."""

    user: str
    roles: tuple[str, ...]
    organisation: str
    responsible_user: str | None = None
    unit: str | None = None
    client: str | None = None  # access point: client address or device
    request_id: str | None = None
    source_system: str = "kluis"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action_code: ActionCode
    event_type: str
    outcome: Outcome
    actor: Actor
    purpose: str | None = None
    rule: str | None = None
    reason: str | None = None  # a code such as "not_assigned", never free text from a request
    consent_id: str | None = None
    object_type: str | None = None
    record_id: str | None = None
    reference: str | None = None
    case_ref: str | None = None
    subject: str | None = None  # the subject's pseudonym (Kluis subject id), never its external reference
    category: str | None = None
    fields: tuple[str, ...] = ()
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_document(self) -> dict[str, object]:
        # Built by hand rather than with dataclasses.asdict: this runs once per audited access.
        actor = self.actor
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
                "responsible_user": actor.responsible_user,
                "unit": actor.unit,
                "client": actor.client,
                "request_id": actor.request_id,
                "source_system": actor.source_system,
            },
            "purpose": self.purpose,
            "rule": self.rule,
            "reason": self.reason,
            "consent_id": self.consent_id,
            "object_type": self.object_type,
            "record_id": self.record_id,
            "reference": self.reference,
            "case_ref": self.case_ref,
            "subject": self.subject,
            "category": self.category,
            "sensitivity": SENSITIVITY.get(self.category or ""),
            "fields": sorted(self.fields),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_document())


def canonical_json(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
