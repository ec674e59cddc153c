"""The unit register, assignment lists and case closure over HTTP and the CLI, as the key admin, the security
officer, the adviser and the claims handler use them: what each may do, and problem+json for what they may not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, make_settings
from tests.harness import Harness, open_harness
from vault import Role, Settings, initialise

BIG = "12345678901"  # fictional
CHECKED = "2026-01-05T00:00:00Z"


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, Harness, IdentityProvider]]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path, database_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=idp.jwks_file
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault)) as client:
        yield client, kluis, idp
    kluis.close()


def _last_event(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def test_the_key_admin_registers_the_unit_and_the_security_officer_reviews_it(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    adviser = idp.bearer("dr.a", "medical_adviser")
    body = {"user_id": "dr.a", "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
    created = client.post("/v1/unit/members", headers=admin, json=body)
    assert created.status_code == 201
    member_id = created.json()["member_id"]
    staff = {
        "user_id": "nurse.b",
        "role": "medical_staff",
        "credential": "GHO-2026-1",
        "credential_date": CHECKED,
        "supervisor": "dr.a",
    }
    assert client.post("/v1/unit/members", headers=admin, json=staff).status_code == 201

    listed = client.get("/v1/unit/members", headers=security)
    assert listed.status_code == 200
    assert [(m["user_id"], m["live"], m["sealed"]) for m in listed.json()] == [
        ("dr.a", True, True),
        ("nurse.b", True, True),
    ]
    assert client.get("/v1/unit/members", headers=adviser).status_code == 403  # not the adviser's to review

    suspended = client.patch(f"/v1/unit/members/{member_id}", headers=admin, json={"status": "suspended"})
    assert suspended.status_code == 200 and suspended.json()["live"] is False
    after = {m["user_id"]: m["live"] for m in client.get("/v1/unit/members", headers=security).json()}
    assert after == {"dr.a": False, "nurse.b": False}  # staff count only under a supervisor who counts
    assert _last_event(kluis)["event_type"] == "unit.list"


def test_bad_registrations_are_problems_that_say_what_is_missing(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    admin = idp.bearer("kees", "key_admin")
    no_big = {"user_id": "dr.b", "role": "medical_adviser", "credential": "123", "credential_date": CHECKED}
    response = client.post("/v1/unit/members", headers=admin, json=no_big)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert "BIG" in response.json()["detail"]
    assert _last_event(kluis)["reason"] == "invalid_credential"  # refused inside the guard: audited
    bsn = {"user_id": "111222333", "role": "security_officer"}  # a valid-looking BSN is never a user id
    assert client.post("/v1/unit/members", headers=admin, json=bsn).status_code == 422
    myself = {"user_id": "kees", "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
    refused = client.post("/v1/unit/members", headers=admin, json=myself)
    assert refused.status_code == 403 and _last_event(kluis)["reason"] == "self_service"
    unknown = client.patch("/v1/unit/members/999", headers=admin, json={"status": "ended"})
    assert unknown.status_code == 404


def test_assignments_are_listed_per_case_and_user_and_closing_the_case_ends_them(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    claims, adviser = idp.bearer("anna", "claims_handler"), idp.bearer("dr.a", "medical_adviser")
    body = {"user_id": "dr.a", "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
    assert client.post("/v1/unit/members", headers=admin, json=body).status_code == 201
    referral = {"subject_ref": "CUST-1", "question": "Fictional: is the complaint caused by the accident?"}
    assert client.post("/v1/cases/C-1/referrals", headers=claims, json=referral).status_code == 201
    misspelt = client.post(
        "/v1/cases/C-1/assignments", headers=admin, json={"user": "dr.aa", "role": "medical_adviser"}
    )
    assert misspelt.status_code == 422 and _last_event(kluis)["reason"] == "not_registered"
    assigned = client.post("/v1/cases/C-1/assignments", headers=admin, json={"user": "dr.a", "role": "medical_adviser"})
    assert assigned.status_code == 201

    on_case = client.get("/v1/cases/C-1/assignments", headers=security).json()
    assert [(a["user_id"], a["live"]) for a in on_case] == [("dr.a", True)]
    assert client.get("/v1/cases/C-1/assignments", headers=adviser).status_code == 200  # an adviser on the case
    assert [a["case_ref"] for a in client.get("/v1/assignments?user=dr.a", headers=security).json()] == ["C-1"]
    assert client.get("/v1/assignments?user=dr.a", headers=claims).status_code == 403

    closed = client.post("/v1/cases/C-1/close", headers=claims)
    assert closed.status_code == 200 and closed.json()["assignments_ended"] == 1
    assert client.get("/v1/cases/C-1/assignments", headers=security).json() == []
    history = client.get("/v1/cases/C-1/assignments?all=true", headers=security).json()
    assert history[0]["revoked_at"] is not None and history[0]["sealed"] is True
    again = client.post("/v1/cases/C-1/assignments", headers=admin, json={"user": "dr.a", "role": "medical_adviser"})
    assert again.status_code == 409 and _last_event(kluis)["reason"] == "case_closed"
    assert client.post("/v1/cases/C-1/close", headers=claims).status_code == 409
    assert client.get("/v1/cases/C-1?purpose=claim_assessment", headers=claims).json()["status"] == "closed"


def _kluis(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KLUIS_DATA_DIR": str(settings.data_dir),
        "KLUIS_DATABASE_URL": settings.effective_database_url,
    }
    kluis = str(Path(sys.executable).parent / "kluis")
    return subprocess.run([kluis, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_the_cli_keeps_the_register(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    initialise(settings, OPERATOR)
    registered = _kluis(
        settings, "unit", "register", "dr.c", "medical_adviser", "--credential", BIG, "--credential-date", CHECKED
    )
    assert registered.returncode == 0, registered.stderr
    assert "registration 1" in registered.stdout
    missing = _kluis(
        settings, "unit", "register", "nurse.c", "medical_staff", "--credential", "GHO-1", "--credential-date", CHECKED
    )
    assert missing.returncode == 2 and "supervising medical adviser" in missing.stderr
    assert _kluis(settings, "unit", "suspend", "1").returncode == 0
    listed = _kluis(settings, "unit", "list")
    assert listed.returncode == 0 and "suspended, does not count" in listed.stdout


def test_break_glass_over_http_from_opening_to_review(served: tuple[TestClient, Harness, IdentityProvider]) -> None:
    client, kluis, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    claims, on_call = idp.bearer("anna", "claims_handler"), idp.bearer("dr.b", "medical_adviser")
    body = {"user_id": "dr.b", "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
    assert client.post("/v1/unit/members", headers=admin, json=body).status_code == 201
    referral = {"subject_ref": "CUST-2", "question": "Fictional: is the complaint caused by the accident?"}
    assert client.post("/v1/cases/C-2/referrals", headers=claims, json=referral).status_code == 201
    assert client.get("/v1/cases/C-2?purpose=claim_assessment", headers=on_call).status_code == 404

    why = {"reason": "urgent_decision", "note": "The subject waits for today's decision; adviser absent."}
    assert client.post("/v1/cases/C-2/break-glass", headers=claims, json=why).status_code == 403
    opened = client.post("/v1/cases/C-2/break-glass", headers=on_call, json=why)
    assert opened.status_code == 201 and opened.json()["outcome"] is None
    view = client.get("/v1/cases/C-2?purpose=claim_assessment", headers=on_call)
    assert view.status_code == 200 and _last_event(kluis)["break_glass"] is True
    bad = client.post("/v1/cases/C-2/break-glass", headers=on_call, json={**why, "reason": "curiosity"})
    assert bad.status_code == 422

    pending = client.get("/v1/break-glass", headers=security).json()
    assert [u["user_id"] for u in pending] == ["dr.b"]
    assert client.get("/v1/break-glass", headers=on_call).status_code == 403
    use_id = pending[0]["use_id"]
    verdict = {"outcome": "not_justified", "note": "Nothing in the file was urgent."}
    assert client.post(f"/v1/break-glass/{use_id}/review", headers=security, json=verdict).status_code == 200
    assert client.get("/v1/break-glass", headers=security).json() == []
    assert client.post("/v1/break-glass/clear", headers=security, json={"user": "dr.b"}).json() == {"cleared": 1}


def test_out_of_range_ids_naive_times_and_bsn_user_ids_are_problems_not_crashes(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    assert (
        client.patch("/v1/unit/members/9223372036854775808", headers=admin, json={"status": "ended"}).status_code == 422
    )
    naive = {"user": "dr.a", "role": "medical_adviser", "ends_at": "2027-01-01T00:00:00"}
    assert client.post("/v1/cases/C-1/assignments", headers=admin, json=naive).status_code == 422
    before = _last_event(kluis)["event_id"]
    for path in ("/v1/unit/members?user=111222333", "/v1/assignments?user=111222333"):
        response = client.get(path, headers=security)
        assert response.status_code == 422 and "111222333" not in response.text
    bsn = {"user": "111222333", "role": "medical_adviser"}
    assert client.post("/v1/cases/C-1/assignments", headers=admin, json=bsn).status_code == 422
    assert _last_event(kluis)["event_id"] == before  # refused before anything was recorded: no BSN in the log


def test_the_console_login_is_the_accounts_not_the_environments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pwd

    from api.cli._common import operator

    monkeypatch.setenv("LOGNAME", "colleague")
    monkeypatch.setenv("USER", "colleague")
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert operator(Settings(data_dir=tmp_path), Role.KEY_ADMIN).user == f"operator:{me}"


def test_the_worklist_and_the_need_to_know_review_over_http(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, _, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    adviser = idp.bearer("dr.a", "medical_adviser")
    body = {"user_id": "dr.a", "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
    assert client.post("/v1/unit/members", headers=admin, json=body).status_code == 201
    assignment = {"user": "dr.a", "role": "medical_adviser", "starts_at": "2026-01-01T00:00:00Z"}
    assigned = client.post("/v1/cases/C-3/assignments", headers=admin, json=assignment).json()["assignment_id"]
    assert [a["case_ref"] for a in client.get("/v1/me/cases", headers=adviser).json()] == ["C-3"]
    assert client.get("/v1/me/cases", headers=security).status_code == 403
    due = client.get("/v1/assignments/due", headers=security).json()  # begun in January: over 90 days ago
    assert [a["assignment_id"] for a in due] == [assigned]
    kept = client.post(f"/v1/assignments/{assigned}/review", headers=security, json={"keep": True})
    assert kept.status_code == 200 and kept.json()["confirmed_at"] is not None
    assert client.get("/v1/assignments/due", headers=security).json() == []


def test_an_adviser_delegates_over_http_and_the_delegate_acts_on_his_behalf(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    admin, security = idp.bearer("kees", "key_admin"), idp.bearer("sara", "security_officer")
    jansen, smit = idp.bearer("dr.j", "medical_adviser"), idp.bearer("dr.s", "medical_adviser")
    for user in ("dr.j", "dr.s"):
        body = {"user_id": user, "role": "medical_adviser", "credential": BIG, "credential_date": CHECKED}
        assert client.post("/v1/unit/members", headers=admin, json=body).status_code == 201
    assigned = client.post("/v1/cases/C-4/assignments", headers=admin, json={"user": "dr.j", "role": "medical_adviser"})
    assert assigned.status_code == 201
    back = (datetime.now(UTC) + timedelta(days=14)).isoformat()  # an absence of two weeks (at most 90 days)
    away = {"delegate": "dr.s", "ends_at": back, "case_ref": "C-4"}
    made = client.post("/v1/delegations", headers=jansen, json=away)
    assert made.status_code == 201 and made.json()["live"] is True
    assert client.post("/v1/delegations", headers=smit, json={**away, "delegate": "dr.j"}).status_code == 403
    worklist = client.get("/v1/me/cases", headers=smit).json()
    assert [(w["case_ref"], w["relation"], w["on_behalf_of"]) for w in worklist] == [("C-4", "delegated", "dr.j")]
    client.get("/v1/cases/C-4?purpose=claim_assessment", headers=smit)  # nothing in it yet, but allowed:
    seen = _last_event(kluis)
    assert seen["event_type"] == "case.view" and seen["outcome"] == "allowed"
    assert seen["actor"]["on_behalf_of"] == "dr.j"
    assert [d["delegate"] for d in client.get("/v1/delegations", headers=security).json()] == ["dr.s"]
    ended = client.delete(f"/v1/delegations/{made.json()['delegation_id']}", headers=jansen)
    assert ended.status_code == 200 and ended.json()["live"] is False
