"""Cases: the claims side refers a case to the unit; the case view is all the claims dossier ever sees (references,
categories, kinds, dates, status, published advice); the adviser publishes advice, a disclosure (R13) kept in
versions (R15). Every operation runs through the access guard."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.assignments import AssignmentService
from vault.audit import About, EventType, Reason
from vault.cases import _repository as repository
from vault.cases._advice import AdviceInput, screening_hits
from vault.cases._schemas import CaseView, PublishedAdvice, Referral
from vault.errors import AccessDenied, Conflict, Erased, InvalidInput, NotFound
from vault.records import NewRecord, RecordService
from vault.vocabulary import Action, Category, Purpose, Resource

ADVICE_RECIPIENT = "claims_dossier"


class CaseService:
    def __init__(self, *, guard: AccessGuard, records: RecordService, assignments: AssignmentService) -> None:
        self._guard = guard
        self._records = records
        self._assignments = assignments

    def refer(self, actor: Actor, case_ref: str, subject_ref: str, question: str) -> Referral:
        """Open the case in the unit with the claims side's question, sealed as a health record."""
        record = NewRecord(
            subject_ref=subject_ref,
            case_ref=case_ref,
            category=Category.HEALTH,
            kind="referral_question",
            fields={"question": question},
            source=f"referral by {actor.user}",
            purpose=Purpose.CLAIM_ASSESSMENT,
        )

        def operation(work: Work) -> Referral:
            if repository.get_case(work.session, work.actor.organisation, case_ref) is not None:
                about = About(case_ref=case_ref, category=Category.HEALTH.value)
                work.refuse(EventType.CASE_REFER, about, Reason.ALREADY_REFERRED, Conflict("case already referred"))
            result = self._records.create_in(work, [record], EventType.CASE_REFER, Action.REFER)
            created = result.created[0]
            if created is None:
                return Referral(case_ref, "", "erased" if result.erased else "denied")
            subject_id = self._records.subject_id(work, subject_ref)
            repository.add_case(work.session, work.actor.organisation, case_ref, subject_id, work.actor.user, work.now)
            return Referral(case_ref, created.reference, "referred")

        referral = self._guard.run(actor, operation, retry_conflicts=True)
        if referral.status == "denied":  # its event committed with the batch
            raise AccessDenied("not allowed to refer")
        if referral.status == "erased":
            raise Erased("the subject's data were erased")
        return referral

    def view(self, actor: Actor, case_ref: str, purpose: Purpose) -> CaseView:
        """The case as this requester may see it: metadata per category the policy allows, and the published advice."""

        def operation(work: Work) -> CaseView | None:
            case = repository.get_case(work.session, work.actor.organisation, case_ref)
            about = About(case_ref=case_ref, subject=case.subject_id if case else None)
            grants = work.authorize_any(EventType.CASE_VIEW, Action.VIEW_METADATA, purpose, about, list(Category))
            visible = sorted(grants)
            records = self._records.summaries(work, case_ref, visible)
            history = (
                repository.advice_versions(work.session, work.actor.organisation, case_ref)
                if Category.HEALTH in grants
                else []
            )
            if case is None and not records:
                return None
            # Restricted (art. 18): the advice is the adviser's conclusion about the subject; it is not shown.
            withheld = (
                bool(history) and case is not None and work.restricted(case.subject_id, Category.HEALTH, case_ref)
            )
            latest = history[-1] if history and not withheld else None
            return CaseView(
                case_ref=case_ref,
                status=case.status if case else None,
                referred_at=case.referred_at if case else None,
                records=records,
                advice=PublishedAdvice(latest.version, latest.published_at, json.loads(latest.body))
                if latest
                else None,
                advice_history=[(a.version, a.published_at) for a in history],
                advice_restricted=withheld,
            )

        view = self._guard.run(actor, operation, reads_only=True)
        if view is None:  # the view was allowed and audited, but there is nothing of this case here
            raise NotFound("no such case")
        return view

    def publish_advice(self, actor: Actor, case_ref: str, advice: AdviceInput, purpose: Purpose) -> PublishedAdvice:
        """Publish a new version of the advice to the claims dossier: a disclosure, audited as one. Free text that
        looks medical blocks publication unless the adviser overrides with a reason (R12); both are audited."""
        hits = screening_hits(advice)
        fields = tuple(sorted(advice.published_fields()))

        def operation(work: Work) -> PublishedAdvice:
            case = repository.get_case(work.session, work.actor.organisation, case_ref)
            about = About(
                case_ref=case_ref,
                subject=case.subject_id if case else None,
                category=Category.HEALTH.value,
                fields=fields,
                target=ADVICE_RECIPIENT,
            )
            if case is None:
                work.refuse(
                    EventType.ADVICE_PUBLISH, about, Reason.NOT_FOUND, NotFound("no such case"), purpose=purpose
                )
            target = Target(Category.HEALTH, about)
            grant = work.authorize(EventType.ADVICE_PUBLISH, Action.PUBLISH, purpose, target, hide_unless_visible=True)
            grant.require_unrestricted(case.subject_id)
            if hits and advice.screening_override_reason is None:
                grant.withdraw(
                    Reason.SCREENING_BLOCKED,
                    InvalidInput(f"the free text looks medical ({hits} item(s)); rephrase, or give an override reason"),
                )
            version = repository.add_advice(
                work.session,
                id=str(uuid.uuid4()),
                organisation=work.actor.organisation,
                case_ref=case_ref,
                body=json.dumps(advice.published_fields(), sort_keys=True),
                recipient=ADVICE_RECIPIENT,
                published_by=work.actor.user,
                now=work.now,
            )
            grant.note_reason(Reason.SCREENING_OVERRIDE if hits else Reason.DISCLOSED)
            return PublishedAdvice(version, work.now, advice.published_fields())

        return self._guard.run(actor, operation)

    def publications(self, work: Work, case_refs: Sequence[str]) -> list[tuple[str, int, datetime, str]]:
        """(case, version, published at, recipient) of the advice disclosed on these cases, for an access report
        the caller's work has authorized: who received what about the subject, never the advice itself."""
        return repository.publications(work.session, work.actor.organisation, case_refs)

    def close(self, actor: Actor, case_ref: str) -> int:
        """Close the case: every unit member's assignment on it ends now, and it takes no new one (R10). Returns how
        many assignments ended. The records stay (their retention counts from closure, R36)."""

        def operation(work: Work) -> int:
            case = repository.get_case(work.session, work.actor.organisation, case_ref)
            about = About(case_ref=case_ref, subject=case.subject_id if case else None)
            if case is None:
                work.refuse(EventType.CASE_CLOSE, about, Reason.NOT_FOUND, NotFound("no such case"))
            grant = work.authorize(
                EventType.CASE_CLOSE, Action.CLOSE, Purpose.ADMINISTRATION, Target(Resource.CASES, about)
            )
            if case.status == "closed":
                grant.withdraw(Reason.CASE_CLOSED, Conflict("the case is closed already"))
            mac = work.closure_mac(grant, case_ref, case.subject_id)
            repository.close_case(work.session, work.actor.organisation, case_ref, work.actor.user, work.now, mac)
            return self._assignments.end_all_in(work, grant, case_ref)

        return self._guard.run(actor, operation)
