"""The data subject's rights (DOMAIN R24, R29, R30, R32): the privacy officer's request register, legal holds,
erasure by crypto-shredding, and restriction of processing. The vault decides, checks and audits every call; no
customer number travels in a URL."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import CurrentActor, VaultDep
from api.report_pdf import copy_pdf, report_pdf
from api.schemas._common import Strict
from vault import (
    Category,
    CopyOrder,
    Decision,
    ErasureReceipt,
    ErasureResult,
    Extension,
    HoldView,
    Identity,
    Lifting,
    MedicalCopy,
    NameDisclosure,
    NewException,
    NewHold,
    NewRequest,
    NewRestriction,
    ReleaseView,
    RequestView,
    RestrictionView,
    SubjectReport,
)

router = APIRouter(tags=["subject rights"])
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class ErasureIn(Strict):
    category: Category


@router.post("/v1/subject-requests", status_code=status.HTTP_201_CREATED, response_model=RequestView)
def register(body: NewRequest, actor: CurrentActor, vault: VaultDep) -> RequestView:
    return vault.subjects.register(actor, body)


@router.get("/v1/subject-requests", response_model=list[RequestView])
def requests(actor: CurrentActor, vault: VaultDep, all: bool = False) -> list[RequestView]:
    """Open requests (or all of them, ``all=true``), oldest first."""
    return vault.subjects.requests(actor, open_only=not all)


@router.get("/v1/subject-requests/due", response_model=list[RequestView])
def due(
    actor: CurrentActor, vault: VaultDep, within_days: Annotated[int, Query(ge=0, le=366)] = 7
) -> list[RequestView]:
    """The alert list: open requests overdue or due within ``within_days`` days."""
    return vault.subjects.due(actor, within_days)


@router.post("/v1/subject-requests/{request_id}/identity", response_model=RequestView)
def identity(request_id: RequestId, body: Identity, actor: CurrentActor, vault: VaultDep) -> RequestView:
    return vault.subjects.verify_identity(actor, request_id, body)


@router.post("/v1/subject-requests/{request_id}/extension", response_model=RequestView)
def extend(request_id: RequestId, body: Extension, actor: CurrentActor, vault: VaultDep) -> RequestView:
    return vault.subjects.extend(actor, request_id, body)


@router.post("/v1/subject-requests/{request_id}/decision", response_model=RequestView)
def decide(request_id: RequestId, body: Decision, actor: CurrentActor, vault: VaultDep) -> RequestView:
    return vault.subjects.decide(actor, request_id, body)


@router.post("/v1/subject-requests/{request_id}/erasure", response_model=ErasureResult)
def erase(
    request_id: RequestId, body: ErasureIn, actor: CurrentActor, vault: VaultDep, response: Response
) -> ErasureResult:
    """Crypto-shred the subject's data keys in the category: 200 with the signed receipt, or 202 when a legal hold
    defers it (its ground is recorded on the request)."""
    result = vault.subjects.erase(actor, request_id, body.category)
    if not result.erased:
        response.status_code = status.HTTP_202_ACCEPTED
    return result


@router.get("/v1/subject-requests/{request_id}/report", response_model=SubjectReport)
def report(
    request_id: RequestId, actor: CurrentActor, vault: VaultDep, names: NameDisclosure | None = None
) -> SubjectReport:
    """The access report (and portability export) on an identified access request. ``names``: why employees are
    named this time (left out otherwise); the report's own audit event records it."""
    return vault.subjects.report(actor, request_id, names)


@router.get("/v1/subject-requests/{request_id}/report.pdf", response_class=Response)
def report_as_pdf(
    request_id: RequestId,
    actor: CurrentActor,
    vault: VaultDep,
    language: Literal["nl", "en"] = "nl",
    names: NameDisclosure | None = None,
) -> Response:
    """The same report as a PDF a person can be sent, in Dutch or English."""
    found = vault.subjects.report(actor, request_id, names)
    headers = {"Content-Disposition": f'attachment; filename="subject-report-{request_id}-{language}.pdf"'}
    return Response(report_pdf(found, language), media_type="application/pdf", headers=headers)


@router.get("/v1/subject-requests/{request_id}/erasures", response_model=list[ErasureReceipt])
def erasures(request_id: RequestId, actor: CurrentActor, vault: VaultDep) -> list[ErasureReceipt]:
    return vault.subjects.erasures(actor, request_id)


@router.post("/v1/subject-requests/{request_id}/medical-copy", response_model=MedicalCopy)
def release_copy(request_id: RequestId, body: CopyOrder, actor: CurrentActor, vault: VaultDep) -> MedicalCopy:
    """A medical adviser releases the health records of their cases into a copy for the subject or a physician
    they named (R27), each exclusion listed with its ground. The content is in this response only: the adviser
    sends it."""
    return vault.copies.release(actor, request_id, body)


@router.post("/v1/subject-requests/{request_id}/medical-copy.pdf", response_class=Response)
def release_copy_as_pdf(
    request_id: RequestId,
    body: CopyOrder,
    actor: CurrentActor,
    vault: VaultDep,
    language: Literal["nl", "en"] = "nl",
) -> Response:
    """The same release, as a letter the adviser sends, in Dutch or English."""
    found = vault.copies.release(actor, request_id, body)
    headers = {"Content-Disposition": f'attachment; filename="medical-copy-{request_id}-{language}.pdf"'}
    return Response(copy_pdf(found, language), media_type="application/pdf", headers=headers)


@router.get("/v1/subject-requests/{request_id}/medical-releases", response_model=list[ReleaseView])
def releases(request_id: RequestId, actor: CurrentActor, vault: VaultDep) -> list[ReleaseView]:
    """What was released on the request, for the privacy officer: never the content."""
    return vault.subjects.releases(actor, request_id)


@router.post("/v1/legal-holds", status_code=status.HTTP_201_CREATED, response_model=HoldView)
def place_hold(body: NewHold, actor: CurrentActor, vault: VaultDep) -> HoldView:
    return vault.subjects.place_hold(actor, body)


@router.get("/v1/legal-holds", response_model=list[HoldView])
def holds(actor: CurrentActor, vault: VaultDep) -> list[HoldView]:
    return vault.subjects.holds(actor)


@router.delete("/v1/legal-holds/{hold_id}", response_model=HoldView)
def lift_hold(hold_id: RequestId, actor: CurrentActor, vault: VaultDep) -> HoldView:
    return vault.subjects.lift_hold(actor, hold_id)


@router.post("/v1/restrictions", status_code=status.HTTP_201_CREATED, response_model=RestrictionView)
def restrict(body: NewRestriction, actor: CurrentActor, vault: VaultDep) -> RestrictionView:
    """Restrict the subject's data in a category (or one case's) on their request (art. 18): from now on they are
    stored and shown as ``restricted``, and opened or changed only under an exception."""
    return vault.restrictions.place(actor, body)


@router.get("/v1/restrictions", response_model=list[RestrictionView])
def restrictions(actor: CurrentActor, vault: VaultDep) -> list[RestrictionView]:
    return vault.restrictions.list(actor)


@router.post("/v1/restrictions/{restriction_id}/lifting", response_model=RestrictionView)
def lift_restriction(restriction_id: RequestId, body: Lifting, actor: CurrentActor, vault: VaultDep) -> RestrictionView:
    """Lift a restriction, once the subject has been told (art. 18(3))."""
    return vault.restrictions.lift(actor, restriction_id, body)


@router.post(
    "/v1/restrictions/{restriction_id}/exceptions", status_code=status.HTTP_201_CREATED, response_model=RestrictionView
)
def grant_exception(
    restriction_id: RequestId, body: NewException, actor: CurrentActor, vault: VaultDep
) -> RestrictionView:
    """A legal-claims order, or the subject's consent: restricted data may be processed for that one purpose until
    the exception ends (art. 18(2)); each such access names it in its audit event."""
    return vault.restrictions.grant_exception(actor, restriction_id, body)


@router.delete("/v1/restriction-exceptions/{exception_id}", response_model=RestrictionView)
def end_exception(exception_id: RequestId, actor: CurrentActor, vault: VaultDep) -> RestrictionView:
    return vault.restrictions.end_exception(actor, exception_id)
