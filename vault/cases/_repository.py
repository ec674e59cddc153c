"""SQL for cases and advice versions. No policy, no crypto."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from vault.models import Advice, Case


def get_case(session: Session, organisation: str, case_ref: str) -> Case | None:
    return session.get(Case, (organisation, case_ref))


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


def advice_versions(session: Session, organisation: str, case_ref: str) -> list[Advice]:
    query = select(Advice).where(Advice.organisation == organisation, Advice.case_ref == case_ref)
    return list(session.execute(query.order_by(Advice.version)).scalars())


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
