"""Configuration: one pydantic-settings class, read from ``KLUIS_*`` variables and passed in explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vault.identifiers import organisation_problem
from vault.vocabulary import DATA_ROLES, Role


class OtherHolder(BaseModel):
    """A party that holds the subject's data separately, named in every access report with where to ask (the
    privacy statements: "we always tell you where to go for which data")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    holds: str = Field(min_length=1, max_length=500)  # e.g. "your health insurance claims"
    where_to_ask: str = Field(min_length=1, max_length=500)  # an address, a form's URL


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
