"""SQL for need-to-know assignments. Reading them for a decision is the access package's (vault/access)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, insert, update
from sqlalchemy.orm import Session

from vault.models import CaseAssignment
from vault.vocabulary import Relation, Role


def add_assignment(
    session: Session,
    *,
    organisation: str,
    case_ref: str,
    user_id: str,
    role: Role,
    relation: Relation,
    starts_at: datetime,
    ends_at: datetime | None,
    created_by: str,
) -> int:
    result = session.execute(
        insert(CaseAssignment).returning(CaseAssignment.id),
        [
            {
                "organisation": organisation,
                "case_ref": case_ref,
                "user_id": user_id,
                "role": role.value,
                "relation": relation.value,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "created_by": created_by,
            }
        ],
    )
    return int(result.scalar_one())


def revoke_assignments(
    session: Session, *, organisation: str, case_ref: str, user_id: str, role: Role, now: datetime
) -> int:
    result = session.execute(
        update(CaseAssignment)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref == case_ref,
            CaseAssignment.user_id == user_id,
            CaseAssignment.role == role.value,
            CaseAssignment.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    assert isinstance(result, CursorResult)  # an UPDATE always yields one
    return int(result.rowcount)
