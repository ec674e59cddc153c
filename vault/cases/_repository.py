"""SQL for cases and advice versions. No policy, no crypto."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from vault._kit import fetch_all
from vault.models import Advice, Case


class CaseRow(NamedTuple):
    subject_id: str
    status: str
    referred_at: datetime


class AdviceVersion(NamedTuple):
    version: int
    published_at: datetime
    body: str


# Built once: the case view runs these on every request (vault._kit.fetch_all).
_CASE = select(Case.subject_id, Case.status, Case.referred_at).where(
    Case.organisation == bindparam("organisation"), Case.case_ref == bindparam("case_ref")
)
_ADVICE = (
    select(Advice.version, Advice.published_at, Advice.body)
    .where(Advice.organisation == bindparam("organisation"), Advice.case_ref == bindparam("case_ref"))
    .order_by(Advice.version)
)


def get_case(session: Session, organisation: str, case_ref: str) -> CaseRow | None:
    found = fetch_all(session, _CASE, {"organisation": organisation, "case_ref": case_ref})
    return CaseRow(*found[0]) if found else None


def add_case(
    session: Session, organisation: str, case_ref: str, subject_id: str, referred_by: str, now: datetime
) -> None:
    session.execute(
        insert(Case.__table__),
        [
            {
                "organisation": organisation,
                "case_ref": case_ref,
                "subject_id": subject_id,
                "status": "referred",
                "referred_at": now,
                "referred_by": referred_by,
            }
        ],
    )


def advice_versions(session: Session, organisation: str, case_ref: str) -> list[AdviceVersion]:
    return [
        AdviceVersion(*row) for row in fetch_all(session, _ADVICE, {"organisation": organisation, "case_ref": case_ref})
    ]


def publications(session: Session, organisation: str, case_refs: Sequence[str]) -> list[tuple[str, int, datetime, str]]:
    """(case, version, published at, recipient) of every advice published on these cases, oldest first."""
    if not case_refs:
        return []
    query = (
        select(Advice.case_ref, Advice.version, Advice.published_at, Advice.recipient)
        .where(Advice.organisation == organisation, Advice.case_ref.in_(list(case_refs)))
        .order_by(Advice.published_at, Advice.case_ref, Advice.version)
    )
    return [(str(c), int(v), p, str(r)) for c, v, p, r in session.execute(query)]


def add_advice(
    session: Session,
    *,
    id: str,
    organisation: str,
    case_ref: str,
    body: str,
    recipient: str,
    published_by: str,
    now: datetime,
) -> int:
    """The next version number; the unique (organisation, case, version) makes concurrent publishers retry."""
    latest = session.scalar(
        select(func.max(Advice.version)).where(Advice.organisation == organisation, Advice.case_ref == case_ref)
    )
    version = int(latest or 0) + 1
    session.execute(
        insert(Advice.__table__),
        [
            {
                "id": id,
                "organisation": organisation,
                "case_ref": case_ref,
                "version": version,
                "body": body,
                "recipient": recipient,
                "published_by": published_by,
                "published_at": now,
            }
        ],
    )
    return version


def close_case(session: Session, organisation: str, case_ref: str, closed_by: str, now: datetime, mac: bytes) -> None:
    session.execute(
        update(Case)
        .where(Case.organisation == organisation, Case.case_ref == case_ref)
        .values(status="closed", closed_at=now, closed_by=closed_by, closure_mac=mac)
    )
