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
)

from vault.errors import InvalidInput
from vault.identifiers import Moment, Reference, looks_like_bsn
from vault.records import Ref
from vault.vocabulary import (
    Category,
    ExceptionKind,
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


def _customer_number(value: str) -> str:
    if looks_like_bsn(value):  # R33: a BSN is never an identifier here
        raise ValueError("must not contain a BSN (citizen service number)")
    return value


CustomerNumber = Annotated[Ref, AfterValidator(_customer_number)]
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
        if looks_like_bsn(value):
            raise ValueError("must not contain a BSN (citizen service number)")
        return value


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
        if looks_like_bsn(value):  # R33: a BSN is never an identifier here
            raise ValueError("must not contain a BSN (citizen service number)")
        return value


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
        if value is not None and looks_like_bsn(value):
            raise ValueError("must not contain a BSN (citizen service number)")
        return value


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


def _no_bsn_reference(value: str) -> str:
    if looks_like_bsn(value):
        raise ValueError("must not contain a BSN (citizen service number)")
    return value


SafeReference = Annotated[Reference, AfterValidator(_no_bsn_reference)]


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
