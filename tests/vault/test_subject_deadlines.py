"""From a review of the first version: deadlines (R24) and what an erasure leaves for the next import."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import actor
from tests.harness import Harness, ManualClock
from vault import Extension, ExtensionReason, NewRequest, RequestKind

PRIVACY = actor("pia", "privacy_officer")


def test_the_due_list_is_soonest_deadline_in_force_first(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    extended = timed.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.ACCESS))
    told = Extension(months=2, reason=ExtensionReason.COMPLEXITY, told_on=date(2027, 1, 10))
    timed.vault.subjects.extend(PRIVACY, extended.request_id, told)  # in force: 10 April
    clock.current = datetime(2027, 2, 20, 10, 0, tzinfo=UTC)
    plain = timed.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-2", kind=RequestKind.ACCESS))
    clock.current = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)  # plain due 20 March, extended 10 April
    due = timed.vault.subjects.due(PRIVACY, within_days=30)
    assert [v.due_on for v in due] == sorted(v.due_on for v in due)  # [2027-04-10, 2027-03-20]
    assert [v.request_id for v in due] == [plain.request_id, extended.request_id]
