"""The data subject's rights (DOMAIN R24-R32): the privacy officer's request register with its deadlines, legal
holds, and erasure by crypto-shredding with a signed receipt."""

from vault.subject_rights._report import REPORT_FORMAT, NameDisclosure, SubjectReport
from vault.subject_rights._schemas import (
    Decision,
    ErasureReceipt,
    ErasureResult,
    Extension,
    ExtensionReason,
    HoldView,
    Identity,
    NewHold,
    NewRequest,
    RequestView,
)
from vault.subject_rights._service import RECEIPT_LABEL, SubjectRights, receipt_signed

__all__ = [
    "RECEIPT_LABEL",
    "REPORT_FORMAT",
    "Decision",
    "ErasureReceipt",
    "ErasureResult",
    "Extension",
    "ExtensionReason",
    "HoldView",
    "Identity",
    "NameDisclosure",
    "NewHold",
    "NewRequest",
    "RequestView",
    "SubjectReport",
    "SubjectRights",
    "receipt_signed",
]
