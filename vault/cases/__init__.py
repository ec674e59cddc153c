"""Cases referred to the medical unit, the claims side's case view, and the adviser's advice (the only bridge to the
claims dossier)."""

from vault.cases._advice import AdviceInput, CausalLink, Conclusion, screening_hits
from vault.cases._schemas import CaseView, PublishedAdvice, Referral
from vault.cases._service import ADVICE_RECIPIENT, CaseService

__all__ = [
    "ADVICE_RECIPIENT",
    "AdviceInput",
    "CaseService",
    "CaseView",
    "CausalLink",
    "Conclusion",
    "PublishedAdvice",
    "Referral",
    "screening_hits",
]
