"""Cases: referral by the claims side, the case view, the adviser's advice, and closing the case."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from api.deps import CurrentActor, VaultDep
from api.routes._params import CaseRef, PurposeQuery
from api.routes._render import as_json
from api.schemas import AdviceOut, CaseOut, RecordSummaryOut, ReferralIn, ReferralOut
from vault import AdviceInput, PublishedAdvice

router = APIRouter(prefix="/v1/cases", tags=["cases"])


class ClosedOut(BaseModel):
    case_ref: str
    assignments_ended: int


@router.post("/{case_ref}/referrals", status_code=status.HTTP_201_CREATED, response_model=ReferralOut)
def refer(case_ref: CaseRef, body: ReferralIn, actor: CurrentActor, vault: VaultDep) -> ReferralOut:
    referral = vault.cases.refer(actor, case_ref, body.subject_ref, body.question)
    return ReferralOut(case_ref=referral.case_ref, reference=referral.reference, status=referral.status)


@router.get("/{case_ref}", response_model=CaseOut)
def case_view(case_ref: CaseRef, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep) -> Response:
    view = vault.cases.view(actor, case_ref, purpose)
    out = CaseOut(
        case_ref=view.case_ref,
        status=view.status,
        referred_at=view.referred_at,
        records=[RecordSummaryOut.model_validate(r) for r in view.records],
        advice=_advice(view.advice) if view.advice else None,
        advice_history=[published for _, published in view.advice_history],
        advice_restricted=view.advice_restricted,
    )
    return as_json(out)


@router.post("/{case_ref}/advice", status_code=status.HTTP_201_CREATED, response_model=AdviceOut)
def publish_advice(
    case_ref: CaseRef, body: AdviceInput, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep
) -> AdviceOut:
    return _advice(vault.cases.publish_advice(actor, case_ref, body, purpose))


def _advice(advice: PublishedAdvice) -> AdviceOut:
    return AdviceOut.model_validate(advice)


@router.post("/{case_ref}/close", response_model=ClosedOut)
def close(case_ref: CaseRef, actor: CurrentActor, vault: VaultDep) -> ClosedOut:
    """Close the case (claims handler, or the adviser assigned to it): every unit member's assignment ends now."""
    return ClosedOut(case_ref=case_ref, assignments_ended=vault.cases.close(actor, case_ref))
