"""Cases: the claims side refers a case to the unit; the case view is all the claims dossier ever sees (references,
categories, kinds, dates, status, published advice); the adviser publishes advice, a disclosure (R13) kept in
versions (R15)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from vault import repository
from vault.advice import AdviceInput, screening_hits
from vault.audit_event import Actor, AuditEvent
from vault.errors import AccessDenied, Conflict, InvalidInput, NotFound, VaultError
from vault.record_service import RecordService
from vault.records import NewRecord
from vault.vocabulary import Action, Category, Purpose

ADVICE_RECIPIENT = "claims_dossier"


@dataclass(frozen=True, slots=True)
class Referral:
    case_ref: str
    reference: str  # of the sealed question, which the claims side cannot read back
    status: str


@dataclass(frozen=True, slots=True)
class RecordSummary:
    reference: str
    category: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedAdvice:
    version: int
    published_at: datetime
    fields: dict[str, object]


@dataclass(frozen=True, slots=True)
class CaseView:
    case_ref: str
    status: str | None
    referred_at: datetime | None
    records: list[RecordSummary]
    advice: PublishedAdvice | None
    advice_history: list[tuple[int, datetime]]


class CaseService(RecordService):
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

        def once() -> Referral:
            now = self._clock()
            with self._transaction() as session:
                if repository.get_case(session, actor.organisation, case_ref) is not None:
                    self._audit.append(
                        session,
                        [
                            AuditEvent(
                                "C",
                                "case.refer",
                                "denied",
                                actor,
                                reason="already_referred",
                                object_type="case",
                                case_ref=case_ref,
                                occurred_at=now,
                            )
                        ],
                    )
                    return Referral(case_ref, "", "already_referred")
                created = self._create_in(session, actor, [record], Action.REFER, now).created[0]
                if created is None:
                    return Referral(case_ref, "", "denied")
                subject_id = repository.subject_ids(session, actor.organisation, [subject_ref])[subject_ref]
                repository.add_case(session, actor.organisation, case_ref, subject_id, actor.user, now)
                return Referral(case_ref, created.reference, "referred")

        referral = self._retrying(once)
        if referral.status == "denied":
            raise AccessDenied("not allowed to refer")
        if referral.status == "already_referred":
            raise Conflict("case already referred")
        return referral

    def case_view(self, actor: Actor, case_ref: str, purpose: Purpose) -> CaseView:
        """The case as this requester may see it: metadata per category the policy allows, and the published advice."""
        now = self._clock()
        with self._transaction() as session:
            relations = self._relations(session, actor, case_ref, now)
            decisions = {c: self._policy.decide(relations, c, Action.VIEW_METADATA, purpose) for c in Category}
            visible = {c for c, d in decisions.items() if d.allowed}
            # The audit event names the rule(s) actually matched: per visible category, or the health denial.
            rule = "; ".join(decisions[c].rule for c in sorted(visible)) or decisions[Category.HEALTH].rule
            case = repository.get_case(session, actor.organisation, case_ref)
            records = repository.case_records(session, actor.organisation, case_ref, [c.value for c in visible])
            history = (
                repository.advice_versions(session, actor.organisation, case_ref) if Category.HEALTH in visible else []
            )
            self._audit.append(
                session,
                [
                    AuditEvent(
                        "R",
                        "case.view",
                        "allowed" if visible else "denied",
                        actor,
                        purpose=purpose.value,
                        rule=rule,
                        reason=None if visible else "no_category_visible",
                        object_type="case",
                        case_ref=case_ref,
                        subject=case.subject_id if case else None,
                        occurred_at=now,
                    )
                ],
            )
        if not visible or (case is None and not records):
            raise NotFound("no such case")
        latest = history[-1] if history else None
        return CaseView(
            case_ref=case_ref,
            status=case.status if case else None,
            referred_at=case.referred_at if case else None,
            records=[
                RecordSummary(token, r.category, r.kind, r.status, r.created_at, r.updated_at) for r, token in records
            ],
            advice=PublishedAdvice(latest.version, latest.published_at, json.loads(latest.body)) if latest else None,
            advice_history=[(a.version, a.published_at) for a in history],
        )

    def publish_advice(self, actor: Actor, case_ref: str, advice: AdviceInput, purpose: Purpose) -> PublishedAdvice:
        """Publish a new version of the advice to the claims dossier: a disclosure, audited as one. Free text that
        looks medical blocks publication unless the adviser overrides with a reason (R12); both are audited."""
        hits = screening_hits(advice)
        blocked = bool(hits) and advice.screening_override_reason is None
        now = self._clock()
        with self._transaction() as session:
            relations = self._relations(session, actor, case_ref, now)
            decision = self._policy.decide(relations, Category.HEALTH, Action.PUBLISH, purpose)
            case = repository.get_case(session, actor.organisation, case_ref)
            refusal: VaultError | None = None
            if case is None or not decision.allowed:
                # 403 for someone who may see the case (staff on it: R5), 404 for anyone else
                sees_case = self._policy.decide(relations, Category.HEALTH, Action.VIEW_METADATA, purpose).allowed
                refusal = AccessDenied("only the adviser publishes") if case and sees_case else NotFound("no such case")
                reason = "no_such_case" if case is None else "policy"
            elif blocked:
                refusal = InvalidInput(
                    f"the free text looks medical ({hits} item(s)); rephrase, or give an override reason"
                )
                reason = f"screening_blocked:{hits}"
            else:
                version = repository.add_advice(
                    session,
                    id=str(uuid.uuid4()),
                    organisation=actor.organisation,
                    case_ref=case_ref,
                    body=json.dumps(advice.published_fields(), sort_keys=True),
                    recipient=ADVICE_RECIPIENT,
                    published_by=actor.user,
                    now=now,
                )
                reason = f"disclosed_to:{ADVICE_RECIPIENT}" + (f";screening_override:{hits}" if hits else "")
            self._audit.append(
                session,
                [
                    AuditEvent(
                        "C",
                        "advice.publish",
                        "denied" if refusal else "allowed",
                        actor,
                        purpose=purpose.value,
                        rule=decision.rule,
                        reason=reason,
                        object_type="disclosure",
                        case_ref=case_ref,
                        subject=case.subject_id if case else None,
                        category=Category.HEALTH.value,
                        fields=tuple(sorted(advice.published_fields())),
                        occurred_at=now,
                    )
                ],
            )
        if refusal is not None:
            raise refusal
        return PublishedAdvice(version, now, advice.published_fields())
