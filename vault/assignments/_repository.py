"""SQL for need-to-know assignments. Reading them for a decision is the access package's (vault/access)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update
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
    mac: bytes,
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
                "mac": mac,
            }
        ],
    )
    return int(result.scalar_one())


def revoke_assignments(
    session: Session, *, organisation: str, case_ref: str, user_id: str, role: Role, now: datetime
) -> list[tuple[int, str, datetime, datetime | None]]:
    """Mark the user's live assignments in this role on the case revoked; returns (id, relation, starts, ends) of
    each, for their new MACs."""
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
        .returning(CaseAssignment.id, CaseAssignment.relation, CaseAssignment.starts_at, CaseAssignment.ends_at)
    )
    return [(int(i), str(rel), start, end) for i, rel, start, end in result]


def set_macs(session: Session, macs: dict[int, bytes]) -> None:
    if not macs:
        return
    table = CaseAssignment.__table__
    statement = update(table).where(table.c.id == bindparam("b_id")).values(mac=bindparam("b_mac"))
    session.execute(statement, [{"b_id": key, "b_mac": mac} for key, mac in macs.items()])
