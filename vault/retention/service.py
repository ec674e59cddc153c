"""The retention run (DOMAIN R36, GDPR art. 5(1)(e)): shred what the schedule says has been kept long enough,
through the guard, one audit event per record, by crypto-shredding the record's data keys exactly as a subject's
erasure does.

A run first lists the records whose period has run (one read-only unit of work, its own audited event), then works
through their subjects in batches, each one unit of work with its own event: the subjects' rows are locked (a legal
hold being placed or a record created for one of them waits, as for an erasure), what is due is decided again from
the database as it is now, and each due scope — one subject's records of one class in one case, which share their
data keys — is shredded or deferred whole. An interruption leaves every finished batch done and the rest as it was;
running again goes on where it stopped, since what is shredded no longer has a live key. A dry run takes the same
decisions and
writes nothing but its one event, in one read-only unit of work.

What defers a due scope, with its ground in the report: a live legal hold on the subject or the case (a lifted one
whose seal fails counts as live); any open request of the subject (or one whose seal fails); a restriction of the
subject's data in the category (art. 18(1)(b),(c): the subject asked to keep them); a closure whose seal fails and
that the chained log does not show; a key from before the per-case scope (`kluis keys migrate` first). A class the
configuration no longer names is never due. Audit events are not records: they are kept (R42).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from vault._kit.dates import local_date
from vault.access import AccessGuard, RetentionCandidate, RetentionScope, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.models import Case, LegalHold
from vault.retention import _repository as repository
from vault.retention._schedule import RetentionSchedule, expires_on
from vault.retention._schemas import RetentionItem, RetentionOutcome, RetentionReport
from vault.vocabulary import (
    Action,
    Category,
    HoldGround,
    Purpose,
    RequestStatus,
    Resource,
    RetentionDeferral,
    RetentionStart,
)

_PURPOSE = Purpose.LEGAL_OBLIGATION  # storage limitation is the controller's obligation (art. 5(1)(e))
_OPEN = frozenset({RequestStatus.OPEN.value, RequestStatus.DEFERRED.value})
BATCH_SUBJECTS = 200  # subjects per unit of work: short transactions, and few commits over 100,000 records

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class _Due:
    """A scope whose period has run by the columns, and its records."""

    scope: RetentionScope
    records: list[RetentionCandidate]
    expired_on: date
    closure_unproven: bool


@dataclass(slots=True)
class _Done:
    items: list[RetentionItem] = field(default_factory=list)
    keys_destroyed: int = 0


class Retention:
    """``vault.retention``: the privacy officer's retention run, decided and audited by the guard."""

    def __init__(self, *, guard: AccessGuard, schedule: RetentionSchedule) -> None:
        self._guard = guard
        self._schedule = schedule

    @property
    def schedule(self) -> RetentionSchedule:
        return self._schedule

    def run(self, actor: Actor, *, dry_run: bool, progress: Progress | None = None) -> RetentionReport:
        """Shred (or, with ``dry_run``, only report) every record whose retention period has run by today."""
        if dry_run:
            started, examined, done = self._guard.run(actor, self._dry_run, reads_only=True)
            return _report(actor, started, self._guard.clock.now(), True, examined, done)

        def plan(work: Work) -> tuple[datetime, list[str], int]:
            _authorize(work, "retention:run")
            found = work.retention_candidates()
            due = _due(work, self._schedule, found)
            return work.now, sorted({d.scope.subject_id for d in due}), len(found)

        started, subjects, examined = self._guard.run(actor, plan, reads_only=True)
        done = _Done()
        batches = [subjects[i : i + BATCH_SUBJECTS] for i in range(0, len(subjects), BATCH_SUBJECTS)]
        for finished, batch in enumerate(batches, start=1):
            part = self._guard.run(actor, self._batch_of(batch))
            done.items += part.items
            done.keys_destroyed += part.keys_destroyed
            if progress is not None:
                progress(min(finished * BATCH_SUBJECTS, len(subjects)), len(subjects))
        return _report(actor, started, self._guard.clock.now(), False, examined, done)

    def _dry_run(self, work: Work) -> tuple[datetime, int, _Done]:
        """Every decision a run would take now, in one read-only unit of work: nothing is locked or written."""
        _authorize(work, "retention:dry_run", Action.READ)
        found = work.retention_candidates()
        return work.now, len(found), self._decide(work, _due(work, self._schedule, found), shred=False)

    def _batch_of(self, subject_ids: Sequence[str]) -> Callable[[Work], _Done]:
        def batch(work: Work) -> _Done:
            # the batch's own decision: what is due is decided again, under the subjects' locks
            _authorize(work, f"retention:batch:{len(subject_ids)}")
            repository.lock_subjects(work.session, subject_ids)
            due = _due(work, self._schedule, work.retention_candidates(subject_ids))
            return self._decide(work, due, shred=True)

        return batch

    def _decide(self, work: Work, due: Sequence[_Due], *, shred: bool) -> _Done:
        done = _Done()
        if not due:
            return done
        subject_ids = sorted({d.scope.subject_id for d in due})
        deferral = _Deferrals(work, subject_ids, due, lock=shred)
        for scope_due in due:
            ground, hold_ground = deferral.of(scope_due)
            if ground is not None:
                done.items += _items(scope_due, RetentionOutcome.DEFERRED, ground, hold_ground)
            elif not shred:
                done.items += _items(scope_due, RetentionOutcome.WOULD_SHRED)
            else:
                shredded = _shred(work, scope_due)
                done.keys_destroyed += shredded or 0
                outcome = RetentionOutcome.REFUSED if shredded is None else RetentionOutcome.SHREDDED
                done.items += _items(scope_due, outcome)
        return done


def _authorize(work: Work, target: str, action: Action = Action.MANAGE) -> None:
    about = About(target=target)
    work.authorize(EventType.RETENTION_RUN, action, _PURPOSE, Target(Resource.RETENTION, about))


def _report(
    actor: Actor, started: datetime, finished: datetime, dry_run: bool, examined: int, done: _Done
) -> RetentionReport:
    counts = {outcome: sum(1 for i in done.items if i.outcome is outcome) for outcome in RetentionOutcome}
    return RetentionReport(
        organisation=actor.organisation,
        started_at=started,
        finished_at=finished,
        today=local_date(started),
        dry_run=dry_run,
        records_examined=examined,
        shredded=counts[RetentionOutcome.SHREDDED],
        would_shred=counts[RetentionOutcome.WOULD_SHRED],
        deferred=counts[RetentionOutcome.DEFERRED],
        refused=counts[RetentionOutcome.REFUSED],
        keys_destroyed=done.keys_destroyed,
        items=sorted(done.items, key=lambda i: (i.expired_on, i.case_ref, i.record_id)),
    )


def _due(work: Work, schedule: RetentionSchedule, found: Sequence[RetentionCandidate]) -> list[_Due]:
    """The scopes whose period has run by today's local date, by their columns (deferrals come after)."""
    by_scope: dict[RetentionScope, list[RetentionCandidate]] = defaultdict(list)
    for candidate in found:
        by_scope[candidate.scope].append(candidate)
    cases = repository.closed_cases(work.session, work.actor.organisation, sorted({c.case_ref for c in found}))
    today = local_date(work.now)
    due: list[_Due] = []
    for scope, records in by_scope.items():
        rule = schedule.rule(scope.category, scope.retention_class)
        if rule is None:
            continue  # a class no rule names any more is kept
        case = cases.get(scope.case_ref)
        if rule.counted_from is RetentionStart.LAST_CHANGE:
            start: datetime | None = max(r.updated_at for r in records)
        else:
            start = None if case is None or case.subject_id != scope.subject_id else case.closed_at
        if start is None:
            continue  # not closed (or, by its columns, not this subject's case): its period has not begun
        expired = expires_on(rule, start)
        if expired > today:
            continue
        unproven = rule.counted_from is RetentionStart.CASE_CLOSURE and not _closure_proven(work, case)
        due.append(_Due(scope, records, expired, unproven))
    return due


def _closure_proven(work: Work, case: Case | None) -> bool:
    return case is not None and work.closure_proven(case)


class _Deferrals:
    """What keeps a batch's due scopes for now, read once per batch."""

    def __init__(self, work: Work, subject_ids: Sequence[str], due: Sequence[_Due], *, lock: bool) -> None:
        organisation = work.actor.organisation
        self._work = work
        held = repository.holds(work.session, organisation, list(subject_ids), lock=lock)
        # a hold whose seal fails counts, and for all the subject's data: its case may have been moved
        self._holds: list[LegalHold] = [h for h in held if h.lifted_at is None or not work.hold_sealed(h)]
        self._unsealed = {h.subject_id for h in held if not work.hold_sealed(h)}
        self._asking = {
            r.subject_id
            for r in repository.requests(work.session, organisation, list(subject_ids))
            if r.status in _OPEN or not work.request_sealed(r)
        }
        self._restricted: set[tuple[str, str, str]] = set()
        for category in Category:
            scopes = [d.scope for d in due if d.scope.category == category.value]
            rows = work.restrictions_on(sorted({s.subject_id for s in scopes}), category) if scopes else []
            self._restricted |= {
                (s.subject_id, s.category, s.case_ref)
                for s in scopes
                for row in rows
                if row.subject_id == s.subject_id and row.covers(s.case_ref)
            }

    def of(self, due: _Due) -> tuple[RetentionDeferral | None, HoldGround | None]:
        scope = due.scope
        for hold in self._holds:
            everything = hold.case_ref is None or hold.subject_id in self._unsealed
            if hold.subject_id == scope.subject_id and (everything or hold.case_ref == scope.case_ref):
                return RetentionDeferral.LEGAL_HOLD, HoldGround(hold.ground)
        if scope.subject_id in self._asking:
            return RetentionDeferral.OPEN_REQUEST, None
        if (scope.subject_id, scope.category, scope.case_ref) in self._restricted:
            return RetentionDeferral.RESTRICTED, None
        if due.closure_unproven:
            return RetentionDeferral.CLOSURE_UNPROVEN, None
        if any(r.pre_scope for r in due.records):
            return RetentionDeferral.PRE_SCOPE_KEY, None
        if not self._work.scope_consistent(scope, {r.record_id for r in due.records}):
            return RetentionDeferral.SCOPE_MISMATCH, None
        return None, None


def _shred(work: Work, due: _Due) -> int | None:
    """Decide each record's erasure (one event each) and shred the scope; None when the policy refused. The
    decision is the same for every record of a scope (one category, one case, one actor), so it is all or none."""
    scope = due.scope
    items = [
        (
            _PURPOSE,
            Target(
                Category(scope.category),
                About(
                    record_id=r.record_id,
                    case_ref=r.case_ref,
                    subject=r.subject_id,
                    category=r.category,
                    target=f"retention:{scope.retention_class}:{due.expired_on.isoformat()}",
                ),
            ),
        )
        for r in due.records
    ]
    grants = work.authorize_each(EventType.RETENTION_ERASE, Action.ERASE, items)
    allowed = [g for g in grants if g is not None]
    if not allowed:
        return None
    if len(allowed) != len(grants):  # cannot happen under one policy; never shred part of a scope if it does
        raise PermissionError("the policy decided the records of one retention scope differently")
    for grant in allowed:
        grant.note_reason(Reason.RETENTION_ENDED)
    return len(work.shred_expired(allowed, scope))


def _items(
    due: _Due,
    outcome: RetentionOutcome,
    ground: RetentionDeferral | None = None,
    hold_ground: HoldGround | None = None,
) -> list[RetentionItem]:
    return [
        RetentionItem(
            record_id=r.record_id,
            subject=r.subject_id,
            case_ref=r.case_ref,
            category=Category(r.category),
            kind=r.kind,
            retention_class=r.retention_class,
            expired_on=due.expired_on,
            outcome=outcome,
            ground=ground,
            hold_ground=hold_ground,
        )
        for r in due.records
    ]
