"""Calendar dates where the insurer is (Europe/Amsterdam): deadlines and retention periods count in them, so a
moment at 00:30 on 1 March local time falls on 1 March, not on the UTC date 28 February."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone has no local date")
    return moment.astimezone(LOCAL).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
