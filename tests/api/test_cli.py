"""The `kluis` command as an operator uses it: init, import, verify, export, rotate, policy check.

Also the canary test (planted values never reach database files, WAL, logs or the audit export) and the crash test
(a kill -9 mid-import leaves no half-written record and a chain that verifies).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from stdnum.nl import bsn as stdnum_bsn

from tests.conftest import OPERATOR, actor
from tests.harness import ManualClock, enrol, open_harness
from vault import AuditQuery, Purpose, Role, Settings, import_lines, initialise

KLUIS = str(Path(sys.executable).parent / "kluis")
CANARY_HEALTH, CANARY_CRIMINAL = "CANARY-H-91c2e7", "CANARY-C-4d8b10"


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([KLUIS, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"kluis {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "KLUIS_DATA_DIR": str(settings.data_dir),
        "KLUIS_DATABASE_URL": settings.database_url or "",
        "KLUIS_AUDIT_CHECKPOINT_INTERVAL": str(settings.audit_checkpoint_interval),
    }


def records(n: int, canary: bool = True) -> str:
    lines = []
    for i in range(n):
        criminal = i % 3 == 2
        lines.append(
            json.dumps(
                {
                    "subject_ref": f"CUST-{i % 50}",
                    "case_ref": f"CASE-{i % 70}",
                    "category": "criminal" if criminal else "health",
                    "kind": "legacy_file",
                    "fields": {"a": (CANARY_CRIMINAL if criminal else CANARY_HEALTH) if canary else "x", "b": str(i)},
                    "source": "legacy",
                    "purpose": "acceptance",
                }
            )
        )
    return "\n".join(lines) + "\n"


def test_init_twice_then_import_verify_export_and_verify_offline(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    first = run(env, "init")
    assert "keyring" in first.stdout and "for trying Kluis out only" in first.stderr
    assert "nothing new" in run(env, "init").stdout
    (tmp_path / "in.jsonl").write_text(records(30))
    assert "imported 30 record(s)" in run(env, "import", str(tmp_path / "in.jsonl")).stdout
    assert "audit log OK" in run(env, "audit", "verify").stdout
    export = tmp_path / "audit.jsonl"
    run(env, "audit", "export", "-o", str(export))
    offline = run(env, "audit", "verify", "--file", str(export))
    assert "audit log OK" in offline.stdout and "0 event(s) after the last checkpoint" in offline.stdout
    # Tamper with one exported event: offline verification names it.
    lines = export.read_text().splitlines()
    item = json.loads(lines[5])
    item["body"] = item["body"].replace('"allowed"', '"denied"')
    lines[5] = json.dumps(item)
    export.write_text("\n".join(lines) + "\n")
    tampered = run(env, "audit", "verify", "--file", str(export), check=False)
    assert tampered.returncode == 1 and f"altered at event {item['seq']}" in tampered.stderr


def test_import_reports_bad_lines_with_numbers_and_exits_nonzero(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    run(env, "init")
    (tmp_path / "in.jsonl").write_text(records(2) + '{"broken": \n' + records(1))
    result = run(env, "import", str(tmp_path / "in.jsonl"), check=False)
    assert result.returncode == 1 and "line 3:" in result.stderr and "imported 3 record(s)" in result.stdout


def test_keys_rotate_keeps_data_readable(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    run(env, "init")
    (tmp_path / "in.jsonl").write_text(records(6))
    run(env, "import", str(tmp_path / "in.jsonl"))
    assert "now KEK v2" in run(env, "keys", "rotate", "--category", "health").stdout
    status = run(env, "keys", "status").stdout
    assert "health: active KEK v2" in status and "criminal: active KEK v1" in status
    kluis = open_harness(settings)
    try:
        enrol(kluis.vault, "CASE-0", "dr.x", Role.MEDICAL_ADVISER, by=OPERATOR)
        with kluis.sessions() as session:
            record_id = session.scalar(sa.text("SELECT id FROM records WHERE case_ref = 'CASE-0'"))
        view = kluis.vault.records.read(actor("dr.x", "medical_adviser"), str(record_id), Purpose.ACCEPTANCE)
        assert view.fields["a"] == CANARY_HEALTH
    finally:
        kluis.close()
    assert "audit log OK" in run(env, "audit", "verify").stdout


def test_an_erasure_request_from_the_console_to_a_final_receipt(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    run(env, "init")
    (tmp_path / "in.jsonl").write_text(records(6))
    run(env, "import", str(tmp_path / "in.jsonl"))
    registered = run(env, "requests", "register", "CUST-1", "erasure").stdout
    request_id = registered.split("\t")[0]
    assert "identity not verified" in registered and "CUST-1" not in registered  # the pseudonym, not the number
    refused = run(env, "requests", "erase", request_id, "--category", "health", check=False)
    assert refused.returncode == 2 and "identity" in refused.stderr
    run(env, "requests", "identify", request_id, "id_document_seen", "ID-CHECK-7")
    erased = run(env, "requests", "erase", request_id, "--category", "health").stdout
    assert "erased 1 data key(s); final once `kluis keys retire`" in erased
    assert "retired v1" in run(env, "keys", "retire", "--category", "health").stdout
    assert run(env, "requests", "due", "--within", "31").returncode == 0  # open, due in a month, not overdue
    access = run(
        env, "requests", "register", "CUST-2", "access", "--identity-method", "digid", "--identity-reference", "DIGID-1"
    ).stdout.split("\t")[0]
    pdf = tmp_path / "report.pdf"
    assert "written to" in run(env, "requests", "report", access, "--output", str(pdf), "--language", "en").stdout
    assert pdf.read_bytes().startswith(b"%PDF-")
    run(env, "requests", "report", access, "--output", str(tmp_path / "report.json"))
    assert json.loads((tmp_path / "report.json").read_text())["format"] == "kluis.subject-report.v1"
    assert "audit log OK" in run(env, "audit", "verify").stdout


def test_a_retention_run_from_the_console_reports_then_shreds_what_expired(settings: Settings, tmp_path: Path) -> None:
    env = {
        **environment(settings),
        "KLUIS_RETENTION_RULES": json.dumps(
            [
                {"category": "health", "retention_class": "case_file", "months": 18, "basis": "test: 18 months"},
                {"category": "criminal", "retention_class": "case_file", "years": 8, "basis": "test: 8 years"},
            ]
        ),
    }
    run(env, "init")
    past = ManualClock(datetime.now(UTC) - timedelta(days=600))  # closed some 20 months ago: due
    kluis = open_harness(settings, past)
    try:
        claims = actor("bram", "claims_handler")
        kluis.vault.cases.refer(claims, "C-OLD", "CUST-1", "Fictional: explained by the accident?")
        kluis.vault.cases.close(claims, "C-OLD")
        past.current = datetime.now(UTC) - timedelta(days=30)  # closed a month ago: not due
        kluis.vault.cases.refer(claims, "C-NEW", "CUST-2", "Fictional: explained by the accident?")
        kluis.vault.cases.close(claims, "C-NEW")
    finally:
        kluis.close()
    assert "health/case_file: 18 months from case_closure" in run(env, "retention", "rules").stdout
    planned = tmp_path / "plan.json"
    dry = run(env, "retention", "run", "--dry-run", "--report", str(planned)).stdout
    assert "would shred 1 record(s)" in dry
    plan = json.loads(planned.read_text())
    assert plan["format"] == "kluis.retention-report.v1" and plan["dry_run"] is True
    assert [(i["case_ref"], i["outcome"]) for i in plan["items"]] == [("C-OLD", "would_shred")]
    done = json.loads(run(env, "retention", "run", "--json").stdout)
    assert (done["shredded"], done["keys_destroyed"], done["items"][0]["case_ref"]) == (1, 1, "C-OLD")
    assert "CUST-1" not in json.dumps(done)  # the pseudonym, never the customer number
    assert "shredded 0 record(s)" in run(env, "retention", "run").stdout  # nothing due twice
    assert "audit log OK" in run(env, "audit", "verify").stdout


def test_audit_events_older_than_five_years_are_archived_from_the_console(settings: Settings) -> None:
    env = environment(settings)
    old = ManualClock(datetime(2019, 3, 1, 9, 0, tzinfo=UTC))
    initialise(settings, OPERATOR, old)
    kluis = open_harness(settings, old)
    try:
        for _ in range(25):
            kluis.vault.audit.search(actor("sec", "security_officer"), AuditQuery(limit=1))
    finally:
        kluis.close()
    assert "20 event(s) would be archived" in run(env, "audit", "archive", "--dry-run").stdout
    archived = run(env, "audit", "archive").stdout
    assert "events 1..20: archived to" in archived and "20 event(s) archived; kept: 5 years" in archived
    (file,) = (settings.data_dir / "audit-archive").glob("audit-*.jsonl")
    assert "audit log OK: 20 events" in run(env, "audit", "verify", "--file", str(file)).stdout
    assert "audit log OK" in run(env, "audit", "verify").stdout
    assert "0 event(s) archived" in run(env, "audit", "archive").stdout


def test_the_processing_register_exports_as_json_and_as_a_document(settings: Settings, tmp_path: Path) -> None:
    env = {
        **environment(settings),
        "KLUIS_REGISTER_DPO": json.dumps({"name": "F. de Vries", "contact": "fg@x.invalid"}),
    }
    run(env, "init")
    exported = run(env, "register", "export")
    register = json.loads(exported.stdout)
    assert register["format"] == "kluis.processing-register.v1" and register["dpo"]["name"] == "F. de Vries"
    assert [c["category"] for c in register["categories"]] == ["health", "criminal"]
    assert "incomplete: the controller (KLUIS_REGISTER_CONTROLLER)" in exported.stderr
    document = tmp_path / "register.html"
    assert "written to" in run(env, "register", "export", "--format", "html", "-o", str(document)).stdout
    assert "Processing register (Article 30(1) GDPR)" in document.read_text()


def test_a_breach_from_the_console_is_overdue_until_notified(settings: Settings) -> None:
    env = environment(settings)
    run(env, "init")
    detected = (datetime.now(UTC) - timedelta(hours=80)).isoformat()
    recorded = run(env, "breaches", "record", detected, "database_copy", "A dump on a share", "--category", "health")
    breach_id = recorded.stdout.split("\t")[0]
    assert "OVERDUE" in recorded.stdout and "health:protected" in recorded.stdout
    due = run(env, "breaches", "due", check=False)
    assert due.returncode == 1 and "overdue" in due.stderr
    now = datetime.now(UTC).isoformat()
    run(env, "breaches", "change", breach_id, "--risk", "risk", "--notified-at", now, "--authority-reference", "AP-1")
    assert run(env, "breaches", "due").stdout == ""
    assert "closed" in run(env, "breaches", "change", breach_id, "--close").stdout


def test_a_restriction_from_the_console_is_placed_excepted_and_lifted(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    run(env, "init")
    (tmp_path / "in.jsonl").write_text(records(3))
    run(env, "import", str(tmp_path / "in.jsonl"))
    request_id = run(
        env,
        "requests",
        "register",
        "CUST-1",
        "restriction",
        "--identity-method",
        "digid",
        "--identity-reference",
        "D-1",
    ).stdout.split("\t")[0]
    placed = run(env, "restrictions", "place", request_id, "health", "accuracy_contested").stdout
    restriction_id = placed.split("\t")[0]
    assert "live" in placed and "CUST-1" not in placed
    until = "2099-01-01T00:00:00+00:00"
    late = run(
        env, "restrictions", "except", restriction_id, "legal_claims_order", "CLAIM-9", "--ends-at", until, check=False
    )
    assert late.returncode == 2 and "within a year" in late.stderr  # refused: at most a year
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    excepted = run(env, "restrictions", "except", restriction_id, "legal_claims_order", "CLAIM-9", "--ends-at", soon)
    assert "legal_claims_order\tlegal_claims" in excepted.stdout
    bad = run(env, "restrictions", "lift", restriction_id, "accuracy_verified", "--told-on", "yesterday", check=False)
    assert bad.returncode == 2
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()  # the insurer's calendar day
    lifted = run(env, "restrictions", "lift", restriction_id, "accuracy_verified", "--told-on", today).stdout
    assert "lifted" in lifted
    assert "lifted" in run(env, "restrictions", "list", "--customer", "CUST-1").stdout
    assert run(env, "requests", "releases", request_id).stdout == ""  # nothing released on it
    assert "audit log OK" in run(env, "audit", "verify").stdout


def test_policy_check_fails_on_a_bad_policy(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    assert run(env, "policy", "check").returncode == 0
    bad = tmp_path / "policies"
    bad.mkdir()
    root = Path(__file__).resolve().parents[2] / "policies"
    for source in root.glob("*.csv"):
        (bad / source.name).write_text(source.read_text())
    (bad / "extra.csv").write_text("p, claims_handler, health, read, health_purposes, *, allow\n")
    result = run(env, "policy", "check", "--policy-dir", str(bad), check=False)
    assert result.returncode == 1 and "health fields outside the medical unit" in result.stderr
    refused = run({**env, "KLUIS_POLICY_DIR": str(bad)}, "init", check=False)
    assert refused.returncode != 0 and "policy breaks" in refused.stderr


def test_production_refuses_a_master_secret_beside_the_data(settings: Settings) -> None:
    env = {**environment(settings), "KLUIS_ENVIRONMENT": "production"}
    result = run(env, "init", check=False)
    assert result.returncode != 0 and "KLUIS_MASTER_SECRET_FILE" in result.stderr
    inside = settings.data_dir / "secret"
    assert not settings.data_dir.exists()  # refused before anything was created
    settings.data_dir.mkdir(parents=True)
    inside.write_text("x" * 40)
    result = run({**env, "KLUIS_MASTER_SECRET_FILE": str(inside)}, "init", check=False)
    assert result.returncode != 0 and "inside the data directory" in result.stderr


def test_serve_refuses_to_start_without_init(settings: Settings) -> None:
    result = run(environment(settings), "audit", "verify", check=False)
    assert result.returncode != 0 and "error" in result.stderr


# -- canaries -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_canaries_never_reach_database_files_wal_logs_or_export(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    # In-process first, with connections held open, so the WAL still holds the freshly written pages.
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    report = import_lines(
        kluis.vault.records, actor("op", "importer"), [line.encode() for line in records(200).splitlines()]
    )
    assert report.imported == 200
    db = Path(settings.effective_database_url.removeprefix("sqlite:///"))
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    assert any(p.name.endswith("-wal") and p.stat().st_size > 0 for p in files)
    for path in [*files, *settings.data_dir.rglob("*")]:
        if path.is_file():
            raw = path.read_bytes()
            assert CANARY_HEALTH.encode() not in raw and CANARY_CRIMINAL.encode() not in raw, path
    kluis.close()
    # Then the operator's view: command output and logs, and the audit export.
    (tmp_path / "in.jsonl").write_text(records(20) + '{"fields": {"a": "' + CANARY_HEALTH + '"}\n')
    outputs = [run(env, "import", str(tmp_path / "in.jsonl"), check=False)]
    outputs.append(run(env, "audit", "export", "-o", str(tmp_path / "audit.jsonl")))
    outputs.append(run(env, "audit", "verify"))
    text = "".join(o.stdout + o.stderr for o in outputs) + (tmp_path / "audit.jsonl").read_text()
    assert CANARY_HEALTH not in text and CANARY_CRIMINAL not in text
    assert "line 21:" in outputs[0].stderr  # the malformed canary line was reported, without its content


def _bsns(n: int) -> list[str]:
    """n fictional numbers that pass the 11-test (weights 9..2 and -1)."""
    found: list[str] = []
    for base in range(10_000_000, 99_999_999):
        digits = [int(d) for d in f"{base:08d}"]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10:
            found.append(f"{base:08d}{last}")
        if len(found) == n:
            return found
    raise AssertionError("not enough numbers")


def _numbers_passing_the_11_test(text: str) -> set[str]:
    """Every 9-digit run that stands alone (not inside a longer number or a hex string) and passes the 11-test."""
    return {m for m in re.findall(r"(?<![0-9A-Za-z])\d{9}(?![0-9A-Za-z])", text) if stdnum_bsn.is_valid(m)}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bsn_scan_finds_none_outside_sealed_fields(settings: Settings, tmp_path: Path) -> None:
    """R33's test: BSNs held under a configured legal basis, and BSNs typed where none may go, then a scan of the
    database files, WAL, data directory, command output, logs and the audit export for any 11-test number."""
    numbers = _bsns(30)
    env = {**environment(settings), "KLUIS_BSN_FIELDS": json.dumps({"health:income_benefit": "wet_ib_2001"})}
    lines = [
        json.dumps(
            {
                "subject_ref": f"CUST-{i}",
                "case_ref": f"CASE-{i}",
                "category": "health",
                "kind": "income_benefit",
                "fields": {"bsn": number, "amount": "1200"},
                "source": "payroll",
                "purpose": "claim_assessment",
            }
        )
        for i, number in enumerate(numbers[:20])
    ]
    typed = numbers[20:]  # where a BSN may not go: a case reference, a kind, a source, an unconfigured kind
    lines += [
        json.dumps(
            {
                "subject_ref": "CUST-X",
                "case_ref": typed[0],
                "category": "health",
                "kind": "x",
                "fields": {"a": "b"},
                "source": "s",
                "purpose": "acceptance",
            }
        ),
        json.dumps(
            {
                "subject_ref": "CUST-X",
                "case_ref": "C-X",
                "category": "health",
                "kind": "x",
                "fields": {"a": "b"},
                "source": f"letter {typed[1]}",
                "purpose": "acceptance",
            }
        ),
        json.dumps(
            {
                "subject_ref": "CUST-X",
                "case_ref": "C-X",
                "category": "health",
                "kind": "medical_report",
                "fields": {"bsn": typed[2]},
                "source": "s",
                "purpose": "acceptance",
            }
        ),
    ]
    run(env, "init")
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    outputs = [run(env, "import", str(tmp_path / "in.jsonl"), check=False)]
    assert outputs[0].returncode != 0 and "imported 20" in outputs[0].stdout + outputs[0].stderr
    outputs += [
        run(env, "audit", "export", "-o", str(tmp_path / "audit.jsonl")),
        run(env, "audit", "verify"),
        run(env, "retention", "run", "--dry-run", "--json"),
        run(
            env, "requests", "register", "CUST-1", "access", "--identity-method", "digid", "--identity-reference", "D-1"
        ),
    ]
    text = "".join(o.stdout + o.stderr for o in outputs) + (tmp_path / "audit.jsonl").read_text()
    assert _numbers_passing_the_11_test(text) == set()
    db = Path(settings.effective_database_url.removeprefix("sqlite:///"))
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]  # the database, its WAL and journal
    for path in [*files, *settings.data_dir.rglob("*")]:
        if path.is_file():
            raw = path.read_bytes().decode("latin-1")
            assert not set(numbers) & _numbers_passing_the_11_test(raw), path


def test_canaries_never_reach_postgres_tables(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    try:
        import_lines(kluis.vault.records, actor("op", "importer"), [line.encode() for line in records(60).splitlines()])
        with kluis.engine.connect() as connection:
            tables = (
                connection.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                .scalars()
                .all()
            )
            for table in tables:
                dump = connection.execute(sa.text(f"SELECT string_agg(t::text, '|') FROM \"{table}\" t")).scalar()
                assert CANARY_HEALTH not in (dump or "") and CANARY_CRIMINAL not in (dump or ""), table
    finally:
        kluis.close()


# -- crash in the middle of a write ---------------------------------------------------------------------------
def test_kill_mid_import_leaves_whole_records_and_a_chain_that_verifies(settings: Settings, tmp_path: Path) -> None:
    env = environment(settings)
    run(env, "init")
    (tmp_path / "in.jsonl").write_text(records(20000, canary=False))
    engine = sa.create_engine(settings.effective_database_url)
    process = subprocess.Popen(
        [KLUIS, "import", str(tmp_path / "in.jsonl"), "--batch-size", "50"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if (connection.scalar(sa.text("SELECT count(*) FROM records")) or 0) >= 200:
                    break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM records"))
        fields = connection.scalar(sa.text("SELECT count(*) FROM record_fields"))
        references = connection.scalar(sa.text('SELECT count(*) FROM "references"'))
        created = connection.scalar(
            sa.text("SELECT count(*) FROM audit_events WHERE event_type = 'record.create' AND outcome = 'allowed'")
        )
    engine.dispose()
    assert 200 <= count < 20000  # killed part-way
    assert fields == 2 * count and references == count and created == count  # nothing half-written
    assert "audit log OK" in run(env, "audit", "verify").stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_demo_seeds_a_fictional_insurer_and_prints_tokens_and_curl_lines(settings: Settings) -> None:
    env = {**environment(settings), "KLUIS_DEV_MODE": "0"}  # demo turns dev mode on for itself
    result = run(env, "demo", "--no-serve")
    tokens = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("eyJ")]
    curls = [line for line in result.stdout.splitlines() if line.strip().startswith("curl ")]
    assert len(tokens) == 7 and len(curls) == 3
    record_id = curls[1].split("/v1/records/")[1].split("?")[0]
    kluis = open_harness(settings.model_copy(update={"dev_mode": True}))
    try:
        view = kluis.vault.records.read(actor("dr.jansen", "medical_adviser"), record_id, Purpose.CLAIM_ASSESSMENT)
        assert "Fictional" in view.fields["summary"]
        case = kluis.vault.cases.view(
            actor("anna.claims", "claims_handler"), "CLAIM-2026-001", Purpose.CLAIM_ASSESSMENT
        )
        assert case.advice is not None and case.status == "referred"
        security = actor("sara.security", "security_officer")
        unit = {(m.user_id, m.role.value) for m in kluis.vault.unit.members(security) if m.live}
        assert {("dr.jansen", "medical_adviser"), ("nurse.bakker", "medical_staff")} <= unit  # a registered unit
        pending = kluis.vault.break_glass.uses(security)
        assert [(u.user_id, u.case_ref) for u in pending] == [("dr.devries", "CLAIM-2026-001")]  # awaiting review
        delegated = kluis.vault.delegations.delegations(security)
        assert [(d.delegator, d.delegate, d.case_ref) for d in delegated] == [
            ("dr.jansen", "dr.devries", "CLAIM-2026-001")
        ]
    finally:
        kluis.close()
    again = run(env, "demo", "--no-serve")  # a second run reuses the data instead of seeding twice
    assert record_id in again.stdout
