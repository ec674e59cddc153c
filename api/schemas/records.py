"""Record bodies. A claims-side response carries whitelisted metadata only (R1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.schemas._common import Kind, Strict, Value
from vault import MAX_FIELDS, Category, FieldName, Purpose, Ref, Text


class RecordIn(Strict):
    subject_ref: Ref
    category: Category
    kind: Kind
    fields: dict[FieldName, Value] = Field(min_length=1, max_length=MAX_FIELDS)
    source: Text
    purpose: Purpose


RequestNumber = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RecordPatch(Strict):
    fields: dict[FieldName, Value] = Field(min_length=1, max_length=MAX_FIELDS)
    # the subject's rectification or completion request this change carries out (R28), if it is one
    request_id: RequestNumber | None = None


class StatementIn(Strict):
    """The subject's own statement, appended to the record on their rectification or completion request (R28)."""

    request_id: RequestNumber
    statement: Value = Field(min_length=1)


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


class RecordVersionOut(BaseModel):
    """Values a change replaced: what these fields said up to ``replaced_at``."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    replaced_at: datetime
    replaced_by: str
    request_id: int | None
    fields: dict[str, str]


class RecordHistoryOut(BaseModel):
    current: RecordOut
    versions: list[RecordVersionOut]  # oldest first
