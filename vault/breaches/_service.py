"""The breach register (DOMAIN R46, GDPR art. 33-34): every personal-data breach, notifiable or not, with its
72-hour deadline for the Autoriteit Persoonsgegevens, the risk assessment, whether the subjects were informed or
the art. 34(3) ground why not, and — computed from key state, never typed in — per category whether the exposed
data were encrypted under keys the breach did not compromise (R34). The privacy officer keeps it; the security
officer reads it; every change is decided and audited, and every row is sealed (an entry edited in the database
shows ``sealed: false`` and raises an integrity alert). Listing it sets the ``kluis_breach_notifications_overdue``
gauge, and `kluis breaches due` exits 1 while a notification is overdue, for alerting.

What the register refuses, each refusal audited: closing a breach whose risk was not assessed, a notifiable one
the authority was not told of, a high-risk one whose subjects were neither informed nor excused on an art. 34(3)
ground; the ground ``encrypted`` for a breach whose data were not all protected by encryption under safe keys; a
change to a closed breach.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from vault.access import AccessGuard, Grant, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.breaches import _repository as repository
from vault.breaches._schemas import BreachChange, BreachView, CategoryProtection, NewBreach
from vault.errors import Conflict, InvalidInput, NotFound
from vault.metrics import BREACHES_OVERDUE
from vault.models import Breach
from vault.vocabulary import Action, BreachRisk, Category, Exposure, NotInformedGround, Purpose, Resource

AUTHORITY_DEADLINE = timedelta(hours=72)  # art. 33(1)
_PURPOSE = Purpose.LEGAL_OBLIGATION
_AS_CIPHERTEXT = frozenset({Exposure.DATABASE_COPY, Exposure.BACKUP})


class BreachRegister:
    def __init__(self, *, guard: AccessGuard) -> None:
        self._guard = guard

    def record(self, actor: Actor, new: NewBreach) -> BreachView:
        def operation(work: Work) -> BreachView:
            grant = work.authorize(EventType.BREACH_RECORD, Action.MANAGE, _PURPOSE, _target("breaches"))
            if new.detected_at > work.now + timedelta(minutes=5):
                grant.withdraw(Reason.POLICY, InvalidInput("a breach is recorded once it has been detected"))
            row = {
                "organisation": work.actor.organisation,
                "detected_at": new.detected_at,
                "recorded_at": work.now,
                "recorded_by": work.actor.user,
                "exposure": new.exposure.value,
                "categories": ",".join(sorted({c.value for c in new.categories})),
                "description": new.description,
                "compromised_keks": _keks_text(new.compromised_keks),
                "mac": b"",
            }
            breach_id = repository.add(work.session, row)
            return _sealed_view(work, grant, breach_id)

        return self._guard.run(actor, operation)

    def change(self, actor: Actor, breach_id: int, change: BreachChange) -> BreachView:
        def operation(work: Work) -> BreachView:
            row = repository.one(work.session, work.actor.organisation, breach_id, lock=True)
            if row is None:
                work.refuse(EventType.BREACH_CHANGE, _about(breach_id), Reason.NOT_FOUND, NotFound("no such breach"))
            grant = work.authorize(EventType.BREACH_CHANGE, Action.MANAGE, _PURPOSE, _target(f"breach:{breach_id}"))
            if not work.breach_sealed(row):
                grant.withdraw(Reason.MAC_INVALID, Conflict("this breach entry was changed outside Kluis"))
            if row.closed_at is not None:
                grant.withdraw(Reason.TOO_LATE, Conflict("the breach is closed"))
            values = _changes(change)
            merged = _State.of(row, values)
            if merged.not_informed_ground == NotInformedGround.ENCRYPTED.value and not all(
                p.protected for p in _protection(work, merged)
            ):
                grant.withdraw(
                    Reason.POLICY,
                    InvalidInput("not every category was protected by encryption under safe keys (art. 34(3)(a))"),
                )
            if change.close:
                problem = _unfinished(merged)
                if problem is not None:
                    grant.withdraw(Reason.POLICY, Conflict(problem))
                values["closed_at"] = work.now
            repository.change(work.session, breach_id, values)
            return _sealed_view(work, grant, breach_id)

        return self._guard.run(actor, operation)

    def breaches(self, actor: Actor, *, due_only: bool = False) -> list[BreachView]:
        """Every breach (or, ``due_only``, those open with a notification due or overdue), oldest first."""

        def operation(work: Work) -> list[BreachView]:
            work.authorize(EventType.BREACH_LIST, Action.READ, _PURPOSE, _target("breaches"))
            views = [_view(work, row) for row in repository.listed(work.session, work.actor.organisation)]
            BREACHES_OVERDUE.set(sum(1 for v in views if v.overdue))
            if due_only:
                return [v for v in views if not v.closed and v.notifiable and v.authority_notified_at is None]
            return views

        return self._guard.run(actor, operation, reads_only=True)


@dataclass(frozen=True, slots=True)
class _State:
    """What a breach entry says (or will say, with a change applied): what the checks and the protection read."""

    exposure: str
    categories: str
    compromised_keks: str
    risk: str | None
    authority_notified_at: datetime | None
    subjects_informed_at: datetime | None
    not_informed_ground: str | None

    @classmethod
    def of(cls, row: Breach, values: dict[str, object] | None = None) -> _State:
        base = {name: getattr(row, name) for name in cls.__slots__}
        return cls(**{**base, **{k: v for k, v in (values or {}).items() if k in cls.__slots__}})


def _changes(change: BreachChange) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in BreachChange.model_fields.keys() - {"close"}:  # every column a change may set
        value = getattr(change, name)
        if value is not None:
            values[name] = getattr(value, "value", value)
    if change.subjects_informed_at is not None:
        values["not_informed_ground"] = None
    if change.not_informed_ground is not None:
        values["subjects_informed_at"] = None
    return values


def _unfinished(row: _State) -> str | None:
    risk = row.risk
    if risk is None:
        return "assess the risk before closing the breach"
    if risk != BreachRisk.UNLIKELY.value and row.authority_notified_at is None:
        return "a notifiable breach is closed once the authority was notified (art. 33)"
    if risk == BreachRisk.HIGH.value and row.subjects_informed_at is None and row.not_informed_ground is None:
        return "inform the subjects of a high-risk breach, or record the art. 34(3) ground"
    return None


def _protection(work: Work, row: _State) -> list[CategoryProtection]:
    exposure = Exposure(str(row.exposure))
    compromised = json.loads(str(row.compromised_keks))
    found = []
    for name in str(row.categories).split(","):
        category = Category(name)
        in_use = work.kek_versions_in_use(category)
        safe = exposure is not Exposure.KEY_MATERIAL and not set(compromised.get(name, [])) & set(in_use)
        encrypted = exposure in _AS_CIPHERTEXT
        found.append(
            CategoryProtection(
                category=category,
                encrypted=encrypted,
                keys_uncompromised=safe,
                protected=encrypted and safe,
                kek_versions_in_use=in_use,
            )
        )
    return found


def _sealed_view(work: Work, grant: Grant, breach_id: int) -> BreachView:
    row = repository.one(work.session, work.actor.organisation, breach_id)
    assert row is not None  # written by this transaction
    work.session.refresh(row)
    repository.change(work.session, breach_id, {"mac": work.breach_mac(grant, row)})
    work.session.refresh(row)
    return _view(work, row)


def _view(work: Work, row: Breach) -> BreachView:
    deadline = row.detected_at + AUTHORITY_DEADLINE
    notifiable = row.risk != BreachRisk.UNLIKELY.value
    return BreachView(
        breach_id=row.id,
        detected_at=row.detected_at,
        authority_deadline=deadline,
        exposure=Exposure(row.exposure),
        categories=[Category(c) for c in row.categories.split(",")],
        description=row.description,
        risk=None if row.risk is None else BreachRisk(row.risk),
        risk_assessment=row.risk_assessment,
        notifiable=notifiable,
        authority_notified_at=row.authority_notified_at,
        authority_reference=row.authority_reference,
        subjects_informed_at=row.subjects_informed_at,
        not_informed_ground=None if row.not_informed_ground is None else NotInformedGround(row.not_informed_ground),
        overdue=notifiable and row.authority_notified_at is None and work.now > deadline,
        closed=row.closed_at is not None,
        protection=_protection(work, _State.of(row)),
        sealed=work.breach_sealed(row),
    )


def _keks_text(keks: dict[Category, list[int]]) -> str:
    return json.dumps({c.value: sorted(set(v)) for c, v in sorted(keks.items())}, sort_keys=True)


def _target(target: str) -> Target:
    return Target(Resource.BREACHES, About(target=target))


def _about(breach_id: int) -> About:
    return About(target=f"breach:{breach_id}")
