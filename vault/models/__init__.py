"""The tables Kluis owns, one module per table group. ``Base.metadata`` is what Alembic migrates
(vault/migrations); schema changes go through a migration, never ``create_all``.

The audit tables are not re-exported here: only ``vault.audit`` may import ``vault.models.audit`` (an import-linter
contract), so no other code can write an audit row.
"""

from vault.models._base import Base, Timestamp, UTCDateTime
from vault.models.breaches import Breach
from vault.models.break_glass import BreakGlassUse
from vault.models.cases import Advice, Case, CaseAssignment, Delegation
from vault.models.keys import DataKeyRow
from vault.models.policy import PolicyRule
from vault.models.processors import ProcessingAgreement
from vault.models.records import Record, RecordField, RecordFieldVersion, Reference
from vault.models.subject_rights import (
    Erasure,
    LegalHold,
    MedicalRelease,
    Restriction,
    RestrictionException,
    SubjectRequest,
)
from vault.models.subjects import Subject
from vault.models.unit import UnitMember

__all__ = [
    "Advice",
    "Base",
    "Breach",
    "BreakGlassUse",
    "Case",
    "CaseAssignment",
    "DataKeyRow",
    "Delegation",
    "Erasure",
    "LegalHold",
    "MedicalRelease",
    "PolicyRule",
    "ProcessingAgreement",
    "Record",
    "RecordField",
    "RecordFieldVersion",
    "Reference",
    "Restriction",
    "RestrictionException",
    "Subject",
    "SubjectRequest",
    "Timestamp",
    "UTCDateTime",
    "UnitMember",
]
