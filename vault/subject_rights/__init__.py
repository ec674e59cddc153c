"""The data subject's rights (DOMAIN R24-R32): the privacy officer's request register with its deadlines, legal
holds, erasure by crypto-shredding with a signed receipt, and restriction of processing."""

from vault.subject_rights._medical_copy import COPY_FORMAT, MedicalCopies
from vault.subject_rights._rectification import Rectifications
from vault.subject_rights._report import DEFAULT_LEGAL_BASES, REPORT_FORMAT, NameDisclosure, SubjectReport
from vault.subject_rights._restrictions import Restrictions
from vault.subject_rights._schemas import (
    CopyOrder,
    Decision,
    ErasureReceipt,
    ErasureResult,
    ExceptionView,
    Extension,
    ExtensionReason,
    HoldView,
    Identity,
    Lifting,
    MedicalCopy,
    NewException,
    NewHold,
    NewRequest,
    NewRestriction,
    ReleaseView,
    RequestView,
    RestrictionView,
)
from vault.subject_rights._service import RECEIPT_LABEL, SubjectRights, receipt_signed

__all__ = [
    "COPY_FORMAT",
    "DEFAULT_LEGAL_BASES",
    "RECEIPT_LABEL",
    "REPORT_FORMAT",
    "CopyOrder",
    "Decision",
    "ErasureReceipt",
    "ErasureResult",
    "ExceptionView",
    "Extension",
    "ExtensionReason",
    "HoldView",
    "Identity",
    "Lifting",
    "MedicalCopies",
    "MedicalCopy",
    "NameDisclosure",
    "NewException",
    "NewHold",
    "NewRequest",
    "NewRestriction",
    "Rectifications",
    "ReleaseView",
    "RequestView",
    "RestrictionView",
    "Restrictions",
    "SubjectReport",
    "SubjectRights",
    "receipt_signed",
]
