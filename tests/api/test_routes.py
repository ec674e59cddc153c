"""The HTTP service end to end, on SQLite and PostgreSQL: the authorization matrix, personas, leaks, fail-closed."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, fresh_schema, make_settings
from tests.harness import Harness, enrol, open_harness, register
from vault import Role, initialise

CANARY = {"health": "CANARY-HEALTH-5e1f", "criminal": "CANARY-CRIMINAL-a07c"}
PURPOSE = {"health": "claim_assessment", "criminal": "acceptance"}
ROLES = [
    "medical_adviser",
    "medical_staff",
    "criminal_data_officer",
    "claims_handler",
    "security_officer",
    "privacy_officer",
    "key_admin",
    "importer",
]
RELATIONS = ["assigned", "unassigned", "other_case", "no_such_record"]
READERS = {("medical_adviser", "health"), ("medical_staff", "health"), ("criminal_data_officer", "criminal")}
DATA_ROLES = {"medical_adviser", "medical_staff", "criminal_data_officer"}


@dataclass
class World:
    client: TestClient
    kluis: Harness
    idp: IdentityProvider
    records: dict[tuple[str, str], str]  # (case, category) -> record id

    def auth(self, user: str, *roles: str) -> dict[str, str]:
        return self.idp.bearer(user, *roles)

    def events(self) -> list[dict[str, Any]]:
        with self.kluis.sessions() as session:
            rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
            return [json.loads(bytes(b)) for b in rows]


def _build_world(directory: Path, database_url: str) -> Iterator[World]:
    idp = IdentityProvider(directory)
    settings = make_settings(
        directory,
        database_url,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        bsn_fields={"health:income_benefit": "wet_ib_2001"},  # R33: the one kind that may hold a BSN here
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault)) as client:
        world = World(client, kluis, idp, {})
        admin = world.auth("kees", "key_admin")
        # each data role has one registered user assigned to CASE-A (in that role) and one assigned to nothing;
        # the other roles are never assigned to a case (422), and decide the same either way
        for role in ROLES:
            data_role = role in DATA_ROLES
            if data_role:
                supervisor = "medical_adviser-a" if role == "medical_staff" else None
                for user in (f"{role}-a", f"{role}-unassigned"):
                    register(kluis.vault, user, Role(role), supervisor=supervisor)
            response = client.post(
                "/v1/cases/CASE-A/assignments", json={"user": f"{role}-a", "role": role}, headers=admin
            )
            assert response.status_code == (201 if data_role else 422)
        for case in ("CASE-A", "CASE-B"):
            for category, writer in (("health", "medical_adviser"), ("criminal", "criminal_data_officer")):
                enrol(kluis.vault, case, "seeder", Role(writer), by=OPERATOR)
                response = client.post(
                    f"/v1/cases/{case}/records",
                    headers=world.auth("seeder", writer),
                    json={
                        "subject_ref": "CUST-1",
                        "category": category,
                        "kind": "report",
                        "source": "test",
                        "purpose": PURPOSE[category],
                        "fields": {"value": CANARY[category]},
                    },
                )
                assert response.status_code == 201, response.text
                world.records[(case, category)] = response.json()["record_id"]
        yield world
    kluis.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("api")
    if request.param == "sqlite":
        yield from _build_world(directory, f"sqlite:///{directory / 'kluis.db'}")
        return
    with fresh_schema(request.getfixturevalue("postgres_admin_url")) as url:
        yield from _build_world(directory, url)


# -- the authorization matrix ----------------------------------------------------------------------------------
def _expected(role: str, category: str, action: str, relation: str) -> int:
    if action == "create":
        if role == "importer":
            return 201
        return 201 if (role, category) in READERS and relation == "assigned" else 403
    if relation == "no_such_record":
        return 404
    if (role, category) in READERS and relation == "assigned":
        return 200
    return 403 if role == "claims_handler" else 404  # only the claims side may know the record exists


@pytest.mark.parametrize(
    ("role", "category", "action", "relation"),
    list(itertools.product(ROLES, ["health", "criminal"], ["read", "create", "update"], RELATIONS)),
)
def test_authorization_matrix(world: World, role: str, category: str, action: str, relation: str) -> None:
    user = f"{role}-a" if relation in ("assigned", "other_case", "no_such_record") else f"{role}-unassigned"
    headers = world.auth(user, role)
    case = "CASE-B" if relation == "other_case" else ("CASE-NONE" if relation == "no_such_record" else "CASE-A")
    record = world.records.get((case, category), str(uuid.uuid4()))
    query = f"purpose={PURPOSE[category]}"
    before = len(world.events())
    if action == "read":
        response = world.client.get(f"/v1/records/{record}?{query}", headers=headers)
    elif action == "update":
        response = world.client.patch(
            f"/v1/records/{record}?{query}", headers=headers, json={"fields": {"value": CANARY[category]}}
        )
    else:
        response = world.client.post(
            f"/v1/cases/{case}/records",
            headers=headers,
            json={
                "subject_ref": "CUST-1",
                "category": category,
                "kind": "report",
                "source": "test",
                "purpose": PURPOSE[category],
                "fields": {"value": CANARY[category]},
            },
        )
    expected = _expected(role, category, action, relation)
    assert response.status_code == expected, response.text
    events = world.events()[before:]
    assert len(events) == 1  # every cell, denials included, leaves exactly one event
    assert events[0]["actor"]["user"] == user
    assert events[0]["outcome"] == ("allowed" if expected < 300 else "denied")
    if expected >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert CANARY[category] not in response.text


# -- the claims side and the other non-unit roles never see a value -------------------------------------------
@pytest.mark.parametrize("role", ["claims_handler", "security_officer", "privacy_officer", "key_admin"])
def test_canaries_never_reach_non_unit_roles(world: World, role: str) -> None:
    headers = world.auth(f"{role}-a", role)
    seen = []
    for case in ("CASE-A", "CASE-B"):
        view = world.client.get(f"/v1/cases/{case}?purpose=claim_assessment", headers=headers)
        seen.append(view.text)
        for record in view.json().get("records", []) if view.status_code == 200 else []:
            seen.append(
                world.client.get(f"/v1/references/{record['reference']}?purpose=claim_assessment", headers=headers).text
            )
        for (c, category), record_id in world.records.items():
            if c == case:
                seen.append(
                    world.client.get(f"/v1/records/{record_id}?purpose={PURPOSE[category]}", headers=headers).text
                )
    for path in (
        "/v1/audit/events?limit=500",
        "/v1/audit/export",
        "/v1/audit/overview?user=medical_adviser-a",
        "/v1/audit/verify",
    ):
        seen.append(world.client.get(path, headers=headers).text)
    text = "\n".join(seen)
    assert CANARY["health"] not in text and CANARY["criminal"] not in text
    if role == "claims_handler":
        assert "kr1_" in text  # the claims side did get references and metadata, so the test looked at something


def test_claims_reference_view_has_metadata_only_and_is_bound_to_its_case(world: World) -> None:
    headers = world.auth("claims_handler-a", "claims_handler")
    view = world.client.get("/v1/cases/CASE-A?purpose=claim_assessment", headers=headers).json()
    reference = view["records"][0]["reference"]
    resolved = world.client.get(f"/v1/references/{reference}?purpose=claim_assessment&case_ref=CASE-A", headers=headers)
    assert resolved.status_code == 200
    assert set(resolved.json()) == {"reference", "case_ref", "category", "kind", "status", "created_at"}
    replayed = world.client.get(f"/v1/references/{reference}?purpose=claim_assessment&case_ref=CASE-B", headers=headers)
    assert replayed.status_code == 404


# -- problem details -------------------------------------------------------------------------------------------
def test_bad_input_gets_problem_json_without_echoing_it(world: World) -> None:
    headers = world.auth("medical_adviser-a", "medical_adviser")
    response = world.client.post(
        "/v1/cases/CASE-A/records",
        headers=headers,
        json={
            "subject_ref": "CUST-1",
            "category": "health",
            "kind": "report",
            "source": "test",
            "purpose": "claim_assessment",
            "fields": {"value": "x"},
            "diagnosis": CANARY["health"],
        },
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["location"] == ["body", "diagnosis"] and CANARY["health"] not in response.text
    assert body["correlation_id"] == response.headers["x-request-id"]
    unknown_purpose = world.client.get(
        f"/v1/records/{world.records[('CASE-A', 'health')]}?purpose=marketing_x", headers=headers
    )
    assert unknown_purpose.status_code == 422


@pytest.mark.parametrize("case_ref", ["CASE%20A", "111222333", "x" * 129])
def test_bad_case_reference_in_the_path_is_a_422_not_a_crash(world: World, case_ref: str) -> None:
    headers = world.auth("medical_adviser-a", "medical_adviser")
    response = world.client.post(
        f"/v1/cases/{case_ref}/records",
        headers=headers,
        json={
            "subject_ref": "CUST-1",
            "category": "health",
            "kind": "report",
            "source": "test",
            "purpose": "claim_assessment",
            "fields": {"value": "x"},
        },
    )
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert "111222333" not in response.text


BSN = "123456782"  # passes the 11-test (fictional)
_RECORD = {
    "subject_ref": "CUST-1",
    "category": "health",
    "kind": "report",
    "source": "test",
    "purpose": "claim_assessment",
    "fields": {"value": "x"},
}


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        ("claims_handler", "get", f"/v1/cases/{BSN}?purpose=claim_assessment", None),
        ("claims_handler", "post", f"/v1/cases/{BSN}/close", None),
        ("claims_handler", "get", f"/v1/references/ref_x?purpose=claim_assessment&case_ref={BSN}", None),
        ("medical_adviser", "post", f"/v1/cases/CASE-{BSN}/assignments", {"user": "x", "role": "medical_staff"}),
        ("medical_adviser", "post", "/v1/cases/CASE-A/records", {**_RECORD, "fields": {"bsn": "x"}}),
        ("medical_adviser", "post", "/v1/cases/CASE-A/records", {**_RECORD, "fields": {"partner_bsn": "x"}}),
        ("medical_adviser", "post", "/v1/cases/CASE-A/records", {**_RECORD, "source": f"letter about {BSN}"}),
        ("medical_adviser", "post", "/v1/cases/CASE-A/records", {**_RECORD, "kind": f"k{BSN}"}),
        ("security_officer", "get", f"/v1/audit/events?subject={BSN}", None),
        ("security_officer", "get", f"/v1/audit/events?case_ref=C-{BSN}", None),
    ],
)
def test_a_bsn_typed_into_a_path_filter_field_name_or_clear_text_is_refused_and_never_recorded(
    world: World, role: str, method: str, path: str, body: dict[str, object] | None
) -> None:
    """Issue 11's finding, tried as a user would, with a number that passes the 11-test (R33)."""
    headers = world.auth(f"{role}-a", role)
    response = getattr(world.client, method)(path, headers=headers, **({} if body is None else {"json": body}))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json" and BSN not in response.text
    with world.kluis.sessions() as session:
        found = session.scalar(
            sa.text("SELECT count(*) FROM audit_events WHERE position(:bsn in convert_from(body, 'UTF8')) > 0")
            if world.kluis.engine.dialect.name == "postgresql"
            else sa.text("SELECT count(*) FROM audit_events WHERE instr(CAST(body AS TEXT), :bsn) > 0"),
            {"bsn": BSN},
        )
    assert found == 0


def test_a_bsn_held_under_its_legal_basis_leaves_only_in_the_units_read_of_it(world: World) -> None:
    """R33's scan over HTTP: a BSN stored in the bsn field of the configured kind is returned by the adviser's own
    read of that record, and appears in no other response: not the create, the claims side's views, the references,
    the audit search, overview, verify or export, the metrics."""
    held = "111222333"  # passes the 11-test (fictional)
    adviser = world.auth("medical_adviser-a", "medical_adviser")
    body = {
        "subject_ref": "CUST-9",
        "category": "health",
        "kind": "income_benefit",
        "source": "payroll",
        "purpose": "claim_assessment",
        "fields": {"bsn": held, "amount": "1200"},
    }
    refused = world.client.post("/v1/cases/CASE-A/records", headers=adviser, json={**body, "kind": "report"})
    assert refused.status_code == 422 and "legal basis" in refused.text and held not in refused.text
    responses = [world.client.post("/v1/cases/CASE-A/records", headers=adviser, json=body)]
    assert responses[0].status_code == 201, responses[0].text
    record_id = responses[0].json()["record_id"]
    read = world.client.get(f"/v1/records/{record_id}?purpose=claim_assessment", headers=adviser)
    assert read.status_code == 200 and read.json()["fields"]["bsn"] == held  # the sealed field, to the unit
    claims = world.auth("claims_handler-a", "claims_handler")
    view = world.client.get("/v1/cases/CASE-A?purpose=claim_assessment", headers=claims)
    responses.append(view)
    responses += [
        world.client.get(f"/v1/references/{r['reference']}?purpose=claim_assessment", headers=claims)
        for r in view.json()["records"]
    ]
    security = world.auth("security_officer-a", "security_officer")
    for path in (
        "/v1/audit/events?limit=500",
        "/v1/audit/export",
        "/v1/audit/verify",
        "/v1/audit/overview?user=medical_adviser-a",
    ):
        responses.append(world.client.get(path, headers=security))
    responses.append(world.client.get("/metrics"))
    assert all(r.status_code == 200 for r in responses[1:]), [r.status_code for r in responses]
    for response in responses:
        assert held not in response.text and held not in str(response.headers), response.url


def test_oversized_body_is_refused_with_413(world: World) -> None:
    headers = world.auth("medical_adviser-a", "medical_adviser")
    response = world.client.post(
        "/v1/cases/CASE-A/records", headers=headers, content=b'{"fields": "' + b"x" * (2 << 20) + b'"}'
    )
    assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"


def test_health_readiness_and_metrics_need_no_token(world: World) -> None:
    assert world.client.get("/healthz").status_code == 200
    assert world.client.get("/readyz").json() == {"status": "ready"}
    metrics = world.client.get("/metrics").text
    assert 'route="/v1/records/{record_id}"' in metrics and CANARY["health"] not in metrics


def _sample(metrics: str, name: str, labels: str) -> float:
    series = f"{name}{{{labels}}}" if labels else name
    found = re.search(r"^" + re.escape(series) + r" ([0-9.e+]+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_metrics_count_decisions_by_outcome_refused_tokens_and_audit_commits(world: World) -> None:
    record_id = world.records[("CASE-A", "health")]
    read = 'event_type="record.read",outcome="allowed"'
    before = world.client.get("/metrics").text
    headers = world.auth("medical_adviser-a", "medical_adviser")
    assert world.client.get(f"/v1/records/{record_id}?purpose=claim_assessment", headers=headers).status_code == 200
    assert (
        world.client.get("/v1/cases/CASE-A?purpose=claim_assessment", headers={"Authorization": "Bearer x"}).status_code
        == 401
    )
    after = world.client.get("/metrics").text
    assert _sample(after, "kluis_decisions_total", read) == _sample(before, "kluis_decisions_total", read) + 1
    refused = 'reason="malformed_token"'
    assert (
        _sample(after, "kluis_refused_tokens_total", refused)
        == _sample(before, "kluis_refused_tokens_total", refused) + 1
    )
    waited = 'path="group"'
    assert _sample(after, "kluis_audit_append_seconds_count", waited) > _sample(
        before, "kluis_audit_append_seconds_count", waited
    )
    assert _sample(after, "kluis_audit_head_seq", "") > _sample(before, "kluis_audit_head_seq", "")
    assert record_id not in after and "medical_adviser-a" not in after  # labels are codes, never identifiers


# -- fail closed -----------------------------------------------------------------------------------------------
def test_audit_failure_gives_503_and_no_data(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk full"))

    monkeypatch.setattr(world.kluis.audit, "append", broken)
    headers = world.auth("medical_adviser-a", "medical_adviser")
    response = world.client.get(
        f"/v1/records/{world.records[('CASE-A', 'health')]}?purpose=claim_assessment", headers=headers
    )
    assert response.status_code == 503 and CANARY["health"] not in response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_unwritable_audit_table_gives_503_and_no_data(world: World) -> None:
    with world.kluis.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE audit_events RENAME TO audit_events_gone"))
    try:
        headers = world.auth("medical_adviser-a", "medical_adviser")
        response = world.client.get(
            f"/v1/records/{world.records[('CASE-A', 'health')]}?purpose=claim_assessment", headers=headers
        )
        assert response.status_code == 503 and CANARY["health"] not in response.text
        assert world.client.get("/readyz").status_code == 200  # the head row still reads; the append is what failed
    finally:
        with world.kluis.engine.begin() as connection:
            connection.execute(sa.text("ALTER TABLE audit_events_gone RENAME TO audit_events"))


# -- personas, end to end --------------------------------------------------------------------------------------
def test_personas_end_to_end(world: World, tmp_path: Path) -> None:
    client = world.client
    claims = world.auth("anna", "claims_handler")
    admin = world.auth("kees", "key_admin")
    adviser = world.auth("dr.jansen", "medical_adviser")
    staff = world.idp.bearer("nurse.bakker", "medical_staff", responsible_user="dr.jansen")
    security = world.auth("sara", "security_officer")
    q = "purpose=claim_assessment"

    # The claims handler refers the case; the question is sealed and cannot be read back by them.
    referral = client.post(
        "/v1/cases/CLAIM-P/referrals",
        headers=claims,
        json={"subject_ref": "CUST-77", "question": "Is the neck injury caused by the accident?"},
    )
    assert referral.status_code == 201 and referral.json()["status"] == "referred"
    assert (
        client.post(
            "/v1/cases/CLAIM-P/referrals", headers=claims, json={"subject_ref": "CUST-77", "question": "again"}
        ).status_code
        == 409
    )
    question = client.get(f"/v1/references/{referral.json()['reference']}?{q}", headers=claims).json()
    assert "fields" not in question and question["kind"] == "referral_question"

    # The key admin registers the unit (R3); then assigns the adviser; the adviser brings in staff; staff may not
    # assign anyone.
    register(world.kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(world.kluis.vault, "nurse.bakker", Role.MEDICAL_STAFF, supervisor="dr.jansen")
    assert (
        client.post(
            "/v1/cases/CLAIM-P/assignments", headers=admin, json={"user": "dr.jansen", "role": "medical_adviser"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/v1/cases/CLAIM-P/assignments", headers=adviser, json={"user": "nurse.bakker", "role": "medical_staff"}
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/v1/cases/CLAIM-P/assignments", headers=adviser, json={"user": "cor", "role": "criminal_data_officer"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/v1/cases/CLAIM-P/assignments", headers=staff, json={"user": "x", "role": "medical_staff"}
        ).status_code
        == 403
    )

    # Staff record a note (logged with the responsible adviser, R4); the adviser reads and corrects it.
    created = client.post(
        "/v1/cases/CLAIM-P/records",
        headers=staff,
        json={
            "subject_ref": "CUST-77",
            "category": "health",
            "kind": "phone_note",
            "source": "phone",
            "purpose": "claim_assessment",
            "fields": {"note": CANARY["health"]},
        },
    )
    assert created.status_code == 201
    assert world.events()[-1]["actor"]["responsible_user"] == "dr.jansen"
    record_id = created.json()["record_id"]
    assert client.get(f"/v1/records/{record_id}?{q}", headers=adviser).json()["fields"] == {"note": CANARY["health"]}
    patched = client.patch(f"/v1/records/{record_id}?{q}", headers=adviser, json={"fields": {"note": "corrected"}})
    assert patched.status_code == 200
    assert client.get(f"/v1/records/{record_id}?{q}", headers=staff).json()["fields"] == {"note": "corrected"}

    # Only the adviser publishes (R5); medical free text is blocked unless overridden (R12); versions are kept.
    advice = {
        "conclusion": "partly_covered",
        "causal_link": "partly",
        "causal_link_percentage": 60,
        "restrictions": ["no lifting above 10 kg"],
        "explanation": "Partly caused by the accident.",
    }
    assert client.post(f"/v1/cases/CLAIM-P/advice?{q}", headers=staff, json=advice).status_code == 403
    assert (
        client.post(f"/v1/cases/CLAIM-P/advice?{q}", headers=adviser, json={**advice, "diagnosis": "S13.4"}).status_code
        == 422
    )  # no such field (R11)
    medical = {**advice, "explanation": "Diagnose S13.4, ibuprofen"}
    assert client.post(f"/v1/cases/CLAIM-P/advice?{q}", headers=adviser, json=medical).status_code == 422
    assert client.post(f"/v1/cases/CLAIM-P/advice?{q}", headers=adviser, json=advice).status_code == 201
    second = client.post(
        f"/v1/cases/CLAIM-P/advice?{q}", headers=adviser, json={**advice, "conclusion": "covered", "causal_link": "yes"}
    )
    assert second.json()["version"] == 2

    # The claims dossier's view: references, kinds, dates, status and the latest advice with its history.
    view = client.get(f"/v1/cases/CLAIM-P?{q}", headers=claims).json()
    assert view["advice"]["version"] == 2 and view["advice"]["fields"]["conclusion"] == "covered"
    assert len(view["advice_history"]) == 2 and {r["kind"] for r in view["records"]} == {
        "referral_question",
        "phone_note",
    }
    assert CANARY["health"] not in json.dumps(view) and "corrected" not in json.dumps(view)
    disclosures = [e for e in world.events() if e["event_type"] == "advice.publish" and e["outcome"] == "allowed"]
    assert disclosures[-1]["reason"] == "disclosed" and disclosures[-1]["target"] == "claims_dossier"  # R13

    # The security officer reviews: search, overview, verify, export — and each of those reads is audited.
    page = client.get("/v1/audit/events?user=nurse.bakker&limit=2", headers=security).json()
    assert len(page["events"]) == 2 and all(e["actor"]["user"] == "nurse.bakker" for e in page["events"])
    older = client.get(f"/v1/audit/events?user=nurse.bakker&cursor={page['next_cursor']}", headers=security).json()
    assert all(e["seq"] < page["events"][-1]["seq"] for e in older["events"])
    overview = client.get("/v1/audit/overview?user=dr.jansen", headers=security).json()
    assert any(t["event_type"] == "advice.publish" for t in overview)
    assert client.get("/v1/audit/verify", headers=security).json()["ok"] is True
    export = client.get("/v1/audit/export", headers=security)
    assert export.status_code == 200 and CANARY["health"] not in export.text
    (tmp_path / "export.jsonl").write_text(export.text)
    from vault import verify_export

    with (tmp_path / "export.jsonl").open() as handle:
        offline = verify_export(handle, world.kluis.public_key, world.kluis.audit.checkpoint_interval)
    assert offline.ok and offline.unsigned_tail == 0
    assert {"audit.search", "audit.overview", "audit.verify", "audit.export"} <= {
        e["event_type"] for e in world.events() if e["actor"]["user"] == "sara"
    }
    assert client.get("/v1/audit/events", headers=adviser).status_code == 403


def test_canaries_never_reach_the_logs(
    world: World, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    adviser = world.auth("medical_adviser-a", "medical_adviser")
    record = world.records[("CASE-A", "health")]
    q = "purpose=claim_assessment"
    world.client.get(f"/v1/records/{record}?{q}", headers=adviser)
    world.client.patch(f"/v1/records/{record}?{q}", headers=adviser, json={"fields": {"value": CANARY["health"]}})
    world.client.post(
        "/v1/cases/CASE-A/records",
        headers=adviser,
        json={  # refused: unknown field, echoed nowhere
            "subject_ref": "CUST-1",
            "category": "health",
            "kind": "r",
            "source": "s",
            "purpose": "claim_assessment",
            "fields": {"value": CANARY["health"]},
            "note": CANARY["health"],
        },
    )
    world.client.get(
        f"/v1/records/{world.records[('CASE-A', 'criminal')]}?purpose=acceptance",
        headers=world.auth("criminal_data_officer-a", "criminal_data_officer"),
    )
    world.client.get(f"/v1/records/{record}?{q}", headers={"Authorization": "Bearer " + CANARY["health"]})
    captured = capfd.readouterr()
    logged = captured.out + captured.err + "\n".join(r.getMessage() for r in caplog.records)
    assert logged.strip()  # something was logged, so the check looked at real output
    assert CANARY["health"] not in logged and CANARY["criminal"] not in logged
