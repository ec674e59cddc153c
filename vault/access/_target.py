"""What an access is about: the resource the policy decides on, and the identifiers its audit event names."""

from __future__ import annotations

from dataclasses import dataclass, field

from vault.audit import About
from vault.vocabulary import Category, Resource


@dataclass(frozen=True, slots=True)
class Target:
    resource: Category | Resource
    about: About = field(default_factory=About)

    @property
    def case_ref(self) -> str | None:
        return self.about.case_ref

    @property
    def category(self) -> Category | None:
        return self.resource if isinstance(self.resource, Category) else None


@dataclass(frozen=True, slots=True)
class FieldsToSeal:
    """New field values for one record, and where they will live (the data key's scope and the field context)."""

    record_id: str
    subject_id: str
    category: Category
    case_ref: str
    retention_class: str
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class SealedField:
    """A stored field: its name, the data key that sealed it and the envelope."""

    name: str
    data_key_id: str
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class SealedRecord:
    """Where a stored record's fields are bound: what opening them needs besides the keys."""

    record_id: str
    subject_id: str
    category: Category
    fields: tuple[SealedField, ...]
    organisation: str
    case_ref: str
