"""Records and references: create and correct (medical unit, criminal-data officer), read (need-to-know), resolve."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import CurrentActor, VaultDep
from api.routes._params import CaseQuery, CaseRef, PurposeQuery
from api.routes._render import as_json
from api.schemas import (
    RecordCreated,
    RecordHistoryOut,
    RecordIn,
    RecordMetadataOut,
    RecordOut,
    RecordPatch,
    RecordVersionOut,
    StatementIn,
)
from vault import NewRecord, RecordView

router = APIRouter(prefix="/v1", tags=["records"])
RecordResponse = RecordOut | RecordMetadataOut


def render(view: RecordView) -> Response:
    if view.values_included:
        return as_json(RecordOut.model_validate(view))
    return as_json(RecordMetadataOut.model_validate(view))  # the claims side: whitelisted metadata only


@router.post("/cases/{case_ref}/records", status_code=status.HTTP_201_CREATED, response_model=RecordCreated)
def create_record(case_ref: CaseRef, body: RecordIn, actor: CurrentActor, vault: VaultDep) -> Response:
    record = NewRecord(case_ref=case_ref, **body.model_dump())
    created = vault.records.create(actor, record)
    return as_json(RecordCreated(record_id=created.record_id, reference=created.reference), status.HTTP_201_CREATED)


@router.get("/records/{record_id}", response_model=RecordResponse)
def read_record(record_id: str, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep) -> Response:
    return render(vault.records.read(actor, record_id, purpose))


@router.patch("/records/{record_id}", response_model=RecordResponse)
def update_record(
    record_id: str, body: RecordPatch, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep
) -> Response:
    if body.request_id is not None:  # carrying out the subject's rectification request (R28)
        return render(vault.rectifications.rectify(actor, body.request_id, record_id, purpose, body.fields))
    return render(vault.records.update(actor, record_id, purpose, body.fields))


@router.post("/records/{record_id}/statements", status_code=status.HTTP_201_CREATED, response_model=RecordResponse)
def add_statement(
    record_id: str, body: StatementIn, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep
) -> Response:
    """Append the subject's own statement to the record, on their request (R28): shown with it, never replacing."""
    view = vault.rectifications.add_statement(actor, body.request_id, record_id, purpose, body.statement)
    return as_json(RecordMetadataOut.model_validate(view), status.HTTP_201_CREATED)


@router.get("/records/{record_id}/history", response_model=RecordHistoryOut)
def record_history(record_id: str, purpose: PurposeQuery, actor: CurrentActor, vault: VaultDep) -> Response:
    """The record now and every value a change replaced, oldest first (R28): one audited read."""
    found = vault.records.history(actor, record_id, purpose)
    out = RecordHistoryOut(
        current=RecordOut.model_validate(found.current),
        versions=[RecordVersionOut.model_validate(v) for v in found.versions],
    )
    return as_json(out)


@router.get("/references/{reference}", response_model=RecordResponse)
def resolve_reference(
    reference: str,
    purpose: PurposeQuery,
    actor: CurrentActor,
    vault: VaultDep,
    case_ref: CaseQuery = None,
) -> Response:
    return render(vault.records.resolve(actor, reference, purpose, case_ref))
