"""Need-to-know assignments on a case: key admins for any data role, advisers on the case for unit members; listed
per case and per user for the need-to-know review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import StrictBool

from api.deps import CurrentActor, VaultDep
from api.routes._params import CaseRef
from api.schemas import AssignmentIn, AssignmentOut, RevokedOut
from api.schemas._common import Strict
from vault import USER_ID_PATTERN, AssignmentView, Role

router = APIRouter(prefix="/v1", tags=["assignments"])
UserQuery = Annotated[str, Query(pattern=USER_ID_PATTERN)]
AllQuery = Annotated[bool, Query(description="include revoked and ended assignments")]


@router.post("/cases/{case_ref}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentOut)
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


@router.delete("/cases/{case_ref}/assignments", response_model=RevokedOut)
def revoke(
    case_ref: CaseRef,
    user: UserQuery,
    role: Role,
    actor: CurrentActor,
    vault: VaultDep,
) -> RevokedOut:
    return RevokedOut(revoked=vault.assignments.revoke(actor, case_ref=case_ref, user_id=user, role=role))


@router.get("/cases/{case_ref}/assignments", response_model=list[AssignmentView])
def on_case(case_ref: CaseRef, actor: CurrentActor, vault: VaultDep, all: AllQuery = False) -> list[AssignmentView]:
    """Who is assigned to the case (security officer, key admin, an adviser on the case)."""
    return vault.assignments.assignments(actor, case_ref=case_ref, live_only=not all)


@router.get("/me/cases", response_model=list[AssignmentView])
def my_cases(actor: CurrentActor, vault: VaultDep) -> list[AssignmentView]:
    """The caller's worklist: the cases they may work on now, and how (assigned, delegated, break-glass until …)."""
    return vault.assignments.mine(actor)


@router.get("/assignments/due", response_model=list[AssignmentView])
def due_for_review(actor: CurrentActor, vault: VaultDep) -> list[AssignmentView]:
    """Assignments due for the periodic need-to-know review (R10)."""
    return vault.assignments.due_for_review(actor)


class ReviewIn(Strict):
    keep: StrictBool  # true: the need-to-know still stands; false: revoke


@router.post("/assignments/{assignment_id}/review", response_model=AssignmentView)
def review(
    assignment_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: ReviewIn, actor: CurrentActor, vault: VaultDep
) -> AssignmentView:
    return vault.assignments.review(actor, assignment_id, keep=body.keep)


@router.get("/assignments", response_model=list[AssignmentView])
def of_user(user: UserQuery, actor: CurrentActor, vault: VaultDep, all: AllQuery = False) -> list[AssignmentView]:
    """The cases a user is assigned to (the security officer's need-to-know review, R10)."""
    return vault.assignments.assignments(actor, user_id=user, live_only=not all)
