"""Kluis's core: the vault for health and criminal-record data, usable without HTTP.

What callers may use is re-exported here; modules with a leading underscore are private.
"""

from vault.advice import AdviceInput
from vault.audit_event import Actor, AuditEvent
from vault.bootstrap import Kluis, initialise, open_kluis
from vault.config import Settings
from vault.errors import (
    AccessDenied,
    AuditUnavailable,
    ConfigurationError,
    Conflict,
    DecryptionFailed,
    IntegrityViolation,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    PolicyUnavailable,
    VaultError,
)
from vault.records import CreatedRecord, NewRecord, RecordView
from vault.service import Vault
from vault.vocabulary import Action, Category, Purpose, Relation, Resource, Role

__all__ = [
    "AccessDenied",
    "Action",
    "Actor",
    "AdviceInput",
    "AuditEvent",
    "AuditUnavailable",
    "Category",
    "ConfigurationError",
    "Conflict",
    "CreatedRecord",
    "DecryptionFailed",
    "IntegrityViolation",
    "InvalidInput",
    "KeyUnavailable",
    "Kluis",
    "NewRecord",
    "NotFound",
    "PolicyUnavailable",
    "Purpose",
    "RecordView",
    "Relation",
    "Resource",
    "Role",
    "Settings",
    "Vault",
    "VaultError",
    "initialise",
    "open_kluis",
]
