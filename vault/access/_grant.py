"""The grant: proof that the guard decided an access and holds its audit event. Only the guard constructs one
(the capability pattern of Tink's key-access token), and every use of a data key takes one: opening fields,
sealing them, re-wrapping and re-sealing under new keys. Nothing public opens a field or unwraps a key without it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, NoReturn

from vault.access._request import Decision
from vault.access._target import FieldsToSeal, SealedRecord, Target
from vault.audit import Reason
from vault.errors import VaultError
from vault.vocabulary import Action, Purpose

if TYPE_CHECKING:
    from vault.access._guard import Work, _Pending

# The guard's private token: Grant() refuses to be built without it.
_MINT = object()


class Grant:
    """An allowed decision, tied to its unit of work and to the audit event that records it."""

    __slots__ = ("_pending", "_work", "action", "decision", "purpose", "target")

    def __init__(
        self,
        mint: object,
        work: Work,
        pending: _Pending,
        decision: Decision,
        target: Target,
        action: Action,
        purpose: Purpose,
    ) -> None:
        if mint is not _MINT:
            raise TypeError("a Grant is issued by the access guard only")
        self._work = work
        self._pending = pending
        self.decision = decision
        self.target = target
        self.action = action
        self.purpose = purpose

    @property
    def rule(self) -> str:
        return self.decision.rule

    def open(self, record: SealedRecord) -> dict[str, str]:
        """The record's field values. A destroyed key makes the event ``erased`` (410); any other failure makes
        it ``failed``; either way the refusal is raised after the event commits, and no value leaves."""
        self._require(Action.READ, record.category.value)
        return self._work._open(self, self._pending, record)

    def seal(self, fields: FieldsToSeal) -> dict[str, tuple[str, bytes]]:
        """Seal new values: name -> (data key id, envelope). An erased scope refuses (410), audited."""
        self._require(None, fields.category.value)
        sealed = self._work._seal([(self, fields)])[0]
        if sealed is None:
            self._work._raise_erased(self._pending)
        return sealed

    def withdraw(self, reason: Reason, error: VaultError) -> NoReturn:
        """The policy allowed it, but the operation refuses (e.g. screening blocked publication): the event becomes
        a denial with this reason, and ``error`` is raised after it commits."""
        self._work._withdraw(self._pending, reason, error)

    def note_reason(self, reason: Reason) -> None:
        """A code saying how the allowed operation went (e.g. a disclosure, a screening override)."""
        self._pending.reason = reason

    def name_created(self, *, record_id: str, reference: str, subject: str) -> None:
        """Name what this allowed creation made, in its event (identifiers only; a denial names nothing)."""
        about = self._pending.about
        self._pending.about = replace(about, record_id=record_id, reference=reference, subject=subject)

    def rotate_data_keys(self) -> tuple[int, int]:
        """After the rotation's event committed: a new KEK version for the category, data keys re-wrapped."""
        return self._work._guard._rotate(self)

    def migrate_legacy_keys(self) -> tuple[int, int]:
        """After the migration's event committed: re-seal fields of pre-scope data keys, destroy those keys."""
        return self._work._guard._migrate(self)

    def _require(self, action: Action | None, category: str) -> None:
        if action is not None and self.action is not action:
            raise PermissionError("this grant is for another action")
        if self.target.resource.value != category:
            raise PermissionError("this grant is for another category")

    def __repr__(self) -> str:
        return f"Grant({self.action.value} {self.target.resource.value} via {self.decision.rule!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a grant cannot be pickled")
