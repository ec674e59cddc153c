"""The data subject's rights (DOMAIN R24-R32): the privacy officer's request register with its deadlines, legal
holds, erasure by crypto-shredding with a signed receipt, and restriction of processing."""

from vault.subject_rights._rectification import Rectifications
from vault.subject_rights._report import REPORT_FORMAT, NameDisclosure, SubjectReport
from vault.subject_rights._restrictions import Restrictions
from vault.subject_rights._schemas import (
    Decision,
    ErasureReceipt,
    ErasureResult,
    ExceptionView,
    Extension,
    ExtensionReason,
    HoldView,
    Identity,
    Lifting,
    NewException,
    NewHold,
    NewRequest,
    NewRestriction,
    RequestView,
    RestrictionView,
)
from vault.subject_rights._service import RECEIPT_LABEL, SubjectRights, receipt_signed

__all__ = [
    "RECEIPT_LABEL",
    "REPORT_FORMAT",
    "Decision",
    "ErasureReceipt",
    "ErasureResult",
    "ExceptionView",
    "Extension",
    "ExtensionReason",
    "HoldView",
    "Identity",
    "Lifting",
    "NameDisclosure",
    "NewException",
    "NewHold",
    "NewRequest",
    "NewRestriction",
    "Rectifications",
    "RequestView",
    "RestrictionView",
    "Restrictions",
    "SubjectReport",
    "SubjectRights",
    "receipt_signed",
]
