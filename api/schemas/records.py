"""Record bodies. A claims-side response carries whitelisted metadata only (R1)."""

from __future__ import annotations

from datetime import datetime

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
