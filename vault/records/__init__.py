"""Health and criminal records: their input and output shapes, reference tokens, SQL, the record service and the
bulk import."""

from vault.identifiers import looks_like_bsn
from vault.records._bsn import BsnFields
from vault.records._import import ImportReport, import_lines, parse_line
from vault.records._references import is_reference, new_reference
from vault.records._repository import SubjectRecord
from vault.records._schemas import (
    MAX_FIELDS,
    MAX_VALUE_CHARS,
    PROFESSIONAL_OPINION_KINDS,
    STATEMENT_PREFIX,
    BatchResult,
    CreatedRecord,
    FieldName,
    NewRecord,
    RecordHistory,
    RecordSummary,
    RecordVersion,
    RecordView,
    Ref,
    RequestLink,
    Text,
)
from vault.records._service import RESTRICTED, RecordService

__all__ = [
    "MAX_FIELDS",
    "MAX_VALUE_CHARS",
    "PROFESSIONAL_OPINION_KINDS",
    "RESTRICTED",
    "STATEMENT_PREFIX",
    "BatchResult",
    "BsnFields",
    "CreatedRecord",
    "FieldName",
    "ImportReport",
    "NewRecord",
    "RecordHistory",
    "RecordService",
    "RecordSummary",
    "RecordVersion",
    "RecordView",
    "Ref",
    "RequestLink",
    "SubjectRecord",
    "Text",
    "import_lines",
    "is_reference",
    "looks_like_bsn",
    "new_reference",
    "parse_line",
]
