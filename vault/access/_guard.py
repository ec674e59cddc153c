"""The access guard: the only code that decides, and the only caller of the audit log's append.

Every operation on protected state runs as ``guard.run(actor, operation)``. In one transaction the operation looks
up what it needs, asks the guard to decide (the guard resolves the requester's relation to the case, builds the
DecisionRequest, decides with the current policy and notes the event for every outcome), and gets a Grant back, or a
refusal. The events are appended, the transaction commits, and only then is a refusal raised or the result returned.
If the events cannot be committed, nothing is returned (AuditUnavailable: fail closed). An operation that neither
decides nor refuses cannot commit at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol, TypeVar

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vault._kit import Clock, writer_lock
from vault._kit.group_commit import GroupCommit
from vault.access import _key_operations, _retention
from vault.access import _repository as repository
from vault.access._grant import _MINT, Grant
from vault.access._policy import Policy
from vault.access._policy_store import PolicyStore
from vault.access._relations import no_relation, relations_to_cases
from vault.access._repository import AgreementRow, AssignmentRow, DelegationRow, ExceptionRow, MemberRow, RestrictionRow
from vault.access._request import Decision, DecisionRequest, HeldRoles, held_roles, request_for_held
from vault.access._restrictions import counting as restrictions_counting
from vault.access._restrictions import excepted as exceptions_covering
from vault.access._retention import RetentionCandidate, RetentionScope
from vault.access._retry import retrying_conflicts
from vault.access._row_macs import (
    RowMacProvider,
    RowMacs,
    agreement_message,
    assignment_message,
    breach_message,
    closure_message,
    delegation_message,
    exception_message,
    hold_message,
    member_message,
    release_message,
    request_message,
    restriction_message,
)
from vault.access._standing import REASON_ORDER, agreement_covering, standing
from vault.access._target import FieldsToSeal, SealedRecord, Target
from vault.actor import Actor
from vault.audit import (
    ERASED_KEYS,
    About,
    AuditEvent,
    Checkpoint,
    EventType,
    Outcome,
    Reason,
    erased_key_ids,
    events,
)
from vault.audit._log import AuditLog
from vault.audit._repository import Head
from vault.audit._witness import Witness
from vault.crypto import FieldContext
from vault.crypto._data_keys import DataKey, DataKeys, KeyDestroyed, KeyScope, Wrapper
from vault.errors import (
    AccessDenied,
    AuditUnavailable,
    DecryptionFailed,
    Erased,
    KeyUnavailable,
    NotFound,
    Restricted,
    VaultError,
)
from vault.keys._access import KEY_ACCESS
from vault.metrics import AUDIT_EVENTS_PER_COMMIT, AUDIT_HEAD, AUDIT_WAIT, DECISIONS, WITNESS_FAILURES, WITNESSED
from vault.vocabulary import RELATION_RANK, Action, Category, Purpose, Relation, Resource, Role

T = TypeVar("T")
log = structlog.get_logger(__name__)
_CONFLICT_RETRIES = 2


class _Refusal(Exception):
    """Control flow inside a unit of work: stop here, commit the events, then raise ``error``."""

    def __init__(self, error: VaultError) -> None:
        super().__init__(error.code)
        self.error = error


@dataclass
class _Pending:
    """An event noted during a unit of work, appended when it ends."""

    event_type: EventType
    outcome: Outcome
    about: About
    purpose: str | None
    rule: str | None  # None: refused before any decision
    reason: Reason | None
    on_behalf_of: str | None = None  # allowed through a delegation: the delegating adviser (R2)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.about.fields

    @fields.setter
    def fields(self, names: tuple[str, ...]) -> None:
        self.about = replace(self.about, fields=names)


class Work:
    """One unit of work for one actor: its session, its decisions and their pending events."""

    def __init__(
        self, guard: AccessGuard, actor: Actor, session: Session, policy: Policy, *, reads_only: bool = False
    ) -> None:
        self._guard = guard
        self.reads_only = reads_only
        self.session = session
        self.now = guard.clock.now()
        self._policy = policy
        self._pending: list[_Pending] = []
        self._alerted: set[str] = set()  # one integrity alert per changed row per unit, however often it is read
        self._restrictions: dict[tuple[tuple[str, ...], Category], list[RestrictionRow]] = {}
        # The requester as the unit register confirms them (vault/access/_standing.py): every decision and event
        # of this unit uses these roles and this responsible user, never the token's word alone.
        found = standing(session, actor, self.now, self.member_sealed, guard.multi_factor_roles, self.agreement_sealed)
        self.actor = found.actor
        self.claimed_actor = actor
        self._unconfirmed = found.unconfirmed
        for member in found.unsealed:
            self._alert("unit_member", f"unit_member:{member.id}")
        for agreement in found.unsealed_agreements:
            self._alert("processing_agreement", f"processing_agreement:{agreement.id}")
        # each case's held roles in canonical order, looked up once per unit (None: not about a case)
        self._held: dict[str | None, HeldRoles] = {None: held_roles(no_relation(self.actor))}
        self._keys_used: dict[str, DataKey] = {}
        self._on_behalf: dict[str, str] = {}  # case -> the adviser who delegated it to the requester
        self._state = "open"

    # -- deciding ------------------------------------------------------------------------------------------------
    def preload_relations(self, case_refs: Sequence[str]) -> None:
        """Look up the relations to many cases at once (bulk import): one query per 500 cases."""
        wanted = set(case_refs) - self._held.keys()
        if wanted:
            unsealed: list[AssignmentRow] = []
            macs = self._guard._row_macs
            found = relations_to_cases(
                self.session,
                self.actor,
                wanted,
                self.now,
                sealed=lambda row: macs.valid(_message(row), row.mac),
                unsealed=unsealed,
            )
            self._delegated(found)
            self._held.update((case, held_roles(relations)) for case, relations in found.items())
            for row in unsealed:  # it granted nothing; the security officer hears of it with this unit's events
                self._alert("assignment", f"assignment:{row.id}", row.case_ref)

    def _delegated(self, found: dict[str, dict[Role, Relation]]) -> None:
        """An adviser's relation through delegations (R2): DELEGATED on each case where a live, sealed delegation
        to them covers a live, sealed assignment of the delegating adviser (assigned, never itself delegated, so a
        delegate cannot pass it on), unless they have a stronger relation of their own."""
        if not found or Role.MEDICAL_ADVISER not in self.actor.known_roles():
            return
        organisation = self.actor.organisation
        delegations = repository.live_delegations(
            self.session, organisation=organisation, delegate=self.actor.user, now=self.now
        )
        for delegation in delegations:
            if not self.delegation_sealed(delegation):
                self._alert("delegation", f"delegation:{delegation.id}")
                continue
            if self.confirmed_in(delegation.delegator, Role.MEDICAL_ADVISER) is None:
                continue  # a delegator whose registration no longer counts delegates nothing
            wanted = [c for c in found if delegation.case_ref in (None, c)]
            rows = repository.assignment_rows(
                self.session,
                organisation=organisation,
                user_id=delegation.delegator,
                case_refs=wanted,
                roles=[Role.MEDICAL_ADVISER.value],
                now=self.now,
            )
            for row in rows:
                relations = found[row.case_ref]
                if row.relation != Relation.ASSIGNED.value or not self.assignment_sealed(row):
                    continue
                if RELATION_RANK[relations[Role.MEDICAL_ADVISER]] < RELATION_RANK[Relation.DELEGATED]:
                    relations[Role.MEDICAL_ADVISER] = Relation.DELEGATED
                    self._on_behalf[row.case_ref] = delegation.delegator

    def delegations_to_me(self) -> list[DelegationRow]:
        """The live, sealed delegations to the requester (an adviser), for their worklist."""
        if Role.MEDICAL_ADVISER not in self.actor.known_roles():
            return []
        rows = repository.live_delegations(
            self.session, organisation=self.actor.organisation, delegate=self.actor.user, now=self.now
        )
        return [
            row
            for row in rows
            if self.delegation_sealed(row) and self.confirmed_in(row.delegator, Role.MEDICAL_ADVISER) is not None
        ]

    def relation_to(self, case_ref: str, role: Role) -> Relation:
        """The requester's relation to the case in one role, as this unit decides with it."""
        if case_ref not in self._held:
            self.preload_relations([case_ref])
        return dict(self._held[case_ref]).get(role, Relation.NONE)

    def delegation_sealed(self, row: DelegationRow) -> bool:
        message = delegation_message(
            row.organisation, row.delegator, row.delegate, row.case_ref, row.starts_at, row.ends_at, row.revoked_at
        )
        return self._guard._row_macs.valid(message, row.mac)

    def delegation_mac(
        self,
        grant: Grant,
        *,
        delegate: str,
        case_ref: str | None,
        starts_at: datetime,
        ends_at: datetime,
        revoked_at: datetime | None = None,
        delegator: str | None = None,
    ) -> bytes:
        """The MAC of a delegation row this unit's grant allows writing (the requester's own, unless revoking)."""
        self._require_open()
        if grant._work is not self or grant.target.resource is not Resource.DELEGATIONS:
            raise PermissionError("this grant is not for a delegation")
        message = delegation_message(
            self.actor.organisation,
            delegator or self.actor.user,
            delegate,
            case_ref,
            starts_at,
            ends_at,
            revoked_at,
        )
        return self._guard._row_macs.sign(message)

    def _alert(self, object_type: str, target: str, case_ref: str | None = None) -> None:
        if target in self._alerted:
            return
        self._alerted.add(target)
        about = About(object_type=object_type, case_ref=case_ref, target=target)
        self._pending.append(_Pending(EventType.INTEGRITY_ALERT, "denied", about, None, None, Reason.MAC_INVALID))

    # -- the unit register and assignments, for the services that write them -------------------------------------
    def member_sealed(self, row: MemberRow) -> bool:
        """Whether a registration row's MAC holds."""
        return self._guard._row_macs.valid(_member_message(row), row.mac)

    def assignment_sealed(self, row: AssignmentRow) -> bool:
        """Whether an assignment row's MAC holds."""
        return self._guard._row_macs.valid(_message(row), row.mac)

    def confirmed_in(self, user_id: str, role: Role) -> Actor | None:
        """Another user as the register confirms them in ``role`` now (their responsible adviser included), or
        None: the same rule that decides their own requests (vault/access/_standing.py)."""
        probe = Actor(user=user_id, roles=(role.value,), organisation=self.actor.organisation)
        found = standing(
            self.session, probe, self.now, self.member_sealed, agreement_sealed=self.agreement_sealed, probe=True
        )
        return None if found.unconfirmed else found.actor

    def agreement_for(self, processor: str, role: Role) -> str | None:
        """The reference of the live, sealed agreement under which ``processor``'s staff act in ``role`` now."""
        return agreement_covering(
            self.session, self.actor.organisation, processor, role, self.now, self.agreement_sealed
        )

    def agreement_sealed(self, row: AgreementRow) -> bool:
        """Whether a processing agreement's MAC holds."""
        message = agreement_message(
            row.organisation, row.processor, row.reference, row.roles, row.starts_at, row.ends_at, row.ended_at
        )
        return self._guard._row_macs.valid(message, row.mac)

    def agreement_mac(
        self,
        grant: Grant,
        *,
        processor: str,
        reference: str,
        roles: str,
        starts_at: datetime,
        ends_at: datetime | None,
        ended_at: datetime | None = None,
    ) -> bytes:
        """The MAC of a processing agreement this unit's grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.target.resource is not Resource.PROCESSING_AGREEMENTS:
            raise PermissionError("this grant is not for a processing agreement")
        message = agreement_message(self.actor.organisation, processor, reference, roles, starts_at, ends_at, ended_at)
        return self._guard._row_macs.sign(message)

    def own_assignment_ends(self, case_ref: str) -> dict[Role, datetime | None] | None:
        """When the requester's own live, sealed assignments on the case end, per role (None: open-ended); None
        when they hold none. An adviser's assignment of others may not outlast it."""
        roles = [role.value for role in self.actor.known_roles()]
        rows = repository.assignment_rows(
            self.session,
            organisation=self.actor.organisation,
            user_id=self.actor.user,
            case_refs=[case_ref],
            roles=roles,
            now=self.now,
        )
        ends: dict[Role, datetime | None] = {}
        for row in rows:
            if self.assignment_sealed(row):
                ends[Role(row.role)] = _later(ends.get(Role(row.role), row.ends_at), row.ends_at)
        return ends or None

    def member_mac(
        self,
        grant: Grant,
        *,
        user_id: str,
        role: str,
        credential: str | None,
        credential_date: datetime | None,
        verified_by: str | None,
        supervisor: str | None,
        starts_at: datetime,
        ends_at: datetime | None,
        status: str,
        processor: str | None = None,
    ) -> bytes:
        """The MAC of a registration row this unit's grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.target.resource is not Resource.UNIT_REGISTER:
            raise PermissionError("this grant is not for the unit register")
        message = member_message(
            self.actor.organisation,
            user_id,
            role,
            credential,
            credential_date,
            verified_by,
            supervisor,
            starts_at,
            ends_at,
            status,
            processor,
        )
        return self._guard._row_macs.sign(message)

    def check(
        self, resource: Category | Resource, action: Action, purpose: Purpose, case_ref: str | None = None
    ) -> Decision:
        """What the policy says, without an event: for choosing between views. Whatever is then done is authorized."""
        if case_ref is not None and case_ref not in self._held:
            self.preload_relations([case_ref])
        held = self._held[case_ref]
        return self._policy.decide(request_for_held(held, resource, action, purpose, self.actor.auth_strength))

    def authorize(
        self,
        event_type: EventType,
        action: Action,
        purpose: Purpose,
        target: Target,
        *,
        hide_unless_visible: bool = False,
    ) -> Grant:
        """Decide and note the event. Allowed: a grant. Denied: the refusal is raised after the event commits:
        AccessDenied (403), or with ``hide_unless_visible`` NotFound (404) for a requester who may not even see
        that the object exists (no view_metadata on its category)."""
        decision = self.check(target.resource, action, purpose, target.case_ref)
        reason = self._reason_denied(decision, target.resource, action, purpose)
        pending = self._note(event_type, decision, purpose, target.about, reason)
        if decision.allowed:
            return Grant(_MINT, self, pending, decision, target, action, purpose)
        raise _Refusal(self._denial(target, purpose, hide_unless_visible))

    def authorize_each(
        self, event_type: EventType, action: Action, items: Sequence[tuple[Purpose, Target]]
    ) -> list[Grant | None]:
        """Decide many accesses (a batch): each gets its event; denials are None, not raised."""
        self.preload_relations([t.case_ref for _, t in items if t.case_ref is not None])
        grants: list[Grant | None] = []
        for purpose, target in items:
            decision = self.check(target.resource, action, purpose, target.case_ref)
            reason = self._reason_denied(decision, target.resource, action, purpose)
            pending = self._note(event_type, decision, purpose, target.about, reason)
            grants.append(Grant(_MINT, self, pending, decision, target, action, purpose) if decision.allowed else None)
        return grants

    def authorize_any(
        self,
        event_type: EventType,
        action: Action,
        purpose: Purpose,
        about: About,
        resources: Sequence[Category],
    ) -> dict[Category, Grant]:
        """One access over several categories (the case view): allowed for the categories the policy allows, one
        event naming each matched rule; NotFound after the event when none is allowed."""
        decisions = {r: self.check(r, action, purpose, about.case_ref) for r in resources}
        allowed = [r for r in resources if decisions[r].allowed]
        rule = "; ".join(decisions[r].rule for r in allowed) or decisions[resources[0]].rule
        reason = None
        if not allowed:
            first = self._reason_denied(decisions[resources[0]], resources[0], action, purpose)
            reason = first if first is not Reason.POLICY else Reason.NO_CATEGORY_VISIBLE
        pending = self._note(event_type, Decision(bool(allowed), rule), purpose, about, reason=reason)
        if not allowed:
            raise _Refusal(NotFound("no such case"))
        return {r: Grant(_MINT, self, pending, decisions[r], Target(r, about), action, purpose) for r in allowed}

    def refuse(
        self, event_type: EventType, about: About, reason: Reason, error: VaultError, *, purpose: Purpose | None = None
    ) -> NoReturn:
        """Refuse before any decision (no such object, a conflict): audited, raised after the event commits."""
        self._pending.append(
            _Pending(event_type, "denied", about, None if purpose is None else purpose.value, None, reason)
        )
        raise _Refusal(error)

    def assignment_mac(
        self,
        grant: Grant,
        *,
        case_ref: str,
        user_id: str,
        role: str,
        relation: str,
        starts_at: datetime,
        ends_at: datetime | None,
        revoked_at: datetime | None = None,
    ) -> bytes:
        """The MAC of an assignment row this unit's grant allows writing (vault/access/_row_macs.py)."""
        self._require_open()
        if grant._work is not self or grant.target.resource not in _ASSIGNMENT_WRITERS:
            raise PermissionError("this grant is not for an assignment")
        if grant.target.case_ref != case_ref:
            raise PermissionError("this grant is for another case")
        message = assignment_message(
            self.actor.organisation, case_ref, user_id, role, relation, starts_at, ends_at, revoked_at
        )
        return self._guard._row_macs.sign(message)

    def seal_each(self, items: Sequence[tuple[Grant, FieldsToSeal]]) -> list[dict[str, tuple[str, bytes]] | None]:
        """Seal many records' fields with one key lookup; None where the scope was erased (that event says so)."""
        for grant, fields in items:
            grant._require_sealable(fields)
        return self._seal(items)

    # -- the grant's side --------------------------------------------------------------------------------------------
    def _open(self, grant: Grant, pending: _Pending, record: SealedRecord) -> dict[str, str]:
        self._require_open()
        # a history opens several versions under one event: it names every field any of them held
        pending.fields = tuple(sorted({*pending.fields, *(f.name for f in record.fields)}))
        self._require_unrestricted(grant, record.subject_id, record.category, record.case_ref)
        try:
            try:
                return self._open_fields(record)
            except KeyDestroyed:
                # `kluis keys migrate` may have re-sealed these fields and destroyed their old key since they were
                # read: read them again once; only a key destroyed under the current fields means erased.
                current = repository.sealed_fields(self.session, record.record_id)
                if {(f.name, f.data_key_id) for f in current} == {(f.name, f.data_key_id) for f in record.fields}:
                    raise
                return self._open_fields(replace(record, fields=tuple(current)))
        except KeyDestroyed:
            self._raise_erased(pending)
        except KeyUnavailable:
            self._fail(pending, Reason.KEY_UNAVAILABLE)
        except DecryptionFailed:
            self._fail(pending, Reason.DECRYPTION_FAILED)

    def _open_fields(self, record: SealedRecord) -> dict[str, str]:
        keys = self._guard._data_keys.for_opening(self.session, {f.data_key_id for f in record.fields})
        values: dict[str, str] = {}
        for item in record.fields:
            key = keys[item.data_key_id]
            context = FieldContext(
                record.record_id,
                item.name,
                record.category.value,
                record.subject_id,
                key.id,
                record.organisation,
                record.case_ref,
            )
            values[item.name] = key.open(context, item.ciphertext)
        return values

    def _seal(self, items: Sequence[tuple[Grant, FieldsToSeal]]) -> list[dict[str, tuple[str, bytes]] | None]:
        self._require_open()
        if self.reads_only:
            raise PermissionError("a read-only unit of work seals nothing")
        for grant, fields in items:  # storing new data is allowed under a restriction; changing it is not
            if grant.action is Action.UPDATE:
                self._require_unrestricted(grant, fields.subject_id, fields.category, fields.case_ref)
        scopes = [KeyScope(f.subject_id, f.category.value, f.case_ref, f.retention_class) for _, f in items]
        try:
            keys, destroyed = self._guard._data_keys.for_sealing(self.session, scopes, self.now)
        except (KeyUnavailable, DecryptionFailed) as exc:  # exhausted, missing, or a wrapped key that will not open
            reason = Reason.KEY_UNAVAILABLE if isinstance(exc, KeyUnavailable) else Reason.DECRYPTION_FAILED
            for grant, _ in items:
                grant._pending.outcome, grant._pending.reason = "failed", reason
            raise _Refusal(KeyUnavailable("key unavailable")) from None
        sealed: list[dict[str, tuple[str, bytes]] | None] = []
        for (grant, fields), scope in zip(items, scopes, strict=True):
            if scope in destroyed:
                grant._pending.outcome, grant._pending.reason = "erased", Reason.KEY_DESTROYED
                grant._pending.about = replace(grant._pending.about, subject=fields.subject_id)
                sealed.append(None)
                continue
            key = keys[scope]
            self._keys_used[key.id] = key
            sealed.append(
                {
                    name: (
                        key.id,
                        key.seal(
                            FieldContext(
                                fields.record_id,
                                name,
                                fields.category.value,
                                fields.subject_id,
                                key.id,
                                self.actor.organisation,
                                fields.case_ref,
                            ),
                            value,
                        ),
                    )
                    for name, value in fields.values.items()
                }
            )
        return sealed

    def _raise_erased(self, pending: _Pending) -> NoReturn:
        pending.outcome, pending.reason = "erased", Reason.KEY_DESTROYED
        raise _Refusal(Erased("the data were erased"))

    def _fail(self, pending: _Pending, reason: Reason) -> NoReturn:
        pending.outcome, pending.reason = "failed", reason
        raise _Refusal(DecryptionFailed())

    def _shred(self, grant: Grant, except_cases: frozenset[str]) -> tuple[list[str], int]:
        self._require_open()
        about = grant.target.about
        if (
            grant._work is not self
            or grant.action is not Action.ERASE
            or not isinstance(grant.target.resource, Category)
        ):
            raise PermissionError("this grant is not for an erasure")
        if grant._used or about.subject is None:
            raise PermissionError("an erasure grant names its subject and erases once")
        grant._used = True
        found = self._guard._data_keys.subject_keys(self.session, about.subject, grant.target.resource.value)
        rows = [row for row in found if row.case_ref is None or row.case_ref not in except_cases]
        destroyed = sorted(row.id for row in rows)
        self._guard._data_keys.destroy(self.session, destroyed, self.now)
        # The event names the keys: the chained log then holds them, and a retirement re-destroys any key a
        # database administrator put back from a copy before it could be re-wrapped under the new KEK.
        grant._pending.about = replace(about, target=f"{about.target};{ERASED_KEYS}{','.join(destroyed)}")
        return destroyed, max((row.kek_version for row in rows), default=0)

    def retention_candidates(self, subject_ids: Sequence[str] | None = None) -> list[RetentionCandidate]:
        """Metadata of the records a live data key still seals (of these subjects, or all of the organisation's),
        for a retention run the caller's work has authorized; never a value."""
        return _retention.candidates(self.session, self.actor.organisation, subject_ids)

    def scope_consistent(self, scope: RetentionScope, record_ids: set[str]) -> bool:
        """Whether the scope's live keys seal exactly these records (the retention candidates' columns agree with
        the keys); not so raises an integrity alert: a record's class, case or subject edited in the database."""
        key_ids, sealed = _retention.scope_keys(self, scope)
        if key_ids and sealed == record_ids:
            return True
        self._alert("retention_scope", f"retention_scope:{scope.case_ref}:{scope.retention_class}", scope.case_ref)
        return False

    def shred_expired(self, grants: Sequence[Grant], scope: RetentionScope) -> list[str]:
        """Crypto-shred one expired retention scope (R36), each of its records decided with its own grant in this
        unit (vault/access/_retention.py). The keys are gone exactly when the events commit."""
        self._require_open()
        return _retention.shred_scope(self, grants, scope)

    def closure_mac(self, grant: Grant, case_ref: str, subject_id: str) -> bytes:
        """The MAC of a case's closure, now and by this unit's actor, that this unit's close grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.action is not Action.CLOSE or grant.target.case_ref != case_ref:
            raise PermissionError("this grant is not for closing this case")
        message = closure_message(self.actor.organisation, case_ref, subject_id, self.now, self.actor.user)
        return self._guard._row_macs.sign(message)

    def closure_proven(self, row: Any) -> bool:
        """Whether a closed case's closure is as Kluis wrote it: its seal holds. A missing or broken seal raises an
        integrity alert (a closure is never proven from the log: a row forged there would prove it)."""
        if row.closed_at is None or row.closed_by is None:
            return False
        message = closure_message(row.organisation, row.case_ref, row.subject_id, row.closed_at, row.closed_by)
        if row.closure_mac is not None and self._guard._row_macs.valid(message, row.closure_mac):
            return True
        self._alert("case", f"case_closure:{row.case_ref}", row.case_ref)
        return False

    def request_mac(self, grant: Grant, row: Any, **changes: Any) -> bytes:
        """The MAC of a subject's request row (with ``changes`` applied) this unit's grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.target.resource not in (Resource.SUBJECT_REQUESTS, *Category):
            raise PermissionError("this grant is not for a subject's request")
        return self._guard._row_macs.sign(_request_message(self.actor.organisation, row, changes))

    def hold_mac(self, grant: Grant, row: Any, lifted_at: datetime | None) -> bytes:
        """The MAC of a legal hold row (as placed, or as lifted at ``lifted_at``) this unit's grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.target.resource is not Resource.LEGAL_HOLDS:
            raise PermissionError("this grant is not for a legal hold")
        message = hold_message(self.actor.organisation, row.id, row.subject_id, row.case_ref, row.ground, lifted_at)
        return self._guard._row_macs.sign(message)

    def hold_sealed(self, row: Any) -> bool:
        """Whether a legal hold row is as Kluis wrote it (a hold lifted in the database fails this)."""
        message = hold_message(row.organisation, row.id, row.subject_id, row.case_ref, row.ground, row.lifted_at)
        return self._guard._row_macs.valid(message, row.mac)

    def request_sealed(self, row: Any) -> bool:
        """Whether a subject's request row is as Kluis wrote it (a request redirected to another subject, or made
        to look identified, in the database fails this)."""
        return self._guard._row_macs.valid(_request_message(row.organisation, row, {}), row.mac)

    # -- restriction of processing (art. 18, R30; vault/access/_restrictions.py) ----------------------------------
    def restrictions_on(self, subject_ids: Sequence[str], category: Category) -> list[RestrictionRow]:
        """The restrictions that restrict these subjects' data in the category now (a row whose seal fails
        counts, and raises an integrity alert). A read-only unit looks each up once (a history opens several
        versions of one record); a unit that writes may change them, so it reads them each time."""
        key = (tuple(sorted(set(subject_ids))), category)
        if self.reads_only and key in self._restrictions:
            return self._restrictions[key]
        unsealed: list[RestrictionRow] = []
        found = restrictions_counting(
            self.session, self.actor.organisation, subject_ids, category.value, self.restriction_sealed, unsealed
        )
        for row in unsealed:
            self._alert("restriction", f"restriction:{row.id}", row.case_ref)
        self._restrictions[key] = found
        return found

    def restricted(self, subject_id: str, category: Category, case_ref: str) -> bool:
        """Whether the subject's data in the category, on this case, are restricted now."""
        return any(row.covers(case_ref) for row in self.restrictions_on([subject_id], category))

    def _require_unrestricted(self, grant: Grant, subject_id: str, category: Category, case_ref: str) -> None:
        """Refuse (audited as ``restricted``) processing restricted data, unless a live, sealed exception for the
        grant's purpose covers every restriction that applies; such an access names its exceptions."""
        applying = [row for row in self.restrictions_on([subject_id], category) if row.covers(case_ref)]
        if not applying:
            return
        if grant._answers is not None and grant.action in (Action.UPDATE, Action.RELEASE):  # the subject asked
            grant._pending.reason = Reason.RESTRICTION_EXCEPTION
            return
        unsealed: list[ExceptionRow] = []
        covering = exceptions_covering(
            self.session, applying, grant.purpose.value, self.now, self.exception_sealed, unsealed
        )
        for row in unsealed:
            self._alert("restriction_exception", f"restriction_exception:{row.id}", case_ref)
        if covering is None:
            grant._pending.about = replace(grant._pending.about, subject=subject_id)
            self._withdraw(grant._pending, Reason.RESTRICTED, Restricted("the subject's data are restricted"))
        named = "restriction_exception:" + ",".join(str(row.id) for row in covering)
        about = grant._pending.about
        grant._pending.about = replace(about, target=named if about.target is None else f"{about.target};{named}")
        grant._pending.reason = Reason.RESTRICTION_EXCEPTION

    def restriction_sealed(self, row: RestrictionRow) -> bool:
        """Whether a restriction row is as Kluis wrote it (one lifted or moved in the database fails this)."""
        message = restriction_message(
            row.organisation, row.id, row.subject_id, row.category, row.case_ref, row.lifted_at
        )
        return self._guard._row_macs.valid(message, row.mac)

    def exception_sealed(self, row: ExceptionRow) -> bool:
        message = exception_message(
            row.organisation,
            row.id,
            row.restriction_id,
            row.kind,
            row.purpose,
            row.starts_at,
            row.ends_at,
            row.ended_at,
        )
        return self._guard._row_macs.valid(message, row.mac)

    def restriction_mac(self, grant: Grant, row: RestrictionRow, lifted_at: datetime | None) -> bytes:
        """The MAC of a restriction (as placed, or as lifted at ``lifted_at``) this unit's grant allows writing."""
        self._require_grant_for(grant, Resource.RESTRICTIONS)
        message = restriction_message(
            self.actor.organisation, row.id, row.subject_id, row.category, row.case_ref, lifted_at
        )
        return self._guard._row_macs.sign(message)

    def exception_mac(self, grant: Grant, row: ExceptionRow, ended_at: datetime | None) -> bytes:
        """The MAC of an exception to a restriction (as granted, or as ended) this unit's grant allows writing."""
        self._require_grant_for(grant, Resource.RESTRICTIONS)
        message = exception_message(
            self.actor.organisation,
            row.id,
            row.restriction_id,
            row.kind,
            row.purpose,
            row.starts_at,
            row.ends_at,
            ended_at,
        )
        return self._guard._row_macs.sign(message)

    def release_mac(self, grant: Grant, row: dict[str, Any]) -> bytes:
        """The MAC of a release of the medical file (R27) this unit's release grant allows writing."""
        self._require_open()
        if grant._work is not self or grant.action is not Action.RELEASE:
            raise PermissionError("this grant is not for a release")
        return self._guard._row_macs.sign(_release_message(self.actor.organisation, row))

    def release_sealed(self, row: Any) -> bool:
        """Whether a release row is as Kluis wrote it; one changed in the database raises an integrity alert."""
        values = {name: getattr(row, name) for name in _RELEASE_COLUMNS}
        sealed = self._guard._row_macs.valid(_release_message(row.organisation, values), row.mac)
        if not sealed:
            self._alert("medical_release", f"medical_release:{row.id}")
        return sealed

    def breach_mac(self, grant: Grant, row: Any) -> bytes:
        """The MAC of a breach register entry (R46) this unit's grant allows writing."""
        self._require_open()
        if (
            grant._work is not self
            or grant.target.resource is not Resource.BREACHES
            or grant.action is not Action.MANAGE
        ):
            raise PermissionError("this grant is not for the breach register")
        return self._guard._row_macs.sign(breach_message(self.actor.organisation, row.id, _breach_columns(row)))

    def kek_versions_in_use(self, category: Category) -> list[int]:
        """The KEK versions wrapping a live data key of the category (a breach's key state, R34, R46)."""
        return repository.kek_versions_in_use(self.session, category.value)

    def breach_sealed(self, row: Any) -> bool:
        """Whether a breach entry is as Kluis wrote it; one changed in the database raises an integrity alert."""
        sealed = self._guard._row_macs.valid(breach_message(row.organisation, row.id, _breach_columns(row)), row.mac)
        if not sealed:
            self._alert("breach", f"breach:{row.id}")
        return sealed

    def serves(self, category: Category, purpose: Purpose) -> bool:
        """Whether the policy lets any data role assigned to a case read the category for this purpose (an exception
        for a purpose nobody may read for would let nothing through)."""
        return any(
            self._policy.decide(DecisionRequest.of({role: Relation.ASSIGNED}, category, Action.READ, purpose)).allowed
            for role in (Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF, Role.CRIMINAL_DATA_OFFICER)
        )

    def _require_grant_for(self, grant: Grant, resource: Resource) -> None:
        self._require_open()
        if grant._work is not self or grant.target.resource is not resource:
            raise PermissionError(f"this grant is not for {resource.value}")

    def pre_scope_keys_hold(self, subject_id: str, category: Category, held_cases: Sequence[str]) -> bool:
        """Whether a live data key from before the per-case scope seals some of the subject's data in the category
        on a held case, now or in the values changes replaced (R28): destroying it would erase what the hold keeps."""
        rows = self._guard._data_keys.subject_keys(self.session, subject_id, category.value)
        legacy = [row.id for row in rows if row.case_ref is None]
        return repository.pre_scope_keys_seal(self.session, legacy, list(held_cases))

    def keys_destroyed(self, key_ids: Sequence[str]) -> bool:
        """Whether every one of these data keys is destroyed now (an erasure still stands)."""
        return self._guard._data_keys.all_destroyed(self.session, key_ids)

    def audit_public_key(self) -> bytes:
        key: bytes = self._guard._provider.audit_public_key()
        return key

    def _sign(self, grant: Grant, label: bytes, statement: bytes) -> bytes:
        self._require_open()
        if grant._work is not self:
            raise PermissionError("this grant belongs to another unit of work")
        signature: bytes = self._guard._provider.audit_signer(KEY_ACCESS).sign(label + b"\x00" + statement)
        return signature

    def kek_versions(self, category: Category) -> list[int]:
        """The category's KEK versions the provider still holds (none retired)."""
        return self._guard._provider.versions(category)

    def _withdraw(self, pending: _Pending, reason: Reason, error: VaultError) -> NoReturn:
        pending.outcome, pending.reason = "denied", reason
        raise _Refusal(error)

    # -- internals ---------------------------------------------------------------------------------------------
    def _note(
        self, event_type: EventType, decision: Decision, purpose: Purpose, about: About, reason: Reason | None = None
    ) -> _Pending:
        if reason is None and not decision.allowed:
            reason = Reason.POLICY
        if decision.allowed and _BREAK_GLASS_RULE in decision.rule:  # R37: flagged in the log and the report
            about = replace(about, break_glass=True)
        on_behalf = self._on_behalf.get(about.case_ref or "") if decision.allowed else None
        pending = _Pending(
            event_type, "allowed" if decision.allowed else "denied", about, purpose.value, decision.rule, reason
        )
        pending.on_behalf_of = on_behalf
        self._pending.append(pending)
        return pending

    def _reason_denied(
        self, decision: Decision, resource: Category | Resource, action: Action, purpose: Purpose
    ) -> Reason | None:
        """Why a denial: the processing agreement, the register, the segregation of duties or the authentication
        when a claimed role that does not count would, on its own, have allowed it on a case it works on; the policy
        otherwise."""
        if decision.allowed:
            return None
        for why in REASON_ORDER:
            for role in sorted(role for role, reason in self._unconfirmed.items() if reason == why):
                request = DecisionRequest.of({role: Relation.ASSIGNED}, resource, action, purpose)
                if self._policy.decide(request).allowed:
                    return Reason(why)
        return Reason.POLICY

    def _denial(self, target: Target, purpose: Purpose, hide_unless_visible: bool) -> VaultError:
        if not hide_unless_visible:
            return AccessDenied("not allowed")
        # 403 for someone who may see that the object exists (the case view shows it), 404 for anyone else, so
        # that existence itself does not leak.
        visible = self.check(target.resource, Action.VIEW_METADATA, purpose, target.case_ref).allowed
        return AccessDenied("not allowed") if visible else NotFound("not found")

    def _require_open(self) -> None:
        if self._state != "open":
            raise PermissionError("this grant's unit of work has ended")

    def _events(self) -> list[AuditEvent]:
        """This unit's events, built from what it noted. Nothing may commit unaudited."""
        if not self._pending:
            raise RuntimeError("an operation ended without a decision or a refusal: nothing may commit unaudited")
        actor, now = self.actor, self.now
        return [
            events.refused(p.event_type, actor, now, p.about, p.reason or Reason.POLICY, purpose=p.purpose)
            if p.rule is None
            else events.decided(
                p.event_type,
                actor if p.on_behalf_of is None else replace(actor, on_behalf_of=p.on_behalf_of),
                p.outcome,
                now,
                p.about,
                purpose=p.purpose,
                rule=p.rule,
                reason=p.reason,
            )
            for p in self._pending
        ]

    def _flush(self) -> None:
        """Append the events in this unit's own transaction (a unit that writes: its events and its writes commit
        together or not at all)."""
        built = self._events()
        self._guard._data_keys.record_seals(self.session, self._keys_used.values())
        self._guard._audit_log.append(self.session, built)


@contextmanager
def _storage_failures_fail_closed() -> Iterator[None]:
    """A storage failure anywhere, the commit included, means the access did not happen."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise AuditUnavailable("storage unavailable: the access was not recorded, so it did not happen") from exc


class _Provider(Wrapper, RowMacProvider, Protocol):
    """What the guard needs of the key provider: wrapping data keys, sealing rows, signing receipts."""

    def audit_signer(self, access: Any) -> Any: ...

    def audit_public_key(self) -> bytes: ...


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two ends, None (open-ended) being the latest."""
    return None if a is None or b is None else max(a, b)


# Grants that may write assignment rows: managing them, and closing a case (which ends every assignment on it).
_ASSIGNMENT_WRITERS = frozenset({Resource.ASSIGNMENTS, Resource.UNIT_ASSIGNMENTS, Resource.CASES, Resource.BREAK_GLASS})
# The relation a break-glass use gives, as the policy's rules name it: an access allowed by such a rule is flagged.
_BREAK_GLASS_RULE = f", {Relation.BREAK_GLASS.value}, allow"


def _request_message(organisation: str, row: Any, changes: dict[str, Any]) -> bytes:
    values = {
        key: changes.get(key, getattr(row, key)) for key in ("id", "subject_id", "kind", "identity_method", "status")
    }
    return request_message(
        organisation, values["id"], values["subject_id"], values["kind"], values["identity_method"], values["status"]
    )


_RELEASE_COLUMNS = (
    "request_id",
    "subject_id",
    "recipient",
    "physician_name",
    "physician_big",
    "released_by",
    "released_at",
    "record_ids",
    "excluded",
)


BREACH_COLUMNS = (
    "detected_at",
    "recorded_at",
    "recorded_by",
    "exposure",
    "categories",
    "description",
    "compromised_keks",
    "risk",
    "risk_assessment",
    "authority_notified_at",
    "authority_reference",
    "subjects_informed_at",
    "not_informed_ground",
    "closed_at",
)


def _breach_columns(row: Any) -> tuple[str, ...]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat(timespec="microseconds")
        return str(value)

    return tuple(text(getattr(row, name)) for name in BREACH_COLUMNS)


def _release_message(organisation: str, values: dict[str, Any]) -> bytes:
    return release_message(organisation, *(values[name] for name in _RELEASE_COLUMNS))


def _member_message(row: MemberRow) -> bytes:
    return member_message(
        row.organisation,
        row.user_id,
        row.role,
        row.credential,
        row.credential_date,
        row.verified_by,
        row.supervisor,
        row.starts_at,
        row.ends_at,
        row.status,
        row.processor,
    )


def _message(row: AssignmentRow) -> bytes:
    return assignment_message(
        row.organisation, row.case_ref, row.user_id, row.role, row.relation, row.starts_at, row.ends_at, row.revoked_at
    )


class AccessGuard:
    """Decides, audits, and issues grants. Built once per process (vault.bootstrap) from the dependency bundle."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        read_sessions: sessionmaker[Session],
        policies: PolicyStore,
        audit_log: AuditLog,
        provider: _Provider,
        clock: Clock,
        witness: Witness | None = None,
        multi_factor_roles: frozenset[Role] = frozenset(),
    ) -> None:
        self._sessions = sessions
        self.multi_factor_roles = multi_factor_roles  # data roles that count only with multi-factor tokens (R38)
        self._read_sessions = read_sessions  # read-only (vault._kit.make_sessionmaker): reads_only units run in it
        self._engine: Engine = sessions.kw["bind"]
        self.policies = policies
        self._audit_log = audit_log
        # The only holder of data keys and of the key access that unwraps them: reached through grants.
        self._data_keys = DataKeys(provider, KEY_ACCESS)
        self._row_macs = RowMacs(provider, KEY_ACCESS)
        self._provider = provider  # for signing receipts and listing KEK versions; its key access stays here
        self.clock = clock
        self._witness = witness
        # The events of read-only units, from many threads, committed together (vault/_kit/group_commit.py).
        self._group: GroupCommit[AuditEvent, None] = GroupCommit(self._append_committed)

    def run(
        self,
        actor: Actor,
        operation: Callable[[Work], T],
        *,
        reads_only: bool = False,
        retry_conflicts: bool = False,
        decide_with: Policy | None = None,
    ) -> T:
        """Run one operation as one audited unit of work.

        ``reads_only``: the operation only reads (a record read, a case view). It runs in a read-only transaction
        that takes no write lock, and its events are then committed by group commit with those of other requests;
        it returns only once they are durable, and raises AuditUnavailable if they cannot be. A write in such a unit
        fails (the transaction is read-only), so nothing is ever written outside the transaction of its events.
        ``retry_conflicts``: two writers creating the first record of the same new subject race on its unique rows;
        the loser's transaction rolls back whole and runs again, and then finds the winner's rows.
        ``decide_with``: the policy to decide with instead of the stored one (only for loading the very first policy).
        """
        if reads_only:
            return self._run_reading(actor, operation)
        retries = _CONFLICT_RETRIES if retry_conflicts else 0
        return retrying_conflicts(lambda: self._run_once(actor, operation, decide_with), retries)

    def _run_once(self, actor: Actor, operation: Callable[[Work], T], decide_with: Policy | None) -> T:
        refusal: VaultError | None = None
        policy = decide_with or self.policies.current()
        work: Work | None = None
        try:
            with self._transaction() as session:
                work = Work(self, actor, session, policy)
                try:
                    result = operation(work)
                except _Refusal as stop:
                    refusal = stop.error
                work._flush()
                flushed = time.perf_counter()
        except BaseException:
            if work is not None:
                work._state = "ended"  # rolled back: its grants are good for nothing
            raise
        assert work is not None
        work._state = "committed"
        AUDIT_WAIT.labels("write").observe(time.perf_counter() - flushed)
        self._count(work)
        if refusal is not None:
            raise refusal
        return result

    def _run_reading(self, actor: Actor, operation: Callable[[Work], T]) -> T:
        refusal: VaultError | None = None
        work: Work | None = None
        try:
            with self._read_transaction() as session:
                work = Work(self, actor, session, self.policies.current(), reads_only=True)
                try:
                    result = operation(work)
                except _Refusal as stop:
                    refusal = stop.error
                built = work._events()
            ended = time.perf_counter()
            self._group.submit(built)  # durable before anything is returned or raised
        except BaseException:
            if work is not None:
                work._state = "ended"
            raise
        work._state = "committed"
        AUDIT_WAIT.labels("group").observe(time.perf_counter() - ended)
        self._count(work)
        if refusal is not None:
            raise refusal
        return result

    def _append_committed(self, batch: list[AuditEvent]) -> None:
        """One group commit: the events of every waiting read-only unit, in one transaction."""
        with self._transaction() as session:
            self._audit_log.append(session, batch)
        AUDIT_EVENTS_PER_COMMIT.observe(len(batch))

    @staticmethod
    def _count(work: Work) -> None:
        """Count what a committed unit decided (its events are durable now)."""
        for pending in work._pending:
            DECISIONS.labels(pending.event_type.value, pending.outcome).inc()

    def seal_unsealed_assignments(self, actor: Actor) -> int:
        """Give rows from before row MACs their MAC (the upgrade across migration 0005, run by `kluis init`):
        decided as managing assignments, audited as `assignment.seal`."""

        def operation(work: Work) -> int:
            rows = repository.unsealed_assignments(work.session)
            target = Target(Resource.ASSIGNMENTS, About(target=f"{len(rows)} rows"))
            work.authorize(EventType.ASSIGNMENT_SEAL, Action.MANAGE, Purpose.ADMINISTRATION, target)
            repository.set_assignment_macs(work.session, {row.id: self._row_macs.sign(_message(row)) for row in rows})
            return len(rows)

        return self.run(actor, operation)

    def would_allow(self, actor: Actor, resource: Resource, action: Action, purpose: Purpose) -> bool:
        """What the policy would decide for a resource that is not about a case, without an event: for reviews of
        a damaged log, which read first and record their access afterwards (when the log still takes an event)."""
        held = held_roles(no_relation(actor))
        request = DecisionRequest.for_held(held, resource, action, purpose, actor.auth_strength)
        return self.policies.current().decide(request).allowed

    def conclude(self, actor: Actor, event_type: EventType, *, ok: bool, reason: Reason) -> None:
        """Record how an operation allowed earlier ended (its own event, committed by group commit)."""
        self._group.submit([events.concluded(event_type, actor, self.clock.now(), ok=ok, reason=reason)])

    def adopt_audit_head(self, operator: Actor, *, upgrading: bool) -> None:
        """Seal an audit head from before head seals by appending to it (`kluis init`), audited as
        `audit.head_seal`: the empty log, a head at a valid signed checkpoint, or (``upgrading``) the head found in
        the run that migrates to head seals. A sealed head is left alone; any other head is refused."""
        now = self.clock.now()
        event = events.concluded(EventType.AUDIT_HEAD_SEAL, operator, now, ok=True, reason=Reason.COMPLETED)
        with self._transaction() as session:
            if self._audit_log.needs_adoption(session, upgrading=upgrading):
                self._audit_log.append(session, [event], adopt_unsealed=True)

    def audit_head_sealed(self, head: Head) -> bool:
        """Whether the audit head row's seal holds (for verify)."""
        return self._audit_log.head_sealed(head)

    def refuse_token(
        self, organisation: str, reason: Reason, *, client: str | None, request_id: str | None, count: int = 1
    ) -> None:
        """Unauthenticated attempts: audited with their reason code (``count`` of them in one event)."""
        event = events.token_refused(
            organisation, reason, self.clock.now(), client=client, request_id=request_id, count=count
        )
        self._group.submit([event])

    def seal_audit_head(self, *, only_if_due: bool = False) -> Checkpoint | None:
        """Sign a checkpoint at the current head now (before an export; with ``only_if_due``, on a timer for an idle
        log), unless the head is signed already. Returns the checkpoint at the head."""
        with self._transaction() as session:
            checkpoint = self._audit_log.seal_head(session, only_if_due=only_if_due)
        return checkpoint

    def witnessed_head(self) -> Checkpoint | None:
        """The newest signed head the witness holds (None without a witness or before the first)."""
        return None if self._witness is None else self._witness.latest()

    def _after_commit(self, session: Session) -> None:
        """What a committed transaction's audit appends call for: the head gauge, and the newest head it signed
        given to the witness. After the commit, so a rolled-back head is never witnessed; a witness that fails is
        logged and counted, and catches up with the next checkpoint."""
        seq, signed = self._audit_log.appended(session)
        if seq is not None:
            AUDIT_HEAD.set(seq)
        if self._witness is None or signed is None:
            return
        try:
            self._witness.record(signed)
        except OSError as exc:
            WITNESS_FAILURES.inc()
            log.error("audit_witness_failed", error=type(exc).__name__, seq=signed.seq)
        else:
            WITNESSED.set(signed.seq)

    @contextmanager
    def _read_transaction(self) -> Iterator[Session]:
        """A read-only transaction (no write lock on SQLite; READ ONLY on PostgreSQL)."""
        with _storage_failures_fail_closed(), self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One write transaction. Every transaction that appends to the audit log runs here, and so what its commit
        calls for (the witness, the head gauge) runs once, here."""
        with _storage_failures_fail_closed(), writer_lock(self._engine), self._sessions() as session, session.begin():
            yield session
        self._after_commit(session)

    # -- key operations a committed grant may run (vault/access/_key_operations.py) -------------------------------
    def _rotate(self, grant: Grant) -> tuple[int, int]:
        category = _key_operations.committed_key_grant(grant, EventType.KEYS_ROTATE)
        if category is None:
            raise PermissionError("a rotation grant names its category")
        return self._data_keys.rotate(self._transaction, category)

    def _retire(self, grant: Grant) -> tuple[int, int, list[int], int]:
        category = _key_operations.committed_key_grant(grant, EventType.KEYS_RETIRE)
        if category is None:
            raise PermissionError("a retirement grant names its category")
        with self._read_sessions() as session:
            erased = erased_key_ids(session, category.value)
        return self._data_keys.retire(self._transaction, category, erased)

    def _migrate(self, grant: Grant) -> tuple[int, int, int, int]:
        _key_operations.committed_key_grant(grant, EventType.KEYS_MIGRATE)
        migrated, resealed, keys_failed = _key_operations.migrate_pre_scope_keys(
            self._data_keys, self._transaction, self.clock
        )
        upgraded, fields_failed = _key_operations.upgrade_format_one_fields(self._data_keys, self._transaction)
        return migrated, resealed + upgraded, keys_failed, fields_failed
