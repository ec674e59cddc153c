"""Recording, ending and listing processing agreements (DOMAIN R47).

The privacy officer records and ends them; the privacy officer, the security officer and the key admin (who
registers a processor's staff in the unit) list them. Decided by the policy and audited through the access guard.
Beyond the policy it refuses, audited: an agreement with the controller itself; one overlapping another agreement
with the same processor (one agreement at a time says which one every event names: a renewal starts when the
current one ends, or after it is ended); ending one that has ended.
"""

from __future__ import annotations

from datetime import datetime

from vault.access import AccessGuard, AgreementRow, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import Conflict, InvalidInput, NotFound
from vault.identifiers import organisation_problem
from vault.processors import _repository as repository
from vault.processors._schemas import AgreementView, NewAgreement
from vault.vocabulary import Action, Purpose, Resource, Role


class ProcessingAgreements:
    def __init__(self, *, guard: AccessGuard) -> None:
        self._guard = guard

    def record(self, actor: Actor, agreement: NewAgreement) -> AgreementView:
        """Record an agreement; the processor's staff act under it in its roles from its start."""
        item = agreement

        def operation(work: Work) -> AgreementView:
            organisation = work.actor.organisation
            repository.lock_processor(work.session, organisation, item.processor)
            about = About(target=f"{item.processor}:{item.reference}")
            grant = work.authorize(EventType.AGREEMENT_RECORD, Action.MANAGE, Purpose.ADMINISTRATION, _target(about))
            if item.processor == organisation:
                grant.withdraw(Reason.POLICY, InvalidInput("a controller is not its own processor"))
            starts = item.starts_at or work.now
            if item.ends_at is not None and item.ends_at <= max(starts, work.now):
                grant.withdraw(Reason.POLICY, InvalidInput("an agreement ends in the future, after it starts"))
            for other, _, _, _ in repository.listed(work.session, organisation, item.processor):
                # sealed or not: a row whose seal fails now may hold again once the database is put back
                if other.ended_at is None and _overlap(other, starts, item.ends_at):
                    grant.withdraw(
                        Reason.POLICY,
                        Conflict(
                            f"agreement {other.reference} with {item.processor} covers part of this period: "
                            "end it first, or start this one when it ends"
                        ),
                    )
            mac = work.agreement_mac(
                grant,
                processor=item.processor,
                reference=item.reference,
                roles=item.roles_text,
                starts_at=starts,
                ends_at=item.ends_at,
            )
            row = {
                "organisation": organisation,
                "processor": item.processor,
                "reference": item.reference,
                "roles": item.roles_text,
                "starts_at": starts,
                "ends_at": item.ends_at,
                "recorded_by": work.actor.user,
                "recorded_at": work.now,
                "mac": mac,
            }
            new_id = repository.add(work.session, row)
            found = repository.one(work.session, organisation, new_id)
            assert found is not None  # written by this transaction
            return _view(work, found)

        return self._guard.run(actor, operation)

    def end(self, actor: Actor, agreement_id: int) -> AgreementView:
        """End an agreement now: its processor's staff lose every role it covered with their next request."""

        def operation(work: Work) -> AgreementView:
            found = repository.one(work.session, work.actor.organisation, agreement_id)
            about = About(target=f"processing_agreement:{agreement_id}")
            if found is None:
                work.refuse(EventType.AGREEMENT_END, about, Reason.NOT_FOUND, NotFound("no such agreement"))
            row = found[0]
            grant = work.authorize(EventType.AGREEMENT_END, Action.MANAGE, Purpose.ADMINISTRATION, _target(about))
            if row.ended_at is not None or (row.ends_at is not None and row.ends_at <= work.now):
                grant.withdraw(Reason.POLICY, Conflict("the agreement has ended"))
            # one whose seal fails is ended too (and sealed as ended): ending only ever narrows access
            mac = work.agreement_mac(
                grant,
                processor=row.processor,
                reference=row.reference,
                roles=row.roles,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                ended_at=work.now,
            )
            repository.end(work.session, row.id, work.now, work.actor.user, mac)
            changed = repository.one(work.session, work.actor.organisation, row.id)
            assert changed is not None  # locked by this transaction
            return _view(work, changed)

        return self._guard.run(actor, operation)

    def agreements(self, actor: Actor, processor: str | None = None) -> list[AgreementView]:
        """The controller's agreements, or one processor's, each with whether it lets its processor act now."""
        if processor is not None and organisation_problem(processor) is not None:
            raise InvalidInput(organisation_problem(processor) or "")

        def operation(work: Work) -> list[AgreementView]:
            about = About(target=f"processor:{processor}" if processor else "processing_agreements")
            work.authorize(EventType.AGREEMENT_LIST, Action.READ, Purpose.ADMINISTRATION, _target(about))
            return [
                _view(work, listed) for listed in repository.listed(work.session, work.actor.organisation, processor)
            ]

        return self._guard.run(actor, operation, reads_only=True)

    def listed_in(self, work: Work) -> list[AgreementView]:
        """Every agreement of the controller, inside a unit of work the caller has authorized (the processing
        register names the processors, R45)."""
        return [_view(work, listed) for listed in repository.listed(work.session, work.actor.organisation)]


def _target(about: About) -> Target:
    return Target(Resource.PROCESSING_AGREEMENTS, about)


def _overlap(row: AgreementRow, starts: datetime, ends: datetime | None) -> bool:
    return (ends is None or row.starts_at < ends) and (row.ends_at is None or starts < row.ends_at)


def _view(work: Work, listed: repository.Listed) -> AgreementView:
    row, recorded_by, recorded_at, ended_by = listed
    sealed = work.agreement_sealed(row)
    live = row.ended_at is None and row.starts_at <= work.now and (row.ends_at is None or work.now < row.ends_at)
    return AgreementView(
        agreement_id=row.id,
        processor=row.processor,
        reference=row.reference,
        roles=[Role(name) for name in row.roles.split(",")],
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        ended_at=row.ended_at,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
        ended_by=ended_by,
        live=live and sealed,
        sealed=sealed,
    )
