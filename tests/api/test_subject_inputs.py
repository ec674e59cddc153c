"""From a review of the first version: the subject-rights endpoints against an outside caller's input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.api.test_subject_routes import Served, served  # noqa: F401  (the fixture)

BSN = "123456782"  # passes the 11-test (fictional)


def _request_id(client, privacy, kind: str = "access") -> int:  # type: ignore[no-untyped-def]
    made = client.post("/v1/subject-requests", headers=privacy, json={"subject_ref": "CUST-7", "kind": kind})
    return int(made.json()["request_id"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "1900-01-01T00:00:00+14:00"},
        ),
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "2999-12-31T23:59:59-23:59"},
        ),
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "2027-02-29T10:00:00Z"},
        ),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "2027-02-30"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "0001-01-01"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "9999-12-31"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": 10**20}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 3, "reason": "complexity", "told_on": "2026-12-01"}),
        (
            "post",
            "/v1/subject-requests/{id}/extension",
            {"months": 1, "reason": "complexity", "told_on": "2026-12-01T00:00:00"},
        ),
        ("get", "/v1/subject-requests/{id}/report?names=", None),
        ("get", "/v1/subject-requests/{id}/report.pdf?language=", None),
        ("get", "/v1/subject-requests/{id}/report.pdf?language=EN", None),
        ("get", "/v1/subject-requests/99999999999999999999/report", None),
        ("get", "/v1/subject-requests/due?within_days=367", None),
        ("delete", "/v1/legal-holds/0", None),
        ("post", "/v1/subject-requests/{id}/erasure", {"category": "Health"}),
        ("post", "/v1/legal-holds", {"subject_ref": "CUST-7", "ground": "legal_claim", "case_ref": "x" * 200}),
    ],
)
def test_bad_input_is_a_4xx_problem(served: Served, method: str, path: str, body: object) -> None:  # noqa: F811
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    request_id = _request_id(client, privacy)
    response = getattr(client, method)(
        path.replace("{id}", str(request_id)), headers=privacy, **({} if body is None else {"json": body})
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {"subject_ref": BSN, "ground": "legal_claim"},
        {"subject_ref": "CUST-7", "ground": "legal_claim", "case_ref": BSN},
        {"subject_ref": "CUST-7", "ground": "legal_claim", "reference": BSN},
    ],
)
def test_a_legal_hold_never_takes_a_bsn(served: Served, body: dict[str, str]) -> None:  # noqa: F811
    client, kluis, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    response = client.post("/v1/legal-holds", headers=privacy, json=body)
    assert response.status_code == 422, response.text
    with kluis.engine.connect() as connection:
        subjects = connection.execute(sa.text("SELECT subject_ref FROM subjects")).scalars().all()
        bodies = [bytes(b).decode() for b in connection.execute(sa.text("SELECT body FROM audit_events")).scalars()]
    assert BSN not in subjects and not any(BSN in b for b in bodies)
