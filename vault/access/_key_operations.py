"""Key operations a committed grant may run: KEK rotation (re-wrap every data key) and the migration of data keys
from before the per-case scope (re-seal their fields under scoped keys, then destroy them).

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
from vault.crypto._data_keys import DataKey, DataKeys, KeyScope
from vault.errors import DecryptionFailed, KeyUnavailable
from vault.vocabulary import Action, Category, Resource, retention_class_of

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
    while True:
        with transaction() as session:
            batch = [row for row in data_keys.legacy_keys(session, _BATCH + len(failed)) if row.id not in failed]
        if not batch:
            return migrated, resealed, len(failed)
        for row in batch[:_BATCH]:
            try:
                # a writer creating the same scoped key at the same moment wins; the batch then runs again
                resealed += retrying_conflicts(partial(_reseal_one, data_keys, transaction, clock, row.id), _RETRIES)
                migrated += 1
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
            (f.record_id, f.name): KeyScope(
                f.subject_id, f.category, f.case_ref, retention_class_of(f.category, f.kind).value
            )
            for f in stored
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
