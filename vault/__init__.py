"""Kluis's core: the vault for health and criminal-record data, usable without HTTP.

This is the only surface ``api/`` may import (an import-linter contract): the facade and its wiring, the shapes its
services take and return, the typed errors and the vocabularies. Packages and modules below are Kluis's own.
"""

from vault._kit import Clock, SystemClock
from vault.actor import Actor
from vault.assignments import AssignmentView
from vault.audit import AuditPage, AuditQuery, Reason, Tally, Verification, verify_export
from vault.bootstrap import InitReport, check_policy_files, grant_service_role, initialise, open_vault
from vault.break_glass import BreakGlassView
from vault.cases import AdviceInput, CaseView, CausalLink, Conclusion, PublishedAdvice, Referral
from vault.config import Settings
from vault.crypto import new_ed25519_jwk
from vault.delegations import DelegationView
from vault.errors import (
    AccessDenied,
    AuditUnavailable,
    ConfigurationError,
    Conflict,
    ConsentRequired,
    DecryptionFailed,
    Erased,
    IntegrityViolation,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    PolicyUnavailable,
    VaultError,
)
from vault.identifiers import ORGANISATION_PATTERN, USER_ID_PATTERN, organisation_problem
from vault.keys import read_public_key
from vault.keys.service import CategoryKeyStatus, Migration, Rotation
from vault.processors import AgreementView, NewAgreement
from vault.records import (
    MAX_FIELDS,
    MAX_VALUE_CHARS,
    BatchResult,
    CreatedRecord,
    FieldName,
    ImportReport,
    NewRecord,
    RecordSummary,
    RecordView,
    Ref,
    Text,
    import_lines,
)
from vault.unit import MemberView, Registration, RegistrationStatus
from vault.vault import Vault
from vault.vocabulary import (
    Action,
    AuthStrength,
    BreakGlassReason,
    Category,
    Purpose,
    Relation,
    Resource,
    ReviewOutcome,
    Role,
)

__all__ = [
    "MAX_FIELDS",
    "MAX_VALUE_CHARS",
    "ORGANISATION_PATTERN",
    "USER_ID_PATTERN",
    "AccessDenied",
    "Action",
    "Actor",
    "AdviceInput",
    "AgreementView",
    "AssignmentView",
    "AuditPage",
    "AuditQuery",
    "AuditUnavailable",
    "AuthStrength",
    "BatchResult",
    "BreakGlassReason",
    "BreakGlassView",
    "CaseView",
    "Category",
    "CategoryKeyStatus",
    "CausalLink",
    "Clock",
    "Conclusion",
    "ConfigurationError",
    "Conflict",
    "ConsentRequired",
    "CreatedRecord",
    "DecryptionFailed",
    "DelegationView",
    "Erased",
    "FieldName",
    "ImportReport",
    "InitReport",
    "IntegrityViolation",
    "InvalidInput",
    "KeyUnavailable",
    "MemberView",
    "Migration",
    "NewAgreement",
    "NewRecord",
    "NotFound",
    "PolicyUnavailable",
    "PublishedAdvice",
    "Purpose",
    "Reason",
    "RecordSummary",
    "RecordView",
    "Ref",
    "Referral",
    "Registration",
    "RegistrationStatus",
    "Relation",
    "Resource",
    "ReviewOutcome",
    "Role",
    "Rotation",
    "Settings",
    "SystemClock",
    "Tally",
    "Text",
    "Vault",
    "VaultError",
    "Verification",
    "check_policy_files",
    "grant_service_role",
    "import_lines",
    "initialise",
    "new_ed25519_jwk",
    "open_vault",
    "organisation_problem",
    "read_public_key",
    "verify_export",
]
