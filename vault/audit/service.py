"""The security officer's side of the audit log: search, per-user and per-subject overviews, verification and
export. Each is decided by the policy and audited through the access guard before it reads anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.audit import _repository as repository
from vault.audit._chain import Verification, verify_chain
from vault.audit._event import About
from vault.audit._events import EventType, Reason
from vault.audit._export import export_lines
from vault.audit._schemas import AuditPage, AuditQuery, Tally
from vault.errors import AccessDenied, AuditUnavailable, InvalidInput
from vault.identifiers import looks_like_bsn
from vault.vocabulary import Action, Purpose, Resource


class AuditService:
    def __init__(
        self,
        *,
        guard: AccessGuard,
        read_sessions: sessionmaker[Session],
        public_key: bytes,
        checkpoint_interval: int,
        home_organisation: str,
    ) -> None:
        self._guard = guard
        # The organisation running this Kluis: its security officer verifies and exports the whole log (which holds
        # every organisation's events in one chain); the others search and review only their own (R47).
        self._home = home_organisation
        # Long reads of the audit log must not take SQLite's write lock (see vault._kit.db).
        self._read_sessions = read_sessions
        self._public_key = public_key
        self._interval = checkpoint_interval

    @property
    def public_key(self) -> bytes:
        """The key checkpoints are verified with (from the provider's signer)."""
        return self._public_key

    def _authorize(
        self, actor: Actor, event_type: EventType, target: str | None = None, reason: Reason | None = None
    ) -> None:
        """The security officer's access to the audit log, decided and audited (refused: raised after its event)."""

        def decide(work: Work) -> None:
            about = About(target=target)
            if event_type in _WHOLE_LOG and work.actor.organisation != self._home:
                error = AccessDenied("the whole log is verified and exported by the organisation that runs Kluis")
                work.refuse(event_type, about, Reason.OTHER_ORGANISATION, error, purpose=Purpose.AUDIT_REVIEW)
            grant = work.authorize(event_type, Action.READ, Purpose.AUDIT_REVIEW, Target(Resource.AUDIT_LOG, about))
            if reason is not None:
                grant.note_reason(reason)

        self._guard.run(actor, decide, reads_only=True)

    def search(self, actor: Actor, query: AuditQuery) -> AuditPage:
        """Events matching the query, newest first, one page; the search itself is audited."""
        _identifiers(query.user, query.subject, query.case_ref)
        self._authorize(actor, EventType.AUDIT_SEARCH, query.about())
        with self._read_sessions() as session:
            return repository.search(session, actor.organisation, query)

    def overview(self, actor: Actor, *, user: str | None = None, subject: str | None = None) -> list[Tally]:
        """Per-user or per-subject overview (NEN 7513): what was accessed, by category, action and outcome."""
        if (user is None) == (subject is None):
            raise InvalidInput("give exactly one of user or subject")
        _identifiers(user, subject)
        self._authorize(actor, EventType.AUDIT_OVERVIEW, f"user:{user}" if user else f"subject:{subject}")
        with self._read_sessions() as session:
            return repository.overview(session, actor.organisation, user=user, subject=subject)

    def verify(self, actor: Actor, public_key: bytes | None = None) -> Verification:
        """Recompute the chain, the checkpoints, every search column and the witnessed head (against the given
        trusted key, or the signer's own). It reads first, so a damaged log is reported rather than refused; the
        access and its finding are then audited where the log still takes an event (``recorded``)."""
        self._decide_before_reading(actor, EventType.AUDIT_VERIFY)
        key = public_key or self._public_key
        with self._read_sessions() as session:
            repository.read_snapshot(session)
            head = repository.head(session)
            result = verify_chain(
                repository.iter_events(session, with_index=True),
                repository.checkpoints(session),
                key,
                max_checkpoint_gap=self._interval,
                expected_head=head.seq,
                witnessed=self._guard.witnessed_head(),
                head_hash=head.hash,
                head_sealed=self._guard.audit_head_sealed(head),
            )
        reason = Reason.COMPLETED if result.problem is None else Reason(result.problem)
        return replace(result, recorded=self._record_after(actor, EventType.AUDIT_VERIFY, reason))

    def export(self, actor: Actor) -> Iterator[str]:
        """The log as export lines (docs/FORMATS.md) up to a head signed now, ending with that signed head as a
        trailer, so a cut export fails offline. Streamed from one read snapshot; like verify, it works on a damaged
        log and records its access where the log still takes an event."""
        self._decide_before_reading(actor, EventType.AUDIT_EXPORT)
        try:
            sealed = self._guard.seal_audit_head()
        except AuditUnavailable:
            sealed = None  # the log takes no writes: export what is there, with the newest checkpoint as trailer
        self._record_after(actor, EventType.AUDIT_EXPORT, Reason.COMPLETED)

        def lines() -> Iterator[str]:
            with self._read_sessions() as session:
                repository.read_snapshot(session)
                trailer = sealed or repository.newest_checkpoint(session)
                yield from export_lines(session, trailer, self._public_key)

        return lines()

    def _decide_before_reading(self, actor: Actor, event_type: EventType) -> None:
        """A requester the policy refuses, or one of another organisation, is refused the usual way: the denial
        audited, then raised."""
        allowed = self._guard.would_allow(actor, Resource.AUDIT_LOG, Action.READ, Purpose.AUDIT_REVIEW)
        if not allowed or actor.organisation != self._home:
            self._authorize(actor, event_type)
            raise AssertionError("the policy changed between two decisions")  # pragma: no cover

    def _record_after(self, actor: Actor, event_type: EventType, reason: Reason) -> bool:
        """Audit a review that has already read, with its finding; False where the log takes no event."""
        try:
            self._authorize(actor, event_type, reason=reason)
        except AuditUnavailable:
            return False
        return True


_WHOLE_LOG = frozenset({EventType.AUDIT_VERIFY, EventType.AUDIT_EXPORT})
_IDENTIFIER = re.compile(r"[A-Za-z0-9._@/-]{1,128}")


def _identifiers(*values: str | None) -> None:
    """Filters that name whom a review concerns are identifiers (they enter the review's own event as its target):
    no separators, no free text, no BSN."""
    for value in values:
        if value is not None and (not _IDENTIFIER.fullmatch(value) or looks_like_bsn(value)):
            raise InvalidInput("a filter must be an identifier: letters, digits and . _ @ / -")
