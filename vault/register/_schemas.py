"""The processing register's entry per category (GDPR art. 30(1), DOMAIN R45), as `kluis register export` writes
it: JSON for the record, and a readable document rendered from the same model."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from vault.config import RegisterParty
from vault.vocabulary import Category

REGISTER_FORMAT = "kluis.processing-register.v1"


class Processor(BaseModel):
    model_config = ConfigDict(frozen=True)

    processor: str
    agreement: str  # the processing agreement's reference
    roles: list[str]
    live: bool


class RetentionLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    retention_class: str
    period: str  # e.g. "7 years after the case closes"
    kinds: list[str]  # empty: every kind no other class names
    basis: str


class SecuritySummary(BaseModel):
    """Generated from the running configuration, not written by hand."""

    model_config = ConfigDict(frozen=True)

    key_provider: str
    kek_versions: list[int]
    encryption: str
    erasure: str
    access_control: str
    multi_factor_roles: list[str]
    audit: str
    audit_retention_years: int


class CategoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: Category
    purposes: list[str]  # those the live policy lets a data role read this category for
    legal_bases: list[str]
    subjects: list[str]  # categories of data subjects
    data: list[str]  # categories of data, with the kinds of record held now
    recipients: list[str]
    processors: list[Processor]
    retention: list[RetentionLine]
    bsn: list[str]  # the kinds that may hold a BSN, each with its legal basis (R33)
    security: SecuritySummary


class ProcessingRegister(BaseModel):
    model_config = ConfigDict(frozen=True)

    format: str = REGISTER_FORMAT
    generated_at: datetime
    organisation: str
    controller: RegisterParty | None
    dpo: RegisterParty | None
    incomplete: list[str]  # what the configuration does not say yet (the export says so rather than inventing it)
    categories: list[CategoryEntry]
