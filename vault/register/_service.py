"""The processing register (GDPR art. 30(1), DOMAIN R45): one entry per category, generated from what runs — the
policy's purposes, the configured legal bases, retention schedule and BSN bases, the processors under agreement,
the key provider's KEK versions and the audit anchoring — so it says what Kluis does, not what someone wrote down.
What only a person can say (the controller, the DPO) comes from configuration; missing, it is listed as incomplete.
The privacy officer exports it; the export is decided and audited like any access."""

from __future__ import annotations

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType
from vault.config import MIN_AUDIT_RETENTION_YEARS, Settings
from vault.processors import AgreementView, ProcessingAgreements
from vault.records import RecordService
from vault.register import _repository as repository
from vault.register._schemas import CategoryEntry, ProcessingRegister, Processor, RetentionLine, SecuritySummary
from vault.subject_rights import DEFAULT_LEGAL_BASES
from vault.vocabulary import DATA_ROLES, Action, BsnBasis, Category, Purpose, Resource, Role

_SUBJECTS = {
    Category.HEALTH: [
        "applicants for insurance (acceptance)",
        "policyholders and insured persons",
        "claimants and injured third parties",
    ],
    Category.CRIMINAL: ["applicants for insurance", "policyholders, insured persons and claimants"],
}
_DATA = {
    Category.HEALTH: "health data in medical reports, the medical adviser's opinions and the claims side's referral "
    "questions (art. 9 GDPR)",
    Category.CRIMINAL: "criminal-record data: declared convictions and incident information (art. 10 GDPR)",
}
_RECIPIENTS = {
    Category.HEALTH: [
        "the functional unit: the medical adviser (BIG-registered, responsible) and the medical staff working under "
        "them, each only on the cases assigned or delegated to them",
        "the claims dossier: the medical adviser's conclusion in non-medical terms only, never a medical datum",
        "the data subject, or a physician they name: a copy of the medical file, released by the medical adviser",
    ],
    Category.CRIMINAL: ["the specifically authorised criminal-data officers, on the cases assigned to them"],
}
_BSN_RECIPIENTS = {
    BsnBasis.WET_IB_2001: "the tax office (Belastingdienst): benefits and premiums reported with the BSN (AWR 53)",
    BsnBasis.WET_LB_1964: "the tax office (Belastingdienst): wage tax withheld on benefits, with the BSN",
    BsnBasis.PENSIOENWET: "the pension administration: the BSN with the pension or annuity data",
    BsnBasis.WET_SUWI: "UWV: sickness and disability benefit data with the BSN (Wet SUWI)",
}
_PROCESSOR_ROLES = {
    Category.HEALTH: {Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF},
    Category.CRIMINAL: {Role.CRIMINAL_DATA_OFFICER},
}


class ProcessingRegisterService:
    def __init__(
        self, *, guard: AccessGuard, settings: Settings, records: RecordService, processors: ProcessingAgreements
    ) -> None:
        self._guard = guard
        self._settings = settings
        self._records = records
        self._processors = processors

    def export(self, actor: Actor) -> ProcessingRegister:
        def operation(work: Work) -> ProcessingRegister:
            about = About(target="processing_register")
            work.authorize(
                EventType.REGISTER_EXPORT,
                Action.READ,
                Purpose.LEGAL_OBLIGATION,
                Target(Resource.PROCESSING_REGISTER, about),
            )
            agreements = self._processors.listed_in(work)
            entries = [self._entry(work, category, agreements) for category in Category]
            incomplete = [
                what
                for what, value in (
                    ("the controller (KLUIS_REGISTER_CONTROLLER)", self._settings.register_controller),
                    ("the data protection officer (KLUIS_REGISTER_DPO)", self._settings.register_dpo),
                )
                if value is None
            ]
            return ProcessingRegister(
                generated_at=work.now,
                organisation=work.actor.organisation,
                controller=self._settings.register_controller,
                dpo=self._settings.register_dpo,
                incomplete=incomplete,
                categories=entries,
            )

        return self._guard.run(actor, operation, reads_only=True)

    def _entry(self, work: Work, category: Category, agreements: list[AgreementView]) -> CategoryEntry:
        settings, schedule = self._settings, self._records.schedule
        purposes = [p.value for p in Purpose if work.serves(category, p)]
        bases = {**DEFAULT_LEGAL_BASES, **settings.legal_bases}
        stated = [bases[k] for k in (category.value, *(f"{category.value}:{p}" for p in purposes)) if k in bases]
        kinds = repository.kinds_held(work.session, work.actor.organisation, category.value)
        bsn = [
            f"{key.partition(':')[2]}: {basis.value}"
            for key, basis in sorted(settings.bsn_fields.items())
            if key.startswith(f"{category.value}:")
        ]
        recipients = list(_RECIPIENTS[category])
        bases_used = {basis for key, basis in settings.bsn_fields.items() if key.startswith(f"{category.value}:")}
        recipients += [_BSN_RECIPIENTS[basis] for basis in sorted(bases_used)]
        processors = [
            Processor(processor=a.processor, agreement=a.reference, roles=[r.value for r in a.roles], live=a.live)
            for a in agreements
            if set(a.roles) & _PROCESSOR_ROLES[category]
        ]
        retention = [
            RetentionLine(
                retention_class=rule.retention_class.value,
                period=schedule.describe(category.value, rule.retention_class.value).split(": ", 1)[1],
                kinds=list(rule.kinds),
                basis=rule.basis,
            )
            for rule in schedule.rules
            if rule.category is category
        ]
        return CategoryEntry(
            category=category,
            purposes=purposes,
            legal_bases=list(dict.fromkeys(stated)),
            subjects=_SUBJECTS[category],
            data=[_DATA[category], *(f"records of kind {kind}" for kind in kinds)],
            recipients=recipients,
            processors=processors,
            retention=retention,
            bsn=bsn,
            security=self._security(work, category),
        )

    def _security(self, work: Work, category: Category) -> SecuritySummary:
        settings = self._settings
        versions = work.kek_versions(category)
        return SecuritySummary(
            key_provider=settings.key_provider,
            kek_versions=versions,
            encryption="every field sealed with AES-256-GCM under a data key per subject, category, case and "
            "retention class, bound to its record, field, category, subject and key (envelope v2 also to its case "
            "and organisation; `kluis keys migrate` re-seals v1 fields); data keys "
            f"stored only wrapped by the category's key-encryption key (active version {max(versions, default=0)})",
            erasure="crypto-shredding: a subject's or an expired scope's data keys destroyed; final in backups once "
            "older KEK versions are retired",
            access_control="deny by default: every access decided by the Casbin policy with need-to-know per case "
            "and the unit register; segregation of duties between data roles and officers",
            multi_factor_roles=sorted(r.value for r in settings.effective_multi_factor_roles & DATA_ROLES),
            audit=f"every access audited before data leaves; hash-chained, a signed checkpoint every "
            f"{settings.audit_checkpoint_interval} events and every {settings.audit_checkpoint_seconds:g} s, each "
            "signed head also written to a witness outside the database",
            audit_retention_years=max(settings.audit_retention_years, MIN_AUDIT_RETENTION_YEARS),
        )
