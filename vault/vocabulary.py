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
    ERASE = "erase"  # a subject's data in a category: crypto-shred its data keys (R29)
    RELEASE = "release"  # health content into a copy for the subject or a physician they name (R27)


class Resource(StrEnum):
    """What is not a data category but still goes through the policy."""

    AUDIT_LOG = "audit_log"
    AUDIT_ARCHIVE = "audit_archive"  # moving events older than the audit retention into a verified archive (R42)
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
    SUBJECT_REQUESTS = "subject_requests"  # the data subject's requests and their answers (R24, R32)
    LEGAL_HOLDS = "legal_holds"  # a legal claim or retention obligation that defers an erasure (R29)
    RESTRICTIONS = "restrictions"  # a subject's data restricted: stored, not otherwise processed (R30)
    BREACHES = "breaches"  # the breach register (R46)
    PROCESSING_REGISTER = "processing_register"  # the art. 30 register's entries, generated (R45)
    RETENTION = "retention"  # which records' retention periods ran out, and the run that shreds them (R36)


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
    """Records that share a retention period (DOMAIN R36); part of a data key's scope, so a retention run shreds
    exactly one class of one case. Which kinds belong to which class, and each class's period per category, are
    configured (``KLUIS_RETENTION_RULES``, vault/retention/_schedule.py); a record keeps the class it was created in."""

    CASE_FILE = "case_file"  # the file of a claim or an application: every kind no rule names otherwise
    LIABILITY = "liability"  # what a liability claim rests on, kept for the long limitation (BW 3:310)
    TAX_REPORTING = "tax_reporting"  # what a statutory report to the tax office rests on (Wet IB 2001, AWR 52)


class BsnBasis(StrEnum):
    """The statutory ground on which a kind of record may hold the subject's BSN (UAVG art. 46: only where a law
    prescribes it; R33). Configured per category and kind; no BSN field exists without one."""

    WET_IB_2001 = "wet_ib_2001"  # reporting benefits and premiums of income insurance to the tax office (AWR 53)
    WET_LB_1964 = "wet_lb_1964"  # wage tax withheld on periodic benefits, the insurer as withholding agent
    PENSIOENWET = "pensioenwet"  # pension and annuity administration
    WET_SUWI = "wet_suwi"  # exchange with UWV on sickness and disability benefits (ZW, WIA)


class Exposure(StrEnum):
    """What a breach exposed: decides whether encryption under keys kept safe protected the data (art. 34(3)(a))."""

    DATABASE_COPY = "database_copy"  # the database or a dump of it: ciphertexts and wrapped data keys
    BACKUP = "backup"  # a backup medium of the database
    KEY_MATERIAL = "key_material"  # the key provider's material (KEKs, the master secret)
    DECRYPTED = "decrypted"  # data seen or taken in the clear (a misused account, a printout, a screen)
    OTHER = "other"


class BreachRisk(StrEnum):
    """The risk to the subjects' rights and freedoms (art. 33(1), 34(1))."""

    UNLIKELY = "unlikely"  # not notifiable to the authority; still recorded (art. 33(5))
    RISK = "risk"  # notify the Autoriteit Persoonsgegevens within 72 hours
    HIGH = "high"  # also inform the subjects without undue delay, unless art. 34(3) applies


class NotInformedGround(StrEnum):
    """Why the subjects of a high-risk breach were not informed (art. 34(3))."""

    ENCRYPTED = "encrypted"  # (a) unintelligible to anyone not authorised: encrypted, keys not compromised
    RISK_REMOVED = "risk_removed"  # (b) later measures ensure the high risk no longer materialises
    PUBLIC_NOTICE = "public_notice"  # (c) disproportionate effort: a public communication instead


class RetentionStart(StrEnum):
    """From when a retention period counts."""

    CASE_CLOSURE = "case_closure"  # the day the case was closed (the claim or the application was settled)
    LAST_CHANGE = "last_change"  # the day the class's newest record in the case was last written


class RetentionDeferral(StrEnum):
    """Why a record whose period has run is kept for now (reported by each retention run)."""

    LEGAL_HOLD = "legal_hold"  # a legal claim or retention obligation (art. 17(3)(b),(e)): the hold's ground says which
    OPEN_REQUEST = "open_request"  # the subject has a request open: its answer may need these records (art. 12, 15)
    RESTRICTED = "restricted"  # the subject asked to keep them restricted rather than erased (art. 18(1)(b),(c))
    CLOSURE_UNPROVEN = "closure_unproven"  # the case's closure is not as Kluis sealed and logged it
    SCOPE_MISMATCH = "scope_mismatch"  # the records' columns and their data keys disagree (edited in the database)
    PRE_SCOPE_KEY = "pre_scope_key"  # sealed under a key from before the per-case scope: `kluis keys migrate` first


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


class RequestKind(StrEnum):
    """What a data subject asks (GDPR art. 15-21)."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    COMPLETION = "completion"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"


class RequestStatus(StrEnum):
    OPEN = "open"
    DEFERRED = "deferred"  # an erasure held back by a legal hold, with its ground
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class RequestOutcome(StrEnum):
    """How a request ended: what the answer says, never its content."""

    COMPLETED = "completed"
    PARTLY_COMPLETED = "partly_completed"  # e.g. some data under a legal hold, or third-party data left out
    OBJECTION_UPHELD = "objection_upheld"
    OBJECTION_REJECTED = "objection_rejected"  # compelling legitimate grounds, recorded (art. 21(1))
    REFUSED_IDENTITY = "refused_identity"  # the requester's identity could not be verified
    REFUSED_UNFOUNDED = "refused_unfounded"  # manifestly unfounded or excessive (art. 12(5))
    REFUSED_LEGAL_OBLIGATION = "refused_legal_obligation"  # art. 17(3)(b)
    REFUSED_LEGAL_CLAIMS = "refused_legal_claims"  # art. 17(3)(e)
    WITHDRAWN = "withdrawn"


class IdentityMethod(StrEnum):
    """How the requester's identity was verified (R24): the method and a reference, never a copy of a document."""

    ID_DOCUMENT_SEEN = "id_document_seen"
    DIGID = "digid"
    CUSTOMER_PORTAL = "customer_portal"  # logged in to the insurer's own portal
    KNOWN_CONTACT = "known_contact"  # answered through contact details already on file
    IN_PERSON = "in_person"


class HoldGround(StrEnum):
    """Why a subject's data may not be erased yet (art. 17(3))."""

    LEGAL_CLAIM = "legal_claim"  # a claim, dispute or proceedings under way
    RETENTION_OBLIGATION = "retention_obligation"  # a statutory retention period not yet run out
    FRAUD_INVESTIGATION = "fraud_investigation"  # a Veiligheidszaken file (Protocol Incidentenwaarschuwingssysteem)


class RestrictionGround(StrEnum):
    """Why a subject's data are restricted (art. 18(1)): each at the subject's request."""

    ACCURACY_CONTESTED = "accuracy_contested"  # (a) while the accuracy is verified
    UNLAWFUL_PROCESSING = "unlawful_processing"  # (b) the subject opposes erasure and asks for restriction
    NEEDED_FOR_LEGAL_CLAIMS = "needed_for_legal_claims"  # (c) no longer needed, but the subject needs them kept
    OBJECTION_PENDING = "objection_pending"  # (d) while an objection is decided


class ExceptionKind(StrEnum):
    """What lets restricted data be processed all the same (art. 18(2)), for one purpose, until an end."""

    LEGAL_CLAIMS_ORDER = "legal_claims_order"  # the privacy officer orders it for legal claims (purpose legal_claims)
    SUBJECT_CONSENT = "subject_consent"  # the subject consented to this processing (the consent's reference)


class LiftReason(StrEnum):
    """Why a restriction ends; the subject is told before it does (art. 18(3))."""

    ACCURACY_VERIFIED = "accuracy_verified"
    OBJECTION_DECIDED = "objection_decided"
    SUBJECT_WITHDREW = "subject_withdrew"
    CLAIMS_CONCLUDED = "claims_concluded"


class CopyRecipient(StrEnum):
    """Who a copy of the medical file is for (R27)."""

    SUBJECT = "subject"
    PHYSICIAN = "physician"  # a physician the subject names (vertrouwensarts)


class ExclusionGround(StrEnum):
    """Why a record is left out of a copy of the medical file; each exclusion is listed with its ground (R27)."""

    WORK_NOTE = "work_note"  # the adviser's own working notes, marked as such (kind work_note)
    THIRD_PARTY = "third_party"  # data about someone else (art. 15(4))
    OUTSIDE_ADVISERS_CASES = "outside_advisers_cases"  # on a case of another adviser: theirs to release
    ERASED = "erased"  # no longer held: erased (crypto-shredded)
