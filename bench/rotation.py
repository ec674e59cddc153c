"""KEK rotation re-wrapping N data keys, with every data key readable before and after."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from vault.data_keys import DataKeys

from bench.common import Section, fresh_kluis, timed
from vault import Category, repository
from vault.crypto import WrapContext
from vault.models import Subject


def _unwrap_all(kluis, category: Category) -> int:
    """Read every live data key in one pass and unwrap it: the work a full re-read of the keys costs."""
    with kluis.read_sessions() as session:
        rows = repository.data_keys_under(session, category.value, below_version=2**31, limit=2**31)
    for row in rows:
        kluis.keyring.unwrap(row.wrapped, WrapContext(row.id, row.subject_id, row.category, row.kek_version))
    return len(rows)


def run(database_url: str | None, n: int) -> Section:
    section = Section(f"KEK rotation: {n:,} data keys")
    with fresh_kluis(database_url) as kluis:
        now = datetime.now(UTC)
        ids = [str(uuid.uuid4()) for _ in range(n)]
        data_keys = DataKeys(kluis.keyring)
        for start in range(0, n, 10_000):
            chunk = ids[start : start + 10_000]
            with kluis.sessions() as session, session.begin():
                session.execute(
                    sa.insert(Subject),
                    [
                        {"id": sid, "organisation": "default", "subject_ref": f"S-{sid}", "created_at": now}
                        for sid in chunk
                    ],
                )
                data_keys.for_sealing(session, chunk, Category.HEALTH, now)
        counts = {}
        before = timed(lambda: counts.__setitem__("before", _unwrap_all(kluis, Category.HEALTH)))
        outcome = {}
        rotate = timed(lambda: outcome.__setitem__("r", data_keys.rotate(kluis.sessions, Category.HEALTH)))
        after = timed(lambda: counts.__setitem__("after", _unwrap_all(kluis, Category.HEALTH)))
        version, rewrapped = outcome["r"]
        with kluis.read_sessions() as session:
            versions = {v for _, v, _, _ in repository.data_key_counts(session)}
    assert counts == {"before": n, "after": n} and rewrapped == n and versions == {version}
    section.rows.append(
        (
            f"rotate to KEK v{version}: unwrap + re-wrap + update every data key",
            f"{rotate:.2f} s ({n / rotate:,.0f} keys/s)",
            f"unwrapping all {n:,} keys once {before:.2f} s",
            f"{rotate / before:.2f}×",
        )
    )
    section.notes.append(
        f"All {n:,} data keys unwrapped before ({before:.2f} s) and after ({after:.2f} s) rotation; "
        "after it every key is under the new KEK version. Field ciphertexts are not read or "
        "written (tests/test_service.py proves they are byte-identical)."
    )
    return section
