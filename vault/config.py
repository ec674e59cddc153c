"""Configuration: one pydantic-settings class, read from ``KLUIS_*`` variables and passed in explicitly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vault.identifiers import organisation_problem
from vault.vocabulary import DATA_ROLES, BsnBasis, Category, RetentionClass, RetentionStart, Role

RecordKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# R42: audit events are kept at least five years from writing; configurable upward only.
MIN_AUDIT_RETENTION_YEARS = 5


class OtherHolder(BaseModel):
    """A party that holds the subject's data separately, named in every access report with where to ask (the
    privacy statements: "we always tell you where to go for which data")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    holds: str = Field(min_length=1, max_length=500)  # e.g. "your health insurance claims"
    where_to_ask: str = Field(min_length=1, max_length=500)  # an address, a form's URL


class RegisterParty(BaseModel):
    """The controller or its data protection officer, as the processing register names them (art. 30(1)(a))."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    contact: str = Field(min_length=1, max_length=500)  # an address, an e-mail address


class RetentionRule(BaseModel):
    """How long one retention class of a category is kept, from when, why, and which kinds of record belong to it
    (DOMAIN R36). ``case_file`` holds every kind no other rule of its category names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Category
    retention_class: RetentionClass
    years: int = Field(default=0, ge=0, le=100)
    months: int = Field(default=0, ge=0, le=1200)
    counted_from: RetentionStart = RetentionStart.CASE_CLOSURE
    kinds: list[RecordKind] = Field(default_factory=list, max_length=200)
    basis: str = Field(min_length=1, max_length=300)  # why this period: stated in the processing register

    @model_validator(mode="after")
    def _a_period(self) -> Self:
        if self.years * 12 + self.months < 1:
            raise ValueError("a retention period is at least one month")
        if self.retention_class is not RetentionClass.CASE_FILE and not self.kinds:
            raise ValueError(f"the {self.retention_class.value} rule names the kinds of record it keeps")
        return self

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


DEFAULT_RETENTION_RULES = (
    RetentionRule(
        category=Category.HEALTH,
        retention_class=RetentionClass.CASE_FILE,
        years=7,
        basis="the 3-year limitation of a claim under an insurance contract (BW 7:942) from when the claim was "
        "known, plus a margin for its settlement and for complaints (Kifid)",
    ),
    RetentionRule(
        category=Category.CRIMINAL,
        retention_class=RetentionClass.CASE_FILE,
        years=8,
        basis="the longest registration of an incident under the Protocol Incidentenwaarschuwingssysteem "
        "Financiele Instellingen (8 years)",
    ),
)


class Settings(BaseSettings):
    """Everything Kluis reads from its environment. Nothing is created when this is built."""

    model_config = SettingsConfigDict(env_prefix="KLUIS_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("./kluis-data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in the data directory"
    )
    master_secret_file: Path | None = Field(
        default=None, description="File holding the secret that encrypts the local keyring"
    )
    keyring_file: Path | None = None
    key_provider: Literal["local"] = Field(default="local", description="where KEKs and the signing key live")
    organisation: str = "default"
    policy_dir: Path | None = None
    model_file: Path | None = None
    explain_model_file: Path | None = None
    audit_checkpoint_interval: int = Field(default=1000, ge=1)
    audit_checkpoint_seconds: float = Field(
        default=5.0, gt=0, le=60, description="sign a checkpoint at least this often while events arrive"
    )
    audit_witness_file: Path | None = Field(
        default=None, description="append-only file of signed heads, outside the database (default: in the data dir)"
    )

    database_lock_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="PostgreSQL: longest wait for a lock before the request fails (503)"
    )
    database_statement_timeout_seconds: float = Field(
        default=120.0, gt=0, le=3600, description="PostgreSQL: longest single statement (a verify page, a batch)"
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="connections kept open per process: at least the requests it serves at once (reconnects are slow)",
    )

    # HTTP service
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    oidc_roles_claim: str = "roles"
    oidc_organisations: list[str] = Field(
        default_factory=list,
        description="organisations the issuer's tokens may act for (JSON list; the token's `org` claim picks one); "
        "default: only KLUIS_ORGANISATION",
    )
    oidc_processors: list[str] = Field(
        default_factory=list,
        description="processors (volmacht holders, advice bureaus) whose staff the issuer authenticates (JSON list; "
        "the token's `processor` claim names one); they act only under a recorded processing agreement (R47)",
    )
    max_token_lifetime_seconds: int = Field(default=3600, ge=60, le=86_400, description="longest token accepted")
    refused_token_interval_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="refused tokens are audited once per source and reason per interval"
    )
    refused_token_limit: int = Field(
        default=30, ge=1, description="refused tokens per source and interval before further attempts get 429"
    )
    multi_factor_roles: list[Role] | None = Field(
        default=None,
        description="data roles that count only for tokens whose amr says several factors (R38); JSON list; "
        "default: every data role in production, none in development",
    )
    break_glass_minutes: int = Field(default=60, ge=5, le=480, description="how long a break-glass use lasts")
    break_glass_max_minutes: int = Field(
        default=120, ge=5, le=480, description="the longest break-glass use a member may ask for (capped at 8 h)"
    )
    delegation_max_days: int = Field(default=90, ge=1, le=366, description="the longest delegation an adviser gives")
    assignment_review_days: int = Field(
        default=90, ge=1, le=730, description="an assignment unconfirmed this long is due for a need-to-know review"
    )
    subject_report_other_holders: list[OtherHolder] = Field(
        default_factory=list,
        description="parties holding the subject's data separately, named in each access report (JSON list of "
        '{"name", "holds", "where_to_ask"})',
    )
    legal_bases: dict[str, str] = Field(
        default_factory=dict,
        description='the legal basis an access report states, per "category" or "category:purpose" (JSON object); '
        "overrides the defaults in vault/subject_rights/_report.py",
    )
    retention_rules: list[RetentionRule] = Field(
        default_factory=lambda: list(DEFAULT_RETENTION_RULES),
        description="retention per category and class (JSON list of {category, retention_class, years, months, "
        "counted_from, kinds, basis}); each category keeps a case_file rule (R36)",
    )
    register_controller: RegisterParty | None = Field(
        default=None, description='the controller in the processing register (JSON {"name", "contact"}; R45)'
    )
    register_dpo: RegisterParty | None = Field(
        default=None, description='the data protection officer in the processing register (JSON {"name", "contact"})'
    )
    bsn_fields: dict[str, BsnBasis] = Field(
        default_factory=dict,
        description='record kinds that may hold a "bsn" field, per "category:kind", each with its legal basis (JSON '
        'object, e.g. {"health:income_benefit": "wet_ib_2001"}); none by default (R33)',
    )
    audit_archive_dir: Path | None = Field(
        default=None, description="where `kluis audit archive` writes archived events (default: in the data dir)"
    )
    audit_retention_years: int = Field(
        default=MIN_AUDIT_RETENTION_YEARS,
        ge=MIN_AUDIT_RETENTION_YEARS,
        le=100,
        description="audit events are kept this long from writing: never below 5 years (R42)",
    )
    dev_mode: bool = Field(default=False, description="trust a local dev token key; never in production")
    max_body_bytes: int = Field(default=1 << 20, ge=1024)
    policy_refresh_seconds: float = Field(default=2.0, gt=0, le=5.0)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kluis.db').resolve()}"

    @field_validator("multi_factor_roles")
    @classmethod
    def _data_roles_only(cls, roles: list[Role] | None) -> list[Role] | None:
        if roles is not None and not set(roles) <= DATA_ROLES:
            raise ValueError("KLUIS_MULTI_FACTOR_ROLES names data roles only")
        return roles

    @field_validator("oidc_processors")
    @classmethod
    def _processor_ids(cls, processors: list[str]) -> list[str]:
        for processor in processors:
            problem = organisation_problem(processor)
            if problem is not None:
                raise ValueError(f"KLUIS_OIDC_PROCESSORS: {problem}")
        return processors

    @field_validator("bsn_fields")
    @classmethod
    def _bsn_kinds(cls, fields: dict[str, BsnBasis]) -> dict[str, BsnBasis]:
        for key in fields:
            category, _, kind = key.partition(":")
            if category not in {c.value for c in Category} or not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", kind):
                raise ValueError('KLUIS_BSN_FIELDS is keyed "category:kind", e.g. "health:income_benefit"')
        return fields

    @field_validator("retention_rules")
    @classmethod
    def _one_schedule(cls, rules: list[RetentionRule]) -> list[RetentionRule]:
        classes = [(r.category, r.retention_class) for r in rules]
        if len(set(classes)) != len(classes):
            raise ValueError("KLUIS_RETENTION_RULES names a class of a category twice")
        for category in Category:
            if (category, RetentionClass.CASE_FILE) not in classes:
                raise ValueError(f"KLUIS_RETENTION_RULES keeps a case_file rule for {category.value}")
            named = [kind for r in rules if r.category is category for kind in r.kinds]
            if len(set(named)) != len(named):
                raise ValueError(f"KLUIS_RETENTION_RULES puts a kind of {category.value} record in two classes")
        return rules

    @property
    def effective_multi_factor_roles(self) -> frozenset[Role]:
        if self.multi_factor_roles is not None:
            return frozenset(self.multi_factor_roles)
        return DATA_ROLES if self.environment == "production" else frozenset()

    @property
    def token_organisations(self) -> frozenset[str]:
        """The organisations a token may act for: configuration tied to the issuer, never the token's own word."""
        return frozenset(self.oidc_organisations or [self.organisation])

    @property
    def effective_keyring_file(self) -> Path:
        return self.keyring_file or self.data_dir / "keys" / "keyring.json"

    @property
    def local_master_secret_file(self) -> Path:
        """Where a development master secret is generated when the operator names none."""
        return self.data_dir / "keys" / "master.secret"

    @property
    def audit_public_key_file(self) -> Path:
        return self.data_dir / "keys" / "audit-signing.pub"

    @property
    def effective_audit_witness_file(self) -> Path:
        return self.audit_witness_file or self.data_dir / "witness" / "audit-heads.jsonl"

    @property
    def effective_audit_archive_dir(self) -> Path:
        return self.audit_archive_dir or self.data_dir / "audit-archive"

    @property
    def dev_key_file(self) -> Path:
        return self.data_dir / "keys" / "dev-token-key.json"

    @property
    def effective_policy_dir(self) -> Path:
        return self.policy_dir or _project_file("policies")

    @property
    def effective_model_file(self) -> Path:
        return self.model_file or _project_file("casbin_model.conf")

    @property
    def effective_explain_model_file(self) -> Path:
        return self.explain_model_file or _project_file("casbin_explain_model.conf")


def _project_file(name: str) -> Path:
    # The model and the default policies ship beside the package, in the repository root.
    return Path(__file__).resolve().parent.parent / name
