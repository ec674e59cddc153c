"""What an identifier may look like where it names a person or enters an audit event: never free text, never a BSN
(DOMAIN R33). One place, used by every service that takes a user id."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, StringConstraints
from stdnum.nl import bsn

from vault.errors import InvalidInput

_USER = re.compile(r"[A-Za-z0-9._@-]{1,128}")
USER_ID_PATTERN = r"^[A-Za-z0-9._@-]{1,128}$"  # the same, for HTTP and schema validation


# A credential's or an agreement's own reference: a short identifier, never prose.
Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[\w./ -]+$")
]


def looks_like_bsn(text: str) -> bool:
    """True when the text holds a 9-digit run that passes the BSN 11-test (python-stdnum's nl.bsn)."""
    return any(bsn.is_valid(m) for m in re.findall(r"(?<!\d)\d{9}(?!\d)", text))


def without_bsn(value: str) -> str:
    """The value, for a pydantic validator, if it holds no BSN (R33: a BSN never becomes an identifier, a token,
    an audit entry or clear-text metadata); ValueError otherwise, whose message does not echo it."""
    if looks_like_bsn(value):
        raise ValueError("must not contain a BSN (citizen service number)")
    return value


def user_id_problem(value: str) -> str | None:
    if not _USER.fullmatch(value) or looks_like_bsn(value):
        return "a user id is an identifier: letters, digits and . _ @ -, never a BSN"
    return None


def require_user_id(value: str) -> str:
    """The value, if it is a user id; InvalidInput (before anything is decided or recorded) otherwise."""
    problem = user_id_problem(value)
    if problem is not None:
        raise InvalidInput(problem)
    return value


_ORGANISATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ORGANISATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # the same, for HTTP and schema validation


def organisation_problem(value: str) -> str | None:
    """What is wrong with an organisation's (a controller's or a processor's) identifier, or None."""
    if not _ORGANISATION.fullmatch(value) or looks_like_bsn(value):
        return "an organisation is an identifier: letters, digits and . _ -, at most 64, never a BSN"
    return None


def _organisation(value: str) -> str:
    problem = organisation_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


OrganisationId = Annotated[str, AfterValidator(_organisation)]


def _within_calendar(moment: datetime) -> datetime:
    """A moment a person could mean: years 1900 to 2999 (so converting it to UTC cannot overflow the calendar)."""
    if not 1900 <= moment.year <= 2999:
        raise ValueError("a moment between the years 1900 and 2999")
    moment.astimezone(UTC)
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_within_calendar)]  # a time with its zone, within the calendar

_AGREEMENT_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")


def _agreement_reference(value: str) -> str:
    # It enters every event of the processor's staff (actor.agreement): an identifier, never prose or a BSN.
    if not _AGREEMENT_REFERENCE.fullmatch(value) or looks_like_bsn(value):
        raise ValueError("an agreement's reference is an identifier: letters, digits and . _ / -, never a BSN")
    return value


AgreementReference = Annotated[str, AfterValidator(_agreement_reference)]
