"""Administration: need-to-know assignments, and operator actions on keys and the audit log — each decided by the
policy and audited like data access."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from vault import audit_review, audit_search, repository
from vault.audit_chain import Verification
from vault.audit_event import ActionCode, Actor, AuditEvent
from vault.audit_search import AuditPage, AuditQuery, Tally
from vault.errors import AccessDenied, InvalidInput
from vault.events import admin_event
from vault.policy import Decision
from vault.service_base import ServiceBase, roles_of
from vault.vocabulary import MEDICAL_UNIT_ROLES, Action, Purpose, Relation, Resource, Role


class AdminService(ServiceBase):
    def assign(
        self,
        actor: Actor,
        *,
        case_ref: str,
        user_id: str,
        role: Role,
        relation: Relation = Relation.ASSIGNED,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> int:
        """Give a user need-to-know on a case in one role. Audited as an assignment change."""
        now = self._clock()
        starts = starts_at or now
        if relation is Relation.NONE or (ends_at is not None and ends_at <= starts):
            raise InvalidInput("an assignment needs a relation and an end after its start")
        with self._transaction() as session:
            decision = self._assignment_decision(session, actor, case_ref, role, now)
            assignment_id = None
            if decision.allowed:
                assignment_id = repository.add_assignment(
                    session,
                    organisation=actor.organisation,
                    case_ref=case_ref,
                    user_id=user_id,
                    role=role,
                    relation=relation,
                    starts_at=starts,
                    ends_at=ends_at,
                    created_by=actor.user,
                )
            self._audit.append(
                session,
                [
                    admin_event(
                        actor,
                        "assignment.create",
                        "C",
                        decision,
                        now,
                        case_ref=case_ref,
                        target=f"{user_id}:{role.value}",
                    )
                ],
            )
        if assignment_id is None:
            raise AccessDenied("not allowed to manage assignments")
        return assignment_id

    def revoke(self, actor: Actor, *, case_ref: str, user_id: str, role: Role) -> int:
        now = self._clock()
        with self._transaction() as session:
            decision = self._assignment_decision(session, actor, case_ref, role, now)
            count = (
                repository.revoke_assignments(
                    session, organisation=actor.organisation, case_ref=case_ref, user_id=user_id, role=role, now=now
                )
                if decision.allowed
                else 0
            )
            self._audit.append(
                session,
                [
                    admin_event(
                        actor,
                        "assignment.revoke",
                        "D",
                        decision,
                        now,
                        case_ref=case_ref,
                        target=f"{user_id}:{role.value}",
                    )
                ],
            )
        if not decision.allowed:
            raise AccessDenied("not allowed to manage assignments")
        return count

    # -- operations on keys and the audit log -----------------------------------------------------------------
    def authorize_operation(self, actor: Actor, resource: Resource, event_type: str, detail: str | None = None) -> None:
        """Decide and audit an operator action (key rotation, audit verify/export) before it runs."""
        now = self._clock()
        action_code: ActionCode = "R" if resource is Resource.AUDIT_LOG else "E"
        with self._transaction() as session:
            decision = self._admin_decision(actor, resource)
            self._audit.append(session, [admin_event(actor, event_type, action_code, decision, now, target=detail)])
        if not decision.allowed:
            raise AccessDenied(f"not allowed: {event_type}")

    def record_outcome(self, actor: Actor, event_type: str, outcome: str, detail: str) -> None:
        """Audit how an operator action ended (e.g. the result of a verification)."""
        with self._transaction() as session:
            self._audit.append(
                session,
                [
                    AuditEvent(
                        "E",
                        event_type,
                        "allowed" if outcome == "ok" else "failed",
                        actor,
                        reason=detail,
                        object_type="operation",
                        occurred_at=self._clock(),
                    )
                ],
            )

    def record_authentication_failure(
        self, organisation: str, reason: str, client: str | None, request_id: str | None
    ) -> None:
        """A refused token is an access attempt too (R39): audited with a reason code, never the token."""
        anonymous = Actor(user="anonymous", roles=(), organisation=organisation, client=client, request_id=request_id)
        with self._transaction() as session:
            self._audit.append(
                session,
                [
                    AuditEvent(
                        "E",
                        "auth.token",
                        "denied",
                        anonymous,
                        reason=reason,
                        object_type="session",
                        occurred_at=self._clock(),
                    )
                ],
            )

    def _assignment_decision(
        self, session: Session, actor: Actor, case_ref: str, role: Role, now: datetime
    ) -> Decision:
        """Key admins assign any role; an adviser on the case assigns unit members to it (policy: unit_assignments)."""
        resource = Resource.UNIT_ASSIGNMENTS if role in MEDICAL_UNIT_ROLES else Resource.ASSIGNMENTS
        relations = self._relations(session, actor, case_ref, now)
        return self._policy.decide(relations, resource, Action.MANAGE, Purpose.ADMINISTRATION)

    # -- the audit log, for the security officer ----------------------------------------------------------------
    def search_audit(self, actor: Actor, query: AuditQuery) -> AuditPage:
        """Events matching the query, newest first, one page; the search itself is audited."""
        self.authorize_operation(actor, Resource.AUDIT_LOG, "audit.search", detail=query.describe())
        with self._read_sessions() as session:
            return audit_search.search(session, query)

    def verify_audit(self, actor: Actor, public_key: bytes | None = None) -> Verification:
        """Recompute the chain and checkpoints (against the given trusted key, or the signing key's own); the check
        and its outcome are audited."""
        self.authorize_operation(actor, Resource.AUDIT_LOG, "audit.verify")
        key = public_key or self._keys.audit_signer().public_bytes()
        with self._read_sessions() as session:
            result = audit_review.verify_stored(session, key, self._audit.checkpoint_interval)
        outcome = "ok" if result.ok else "failed"
        self.record_outcome(actor, "audit.verify", outcome, result.problem or f"{result.events} events")
        return result

    def export_audit(self, actor: Actor) -> Iterator[str]:
        """The log as export lines (docs/FORMATS.md), signed to its head first; streamed from a read session."""
        self.authorize_operation(actor, Resource.AUDIT_LOG, "audit.export")
        with self._transaction() as session:
            self._audit.seal_head(session)
        key = self._keys.audit_signer().public_bytes()

        def lines() -> Iterator[str]:
            with self._read_sessions() as session:
                yield from audit_review.export(session, key)

        return lines()

    def audit_overview(self, actor: Actor, *, user: str | None = None, subject: str | None = None) -> list[Tally]:
        """Per-user or per-subject overview (NEN 7513): what was accessed, by category, action and outcome."""
        self.authorize_operation(
            actor, Resource.AUDIT_LOG, "audit.overview", detail=f"user={user}" if user else f"subject={subject}"
        )
        with self._read_sessions() as session:
            return audit_search.overview(session, user=user, subject=subject)

    def _admin_decision(self, actor: Actor, resource: Resource) -> Decision:
        purpose = Purpose.AUDIT_REVIEW if resource is Resource.AUDIT_LOG else Purpose.ADMINISTRATION
        action = Action.READ if resource is Resource.AUDIT_LOG else Action.MANAGE
        return self._policy.decide(dict.fromkeys(roles_of(actor), Relation.NONE), resource, action, purpose)
