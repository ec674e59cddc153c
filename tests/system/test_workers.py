"""`kluis serve --workers 2` on PostgreSQL: no worker keeps granting what was revoked."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR
from tests.harness import enrol, open_harness
from vault import Category, NewRecord, Purpose, Role, Settings, initialise

KLUIS = str(Path(sys.executable).parent / "kluis")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, Settings, IdentityProvider, str]]:
    idp = IdentityProvider(tmp_path)
    env = {
        "KLUIS_DATA_DIR": str(tmp_path / "data"),
        "KLUIS_DATABASE_URL": postgres_url,
        "KLUIS_OIDC_ISSUER": ISSUER,
        "KLUIS_OIDC_AUDIENCE": AUDIENCE,
        "KLUIS_OIDC_JWKS_FILE": str(idp.jwks_file),
        "KLUIS_POLICY_REFRESH_SECONDS": "1",
    }
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    enrol(kluis.vault, "CASE-W", "dr.w", Role.MEDICAL_ADVISER, by=OPERATOR)
    adviser = OPERATOR.__class__(user="dr.w", roles=("medical_adviser",), organisation="default")
    record_id = kluis.vault.records.create(
        adviser,
        NewRecord(
            subject_ref="CUST-W",
            case_ref="CASE-W",
            category=Category.HEALTH,
            kind="report",
            source="t",
            purpose=Purpose.CLAIM_ASSESSMENT,
            fields={"v": "x"},
        ),
    ).record_id
    kluis.close()
    port = _free_port()
    process = subprocess.Popen(
        [KLUIS, "serve", "--workers", "2", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, settings, idp, record_id
    finally:
        process.terminate()
        process.wait(timeout=30)


def _statuses(base: str, path: str, headers: dict[str, str], n: int = 40) -> set[int]:
    # A fresh connection per request, so the kernel spreads them over both workers.
    return {httpx.get(f"{base}{path}", headers=headers, timeout=10).status_code for _ in range(n)}


def test_revocation_is_seen_by_every_worker_at_once(served: tuple[str, Settings, IdentityProvider, str]) -> None:
    base, _, idp, record_id = served
    path = f"/v1/records/{record_id}?purpose=claim_assessment"
    adviser = idp.bearer("dr.w", "medical_adviser")
    assert _statuses(base, path, adviser) == {200}
    revoked = httpx.delete(
        f"{base}/v1/cases/CASE-W/assignments?user=dr.w&role=medical_adviser",
        headers=idp.bearer("kees", "key_admin"),
        timeout=10,
    )
    assert revoked.status_code == 200 and revoked.json() == {"revoked": 1}
    assert _statuses(base, path, adviser) == {404}  # the very next request, whichever worker serves it


def test_policy_change_reaches_every_worker_within_five_seconds(
    served: tuple[str, Settings, IdentityProvider, str], tmp_path: Path
) -> None:
    base, settings, idp, record_id = served
    path = f"/v1/records/{record_id}?purpose=claim_assessment"
    adviser = idp.bearer("dr.w", "medical_adviser")
    assert _statuses(base, path, adviser, 10) == {200}
    narrowed = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", narrowed)
    roles = (
        (narrowed / "roles.csv")
        .read_text()
        .replace("p, medical_adviser, health, read, health_purposes, case_member, allow\n", "")
    )
    (narrowed / "roles.csv").write_text(roles)
    initialise(settings.model_copy(update={"policy_dir": narrowed}), OPERATOR)
    changed = time.monotonic()
    while time.monotonic() - changed < 10:
        if _statuses(base, path, adviser, 20) == {403}:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - changed
    assert _statuses(base, path, adviser) == {403}  # may still see the case exists, may no longer read it
    assert elapsed <= 5.0, f"took {elapsed:.1f} s"


def _healthz_total(metrics: str) -> float:
    found = re.search(r'kluis_http_requests_total\{method="GET",route="/healthz",status="200"\} ([0-9.e+]+)', metrics)
    return float(found.group(1)) if found else 0.0


def test_metrics_are_summed_over_every_worker(served: tuple[str, Settings, IdentityProvider, str]) -> None:
    base, settings, _, _ = served
    for _ in range(30):  # fresh connections: the kernel spreads them over both workers
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
    workers_counting = {path.name for path in (settings.data_dir / "metrics").glob("counter_*.db")}
    assert len(workers_counting) >= 2  # both workers (and so both halves of the count) wrote their values
    totals = {_healthz_total(httpx.get(f"{base}/metrics", timeout=10).text) for _ in range(10)}
    assert totals == {30.0}  # whichever worker answers, it reports the sum
