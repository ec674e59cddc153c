"""The deadlines of a subject's request (DOMAIN R24, GDPR art. 12(3)): one calendar month from receipt, extensible
by at most two further months when the subject is told so within the first month. Counted in calendar dates where
the insurer is (Europe/Amsterdam), so a request received at 00:30 on 1 March local time is due on 1 April, not
31 March; a month that has no such day ends on its last (31 January -> 28 or 29 February)."""

from __future__ import annotations

from datetime import date, datetime

from vault._kit.dates import LOCAL, add_months, local_date

__all__ = ["LOCAL", "add_months", "due_on", "extended_due_on", "local_date"]
MAX_EXTENSION_MONTHS = 2


def due_on(received_at: datetime) -> date:
    return add_months(local_date(received_at), 1)


def extended_due_on(received_at: datetime, months: int) -> date:
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months")
    return add_months(local_date(received_at), 1 + months)
