"""What a registration says, checked before anything is decided: the credential each role rests on (R3)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from vault.identifiers import Moment, OrganisationId, Reference, user_id_problem
from vault.vocabulary import REGISTERED_ROLES, Role

_BIG = re.compile(r"\d{11}")  # BIG-register number: 11 digits (no check digit is published)


def _user_id(value: str) -> str:
    problem = user_id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _registered_role(value: Role) -> Role:
    if value not in REGISTERED_ROLES:
        raise ValueError("only the unit's data roles and the officers' duties are registered")
    return value


UserId = Annotated[str, AfterValidator(_user_id)]


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # e.g. a BIG registration suspended, an agreement under review: reinstatable
    ENDED = "ended"  # final: lapsed, withdrawn, left the unit


class Registration(BaseModel):
    """One person into one role. ``credential``: the BIG number (adviser), the confidentiality agreement's reference
    (staff) or the authorisation's reference (criminal-data officer); ``credential_date``: when it was verified,
    signed or granted; ``verified_by``: who verified or granted it (default: the registrar); ``supervisor``: the
    staff member's responsible adviser; ``processor``: the processor the person works for (R47), none for the
    controller's own staff. Officers' duties carry no credential and are the controller's own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: UserId
    role: Annotated[Role, AfterValidator(_registered_role)]
    credential: Reference | None = None
    credential_date: Moment | None = None
    verified_by: UserId | None = None
    supervisor: UserId | None = None
    processor: OrganisationId | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("a registration ends after it starts")
        return self

    def credential_problem(self) -> str | None:
        """What is missing for the role (R3), or None. Checked inside the guarded operation, so a registration
        refused for it is audited like any other refusal."""
        if self.role in (Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF, Role.CRIMINAL_DATA_OFFICER):
            if self.credential is None or self.credential_date is None:
                return f"a {self.role.value} is registered on a credential with its date"
        elif self.credential is not None or self.supervisor is not None:
            return "an officer's duty carries no credential and no supervisor"
        elif self.processor is not None:
            return "an officer's duty is the controller's own, never a processor's"
        if self.role is Role.MEDICAL_ADVISER and not _BIG.fullmatch((self.credential or "").replace(" ", "")):
            return "a medical adviser's credential is the 11-digit BIG number"
        if (self.role is Role.MEDICAL_STAFF) != (self.supervisor is not None):
            return "medical staff, and only medical staff, name a supervising medical adviser"
        if self.supervisor is not None and self.supervisor == self.user_id:
            return "nobody supervises themselves"
        return None

    @property
    def normalised_credential(self) -> str | None:
        if self.credential is None:
            return None
        return self.credential.replace(" ", "") if self.role is Role.MEDICAL_ADVISER else self.credential


class MemberView(BaseModel):
    """A registration as the register lists it. ``live``: it confirms its role now (staff: under a supervisor whose
    registration counts too); ``sealed``: its MAC holds (a row that fails it confirms nothing and is shown so the
    security officer sees it)."""

    model_config = ConfigDict(frozen=True)

    member_id: int
    user_id: str
    role: Role
    credential: str | None
    credential_date: datetime | None
    verified_by: str | None
    supervisor: str | None
    processor: str | None
    starts_at: datetime
    ends_at: datetime | None
    status: RegistrationStatus
    changed_at: datetime
    changed_by: str
    live: bool
    sealed: bool
