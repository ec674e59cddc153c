"""Case bodies: referral, the case view, advice, assignments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from api.schemas._common import Strict
from vault import USER_ID_PATTERN, Moment, Ref, Relation, Role


class ReferralIn(Strict):
    subject_ref: Ref
    question: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class ReferralOut(BaseModel):
    case_ref: str
    reference: str
    status: str


class AssignmentIn(Strict):
    user: Annotated[str, StringConstraints(pattern=USER_ID_PATTERN)]
    role: Role
    relation: Relation = Relation.ASSIGNED
    starts_at: Moment | None = None
    ends_at: Moment | None = None


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
    advice_restricted: bool = False  # the subject's data are restricted (R30): the advice is withheld
