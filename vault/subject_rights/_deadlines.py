"""The deadlines of a subject's request (DOMAIN R24, GDPR art. 12(3)): one calendar month from receipt, extensible
by at most two further months when the subject is told so within the first month. Counted in calendar dates where
the insurer is (Europe/Amsterdam), so a request received at 00:30 on 1 March local time is due on 1 April, not
31 March; a month that has no such day ends on its last (31 January -> 28 or 29 February)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")
MAX_EXTENSION_MONTHS = 2


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone has no local date")
    return moment.astimezone(LOCAL).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(received_at: datetime) -> date:
    return add_months(local_date(received_at), 1)


def extended_due_on(received_at: datetime, months: int) -> date:
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months")
    return add_months(local_date(received_at), 1 + months)
