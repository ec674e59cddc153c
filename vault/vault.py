"""The Vault facade: one service per domain, composed (not inherited) over one dependency bundle.

    vault.records      create, read, update, resolve a reference, bulk import
    vault.cases        refer, case view, publish advice, close
    vault.assignments  assign, revoke, list (need-to-know per case, R10)
    vault.unit         the unit register: register, suspend, reinstate, end, list (R3, R4, R7)
    vault.delegations  an adviser's cases to another adviser for a period (R2)
    vault.break_glass  open a case without an assignment; the security officer's review and clearance (R37)
    vault.processors   processing agreements: which processor acts for the controller, in which roles (R47)
    vault.subjects     the data subject's requests, legal holds, erasure by crypto-shredding (R24, R29, R32)
    vault.restrictions restriction of processing, its exceptions and its lifting (R30)
    vault.rectifications  the unit's rectification of records and the subject's statements, on their request (R28)
    vault.copies       copies of the medical file a medical adviser releases on an access request (R27)
    vault.breaches     the breach register: deadlines, risk, notifications, protection from key state (R46)
    vault.register     the processing register's entry per category, generated (R45)
    vault.retention    the retention run: shreds what has been kept long enough, or reports it (R36)
    vault.audit        search, overview, verify, export (the security officer)
    vault.keys         status, rotate, migrate (the key admin)
    vault.policy       check and load the access policy

Every one of them acts through the access guard. The facade holds no key provider and no data keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vault._kit import Clock
from vault.access import AccessGuard, PolicyService, PolicyStore, TokenRefusals
from vault.actor import Actor
from vault.assignments import AssignmentService
from vault.audit import Reason, head
from vault.audit.service import AuditService
from vault.breaches import BreachRegister
from vault.break_glass import BreakGlassService
from vault.cases import CaseService
from vault.config import Settings
from vault.delegations import DelegationService
from vault.errors import InvalidInput
from vault.keys import KeyProvider
from vault.keys.service import KeyService
from vault.metrics import REFUSED_TOKENS
from vault.processors import ProcessingAgreements
from vault.records import BsnFields, RecordService
from vault.register import ProcessingRegisterService
from vault.retention import RetentionSchedule
from vault.retention.service import Retention
from vault.subject_rights import MedicalCopies, Rectifications, Restrictions, SubjectRights
from vault.unit import UnitRegister


@dataclass(frozen=True)
class Dependencies:
    """Everything the services are built from, assembled once in vault.bootstrap."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    clock: Clock
    policies: PolicyStore
    guard: AccessGuard
    provider: KeyProvider


class Vault:
    """Every operation on the vault, per domain."""

    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps
        self.settings = deps.settings
        self.clock = deps.clock
        schedule = RetentionSchedule(deps.settings.retention_rules)
        bsn = BsnFields(deps.settings.bsn_fields)
        self.records = RecordService(guard=deps.guard, schedule=schedule, bsn=bsn)
        self.retention = Retention(guard=deps.guard, schedule=schedule)
        self.assignments = AssignmentService(guard=deps.guard, review_days=deps.settings.assignment_review_days)
        self.cases = CaseService(guard=deps.guard, records=self.records, assignments=self.assignments)
        self.unit = UnitRegister(guard=deps.guard)
        self.delegations = DelegationService(guard=deps.guard, max_days=deps.settings.delegation_max_days)
        self.processors = ProcessingAgreements(guard=deps.guard)
        self.breaches = BreachRegister(guard=deps.guard)
        self.register = ProcessingRegisterService(
            guard=deps.guard, settings=deps.settings, records=self.records, processors=self.processors
        )
        self.subjects = SubjectRights(
            guard=deps.guard,
            records=self.records,
            cases=self.cases,
            other_holders=deps.settings.subject_report_other_holders,
            legal_bases=deps.settings.legal_bases,
        )
        self.restrictions = Restrictions(guard=deps.guard, records=self.records)
        self.rectifications = Rectifications(guard=deps.guard, records=self.records)
        self.copies = MedicalCopies(guard=deps.guard, records=self.records)
        self.break_glass = BreakGlassService(
            guard=deps.guard,
            assignments=self.assignments,
            minutes=deps.settings.break_glass_minutes,
            max_minutes=deps.settings.break_glass_max_minutes,
        )
        self.audit = AuditService(
            guard=deps.guard,
            read_sessions=deps.read_sessions,
            public_key=deps.provider.audit_public_key(),
            checkpoint_interval=deps.settings.audit_checkpoint_interval,
            home_organisation=deps.settings.organisation,
        )
        self.keys = KeyService(guard=deps.guard, provider=deps.provider, read_sessions=deps.read_sessions)
        self._refusals = TokenRefusals(
            deps.guard,
            deps.settings.organisation,
            interval=deps.settings.refused_token_interval_seconds,
            limit=deps.settings.refused_token_limit,
        )
        self.policy = PolicyService(
            guard=deps.guard,
            store=deps.policies,
            model_text=deps.settings.effective_model_file.read_text(),
            explain_model_text=deps.settings.effective_explain_model_file.read_text(),
        )

    def refuse_token(self, reason: str, *, client: str | None, request_id: str | None) -> None:
        """A refused token (R39): audited for the configured organisation with its reason code, aggregated per
        source and reason per interval (vault/access/_refusals.py)."""
        try:
            code = Reason(reason)
        except ValueError:
            raise InvalidInput("unknown refusal reason") from None
        REFUSED_TOKENS.labels(code.value).inc()
        self._refusals.refuse(code, client=client, request_id=request_id)

    def token_attempts_limited(self, client: str | None) -> bool:
        """True while this source has had too many refused tokens in the current interval (answer 429)."""
        return self._refusals.limited(client)

    def heartbeat(self) -> None:
        """What a running process does every few seconds: sign the audit head if events are waiting longer than
        KLUIS_AUDIT_CHECKPOINT_SECONDS (an idle log's tail is then bounded in time too), and refresh the policy."""
        self._deps.guard.seal_audit_head(only_if_due=True)
        self._deps.policies.current()

    def refresh_policy(self) -> None:
        """Bring this process's policy up to date if its refresh interval has passed (the guard does this too)."""
        self._deps.policies.current()

    def ready(self) -> bool:
        """The database answers and the audit head is readable and sealed (no audit, no access)."""
        try:
            with self._deps.read_sessions() as session:
                current = head(session)
        except Exception:  # any failure here means: not ready
            return False
        return self._deps.guard.audit_head_sealed(current)  # a head whose seal fails takes no event: not ready

    def close(self) -> None:
        try:
            self._refusals.flush()
        finally:
            self._deps.engine.dispose()

    def as_operator(self, login: str, role: str) -> Actor:
        """The person at the console, acting in one operator role (audited as ``operator:<login>``)."""
        return Actor(user=f"operator:{login}", roles=(role,), organisation=self.settings.organisation, client="cli")
