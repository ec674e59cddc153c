"""HTTP bodies per domain. Requests refuse unknown fields; responses carry what the caller's role may see."""

from api.schemas.audit import AuditPageOut, TallyOut, VerificationOut
from api.schemas.cases import (
    AdviceOut,
    AssignmentIn,
    AssignmentOut,
    CaseOut,
    RecordSummaryOut,
    ReferralIn,
    ReferralOut,
    RevokedOut,
)
from api.schemas.records import RecordCreated, RecordIn, RecordMetadataOut, RecordOut, RecordPatch

__all__ = [
    "AdviceOut",
    "AssignmentIn",
    "AssignmentOut",
    "AuditPageOut",
    "CaseOut",
    "RecordCreated",
    "RecordIn",
    "RecordMetadataOut",
    "RecordOut",
    "RecordPatch",
    "RecordSummaryOut",
    "ReferralIn",
    "ReferralOut",
    "RevokedOut",
    "TallyOut",
    "VerificationOut",
]
