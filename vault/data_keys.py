"""Data keys (DEKs): one per subject and category, generated here, stored only wrapped by a KEK version.

The wrap is bound to data-key id, subject, category and KEK version, so a wrapped key moved to another subject
does not open. Rotation re-wraps under the new KEK version and never touches field ciphertexts. Counting seals per
key keeps random-nonce AES-GCM far below its 2**32 message bound.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from vault import repository
from vault.crypto import MAX_SEALS_PER_KEY, DataKey, WrapContext
from vault.errors import KeyUnavailable
from vault.keys import KeyProvider
from vault.repository import StoredDataKey
from vault.vocabulary import Category


class SessionFactory(Protocol):
    def __call__(self) -> Session: ...


class DataKeys:
    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider

    def for_sealing(
        self, session: Session, subject_ids: Iterable[str], category: Category, now: datetime
    ) -> dict[str, DataKey]:
        """The data key of each subject for this category, created where missing."""
        wanted = set(subject_ids)
        rows = repository.data_keys_for(session, wanted, category.value)
        keys = {sid: self._unwrap(row) for sid, row in rows.items()}
        version = self._provider.active_version(category)
        new_rows: list[dict[str, object]] = []
        for subject_id in wanted - rows.keys():
            key_id, material = str(uuid.uuid4()), DataKey.generate_material()
            wrapped = self._provider.wrap(material, WrapContext(key_id, subject_id, category.value, version))
            new_rows.append(
                {
                    "id": key_id,
                    "subject_id": subject_id,
                    "category": category.value,
                    "kek_version": version,
                    "wrapped": wrapped,
                    "seals": 0,
                    "created_at": now,
                }
            )
            keys[subject_id] = DataKey(key_id, material)
        repository.add_data_keys(session, new_rows)
        return keys

    def for_opening(self, session: Session, key_id: str) -> DataKey:
        row = repository.get_data_key(session, key_id)
        if row is None:
            raise KeyUnavailable("no such data key")
        return self._unwrap(row)

    def record_seals(self, session: Session, keys: Iterable[DataKey]) -> None:
        """Persist how many fields each key sealed in this transaction (atomic increments: several processes)."""
        repository.count_seals(session, {key.id: key.take_unsaved_seals() for key in keys if key.unsaved_seals})

    def rotate(self, session_factory: SessionFactory, category: Category, batch: int = 2000) -> tuple[int, int]:
        """New KEK version; re-wrap every live data key under it, batch by batch. Returns (version, re-wrapped)."""
        version = self._provider.rotate(category)
        total = 0
        while True:
            with session_factory() as session, session.begin():
                rows = repository.data_keys_under(session, category.value, version, batch)
                changes = [self._rewrap(row, version) for row in rows]
                repository.rewrap(session, changes)
            total += len(changes)
            if len(rows) < batch:
                return version, total

    def _rewrap(self, row: StoredDataKey, version: int) -> dict[str, object]:
        assert row.wrapped is not None
        material = self._provider.unwrap(
            row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version)
        )
        wrapped = self._provider.wrap(material, WrapContext(row.id, row.subject_id, row.category, version))
        return {"id": row.id, "kek_version": version, "wrapped": wrapped}

    def _unwrap(self, row: StoredDataKey) -> DataKey:
        if row.wrapped is None:
            raise KeyUnavailable("data key destroyed")  # crypto-shredded
        if row.seals >= MAX_SEALS_PER_KEY:
            raise KeyUnavailable("data key has reached its encryption limit")
        material = self._provider.unwrap(
            row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version)
        )
        return DataKey(row.id, material, seals=row.seals)
