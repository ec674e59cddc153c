"""Delegation (DOMAIN R2): an adviser delegates their cases (all, or one) to another registered adviser for a period,
and revokes it; the security officer lists them. The vault decides, checks and audits every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import Field

from api.deps import CurrentActor, VaultDep
from api.schemas._common import Strict
from vault import USER_ID_PATTERN, DelegationView, Moment, Ref

router = APIRouter(prefix="/v1/delegations", tags=["delegations"])


class DelegationIn(Strict):
    delegate: Annotated[str, Field(pattern=USER_ID_PATTERN)]
    ends_at: Moment
    starts_at: Moment | None = None
    case_ref: Ref | None = None  # None: all the cases you are assigned to


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DelegationView)
def delegate(body: DelegationIn, actor: CurrentActor, vault: VaultDep) -> DelegationView:
    return vault.delegations.delegate(
        actor, body.delegate, ends_at=body.ends_at, starts_at=body.starts_at, case_ref=body.case_ref
    )


@router.get("", response_model=list[DelegationView])
def delegations(
    actor: CurrentActor,
    vault: VaultDep,
    user: Annotated[str | None, Query(pattern=USER_ID_PATTERN)] = None,
) -> list[DelegationView]:
    """Given or received: every one for the security officer (or one user's), an adviser's own otherwise."""
    return vault.delegations.delegations(actor, user)


@router.delete("/{delegation_id}", response_model=DelegationView)
def revoke(
    delegation_id: Annotated[int, Path(ge=1, le=2**63 - 1)], actor: CurrentActor, vault: VaultDep
) -> DelegationView:
    return vault.delegations.revoke(actor, delegation_id)
