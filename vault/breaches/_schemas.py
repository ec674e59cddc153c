"""Breach register input and views (R46). Free text is bounded and refuses a BSN; it describes what happened,
never the data exposed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from vault.identifiers import without_bsn
from vault.vocabulary import BreachRisk, Category, Exposure, NotInformedGround

Text = Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(without_bsn)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(without_bsn)]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]


class NewBreach(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    detected_at: datetime  # with a zone: the 72 hours count from here
    exposure: Exposure
    categories: list[Category] = Field(min_length=1, max_length=2)
    description: Text
    compromised_keks: dict[Category, list[int]] = Field(default_factory=dict)  # KEK versions the breach exposed

    @model_validator(mode="after")
    def _aware(self) -> NewBreach:
        if self.detected_at.tzinfo is None:
            raise ValueError("detected_at needs a time zone")
        return self


class BreachChange(BaseModel):
    """What the privacy officer adds as the breach is handled; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    risk: BreachRisk | None = None
    risk_assessment: LongText | None = None
    authority_notified_at: datetime | None = None
    authority_reference: Reference | None = None  # the AP's case number
    subjects_informed_at: datetime | None = None
    not_informed_ground: NotInformedGround | None = None
    close: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> BreachChange:
        for moment in (self.authority_notified_at, self.subjects_informed_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("a moment needs a time zone")
        if self.subjects_informed_at is not None and self.not_informed_ground is not None:
            raise ValueError("the subjects were informed, or a ground says why not: not both")
        return self


class CategoryProtection(BaseModel):
    """Computed from key state (R34, art. 34(3)(a)): were the exposed data of this category unintelligible?"""

    model_config = ConfigDict(frozen=True)

    category: Category
    encrypted: bool  # exposed only as ciphertext (not decrypted, not through key material)
    keys_uncompromised: bool  # no KEK version that wraps a live data key of this category was exposed
    protected: bool  # both: the art. 34(3)(a) ground holds for this category
    kek_versions_in_use: list[int]


class BreachView(BaseModel):
    model_config = ConfigDict(frozen=True)

    breach_id: int
    detected_at: datetime
    authority_deadline: datetime  # detected_at + 72 hours
    exposure: Exposure
    categories: list[Category]
    description: str
    risk: BreachRisk | None
    risk_assessment: str | None
    notifiable: bool  # not (yet) assessed as unlikely to result in a risk
    authority_notified_at: datetime | None
    authority_reference: str | None
    subjects_informed_at: datetime | None
    not_informed_ground: NotInformedGround | None
    overdue: bool  # notifiable, not notified, past the deadline
    closed: bool
    protection: list[CategoryProtection]
    sealed: bool  # its MAC holds: a row edited in the database shows false
