"""HTTP bodies. Requests refuse unknown fields; responses carry what the caller's role may see and nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vault.records import MAX_FIELDS, MAX_VALUE_CHARS, FieldName, Ref, Text
from vault.vocabulary import Category, Purpose, Relation, Role

Value = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordIn(Strict):
    subject_ref: Ref
    category: Category
    kind: Kind
    fields: dict[FieldName, Value] = Field(min_length=1, max_length=MAX_FIELDS)
    source: Text
    purpose: Purpose


class RecordPatch(Strict):
    fields: dict[FieldName, Value] = Field(min_length=1, max_length=MAX_FIELDS)


class RecordCreated(BaseModel):
    record_id: str
    reference: str


class RecordMetadataOut(BaseModel):
    """What the claims side sees of a record: never its id, source, purpose or values (R1)."""

    model_config = ConfigDict(from_attributes=True)

    reference: str
    case_ref: str
    category: Category
    kind: str
    status: str
    created_at: datetime


class RecordOut(RecordMetadataOut):
    """A record for a requester allowed to read its values."""

    record_id: str
    source: str
    purpose: str
    fields: dict[str, str]


class ReferralIn(Strict):
    subject_ref: Ref
    question: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class ReferralOut(BaseModel):
    case_ref: str
    reference: str
    status: str


class AssignmentIn(Strict):
    user: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    role: Role
    relation: Relation = Relation.ASSIGNED
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class AssignmentOut(BaseModel):
    assignment_id: int


class RevokedOut(BaseModel):
    revoked: int


class RecordSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    reference: str
    category: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime


class AdviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    published_at: datetime
    fields: dict[str, object]


class CaseOut(BaseModel):
    case_ref: str
    status: str | None
    referred_at: datetime | None
    records: list[RecordSummaryOut]
    advice: AdviceOut | None
    advice_history: list[datetime]  # publication dates, oldest first (R15)


class AuditPageOut(BaseModel):
    events: list[dict[str, object]]
    next_cursor: int | None


class TallyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str | None
    event_type: str
    outcome: str
    count: int
    first: datetime
    last: datetime


class VerificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ok: bool
    events: int
    last_seq: int
    checkpoints: int
    unsigned_tail: int
    problem: str | None
    first_bad_seq: int | None
    detail: str
