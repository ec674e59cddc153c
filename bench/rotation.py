"""KEK rotation re-wrapping N data keys, with every data key readable before and after."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from bench.common import OPERATOR, Kluis, Section, fresh_kluis, timed
from vault import Category, Rotation
from vault.crypto import WrapContext
from vault.crypto._repository import data_keys_under
from vault.keys._access import KEY_ACCESS
from vault.models import DataKeyRow, Subject


def _seed(kluis: Kluis, n: int) -> None:
    """N subjects with one health data key each (one case each): fresh key material wrapped under the active KEK,
    stored as the data-key store stores it."""
    now = datetime.now(UTC)
    version = kluis.provider.active_version(Category.HEALTH)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for start in range(0, n, 10_000):
        chunk = ids[start : start + 10_000]
        keys = []
        for sid in chunk:
            key_id = str(uuid.uuid4())
            context = WrapContext(key_id, sid, Category.HEALTH.value, version)
            keys.append(
                {
                    "id": key_id,
                    "subject_id": sid,
                    "category": Category.HEALTH.value,
                    "case_ref": f"CASE-{sid}",
                    "retention_class": "case_file",
                    "kek_version": version,
                    "wrapped": kluis.provider.wrap(secrets.token_bytes(32), context),
                    "seals": 0,
                    "created_at": now,
                }
            )
        with kluis.sessions() as session, session.begin():
            session.execute(
                sa.insert(Subject),
                [{"id": sid, "organisation": "default", "subject_ref": f"S-{sid}", "created_at": now} for sid in chunk],
            )
            session.execute(sa.insert(DataKeyRow), keys)


def _unwrap_all(kluis: Kluis, category: Category) -> int:
    """Read every live data key in one pass and unwrap it: the work a full re-read of the keys costs."""
    with kluis.read_sessions() as session:
        rows = data_keys_under(session, category.value, below_version=2**31, limit=2**31)
    for row in rows:
        assert row.wrapped is not None
        kluis.provider.unwrap(
            row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version), KEY_ACCESS
        )
    return len(rows)


def run(database_url: str | None, n: int) -> Section:
    section = Section(f"KEK rotation: {n:,} data keys")
    with fresh_kluis(database_url) as kluis:
        _seed(kluis, n)
        counts: dict[str, int] = {}
        before = timed(lambda: counts.__setitem__("before", _unwrap_all(kluis, Category.HEALTH)))
        outcome: list[Rotation] = []
        rotate = timed(lambda: outcome.append(kluis.vault.keys.rotate(OPERATOR, Category.HEALTH)))
        after = timed(lambda: counts.__setitem__("after", _unwrap_all(kluis, Category.HEALTH)))
        rotation = outcome[0]
        status = {s.category: s for s in kluis.vault.keys.status(OPERATOR)}
        versions = {v.version for v in status[Category.HEALTH].in_use}
    assert counts == {"before": n, "after": n} and rotation.rewrapped == n and versions == {rotation.version}
    section.rows.append(
        (
            f"rotate to KEK v{rotation.version}: unwrap + re-wrap + update every data key",
            f"{rotate:.2f} s ({n / rotate:,.0f} keys/s)",
            f"unwrapping all {n:,} keys once {before:.2f} s",
            f"{rotate / before:.2f}×",
        )
    )
    section.notes.append(
        f"All {n:,} data keys unwrapped before ({before:.2f} s) and after ({after:.2f} s) rotation; "
        "after it every key is under the new KEK version. Kluis's figure is the whole `vault.keys.rotate` call "
        "(the key admin's access decided and audited, the re-wrap in batches of 2,000 keys per transaction, the "
        "outcome audited). Field ciphertexts are not read or written (tests/vault/test_vault.py proves they are "
        "byte-identical)."
    )
    return section
