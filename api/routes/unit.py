"""The unit register (DOMAIN R3, R4, R7): the key admin registers people into the unit and suspends, reinstates or
ends their registrations; the security officer reads it. The vault decides, checks and audits each call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel

from api.deps import CurrentActor, VaultDep
from api.schemas._common import Strict
from vault import USER_ID_PATTERN, MemberView, Registration, RegistrationStatus

router = APIRouter(prefix="/v1/unit", tags=["unit register"])
MemberId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class MemberCreated(BaseModel):
    member_id: int


class StatusChange(Strict):
    status: RegistrationStatus


@router.post("/members", status_code=status.HTTP_201_CREATED, response_model=MemberCreated)
def register(body: Registration, actor: CurrentActor, vault: VaultDep) -> MemberCreated:
    return MemberCreated(member_id=vault.unit.register(actor, body))


@router.get("/members", response_model=list[MemberView])
def members(
    actor: CurrentActor,
    vault: VaultDep,
    user: Annotated[str | None, Query(min_length=1, max_length=128, pattern=USER_ID_PATTERN)] = None,
) -> list[MemberView]:
    return vault.unit.members(actor, user)


@router.patch("/members/{member_id}", response_model=MemberView)
def change(member_id: MemberId, body: StatusChange, actor: CurrentActor, vault: VaultDep) -> MemberView:
    """Suspend (``suspended``), reinstate (``active``) or end (``ended``, final) a registration."""
    return vault.unit.change(actor, member_id, body.status)
