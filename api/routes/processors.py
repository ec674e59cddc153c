"""Processing agreements (DOMAIN R47): the privacy officer records which processor (a volmacht holder, an external
medical-advice bureau) acts for the controller, in which roles and for which period, and ends it; the officers list
them. The vault decides, checks and audits every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import CurrentActor, VaultDep
from vault import ORGANISATION_PATTERN, AgreementView, NewAgreement

router = APIRouter(prefix="/v1/processing-agreements", tags=["processing agreements"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgreementView)
def record(body: NewAgreement, actor: CurrentActor, vault: VaultDep) -> AgreementView:
    return vault.processors.record(actor, body)


@router.get("", response_model=list[AgreementView])
def agreements(
    actor: CurrentActor,
    vault: VaultDep,
    processor: Annotated[str | None, Query(pattern=ORGANISATION_PATTERN)] = None,
) -> list[AgreementView]:
    return vault.processors.agreements(actor, processor)


@router.delete("/{agreement_id}", response_model=AgreementView)
def end(agreement_id: Annotated[int, Path(ge=1, le=2**63 - 1)], actor: CurrentActor, vault: VaultDep) -> AgreementView:
    """End the agreement now: the processor's staff lose the roles it covered with their next request."""
    return vault.processors.end(actor, agreement_id)
