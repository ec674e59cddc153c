"""Need-to-know assignments on a case: key admins for any role, advisers on the case for unit members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentActor, VaultDep
from api.routes._params import CaseRef
from api.schemas import AssignmentIn, AssignmentOut, RevokedOut
from vault import Role

router = APIRouter(prefix="/v1/cases", tags=["assignments"])


@router.post("/{case_ref}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentOut)
def assign(case_ref: CaseRef, body: AssignmentIn, actor: CurrentActor, vault: VaultDep) -> AssignmentOut:
    assignment_id = vault.assignments.assign(
        actor,
        case_ref=case_ref,
        user_id=body.user,
        role=body.role,
        relation=body.relation,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    return AssignmentOut(assignment_id=assignment_id)


@router.delete("/{case_ref}/assignments", response_model=RevokedOut)
def revoke(
    case_ref: CaseRef,
    user: Annotated[str, Query(min_length=1, max_length=128)],
    role: Role,
    actor: CurrentActor,
    vault: VaultDep,
) -> RevokedOut:
    return RevokedOut(revoked=vault.assignments.revoke(actor, case_ref=case_ref, user_id=user, role=role))
