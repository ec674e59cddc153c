"""Records and references: create and correct (medical unit, criminal-data officer), read (need-to-know), resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import CurrentActor, VaultDep
from api.schemas import RecordCreated, RecordIn, RecordMetadataOut, RecordOut, RecordPatch
from vault.records import NewRecord, RecordView
from vault.vocabulary import Purpose

router = APIRouter(prefix="/v1", tags=["records"])
RecordResponse = RecordOut | RecordMetadataOut
CaseRef = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
PurposeQuery = Annotated[Purpose, Query(description="purpose of use, recorded in the audit event")]


def render(view: RecordView) -> RecordResponse:
    if view.values_included:
        return RecordOut.model_validate(view)
    return RecordMetadataOut.model_validate(view)  # the claims side: whitelisted metadata only


@router.post("/cases/{case_ref}/records", status_code=status.HTTP_201_CREATED, response_model=RecordCreated)
def create_record(case_ref: CaseRef, body: RecordIn, actor: CurrentActor, vault: VaultDep) -> RecordCreated:
    record = NewRecord(case_ref=case_ref, **body.model_dump())
    created = vault.create_record(actor, record)
    return RecordCreated(record_id=created.record_id, reference=created.reference)


@router.get("/records/{record_id}", response_model=RecordResponse)
def read_record(record_id: str, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep) -> RecordResponse:
    return render(vault.read_record(actor, record_id, purpose))


@router.patch("/records/{record_id}", response_model=RecordResponse)
def update_record(
    record_id: str, body: RecordPatch, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep
) -> RecordResponse:
    return render(vault.update_record(actor, record_id, purpose, body.fields))


@router.get("/references/{reference}", response_model=RecordResponse)
def resolve_reference(
    reference: str,
    purpose: PurposeQuery,
    actor: CurrentActor,
    vault: VaultDep,
    case_ref: Annotated[str | None, Query(max_length=128)] = None,
) -> RecordResponse:
    return render(vault.resolve_reference(actor, reference, purpose, case_ref))
