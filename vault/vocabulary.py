"""The closed vocabularies of the domain: data categories, roles, actions, purposes and case relations.

They are closed on purpose: the policy check enumerates every combination, so a new word is a reviewed change.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    HEALTH = "health"  # gezondheidsgegevens (GDPR art. 9)
    CRIMINAL = "criminal"  # strafrechtelijke gegevens (GDPR art. 10)


class Role(StrEnum):
    MEDICAL_ADVISER = "medical_adviser"  # medisch adviseur, BIG-registered
    MEDICAL_STAFF = "medical_staff"  # works under the adviser's responsibility
    CRIMINAL_DATA_OFFICER = "criminal_data_officer"
    CLAIMS_HANDLER = "claims_handler"  # schadebehandelaar
    SECURITY_OFFICER = "security_officer"
    PRIVACY_OFFICER = "privacy_officer"  # FG
    KEY_ADMIN = "key_admin"
    IMPORTER = "importer"  # operator migrating existing files in: may create, never read


class Action(StrEnum):
    CREATE = "create"
    READ = "read"  # decrypt field values; on the audit log: read events
    UPDATE = "update"
    VIEW_METADATA = "view_metadata"  # kind, dates, status, reference: never a value
    MANAGE = "manage"  # keys, assignments
    REFER = "refer"  # the claims side refers a case to the medical unit, with a question
    PUBLISH = "publish"  # the adviser's conclusion in non-medical terms, disclosed to the claims dossier
    CLOSE = "close"  # a case: ends all unit access to it


class Resource(StrEnum):
    """What is not a data category but still goes through the policy."""

    AUDIT_LOG = "audit_log"
    KEYS = "keys"
    POLICY = "policy"  # loading the access policy itself
    ASSIGNMENTS = "assignments"  # any role, any case
    UNIT_ASSIGNMENTS = "unit_assignments"  # medical-unit roles on a case
    UNIT_REGISTER = "unit_register"  # who is in the functional unit, on which credential
    CASES = "cases"  # a case's life in the unit: closing it
    BREAK_GLASS = "break_glass"  # opening a case without an assignment, and its review
    DELEGATIONS = "delegations"  # an adviser's cases delegated to another adviser for a period (R2)
    WORKLIST = "worklist"  # the cases a unit member may work on: their own assignments only
    PROCESSING_AGREEMENTS = "processing_agreements"  # which processor acts for the controller, in which roles (R47)


class Purpose(StrEnum):
    ACCEPTANCE = "acceptance"
    CLAIM_ASSESSMENT = "claim_assessment"
    CONTRACT_PERFORMANCE = "contract_performance"
    SECURITY_INTEGRITY = "security_integrity"  # fraud, Veiligheidszaken
    LEGAL_OBLIGATION = "legal_obligation"
    LEGAL_CLAIMS = "legal_claims"
    AUDIT_REVIEW = "audit_review"
    ADMINISTRATION = "administration"  # key and assignment management
    # Commercial purposes exist in the vocabulary only so the policy check can prove nothing grants them.
    MARKETING = "marketing"
    COMMERCIAL = "commercial"


COMMERCIAL_PURPOSES = frozenset({Purpose.MARKETING, Purpose.COMMERCIAL})


class Relation(StrEnum):
    """How the requester stands to the case: computed from the assignments table, passed into the decision."""

    ASSIGNED = "assigned"
    DELEGATED = "delegated"
    BREAK_GLASS = "break_glass"  # opened by the member for a limited time, awaiting review (R37)
    NONE = "none"


# Which relation wins when a role has several on one case.
RELATION_RANK = {Relation.ASSIGNED: 3, Relation.DELEGATED: 2, Relation.BREAK_GLASS: 1, Relation.NONE: 0}


class BreakGlassReason(StrEnum):
    """Why a member opened a case they are not assigned to: chosen from this list, explained in free text."""

    URGENT_DECISION = "urgent_decision"  # a decision the subject waits for cannot wait for an assignment
    ADVISER_UNAVAILABLE = "adviser_unavailable"  # the assigned adviser is unreachable and no delegate is set
    LEGAL_DEADLINE = "legal_deadline"  # a statutory or court deadline
    SUBJECT_REQUEST = "subject_request"  # the subject asks, and waits, for an answer
    OTHER = "other"


class ReviewOutcome(StrEnum):
    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not_justified"


class AuthStrength(StrEnum):
    """How strongly the requester authenticated (from the token's acr/amr); the policy may require a minimum."""

    UNKNOWN = "unknown"
    SINGLE_FACTOR = "single_factor"
    MULTI_FACTOR = "multi_factor"


class RetentionClass(StrEnum):
    """Records that share a retention period from case closure (DOMAIN R36); part of a data key's scope, so a
    retention run shreds exactly one class of one case. The classes per kind arrive with the retention rules."""

    CASE_FILE = "case_file"


def retention_class_of(category: str, kind: str) -> RetentionClass:
    """The retention class a record of this category and kind belongs to (one class until R36 splits them)."""
    return RetentionClass.CASE_FILE


MEDICAL_UNIT_ROLES = frozenset({Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF})
DATA_ROLES = frozenset({Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF, Role.CRIMINAL_DATA_OFFICER})
# Segregation of duties (R7): nobody holds one of these beside a data role.
OFFICER_ROLES = frozenset({Role.KEY_ADMIN, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER})
# What the unit register records: the data roles on their credential, and the officers' duties.
REGISTERED_ROLES = DATA_ROLES | OFFICER_ROLES
# The roles a processor's staff may act in under a processing agreement (R47): the unit's work and the claims work
# a volmacht holder or an external medical-advice bureau does for the controller; never the controller's own
# oversight (officers) or its migrations.
PROCESSOR_ROLES = DATA_ROLES | frozenset({Role.CLAIMS_HANDLER})
