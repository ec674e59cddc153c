"""The event vocabulary and the only builders of audit events: one builder per kind of event.

- ``decided``: an access the policy decided (allowed, denied), or its aftermath (failed, erased);
- ``refused``: an attempt refused before any decision could be made (no such object, a conflict);
- ``token_refused``: an unauthenticated attempt (a refused token);
- ``concluded``: how an operation that ran after its decision ended (a verification, a rotation).

Every event type has one action code and one object type, fixed here rather than at each call.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from vault.actor import Actor
from vault.audit._event import About, ActionCode, AuditEvent, Outcome


class EventType(StrEnum):
    RECORD_CREATE = "record.create"
    RECORD_READ = "record.read"
    RECORD_UPDATE = "record.update"
    RECORD_STATEMENT = "record.statement"  # the subject's own statement appended (R28)
    RECORD_HISTORY = "record.history"  # the values changes replaced (R28)
    REFERENCE_RESOLVE = "reference.resolve"
    CASE_REFER = "case.refer"
    CASE_VIEW = "case.view"
    ADVICE_PUBLISH = "advice.publish"
    ASSIGNMENT_CREATE = "assignment.create"
    ASSIGNMENT_REVOKE = "assignment.revoke"
    ASSIGNMENT_LIST = "assignment.list"
    DELEGATION_CREATE = "delegation.create"
    DELEGATION_REVOKE = "delegation.revoke"
    DELEGATION_LIST = "delegation.list"
    ASSIGNMENT_REVIEW = "assignment.review"  # need-to-know confirmed or revoked (R10)
    WORKLIST = "worklist.read"
    CASE_CLOSE = "case.close"
    UNIT_REGISTER = "unit.register"
    UNIT_CHANGE = "unit.change"  # a registration suspended, reinstated or ended
    UNIT_LIST = "unit.list"
    REQUEST_REGISTER = "subject_request.register"  # the data subject's requests (R24, R32)
    REQUEST_IDENTITY = "subject_request.identity"
    REQUEST_EXTEND = "subject_request.extend"
    REQUEST_DECIDE = "subject_request.decide"
    REQUEST_LIST = "subject_request.list"
    HOLD_PLACE = "legal_hold.place"
    HOLD_LIFT = "legal_hold.lift"
    HOLD_LIST = "legal_hold.list"
    SUBJECT_ERASE = "subject.erase"  # crypto-shredding (R29)
    BREACH_RECORD = "breach.record"  # a breach entered in the register (R46)
    BREACH_CHANGE = "breach.change"  # its assessment, notifications or closure
    BREACH_LIST = "breach.list"
    REGISTER_EXPORT = "register.export"  # the processing register exported (R45)
    RETENTION_RUN = "retention.run"  # a retention run (or its dry run) begins (R36)
    RETENTION_ERASE = "retention.erase"  # one record shredded because its retention period ended (R36)
    RESTRICTION_PLACE = "restriction.place"  # restriction of processing (R30)
    RESTRICTION_LIFT = "restriction.lift"
    RESTRICTION_LIST = "restriction.list"
    EXCEPTION_GRANT = "restriction_exception.grant"  # a legal-claims order or the subject's consent
    EXCEPTION_END = "restriction_exception.end"
    SUBJECT_REPORT = "subject.report"  # the access report (R25, R26)
    MEDICAL_COPY = "subject.medical_copy"  # a health record released into a copy of the medical file (R27)
    AGREEMENT_RECORD = "agreement.record"  # a processing agreement (R47)
    AGREEMENT_END = "agreement.end"
    AGREEMENT_LIST = "agreement.list"
    BREAK_GLASS_OPEN = "break_glass.open"
    BREAK_GLASS_LIST = "break_glass.list"
    BREAK_GLASS_REVIEW = "break_glass.review"
    BREAK_GLASS_CLEAR = "break_glass.clear"  # a user's not-justified findings cleared
    AUDIT_SEARCH = "audit.search"
    AUDIT_OVERVIEW = "audit.overview"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_EXPORT = "audit.export"
    AUDIT_ARCHIVE = "audit.archive"  # events older than the audit retention moved to a verified archive (R42)
    KEYS_STATUS = "keys.status"
    KEYS_ROTATE = "keys.rotate"
    KEYS_RETIRE = "keys.retire"  # older KEK versions destroyed: erasures become final in backups too
    KEYS_MIGRATE = "keys.migrate"
    POLICY_LOAD = "policy.load"
    ASSIGNMENT_SEAL = "assignment.seal"  # sealing rows from before row MACs
    INTEGRITY_ALERT = "integrity.alert"  # a row that grants access failed its MAC
    AUDIT_HEAD_SEAL = "audit.head_seal"  # sealing the head from before head MACs
    AUTH_TOKEN = "auth.token"


class Reason(StrEnum):
    """Why an event ended as it did: codes only, never text from a request."""

    POLICY = "policy"  # the policy refused
    NOT_REGISTERED = "not_registered"  # the token's data role is not confirmed by the unit register
    NO_PROCESSING_AGREEMENT = "no_processing_agreement"  # a processor's token, and no live agreement (R47)
    OUTSIDE_PROCESSING_AGREEMENT = "outside_processing_agreement"  # a role the processor's agreement does not cover
    ERASED_KEY_RESTORED = "erased_key_restored"  # a key an erasure destroyed was back in the database: destroyed again
    EXCLUDED = "excluded"  # decided, and left out of a copy of the medical file on its ground (R27)
    PROFESSIONAL_OPINION = "professional_opinion"  # an adviser's opinion is not overwritten (R28)
    RESTRICTED = "restricted"  # the subject's data are restricted, and no exception covers the purpose (R30)
    RESTRICTION_EXCEPTION = "restriction_exception"  # restricted data processed under a named exception (R30)
    LEGAL_HOLD = "legal_hold"  # an erasure deferred: a legal claim or retention obligation applies (R29)
    NO_BSN_BASIS = "no_bsn_basis"  # a BSN field on a kind of record no legal basis is configured for (R33)
    RETENTION_ENDED = "retention_ended"  # shredded by a retention run: the class's period ran out (R36)
    IDENTITY_NOT_VERIFIED = "identity_not_verified"  # a request is not answered before the requester is identified
    NAMES_DISCLOSED = "names_disclosed"  # an access report names the employees, on a recorded reason (R26)
    TOO_LATE = "too_late"  # an extension told after the first month, a decision on a closed request
    WEAK_AUTHENTICATION = "weak_authentication"  # the role needs a multi-factor login (R38), the token has none
    SEPARATION_OF_DUTIES = "separation_of_duties"  # an officer into a data role, or the other way round
    SELF_SERVICE = "self_service"  # nobody registers, assigns or widens access for themselves
    OUTLASTS_ASSIGNER = "outlasts_assigner"  # an assignment by an adviser ending after the adviser's own
    CASE_CLOSED = "case_closed"
    INVALID_CREDENTIAL = "invalid_credential"  # a registration without what its role rests on
    ALREADY_ASSIGNED = "already_assigned"  # break-glass on a case one already has access to
    BREAK_GLASS_BLOCKED = "break_glass_blocked"  # open not-justified findings: cleared first
    ALREADY_REVIEWED = "already_reviewed"
    DELEGATED_FURTHER = "delegated_further"  # a delegate cannot pass on what was delegated to them
    CONFIRMED = "confirmed"  # a review kept the assignment
    REVOKED = "revoked"  # a review ended it
    OTHER_ORGANISATION = "other_organisation"  # what belongs to (or spans) another organisation
    MAC_INVALID = "mac_invalid"  # a row that grants access does not carry its MAC
    NOT_FOUND = "not_found"
    ALREADY_REFERRED = "already_referred"
    NO_CATEGORY_VISIBLE = "no_category_visible"
    SCREENING_BLOCKED = "screening_blocked"
    SCREENING_OVERRIDE = "screening_override"
    DISCLOSED = "disclosed"
    KEY_DESTROYED = "key_destroyed"
    KEY_UNAVAILABLE = "key_unavailable"
    DECRYPTION_FAILED = "decryption_failed"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"  # an operation allowed earlier stopped part way
    # a verification's finding (vault.audit.Problem)
    ALTERED = "altered"
    REMOVED = "removed"
    INSERTED = "inserted"
    REORDERED = "reordered"
    REWRITTEN = "rewritten"
    TRUNCATED = "truncated"
    BAD_CHECKPOINT = "bad_checkpoint"
    WIPED = "wiped"
    MISMATCHED_INDEX = "mismatched_index"
    HEAD_MISMATCH = "head_mismatch"
    UNSEALED_HEAD = "unsealed_head"
    BAD_ARCHIVE = "bad_archive"
    # a refused token (the outer layer's authentication)
    NO_TOKEN = "no_token"
    MALFORMED_TOKEN = "malformed_token"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    KEY_REFERENCE_IN_HEADER = "key_reference_in_header"
    NO_KID = "no_kid"
    UNKNOWN_KID = "unknown_kid"
    ALGORITHM_KEY_MISMATCH = "algorithm_key_mismatch"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    INVALID_TOKEN = "invalid_token"
    MALFORMED_ROLES = "malformed_roles"
    MALFORMED_SUBJECT = "malformed_subject"
    MALFORMED_TIMES = "malformed_times"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    RATE_LIMITED = "rate_limited"
    MALFORMED_ORGANISATION = "malformed_organisation"
    ORGANISATION_NOT_ALLOWED = "organisation_not_allowed"  # the token's issuer may not act for that organisation
    MALFORMED_PROCESSOR = "malformed_processor"
    PROCESSOR_NOT_ALLOWED = "processor_not_allowed"  # the token's issuer does not speak for that processor


_KINDS: dict[EventType, tuple[ActionCode, str]] = {
    EventType.RECORD_CREATE: ("C", "record"),
    EventType.RECORD_READ: ("R", "record"),
    EventType.RECORD_UPDATE: ("U", "record"),
    EventType.RECORD_STATEMENT: ("U", "record"),
    EventType.RECORD_HISTORY: ("R", "record"),
    EventType.REFERENCE_RESOLVE: ("R", "record"),
    EventType.CASE_REFER: ("C", "case"),
    EventType.CASE_VIEW: ("R", "case"),
    EventType.ADVICE_PUBLISH: ("C", "disclosure"),
    EventType.ASSIGNMENT_CREATE: ("C", "assignment"),
    EventType.ASSIGNMENT_REVOKE: ("D", "assignment"),
    EventType.ASSIGNMENT_LIST: ("R", "assignment"),
    EventType.ASSIGNMENT_REVIEW: ("U", "assignment"),
    EventType.DELEGATION_CREATE: ("C", "delegation"),
    EventType.DELEGATION_REVOKE: ("D", "delegation"),
    EventType.DELEGATION_LIST: ("R", "delegation"),
    EventType.WORKLIST: ("R", "assignment"),
    EventType.CASE_CLOSE: ("U", "case"),
    EventType.UNIT_REGISTER: ("C", "unit_member"),
    EventType.UNIT_CHANGE: ("U", "unit_member"),
    EventType.UNIT_LIST: ("R", "unit_member"),
    EventType.REQUEST_REGISTER: ("C", "subject_request"),
    EventType.REQUEST_IDENTITY: ("U", "subject_request"),
    EventType.REQUEST_EXTEND: ("U", "subject_request"),
    EventType.REQUEST_DECIDE: ("U", "subject_request"),
    EventType.REQUEST_LIST: ("R", "subject_request"),
    EventType.HOLD_PLACE: ("C", "legal_hold"),
    EventType.HOLD_LIFT: ("U", "legal_hold"),
    EventType.HOLD_LIST: ("R", "legal_hold"),
    EventType.SUBJECT_ERASE: ("D", "record"),
    EventType.BREACH_RECORD: ("C", "breach"),
    EventType.BREACH_CHANGE: ("U", "breach"),
    EventType.BREACH_LIST: ("R", "breach"),
    EventType.REGISTER_EXPORT: ("E", "processing_register"),
    EventType.RETENTION_RUN: ("R", "retention"),
    EventType.RETENTION_ERASE: ("D", "record"),
    EventType.RESTRICTION_PLACE: ("C", "restriction"),
    EventType.RESTRICTION_LIFT: ("U", "restriction"),
    EventType.RESTRICTION_LIST: ("R", "restriction"),
    EventType.EXCEPTION_GRANT: ("C", "restriction_exception"),
    EventType.EXCEPTION_END: ("U", "restriction_exception"),
    EventType.SUBJECT_REPORT: ("R", "subject_request"),
    EventType.MEDICAL_COPY: ("R", "record"),
    EventType.AGREEMENT_RECORD: ("C", "processing_agreement"),
    EventType.AGREEMENT_END: ("U", "processing_agreement"),
    EventType.AGREEMENT_LIST: ("R", "processing_agreement"),
    EventType.BREAK_GLASS_OPEN: ("C", "break_glass"),
    EventType.BREAK_GLASS_LIST: ("R", "break_glass"),
    EventType.BREAK_GLASS_REVIEW: ("U", "break_glass"),
    EventType.BREAK_GLASS_CLEAR: ("U", "break_glass"),
    EventType.AUDIT_SEARCH: ("R", "audit_log"),
    EventType.AUDIT_OVERVIEW: ("R", "audit_log"),
    EventType.AUDIT_VERIFY: ("R", "audit_log"),
    EventType.AUDIT_EXPORT: ("E", "audit_log"),
    EventType.AUDIT_ARCHIVE: ("E", "audit_log"),
    EventType.KEYS_STATUS: ("R", "keys"),
    EventType.KEYS_ROTATE: ("E", "keys"),
    EventType.KEYS_RETIRE: ("D", "keys"),
    EventType.KEYS_MIGRATE: ("E", "keys"),
    EventType.POLICY_LOAD: ("U", "policy"),
    EventType.ASSIGNMENT_SEAL: ("U", "assignment"),
    EventType.INTEGRITY_ALERT: ("E", "assignment"),
    EventType.AUDIT_HEAD_SEAL: ("U", "audit_log"),
    EventType.AUTH_TOKEN: ("E", "session"),
}


def action_code(event_type: EventType) -> ActionCode:
    return _KINDS[event_type][0]


def _event(
    event_type: EventType,
    actor: Actor,
    outcome: Outcome,
    now: datetime,
    about: About,
    *,
    purpose: str | None = None,
    rule: str | None = None,
    reason: Reason | None = None,
) -> AuditEvent:
    code, object_type = _KINDS[event_type]
    if about.object_type is None:
        about = replace(about, object_type=object_type)
    return AuditEvent(
        event_id=str(uuid.uuid4()),
        occurred_at=now,
        action_code=code,
        event_type=event_type.value,
        outcome=outcome,
        actor=actor,
        about=about,
        purpose=purpose,
        rule=rule,
        reason=None if reason is None else reason.value,
    )


def decided(
    event_type: EventType,
    actor: Actor,
    outcome: Outcome,
    now: datetime,
    about: About,
    *,
    purpose: str | None,
    rule: str,
    reason: Reason | None = None,
) -> AuditEvent:
    """An access the policy decided; ``rule`` is the policy line that matched (or the default deny)."""
    return _event(event_type, actor, outcome, now, about, purpose=purpose, rule=rule, reason=reason)


def refused(
    event_type: EventType, actor: Actor, now: datetime, about: About, reason: Reason, *, purpose: str | None = None
) -> AuditEvent:
    """Refused before a decision: nothing to decide on (no such object) or a conflict with the current state."""
    return _event(event_type, actor, "denied", now, about, purpose=purpose, reason=reason)


def token_refused(
    organisation: str, reason: Reason, now: datetime, *, client: str | None, request_id: str | None, count: int = 1
) -> AuditEvent:
    """A refused token is an access attempt too (R39): audited with a reason code, never the token; ``count``
    refusals of one source for one reason are aggregated into one event per interval."""
    anonymous = Actor(user="anonymous", roles=(), organisation=organisation, client=client, request_id=request_id)
    return _event(EventType.AUTH_TOKEN, anonymous, "denied", now, About(count=count), reason=reason)


def concluded(event_type: EventType, actor: Actor, now: datetime, *, ok: bool, reason: Reason) -> AuditEvent:
    """How an operation that was allowed earlier ended."""
    return _event(event_type, actor, "allowed" if ok else "failed", now, About(), reason=reason)
