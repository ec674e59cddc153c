"""Record input and output shapes. Input is validated with limits before anything is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from vault.identifiers import without_bsn
from vault.vocabulary import Category, Purpose

_NAME = r"^[a-z][a-z0-9_]{0,63}$"
# R33: the subject's own BSN lives in one field, "bsn", only on kinds of record a legal basis is configured for
# (vault/records/_bsn.py); no other field is named for a BSN (a partner's, a sofinummer), whatever the kind.
BSN_FIELD = "bsn"
_BSN_NAME = re.compile(r"(^|_)(bsn|burgerservicenummer|sofi|sofinummer|citizen_service_number)(_|$)")


def _not_a_bsn_field(name: str) -> str:
    if name != BSN_FIELD and _BSN_NAME.search(name):
        raise ValueError('no field is named for a BSN but "bsn", on a kind with a configured legal basis (R33)')
    return name


FieldName = Annotated[
    str, StringConstraints(pattern=_NAME), AfterValidator(_not_a_bsn_field), AfterValidator(without_bsn)
]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=256), AfterValidator(without_bsn)]  # in clear text
MAX_FIELDS = 64
MAX_VALUE_CHARS = 256 * 1024
# The subject's own statements on a record (R28): subject_statement_1, _2, ...; appended, never set or replaced.
STATEMENT_PREFIX = "subject_statement_"
# Kinds that hold a medical adviser's professional opinion: never overwritten (R28); the subject's statement is
# appended to them instead, and a revised opinion is a record of its own.
PROFESSIONAL_OPINION_KINDS = frozenset({"adviser_opinion", "medical_opinion"})


class NewRecord(BaseModel):
    """A record to store: the HTTP body and the import line share this schema (import adds ``case_ref``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject_ref: Ref
    case_ref: Ref
    category: Category
    kind: Annotated[str, StringConstraints(pattern=_NAME), AfterValidator(without_bsn)]
    fields: dict[FieldName, Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]] = Field(
        min_length=1, max_length=MAX_FIELDS
    )
    source: Text
    purpose: Purpose

    @field_validator("subject_ref", "case_ref")
    @classmethod
    def _identifiers(cls, value: str) -> str:
        return without_bsn(value)


@dataclass(frozen=True, slots=True)
class CreatedRecord:
    record_id: str
    reference: str


@dataclass(frozen=True, slots=True)
class RecordView:
    """A decrypted record, for a requester the policy allowed to read it."""

    record_id: str
    reference: str
    case_ref: str
    category: Category
    kind: str
    source: str
    purpose: str
    status: str
    created_at: datetime
    fields: dict[str, str]
    values_included: bool = True  # False: a metadata-only view (the claims side, R1)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per input position: the created record, or None where it was refused (denied, or its subject erased);
    every refusal is audited."""

    created: list[CreatedRecord | None]
    erased: frozenset[int] = frozenset()

    @property
    def denied(self) -> list[int]:
        return [i for i, item in enumerate(self.created) if item is None]


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """A record as the case view lists it: metadata only (R1)."""

    reference: str
    category: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RequestLink:
    """The subject's request a change answers (a rectification or completion): named in its event and kept with
    the values it replaced."""

    request_id: int
    subject_id: str  # whose request: only their records are changed on it

    @property
    def target(self) -> str:
        return f"subject_request:{self.request_id}"


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """Values a change replaced: what these fields said up to ``replaced_at``."""

    version: int
    replaced_at: datetime
    replaced_by: str
    request_id: int | None  # the rectification it answered, if any
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class RecordHistory:
    current: RecordView
    versions: list[RecordVersion]  # oldest first
