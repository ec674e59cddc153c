"""What a processing agreement says, checked before anything is decided."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from vault.identifiers import AgreementReference, Moment, OrganisationId
from vault.vocabulary import PROCESSOR_ROLES, Role


def _processor_roles(roles: list[Role]) -> list[Role]:
    if not set(roles) <= PROCESSOR_ROLES:
        allowed = ", ".join(sorted(role.value for role in PROCESSOR_ROLES))
        raise ValueError(f"a processor's staff act only in these roles: {allowed} (never as the controller's officers)")
    return sorted(set(roles))


class NewAgreement(BaseModel):
    """An agreement with ``processor`` under its own ``reference``, covering ``roles``, from ``starts_at`` (default:
    now) until ``ends_at`` (default: until ended)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    processor: OrganisationId
    reference: AgreementReference
    roles: Annotated[list[Role], Field(min_length=1), AfterValidator(_processor_roles)]
    starts_at: Moment | None = None
    ends_at: Moment | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("an agreement ends after it starts")
        return self

    @property
    def roles_text(self) -> str:
        return ",".join(role.value for role in self.roles)


class AgreementView(BaseModel):
    """An agreement as listed. ``live``: it lets the processor's staff act now; ``sealed``: its MAC holds (one that
    fails it lets nobody act, and is shown so the officers see it)."""

    model_config = ConfigDict(frozen=True)

    agreement_id: int
    processor: str
    reference: str
    roles: list[Role]
    starts_at: datetime
    ends_at: datetime | None
    ended_at: datetime | None
    recorded_by: str
    recorded_at: datetime
    ended_by: str | None
    live: bool
    sealed: bool
