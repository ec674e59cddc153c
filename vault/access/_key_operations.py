"""Key operations a committed grant may run: KEK rotation (re-wrap every data key) and the migration of data keys
from before the per-case scope (re-seal their fields under scoped keys, then destroy them), after which fields still
in envelope format 1 are re-sealed under their own key in format 2 (bound to their organisation and case).

Each runs in batches, a transaction per batch, so an interruption leaves every field readable and the operation can
be repeated. A grant runs one operation once, and only the one its event named.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial

from sqlalchemy.orm import Session

from vault._kit import Clock
from vault.access import _repository as repository
from vault.access._grant import Grant
from vault.access._retry import retrying_conflicts
from vault.audit import EventType
from vault.crypto import FieldContext
from vault.crypto._data_keys import DataKey, DataKeys, KeyDestroyed, KeyScope
from vault.errors import DecryptionFailed, KeyUnavailable
from vault.vocabulary import Action, Category, Resource

Transaction = Callable[[], AbstractContextManager[Session]]
_BATCH = 100
_RETRIES = 3


def committed_key_grant(grant: Grant, event_type: EventType) -> Category | None:
    """The category a key grant names, if it may run ``event_type`` now; refuses otherwise (and uses it up)."""
    if grant._work._state != "committed":
        raise PermissionError("key operations run only after their decision's event committed")
    if grant.target.resource is not Resource.KEYS or grant.action is not Action.MANAGE:
        raise PermissionError("this grant is not for managing keys")
    if grant._pending.event_type is not event_type:
        raise PermissionError("this grant is for another key operation")
    if grant._used:
        raise PermissionError("a key grant runs its operation once")
    grant._used = True
    category = grant.target.about.category
    return Category(category) if category else None


def migrate_pre_scope_keys(data_keys: DataKeys, transaction: Transaction, clock: Clock) -> tuple[int, int, int]:
    """(keys migrated, fields re-sealed, keys that could not be opened and were left as they are)."""
    migrated = resealed = 0
    failed: set[str] = set()
    # Keys migrated but kept: they still seal earlier values of changed records (R28), which stay readable under
    # them; each is migrated once per run.
    kept: set[str] = set()
    while True:
        with transaction() as session:
            found = data_keys.legacy_keys(session, _BATCH + len(failed) + len(kept))
            batch = [row for row in found if row.id not in failed and row.id not in kept]
        if not batch:
            return migrated, resealed, len(failed)
        for row in batch[:_BATCH]:
            try:
                # a writer creating the same scoped key at the same moment wins; the batch then runs again
                count = retrying_conflicts(partial(_reseal_one, data_keys, transaction, clock, row.id), _RETRIES)
                resealed += count
                migrated += 1 if count else 0  # a key kept only for earlier values has nothing left to migrate
                kept.add(row.id)  # destroyed by now unless earlier values need it; either way not again
            except (DecryptionFailed, KeyUnavailable):
                failed.add(row.id)  # tampered or unopenable: reported, not a reason to stop the others


def _reseal_one(data_keys: DataKeys, transaction: Transaction, clock: Clock, key_id: str) -> int:
    with transaction() as session:
        now = clock.now()
        rows = data_keys.legacy_keys_by_id(session, [key_id])
        if not rows:
            return 0  # migrated meanwhile by another run
        old = data_keys.unwrap_stored(rows[0])
        stored = repository.fields_under_key(session, key_id)
        scopes = {
            (f.record_id, f.name): KeyScope(f.subject_id, f.category, f.case_ref, f.retention_class) for f in stored
        }
        keys, destroyed = data_keys.for_sealing(session, set(scopes.values()), now)
        if destroyed:
            raise KeyUnavailable("a scoped key of these fields was destroyed")
        changes = [_reseal(old, keys[scopes[(f.record_id, f.name)]], f) for f in stored]
        repository.reseal_fields(session, key_id, changes)
        data_keys.record_seals(session, keys.values())
        if repository.fields_still_under(session, key_id) == 0:
            data_keys.destroy(session, [key_id], now)
        return len(changes)


def _reseal(old: DataKey, new: DataKey, stored: repository.StoredField) -> dict[str, object]:
    where = (stored.record_id, stored.name, stored.category, stored.subject_id)
    value = old.open(FieldContext(*where, old.id, stored.organisation, stored.case_ref), stored.ciphertext)
    # sealed again in the current format: a v1 field comes out bound to its organisation and case
    context = FieldContext(*where, new.id, stored.organisation, stored.case_ref)
    return {
        "record_id": stored.record_id,
        "name": stored.name,
        "data_key_id": new.id,
        "ciphertext": new.seal(context, value),
    }


def upgrade_format_one_fields(data_keys: DataKeys, transaction: Transaction) -> tuple[int, int]:
    """Re-seal fields still in envelope format 1 under the same data key in format 2, a batch per transaction.
    Returns (fields upgraded, fields that would not open and were left as they are). Fields of destroyed keys are
    erased data and stay as they are."""
    upgraded = failed = 0
    after = ("", "")
    while True:
        with transaction() as session:
            batch = repository.format_one_fields(session, after, _BATCH)
            if not batch:
                return upgraded, failed
            after = (batch[-1].record_id, batch[-1].name)
            keys: dict[str, DataKey | None] = {}
            changes: list[tuple[str, str, bytes, bytes]] = []
            for field in batch:
                if field.data_key_id not in keys:
                    keys[field.data_key_id] = _opening_key(data_keys, session, field.data_key_id)
                key = keys[field.data_key_id]
                if key is None:
                    continue
                where = (field.record_id, field.name, field.category, field.subject_id, key.id)
                try:
                    value = key.open(FieldContext(*where), field.ciphertext)  # format 1 binds none of the two
                except DecryptionFailed:
                    failed += 1  # tampered: reported, not a reason to stop the others
                    continue
                envelope = key.seal(FieldContext(*where, field.organisation, field.case_ref), value)
                changes.append((field.record_id, field.name, field.ciphertext, envelope))
            repository.replace_envelopes(session, changes)
            data_keys.record_seals(session, [k for k in keys.values() if k is not None])
            upgraded += len(changes)


def _opening_key(data_keys: DataKeys, session: Session, key_id: str) -> DataKey | None:
    try:
        return data_keys.for_opening(session, [key_id])[key_id]
    except KeyDestroyed:
        return None  # erased: nothing to upgrade
