"""Data keys (DEKs): generated here, stored only wrapped by a KEK version, unwrapped only for a grant.

Private on purpose: only ``vault.access`` imports this module (an import-linter contract), and it does so only to
serve a ``Grant``; no public name hands out a data key.

A key's scope is subject x category x case x retention class (docs/DECISIONS.md), so erasure and retention can shred
exactly what they must. The wrap is bound to data-key id, subject, category and KEK version, so a wrapped key moved to
another row does not open. Rotation re-wraps under the new KEK version and never touches field ciphertexts. Counting
seals per key keeps random-nonce AES-GCM far below its 2**32 message bound.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from vault.crypto import _repository as repository
from vault.crypto._envelope import FieldContext, WrapContext, open_field, seal_field
from vault.crypto._primitives import Aead, random_bytes
from vault.crypto._repository import KeyScope as KeyScope
from vault.crypto._repository import StoredDataKey
from vault.errors import DecryptionFailed, KeyUnavailable
from vault.vocabulary import Category

# Random 96-bit nonces: the collision bound says stay far below 2**32 messages per key. We stop at 2**30.
MAX_SEALS_PER_KEY = 1 << 30


class KeyDestroyed(KeyUnavailable):
    """The data key was destroyed (crypto-shredded): a lawful state, which the guard reports as erased."""


class Wrapper(Protocol):
    """The part of a key provider that data keys need; KEKs never leave it. ``access`` is the one KeyAccess
    (vault/keys/_access.py), which the guard hands to DataKeys and nobody else holds."""

    def active_version(self, category: Category) -> int: ...

    def wrap(self, material: bytes, context: WrapContext) -> bytes: ...

    def unwrap(self, wrapped: bytes, context: WrapContext, access: Any) -> bytes: ...

    def rotate(self, category: Category, access: Any) -> int: ...

    def versions(self, category: Category) -> list[int]: ...

    def retire(self, category: Category, below_version: int, access: Any) -> list[int]: ...


class DataKey:
    """An unwrapped data key. It seals and opens fields; it never hands out its bytes."""

    __slots__ = ("_aead", "id", "seals", "unsaved_seals")

    def __init__(self, key_id: str, key: bytes, seals: int = 0) -> None:
        self.id = key_id
        self._aead = Aead(key)
        self.seals = seals  # messages sealed under this key, as stored plus since loaded
        self.unsaved_seals = 0

    def seal(self, context: FieldContext, plaintext: str) -> bytes:
        if context.data_key_id != self.id:
            raise ValueError("context names another data key")
        if self.seals >= MAX_SEALS_PER_KEY:
            raise KeyUnavailable("data key has reached its encryption limit")
        envelope = seal_field(self._aead, context, plaintext)
        self.seals += 1
        self.unsaved_seals += 1
        return envelope

    def open(self, context: FieldContext, envelope: bytes) -> str:
        if context.data_key_id != self.id:
            raise DecryptionFailed()
        return open_field(self._aead, context, envelope)

    def take_unsaved_seals(self) -> int:
        count, self.unsaved_seals = self.unsaved_seals, 0
        return count

    def __repr__(self) -> str:
        return f"DataKey(id={self.id!r}, <key hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key material cannot be pickled")


class DataKeys:
    def __init__(self, provider: Wrapper, access: object) -> None:
        self._provider = provider
        self._access = access

    def for_sealing(
        self, session: Session, scopes: Iterable[KeyScope], now: datetime
    ) -> tuple[dict[KeyScope, DataKey], set[KeyScope]]:
        """The data key of each scope, created where missing; and the scopes whose key was destroyed (erased)."""
        wanted = set(scopes)
        # an erasure of one of these subjects running now finishes first (it holds the subject's row): then these
        # keys are seen destroyed, and no new one slips in beside the erasure
        repository.share_subjects(session, {scope.subject_id for scope in wanted})
        keys: dict[KeyScope, DataKey] = {}
        destroyed: set[KeyScope] = set()
        for scope, row in repository.data_keys_for(session, wanted).items():
            if row.wrapped is None:
                destroyed.add(scope)
            else:
                keys[scope] = self._unwrap(row)
        new_rows: list[dict[str, object]] = []
        versions: dict[str, int] = {}
        missing = wanted - keys.keys() - destroyed
        if missing:  # a retirement's final check waits for this transaction, and this one for it
            repository.kek_lock(session, exclusive=False)
        for scope in missing:
            category = Category(scope.category)
            version = versions.setdefault(scope.category, self._provider.active_version(category))
            key_id, material = str(uuid.uuid4()), random_bytes(32)
            wrapped = self._provider.wrap(material, WrapContext(key_id, scope.subject_id, scope.category, version))
            new_rows.append(
                {
                    "id": key_id,
                    "subject_id": scope.subject_id,
                    "category": scope.category,
                    "case_ref": scope.case_ref,
                    "retention_class": scope.retention_class,
                    "kek_version": version,
                    "wrapped": wrapped,
                    "seals": 0,
                    "created_at": now,
                }
            )
            keys[scope] = DataKey(key_id, material)
        repository.add_data_keys(session, new_rows)
        return keys, destroyed

    def for_opening(self, session: Session, key_ids: Iterable[str]) -> dict[str, DataKey]:
        rows = repository.data_keys_by_id(session, set(key_ids))
        missing = set(key_ids) - rows.keys()
        if missing:
            raise KeyUnavailable("no such data key")
        return {key_id: self._unwrap(row) for key_id, row in rows.items()}

    def record_seals(self, session: Session, keys: Iterable[DataKey]) -> None:
        """Persist how many fields each key sealed in this transaction (atomic increments: several processes)."""
        repository.count_seals(session, {key.id: key.take_unsaved_seals() for key in keys if key.unsaved_seals})

    def rotate(
        self, transaction: Callable[[], AbstractContextManager[Session]], category: Category, batch: int = 2000
    ) -> tuple[int, int]:
        """New KEK version; re-wrap every live data key under it, batch by batch. Returns (version, re-wrapped)."""
        version = self._provider.rotate(category, self._access)
        total = 0
        while True:
            with transaction() as session:
                rows = repository.data_keys_under(session, category.value, version, batch)
                repository.rewrap(session, [self._rewrap(row, version) for row in rows])
            total += len(rows)
            if len(rows) < batch:
                return version, total

    def retire(
        self,
        transaction: Callable[[], AbstractContextManager[Session]],
        category: Category,
        erased: AbstractSet[str] = frozenset(),
    ) -> tuple[int, int, list[int], int]:
        """Rotate, then retire every older KEK version of the category, once no live data key is wrapped under one:
        a copy of the database from before (a backup) then holds data keys nothing can unwrap, so what was
        destroyed since is gone from it too. Returns (version, re-wrapped, retired versions)."""
        with transaction() as session:  # an erased key found back (a copy restored) is not re-wrapped: destroyed again
            back = repository.live_among(session, set(erased))
            repository.destroy(session, back, datetime.now(UTC))
        version, total = self.rotate(transaction, category)
        with transaction() as session:
            # The final check, under the exclusive lock: no key is being created meanwhile (creators take it shared,
            # then see the new version), so nothing can arrive under an old version after this re-wrap.
            repository.kek_lock(session, exclusive=True)
            while rows := repository.data_keys_under(session, category.value, version, 2000):
                repository.rewrap(session, [self._rewrap(row, version) for row in rows])
                total += len(rows)
            again = repository.live_among(session, set(erased))
            repository.destroy(session, again, datetime.now(UTC))
            retired = self._provider.retire(category, version, self._access)
        return version, total, retired, len(back | again)

    def all_destroyed(self, session: Session, key_ids: Iterable[str]) -> bool:
        return not repository.live_among(session, set(key_ids))

    def subject_keys(
        self, session: Session, subject_id: str, category: str, *, lock: bool = True
    ) -> list[StoredDataKey]:
        """The subject's live data keys in the category, locked for this transaction (unless only read)."""
        return repository.subject_data_keys(session, subject_id, category, lock=lock)

    def legacy_keys(self, session: Session, limit: int) -> list[StoredDataKey]:
        """Live keys from before the per-case scope, oldest first."""
        return repository.legacy_data_keys(session, limit)

    def legacy_keys_by_id(self, session: Session, key_ids: list[str]) -> list[StoredDataKey]:
        """These keys if they are still live pre-scope keys."""
        rows = repository.data_keys_by_id(session, key_ids)
        return [row for row in rows.values() if row.case_ref is None and row.wrapped is not None]

    def unwrap_stored(self, row: StoredDataKey) -> DataKey:
        return self._unwrap(row)

    def destroy(self, session: Session, key_ids: Iterable[str], now: datetime) -> None:
        """Crypto-shred: the wrapped key is gone, so every copy of what it sealed stops opening."""
        repository.destroy(session, set(key_ids), now)

    def _rewrap(self, row: StoredDataKey, version: int) -> dict[str, object]:
        assert row.wrapped is not None
        material = self._provider.unwrap(
            row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version), self._access
        )
        wrapped = self._provider.wrap(material, WrapContext(row.id, row.subject_id, row.category, version))
        return {"id": row.id, "old": row.kek_version, "kek_version": version, "wrapped": wrapped}

    def _unwrap(self, row: StoredDataKey) -> DataKey:
        if row.wrapped is None:
            raise KeyDestroyed("data key destroyed")
        if row.seals >= MAX_SEALS_PER_KEY:
            raise KeyUnavailable("data key has reached its encryption limit")
        material = self._provider.unwrap(
            row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version), self._access
        )
        return DataKey(row.id, material, seals=row.seals)
