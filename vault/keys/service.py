"""The key admin's operations: status, KEK rotation and migration of pre-scope data keys. Each is decided by the
policy and audited through the access guard; rotation and migration then run with the grant, and their outcome is
audited when they end."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from vault.access import AccessGuard, Grant, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import DecryptionFailed, KeyUnavailable
from vault.keys import _repository as repository
from vault.keys._provider import KeyProvider
from vault.vocabulary import Action, Category, Purpose, Resource


@dataclass(frozen=True, slots=True)
class KeyVersionStatus:
    version: int
    data_keys: int
    pre_scope_keys: int  # still to migrate (`kluis keys migrate`)
    field_seals: int


@dataclass(frozen=True, slots=True)
class CategoryKeyStatus:
    category: Category
    active_version: int
    versions: list[int]
    in_use: list[KeyVersionStatus]


@dataclass(frozen=True, slots=True)
class Rotation:
    category: Category
    version: int
    rewrapped: int


@dataclass(frozen=True, slots=True)
class Retirement:
    category: Category
    version: int  # the only version left
    rewrapped: int
    retired: list[int]
    destroyed_again: int = 0  # erased keys found back in the database (a copy restored): destroyed again


@dataclass(frozen=True, slots=True)
class Migration:
    keys_migrated: int
    fields_resealed: int
    keys_failed: int  # would not open (tampered or unreadable): left as they are, for the key admin to look into
    fields_failed: int = 0  # format-1 fields that would not open: left as they are, likewise


class KeyService:
    def __init__(self, *, guard: AccessGuard, provider: KeyProvider, read_sessions: sessionmaker[Session]) -> None:
        self._guard = guard
        self._provider = provider
        self._read_sessions = read_sessions

    def _grant(self, actor: Actor, event_type: EventType, action: Action, category: Category | None = None) -> Grant:
        about = About(category=None if category is None else category.value)

        def decide(work: Work) -> Grant:
            return work.authorize(event_type, action, Purpose.ADMINISTRATION, Target(Resource.KEYS, about))

        return self._guard.run(actor, decide)

    def status(self, actor: Actor) -> list[CategoryKeyStatus]:
        """KEK versions per category and how many data keys and field seals each carries."""
        self._grant(actor, EventType.KEYS_STATUS, Action.READ)
        with self._read_sessions() as session:
            counts = repository.data_key_counts(session)
        return [
            CategoryKeyStatus(
                category,
                self._provider.active_version(category),
                self._provider.versions(category),
                [KeyVersionStatus(v, n, old, s) for c, v, n, old, s in counts if c == category.value],
            )
            for category in Category
        ]

    def rotate(self, actor: Actor, category: Category) -> Rotation:
        """New KEK version for a category; re-wraps its data keys. Field ciphertexts are not touched."""
        grant = self._grant(actor, EventType.KEYS_ROTATE, Action.MANAGE, category)
        try:
            version, count = grant.rotate_data_keys()
        except Exception as exc:
            self._guard.conclude(actor, EventType.KEYS_ROTATE, ok=False, reason=_failure(exc))
            raise
        self._guard.conclude(actor, EventType.KEYS_ROTATE, ok=True, reason=Reason.COMPLETED)
        return Rotation(category, version, count)

    def retire(self, actor: Actor, category: Category) -> Retirement:
        """Rotate, re-wrap every data key, then retire every older KEK version of the category: what was erased
        before this then stays erased in backups of the database too (R29: when an erasure becomes final)."""
        grant = self._grant(actor, EventType.KEYS_RETIRE, Action.MANAGE, category)
        try:
            version, count, retired, again = grant.retire_keks()
        except Exception as exc:
            self._guard.conclude(actor, EventType.KEYS_RETIRE, ok=False, reason=_failure(exc))
            raise
        # keys an erasure destroyed, found back: the security officer must hear of it (destroyed again, not re-wrapped)
        reason = Reason.ERASED_KEY_RESTORED if again else Reason.COMPLETED
        self._guard.conclude(actor, EventType.KEYS_RETIRE, ok=True, reason=reason)
        return Retirement(category, version, count, retired, again)

    def migrate(self, actor: Actor) -> Migration:
        """Re-seal the fields of data keys from before the per-case scope under scoped keys, destroy the old keys,
        and re-seal fields still in envelope format 1 in format 2 (bound to their organisation and case)."""
        grant = self._grant(actor, EventType.KEYS_MIGRATE, Action.MANAGE)
        try:
            migrated, resealed, failed, fields_failed = grant.migrate_legacy_keys()
        except Exception as exc:
            self._guard.conclude(actor, EventType.KEYS_MIGRATE, ok=False, reason=_failure(exc))
            raise
        ok = failed == 0 and fields_failed == 0
        self._guard.conclude(
            actor, EventType.KEYS_MIGRATE, ok=ok, reason=Reason.COMPLETED if ok else Reason.DECRYPTION_FAILED
        )
        return Migration(migrated, resealed, failed, fields_failed)


def _failure(exc: Exception) -> Reason:
    """The reason code for an operation that stopped part way (the data stay readable: batches are atomic)."""
    if isinstance(exc, KeyUnavailable):
        return Reason.KEY_UNAVAILABLE
    if isinstance(exc, DecryptionFailed):
        return Reason.DECRYPTION_FAILED
    return Reason.INTERRUPTED
