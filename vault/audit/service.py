"""The security officer's side of the audit log: search, per-user and per-subject overviews, verification and
export. Each is decided by the policy and audited through the access guard before it reads anything."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from vault.access import AccessGuard, Grant, Target, Work
from vault.actor import Actor
from vault.audit import _repository as repository
from vault.audit._archive import ARCHIVE_LABEL, Boundary, boundary_problem, statement, write_archive, years_before
from vault.audit._chain import Verification, verify_chain
from vault.audit._event import About
from vault.audit._events import EventType, Reason
from vault.audit._export import export_lines, verify_export
from vault.audit._schemas import AuditPage, AuditQuery, Tally
from vault.config import MIN_AUDIT_RETENTION_YEARS
from vault.errors import AccessDenied, AuditUnavailable, IntegrityViolation, InvalidInput
from vault.identifiers import looks_like_bsn
from vault.vocabulary import Action, Purpose, Resource

ARCHIVE_BATCH = 200_000  # events per archive file: one transaction, one file read back in memory


@dataclass(frozen=True, slots=True)
class Archived:
    """What one archive step did: events removed (or, in a dry run, that would be), their range, the file."""

    events: int
    seq_from: int
    seq_to: int
    file: Path | None
    dry_run: bool


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
            archived = repository.newest_archive(session)
            problem = None if archived is None else boundary_problem(archived, key)
            if archived is not None and problem is not None:
                result = Verification(False, 0, archived.seq_to, 0, 0, "bad_archive", archived.seq_to, problem)
            else:
                result = verify_chain(
                    repository.iter_events(session, after=0 if archived is None else archived.seq_to, with_index=True),
                    repository.checkpoints(session),
                    key,
                    max_checkpoint_gap=self._interval,
                    expected_head=head.seq,
                    witnessed=self._guard.witnessed_head(),
                    head_hash=head.hash,
                    head_sealed=self._guard.audit_head_sealed(head),
                    start=None if archived is None else (archived.seq_to, archived.hash),
                )
            outside = repository.rows_outside_chain(session) if result.ok else None
        if outside is not None:  # a row no chain covers: forged below a boundary, at seq 0 or less, or past the head
            detail = f"event row {outside} lies outside the chain (after the archive boundary, up to the head)"
            result = replace(result, ok=False, problem="inserted", first_bad_seq=outside, detail=detail)
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
                yield from export_lines(session, trailer, self._public_key, repository.newest_archive(session))

        return lines()

    def archive(self, actor: Actor, directory: Path, retention_years: int, *, dry_run: bool = False) -> Archived:
        """Move the oldest stretch of events — up to a signed checkpoint, every event older than
        ``retention_years`` (at least five) and at most ARCHIVE_BATCH events — into a verified archive file under
        ``directory``, behind a signed boundary (vault/audit/_archive.py). Call again until nothing is archived."""
        if retention_years < MIN_AUDIT_RETENTION_YEARS:
            raise InvalidInput(f"audit events are kept at least {MIN_AUDIT_RETENTION_YEARS} years (R42)")

        def operation(work: Work) -> Archived:
            about = About(target="audit_archive:dry_run" if dry_run else "audit_archive")
            if work.actor.organisation != self._home:
                error = AccessDenied("the log is archived by the organisation that runs Kluis")
                work.refuse(EventType.AUDIT_ARCHIVE, about, Reason.OTHER_ORGANISATION, error)
            target = Target(Resource.AUDIT_ARCHIVE, about)
            grant = work.authorize(EventType.AUDIT_ARCHIVE, Action.MANAGE, Purpose.AUDIT_REVIEW, target)
            return self._archive(work, grant, directory, retention_years, dry_run)

        return self._guard.run(actor, operation)

    def _archive(self, work: Work, grant: Grant, directory: Path, years: int, dry_run: bool) -> Archived:
        session, key = work.session, self._public_key
        previous = repository.newest_archive(session)
        if previous is not None and boundary_problem(previous, key) is not None:
            grant.withdraw(Reason.BAD_ARCHIVE, IntegrityViolation("the newest archive boundary does not verify"))
        after = 0 if previous is None else previous.seq_to
        cutoff = years_before(work.now, years)
        ceiling = min(repository.head(session).seq, after + ARCHIVE_BATCH)
        upto = repository.archivable_upto(session, after, ceiling, cutoff)
        if upto is None:
            return Archived(0, after, after, None, dry_run)
        checkpoint = repository.checkpoint_at(session, upto)
        assert checkpoint is not None  # archivable_upto ends at a checkpoint
        marks = {s: c for s, c in repository.checkpoints(session, upto).items() if s > after}
        start = None if previous is None else (previous.seq_to, previous.hash)
        events = repository.iter_events(session, after=after, upto=upto, with_index=True)
        checked = verify_chain(events, marks, key, max_checkpoint_gap=self._interval, expected_head=upto, start=start)
        if not checked.ok:  # a damaged stretch is reported, never archived away
            problem = checked.problem or "altered"
            grant.withdraw(Reason(problem), IntegrityViolation(f"the log does not verify: {checked.detail}"))
        if dry_run:
            return Archived(upto - after, after + 1, upto, None, True)
        path = directory / f"audit-{after + 1:012d}-{upto:012d}.jsonl"
        digest = write_archive(path, export_lines(session, checkpoint, key, previous))
        with path.open(encoding="ascii") as handle:
            reread = verify_export((line.rstrip("\n") for line in handle), key, self._interval)
        if not reread.ok or reread.last_seq != upto:
            grant.withdraw(Reason.INTERRUPTED, IntegrityViolation("the archive file did not verify when read back"))
        newest = repository.newest_event_time(session, after, upto)
        assert newest is not None
        text = statement(
            seq_from=after + 1,
            seq_to=upto,
            link=checkpoint.hash,
            newest_event_at=newest,
            archived_at=work.now,
            archived_by=work.actor.user,
            retention_years=years,
            file=path.name,
            file_sha256=digest,
            previous=after,
        )
        signature = grant.sign_statement(ARCHIVE_LABEL, text.encode("ascii"))
        repository.add_archive(session, Boundary(upto, after + 1, checkpoint.hash, text, signature))
        removed = repository.remove_archived(session, upto)
        return Archived(removed, after + 1, upto, path, False)

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
