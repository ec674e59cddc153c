"""An assignment as the need-to-know review lists it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from vault.access import AssignmentRow
from vault.vocabulary import Relation, Role


class AssignmentView(BaseModel):
    """``live``: it gives need-to-know now; ``sealed``: its MAC holds (one that fails it grants nothing)."""

    model_config = ConfigDict(frozen=True)

    assignment_id: int
    case_ref: str
    user_id: str
    role: Role
    relation: Relation
    starts_at: datetime
    ends_at: datetime | None
    revoked_at: datetime | None
    created_by: str
    live: bool
    sealed: bool
    confirmed_at: datetime | None = None  # the last need-to-know review that kept it
    on_behalf_of: str | None = None  # a worklist entry through a delegation: the delegating adviser

    @classmethod
    def of(
        cls, row: AssignmentRow, created_by: str, *, live: bool, sealed: bool, confirmed_at: datetime | None = None
    ) -> AssignmentView:
        return cls(
            assignment_id=row.id,
            case_ref=row.case_ref,
            user_id=row.user_id,
            role=Role(row.role),
            relation=Relation(row.relation),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            revoked_at=row.revoked_at,
            created_by=created_by,
            live=live and sealed,
            sealed=sealed,
            confirmed_at=confirmed_at,
        )
