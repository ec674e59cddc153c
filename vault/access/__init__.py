"""The access mechanism: the decision request, the Casbin policy and its store, the policy check, relations to a
case, and the guard that decides, audits and issues grants. The only package that reaches data keys."""

from vault.access._grant import Grant
from vault.access._guard import AccessGuard, Work
from vault.access._policy import Policy
from vault.access._policy_check import all_requests, violations, violations_of
from vault.access._policy_files import Rule, parse_policy_lines, read_policy_dir
from vault.access._policy_service import PolicyService
from vault.access._policy_store import PolicyStore
from vault.access._refusals import TokenRefusals
from vault.access._repository import (
    AGREEMENT_COLUMNS,
    ASSIGNMENT_COLUMNS,
    DELEGATION_COLUMNS,
    MEMBER_COLUMNS,
    AgreementRow,
    AssignmentRow,
    DelegationRow,
    ExceptionRow,
    MemberRow,
    RestrictionRow,
    agreement_row,
    assignment_row,
    delegation_row,
    locked_exception,
    locked_restriction,
    member_row,
    policy_rules,
    replace_policy_rules,
)
from vault.access._repository import sealed_fields as stored_fields
from vault.access._request import DEFAULT_DENY, Decision, DecisionRequest
from vault.access._retention import RetentionCandidate, RetentionScope
from vault.access._target import FieldsToSeal, SealedField, SealedRecord, Target

__all__ = [
    "AGREEMENT_COLUMNS",
    "ASSIGNMENT_COLUMNS",
    "DEFAULT_DENY",
    "DELEGATION_COLUMNS",
    "MEMBER_COLUMNS",
    "AccessGuard",
    "AgreementRow",
    "AssignmentRow",
    "Decision",
    "DecisionRequest",
    "DelegationRow",
    "ExceptionRow",
    "FieldsToSeal",
    "Grant",
    "MemberRow",
    "Policy",
    "PolicyService",
    "PolicyStore",
    "RestrictionRow",
    "RetentionCandidate",
    "RetentionScope",
    "Rule",
    "SealedField",
    "SealedRecord",
    "Target",
    "TokenRefusals",
    "Work",
    "agreement_row",
    "all_requests",
    "assignment_row",
    "delegation_row",
    "locked_exception",
    "locked_restriction",
    "member_row",
    "parse_policy_lines",
    "policy_rules",
    "read_policy_dir",
    "replace_policy_rules",
    "stored_fields",
    "violations",
    "violations_of",
]
