"""What a subject's request, an extension, a decision, a legal hold and an erasure receipt say."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from vault.errors import InvalidInput
from vault.identifiers import Moment, Reference, without_bsn
from vault.records import Ref
from vault.vocabulary import (
    Category,
    CopyRecipient,
    ExceptionKind,
    ExclusionGround,
    HoldGround,
    IdentityMethod,
    LiftReason,
    Purpose,
    RequestKind,
    RequestOutcome,
    RequestStatus,
    RestrictionGround,
)

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


CustomerNumber = Annotated[Ref, AfterValidator(without_bsn)]  # R33: a BSN is never an identifier here
_CUSTOMER = TypeAdapter(CustomerNumber)


def require_customer_number(value: str) -> str:
    """The value, if it may be a customer number (never a BSN); InvalidInput before anything is recorded."""
    try:
        return _CUSTOMER.validate_python(value)
    except ValidationError:
        raise InvalidInput("a customer number is an identifier, never a BSN") from None


class ExtensionReason(StrEnum):
    """Why a request needs longer (art. 12(3)): its complexity or the number of requests."""

    COMPLEXITY = "complexity"
    NUMBER_OF_REQUESTS = "number_of_requests"


class Identity(BaseModel):
    """How the requester was identified: a method and its reference (the check's file number), never a copy of a
    document or a BSN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: IdentityMethod
    reference: Reference

    @field_validator("reference")
    @classmethod
    def _no_bsn(cls, value: str) -> str:
        return without_bsn(value)


class NewRequest(BaseModel):
    """A request as received: whose (the insurer's customer number), what, when (default: now) and, when already
    known, how the requester was identified."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject_ref: Ref
    kind: RequestKind
    received_at: Moment | None = None
    identity: Identity | None = None
    note: Note | None = None

    @field_validator("subject_ref")
    @classmethod
    def _no_bsn(cls, value: str) -> str:
        return without_bsn(value)  # R33: a BSN is never an identifier here


class Extension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    months: Annotated[int, Field(ge=1, le=2)]
    reason: ExtensionReason
    told_on: date  # when the subject was told, with the reason: within the first month


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: RequestOutcome
    note: Note | None = None


class RequestView(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: int
    subject: str  # the pseudonym
    kind: RequestKind
    received_at: datetime
    due_on: date  # the deadline now in force (the extended one, if extended)
    first_due_on: date
    extended: bool
    extension_reason: ExtensionReason | None
    subject_told_on: date | None
    identity_method: IdentityMethod | None
    identity_verified: bool
    status: RequestStatus
    outcome: RequestOutcome | None
    ground: str | None
    decided_at: datetime | None
    overdue: bool
    days_left: int  # negative once overdue


class NewHold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    subject_ref: CustomerNumber
    ground: HoldGround
    case_ref: CustomerNumber | None = None  # a case reference: the same rule (it enters the hold's event)
    reference: Reference | None = None

    @field_validator("reference")
    @classmethod
    def _no_bsn(cls, value: str | None) -> str | None:
        return None if value is None else without_bsn(value)


class HoldView(BaseModel):
    model_config = ConfigDict(frozen=True)

    hold_id: int
    subject: str
    case_ref: str | None
    ground: HoldGround
    reference: str | None
    placed_at: datetime
    placed_by: str
    lifted_at: datetime | None
    live: bool


class ErasureReceipt(BaseModel):
    """What was erased, when, on which request, which keys, signed with the audit signing key (verify it with the
    published public key: vault.subject_rights.verify_receipt). ``final`` once no KEK that wrapped those keys is
    left, so that no backup opens them either."""

    model_config = ConfigDict(frozen=True)

    erasure_id: int
    request_id: int
    subject: str
    category: Category
    keys_destroyed: int
    erased_at: datetime
    receipt: str  # the signed statement's canonical JSON
    signature: str  # base64
    final: bool


class ErasureResult(BaseModel):
    """An erasure carried out (its receipt) or deferred by a legal hold (its ground, recorded on the request)."""

    model_config = ConfigDict(frozen=True)

    erased: bool
    receipt: ErasureReceipt | None = None
    deferred_ground: HoldGround | None = None


SafeReference = Annotated[Reference, AfterValidator(without_bsn)]


class NewRestriction(BaseModel):
    """Restrict a subject's data in a category (or one case's) on their identified request (art. 18(1))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    category: Category
    ground: RestrictionGround
    case_ref: CustomerNumber | None = None  # a case reference: the same rule (it enters the event)


class Lifting(BaseModel):
    """Why a restriction ends, and when the subject was told (before it ends, art. 18(3))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: LiftReason
    subject_told_on: date


class NewException(BaseModel):
    """Let restricted data be processed for one purpose until ``ends_at`` (art. 18(2)): ordered for legal claims
    (purpose ``legal_claims``), or on the subject's consent for the purpose it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ExceptionKind
    purpose: Purpose = Purpose.LEGAL_CLAIMS
    reference: SafeReference  # the claim's or court case's number; the consent's reference
    ends_at: Moment


class ExceptionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    exception_id: int
    kind: ExceptionKind
    purpose: Purpose
    reference: str
    starts_at: datetime
    ends_at: datetime
    granted_by: str
    ended_at: datetime | None
    live: bool


class RestrictionView(BaseModel):
    model_config = ConfigDict(frozen=True)

    restriction_id: int
    subject: str  # the pseudonym
    category: Category
    case_ref: str | None
    request_id: int
    ground: RestrictionGround
    placed_at: datetime
    placed_by: str
    lifted_at: datetime | None
    lift_reason: LiftReason | None
    subject_told_on: date | None
    live: bool
    exceptions: list[ExceptionView]


_RECORD_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RecordId = Annotated[str, StringConstraints(pattern=_RECORD_ID)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class Physician(BaseModel):
    """The physician the subject named to receive the copy (vertrouwensarts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PersonName
    big_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{11}$")] | None = None  # the BIG register's

    @field_validator("name")
    @classmethod
    def _no_bsn(cls, value: str) -> str:
        return without_bsn(value)


class Exclusion(BaseModel):
    """A record the adviser leaves out of the copy, and why (listed in the copy and the access report)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_id: RecordId
    ground: ExclusionGround


class CopyOrder(BaseModel):
    """What a medical adviser releases on an access request (R27): a copy for the subject or for a physician they
    named; work notes left out unless included; third-party data left out by record, each with its ground."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recipient: CopyRecipient
    physician: Physician | None = None
    exclude: Annotated[list[Exclusion], Field(max_length=1000)] = []
    include_work_notes: bool = False

    @model_validator(mode="after")
    def _physician_for_a_physician(self) -> CopyOrder:
        if (self.recipient is CopyRecipient.PHYSICIAN) != (self.physician is not None):
            raise ValueError("a copy for a physician names the physician, and only then")
        return self


class CopiedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    record_id: str
    case_ref: str
    kind: str
    origin: str
    created_at: datetime
    fields: dict[str, str]


class ExcludedRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    record_id: str
    case_ref: str
    kind: str
    ground: ExclusionGround


class MedicalCopy(BaseModel):
    """A copy of the subject's medical file as a medical adviser released it: the content goes to the adviser,
    who sends it; the privacy officer sees the release, never the content."""

    model_config = ConfigDict(frozen=True)

    format: str
    organisation: str
    subject: str
    request_id: int
    recipient: CopyRecipient
    physician: Physician | None
    released_by: str
    released_at: datetime
    records: list[CopiedRecord]
    excluded: list[ExcludedRecord]


class ReleaseView(BaseModel):
    """A copy released, as the privacy officer sees it: never its content."""

    model_config = ConfigDict(frozen=True)

    release_id: int
    request_id: int
    recipient: CopyRecipient
    physician: Physician | None
    released_by: str
    released_at: datetime
    records_released: int
    excluded: list[dict[str, str]]  # {"record_id", "ground"}
    sealed: bool = True  # False: the row was changed outside Kluis (an integrity alert was raised); not to be trusted
