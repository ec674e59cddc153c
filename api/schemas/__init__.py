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
from api.schemas.records import (
    RecordCreated,
    RecordHistoryOut,
    RecordIn,
    RecordMetadataOut,
    RecordOut,
    RecordPatch,
    RecordVersionOut,
    StatementIn,
)

__all__ = [
    "AdviceOut",
    "AssignmentIn",
    "AssignmentOut",
    "AuditPageOut",
    "CaseOut",
    "RecordCreated",
    "RecordHistoryOut",
    "RecordIn",
    "RecordMetadataOut",
    "RecordOut",
    "RecordPatch",
    "RecordSummaryOut",
    "RecordVersionOut",
    "ReferralIn",
    "ReferralOut",
    "RevokedOut",
    "StatementIn",
    "TallyOut",
    "VerificationOut",
]
