"""The tamper-evident audit log: the event and its builders (the only ones), the chain (pure verification), reading
and export. The writer (``vault.audit._log.AuditLog``, the only code that inserts audit rows) is not re-exported:
only the access guard appends, and only bootstrap builds it (import-linter contracts).

The review service (search, overviews, verify, export for the security officer) decides through the access guard,
which itself appends here, so it sits one layer up, in ``vault.audit.service``.
"""

from vault.audit import _events as events
from vault.audit._chain import (
    GENESIS_HASH,
    Checkpoint,
    Problem,
    StoredEvent,
    Verification,
    checkpoint_message,
    link_hash,
    verify_chain,
)
from vault.audit._event import EVENT_FORMAT, About, ActionCode, AuditEvent, Outcome, canonical_json
from vault.audit._events import EventType, Reason
from vault.audit._export import EXPORT_FORMAT, ExportFormatError, parse_export, verify_export
from vault.audit._repository import (
    ERASED_KEYS,
    Head,
    checkpoints,
    erased_key_ids,
    head,
    iter_events,
    subject_events,
)
from vault.audit._schemas import AuditPage, AuditQuery, Tally

__all__ = [
    "ERASED_KEYS",
    "EVENT_FORMAT",
    "EXPORT_FORMAT",
    "GENESIS_HASH",
    "About",
    "ActionCode",
    "AuditEvent",
    "AuditPage",
    "AuditQuery",
    "Checkpoint",
    "EventType",
    "ExportFormatError",
    "Head",
    "Outcome",
    "Problem",
    "Reason",
    "StoredEvent",
    "Tally",
    "Verification",
    "canonical_json",
    "checkpoint_message",
    "checkpoints",
    "erased_key_ids",
    "events",
    "head",
    "iter_events",
    "link_hash",
    "parse_export",
    "subject_events",
    "verify_chain",
    "verify_export",
]
