"""The guard's half of a retention run (DOMAIN R36): shredding one expired key scope — the data keys of one
subject's records of one class in one case — once every record they seal has its own allowed event in the same
unit of work. The run decides what expired (vault/retention); the guard makes sure nothing else goes with it, and
that the chained log names every key destroyed (a retirement destroys again any a database administrator put back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from vault.access import _repository as repository
from vault.audit import ERASED_KEYS, EventType
from vault.vocabulary import Action

if TYPE_CHECKING:
    from vault.access._grant import Grant
    from vault.access._guard import Work


@dataclass(frozen=True, slots=True)
class RetentionScope:
    """What one retention shredding destroys: the keys of one subject's records of one class, in one case."""

    subject_id: str
    category: str
    case_ref: str
    retention_class: str


@dataclass(frozen=True, slots=True)
class RetentionCandidate:
    """A record some of whose values a live data key still seals: metadata only."""

    record_id: str
    subject_id: str
    case_ref: str
    category: str
    kind: str
    retention_class: str
    updated_at: datetime
    pre_scope: bool  # a key from before the per-case scope seals some of it: not shredded by scope

    @property
    def scope(self) -> RetentionScope:
        return RetentionScope(self.subject_id, self.category, self.case_ref, self.retention_class)


def candidates(session: Session, organisation: str, subject_ids: Sequence[str] | None) -> list[RetentionCandidate]:
    """The organisation's records that a live data key still seals (of these subjects, or all), by case."""
    rows = repository.retention_candidates(session, organisation, subject_ids)
    return [
        RetentionCandidate(row[0], row[1], row[2], row[3], row[4], row[5], row[6], pre_scope=bool(row[7]))
        for row in rows
    ]


def scope_keys(work: Work, scope: RetentionScope) -> tuple[list[str], set[str]]:
    """The scope's live data keys, and every record of the subject they seal."""
    keys = [
        row
        for row in work._guard._data_keys.subject_keys(
            work.session, scope.subject_id, scope.category, lock=not work.reads_only
        )
        if row.case_ref == scope.case_ref and row.retention_class == scope.retention_class
    ]
    key_ids = sorted(row.id for row in keys)
    return key_ids, repository.records_sealed_by(work.session, scope.subject_id, key_ids)


def shred_scope(work: Work, grants: Sequence[Grant], scope: RetentionScope) -> list[str]:
    """Destroy the scope's live data keys. ``grants``: one allowed retention erasure per record they seal, of this
    unit of work, each for this subject, category and case; each is used once. Returns the key ids destroyed."""
    for grant in grants:
        about = grant.target.about
        if (
            grant._work is not work
            or grant.action is not Action.ERASE
            or grant._pending.event_type is not EventType.RETENTION_ERASE
            or grant.target.resource.value != scope.category
            or (about.subject, about.case_ref) != (scope.subject_id, scope.case_ref)
            or about.record_id is None
        ):
            raise PermissionError("this grant is not a retention erasure of this scope")
        if grant._used:
            raise PermissionError("a retention grant shreds once")
    key_ids, sealed = scope_keys(work, scope)
    if not key_ids or sealed != {grant.target.about.record_id for grant in grants}:
        # a record nobody decided on would be shredded without its own event, or one decided on would be reported
        # shredded while its key lives: refuse the whole scope (the run checks this first and defers)
        raise PermissionError("the records of this scope are not the records its keys seal")
    work._guard._data_keys.destroy(work.session, key_ids, work.now)
    for grant in grants:
        grant._used = True
        about = grant._pending.about
        grant._pending.about = replace(about, target=f"{about.target};{ERASED_KEYS}{','.join(key_ids)}")
    return key_ids
