"""Cases: referral by the claims side, the case view, unit assignments, and the adviser's advice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentActor, VaultDep
from api.routes_records import CaseRef, PurposeQuery
from api.schemas import (
    AdviceOut,
    AssignmentIn,
    AssignmentOut,
    CaseOut,
    RecordSummaryOut,
    ReferralIn,
    ReferralOut,
    RevokedOut,
)
from vault.advice import AdviceInput
from vault.case_service import PublishedAdvice
from vault.vocabulary import Role

router = APIRouter(prefix="/v1/cases", tags=["cases"])


@router.post("/{case_ref}/referrals", status_code=status.HTTP_201_CREATED, response_model=ReferralOut)
def refer(case_ref: CaseRef, body: ReferralIn, actor: CurrentActor, vault: VaultDep) -> ReferralOut:
    referral = vault.refer(actor, case_ref, body.subject_ref, body.question)
    return ReferralOut(case_ref=referral.case_ref, reference=referral.reference, status=referral.status)


@router.post("/{case_ref}/assignments", status_code=status.HTTP_201_CREATED, response_model=AssignmentOut)
def assign(case_ref: CaseRef, body: AssignmentIn, actor: CurrentActor, vault: VaultDep) -> AssignmentOut:
    assignment_id = vault.assign(
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
    return RevokedOut(revoked=vault.revoke(actor, case_ref=case_ref, user_id=user, role=role))


@router.get("/{case_ref}", response_model=CaseOut)
def case_view(case_ref: CaseRef, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep) -> CaseOut:
    view = vault.case_view(actor, case_ref, purpose)
    return CaseOut(
        case_ref=view.case_ref,
        status=view.status,
        referred_at=view.referred_at,
        records=[RecordSummaryOut.model_validate(r) for r in view.records],
        advice=_advice(view.advice) if view.advice else None,
        advice_history=[published for _, published in view.advice_history],
    )


@router.post("/{case_ref}/advice", status_code=status.HTTP_201_CREATED, response_model=AdviceOut)
def publish_advice(
    case_ref: CaseRef, body: AdviceInput, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep
) -> AdviceOut:
    return _advice(vault.publish_advice(actor, case_ref, body, purpose))


def _advice(advice: PublishedAdvice) -> AdviceOut:
    return AdviceOut.model_validate(advice)
