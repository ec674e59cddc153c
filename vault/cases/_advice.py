"""Advice (medisch advies): the adviser's conclusion in non-medical terms, the only bridge to the claims dossier.

The schema is fixed (R11): there is no field for a diagnosis, a code, medication, treatment, the treating physician or
an attachment, and unknown fields are refused. Free text is screened at publication (R12) for ICD-10/ICPC-like codes,
medication names and medical terms; a hit blocks publication unless the adviser gives an override reason.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Conclusion(StrEnum):
    ACCEPT = "accept"
    ACCEPT_WITH_EXCLUSION = "accept_with_exclusion"
    ACCEPT_WITH_EXTRA_PREMIUM = "accept_with_extra_premium"
    POSTPONE = "postpone"
    DECLINE = "decline"
    COVERED = "covered"
    NOT_COVERED = "not_covered"
    PARTLY_COVERED = "partly_covered"


class CausalLink(StrEnum):
    YES = "yes"
    NO = "no"
    PARTLY = "partly"
    UNDETERMINED = "undetermined"


Restriction = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AdviceInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    conclusion: Conclusion
    causal_link: CausalLink | None = None
    causal_link_percentage: int | None = Field(default=None, ge=0, le=100)
    incapacity_percentage: int | None = Field(default=None, ge=0, le=100)
    restrictions: list[Restriction] = Field(default_factory=list, max_length=20)  # functional terms only
    reassessment_date: date | None = None
    next_step: Annotated[str, StringConstraints(max_length=500)] | None = None
    explanation: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    screening_override_reason: Annotated[str, StringConstraints(min_length=10, max_length=500)] | None = None

    def published_fields(self) -> dict[str, object]:
        """What the claims dossier receives: everything but the override reason."""
        return self.model_dump(mode="json", exclude={"screening_override_reason"})


_CODE = re.compile(r"\b[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?\b")  # ICD-10 shape; ICPC codes share it
_TERMS = re.compile(
    r"\b(diagnos\w*|medicati\w*|medicijn\w*|behandel\w*|therap\w*|syndroom|stoornis|ziekte|disorder|disease|"
    r"paracetamol|ibuprofen|diclofenac|naproxen|oxycodon\w*|tramadol|morfine|codeine|oxazepam|diazepam|"
    r"sertraline|citalopram|fluoxetine|paroxetine|methylfenidaat|insuline|metformine|prednison\w*)\b",
    re.IGNORECASE,
)


def screening_hits(advice: AdviceInput) -> int:
    """How many medical-looking items the free text holds (the count is audited, never the items)."""
    texts = [advice.explanation, advice.next_step or "", *advice.restrictions]
    return sum(len(_CODE.findall(text)) + len(_TERMS.findall(text)) for text in texts)
