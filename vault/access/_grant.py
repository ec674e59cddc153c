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

    __slots__ = ("_answers", "_pending", "_used", "_work", "action", "decision", "purpose", "target")

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
        self._used = False
        self._answers: int | None = None  # the subject's own request this change carries out

    def answers_request(self, request_id: int) -> None:
        """This change or release carries out the subject's own request (a rectification, an access request;
        checked by the caller: identified, open, theirs). What the subject asked for is done with their consent, so
        a restriction of their data does not stop it (art. 18(2)); its event says so."""
        if self.action not in (Action.UPDATE, Action.RELEASE):
            raise PermissionError("only a change or a release carries out a subject's request")
        self._answers = request_id

    @property
    def rule(self) -> str:
        return self.decision.rule

    def open(self, record: SealedRecord) -> dict[str, str]:
        """The record's field values. A destroyed key makes the event ``erased`` (410); any other failure makes
        it ``failed``; either way the refusal is raised after the event commits, and no value leaves."""
        self._require((Action.READ, Action.RELEASE), record.category.value)
        self._require_same(record.record_id, record.subject_id, None)
        return self._work._open(self, self._pending, record)

    def seal(self, fields: FieldsToSeal) -> dict[str, tuple[str, bytes]]:
        """Seal new values: name -> (data key id, envelope). An erased scope refuses (410), audited."""
        self._require_sealable(fields)
        sealed = self._work._seal([(self, fields)])[0]
        if sealed is None:
            self._work._raise_erased(self._pending)
        return sealed

    def require_unrestricted(self, subject_id: str) -> None:
        """Refuse, audited as ``restricted``, what this grant's operation would do with the subject's data in its
        category and case while they are restricted (art. 18), unless an exception covers its purpose. Opening and
        changing fields check this themselves; an operation that processes them otherwise (publishing advice) calls
        it."""
        category, case_ref = self.target.category, self.target.case_ref
        if category is None or case_ref is None:
            raise PermissionError("a restriction is checked on a category of a case")
        self._work._require_unrestricted(self, subject_id, category, case_ref)

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

    def erase_subject_keys(self, except_cases: frozenset[str] = frozenset()) -> tuple[list[str], int]:
        """Crypto-shred (R29): destroy the data keys of the subject and category this grant's event names (but
        those of ``except_cases``, under a legal hold), in its unit of work, so they are gone exactly when the event
        commits. Returns (key ids, the newest KEK version that wrapped one; 0 for none)."""
        return self._work._shred(self, except_cases)

    def sign_statement(self, label: bytes, statement: bytes) -> bytes:
        """An Ed25519 signature, with the audit signing key, over ``label`` 0x00 ``statement`` (a receipt of what
        this grant's operation did); verify with the published public key."""
        return self._work._sign(self, label, statement)

    def retire_keks(self) -> tuple[int, int, list[int], int]:
        """After the retirement's event committed: rotate the category's KEK, re-wrap every data key, and retire
        every older version (so backups of the data keys open nothing). Returns (version, re-wrapped, retired, keys
        that erasures had destroyed but were found back in the database and destroyed again)."""
        return self._work._guard._retire(self)

    def rotate_data_keys(self) -> tuple[int, int]:
        """After the rotation's event committed: a new KEK version for the category, data keys re-wrapped."""
        return self._work._guard._rotate(self)

    def migrate_legacy_keys(self) -> tuple[int, int, int, int]:
        """After the migration's event committed: re-seal fields of pre-scope data keys, destroy those keys, then
        re-seal fields still in envelope format 1 in format 2. Returns (keys migrated, fields re-sealed, keys that
        would not open and were left, fields that would not open and were left)."""
        return self._work._guard._migrate(self)

    def _require(self, actions: tuple[Action, ...], category: str) -> None:
        if self.action not in actions:
            raise PermissionError("this grant is for another action")
        if self.target.resource.value != category:
            raise PermissionError("this grant is for another category")

    def _require_sealable(self, fields: FieldsToSeal) -> None:
        """Sealing is for a create, an update or a referral, of the record, case and subject decided on."""
        self._require((Action.CREATE, Action.UPDATE, Action.REFER), fields.category.value)
        self._require_same(fields.record_id, fields.subject_id, fields.case_ref)

    def _require_same(self, record_id: str, subject_id: str, case_ref: str | None) -> None:
        about = self.target.about
        if about.record_id is not None and about.record_id != record_id:
            raise PermissionError("this grant is for another record")
        if about.subject is not None and about.subject != subject_id:
            raise PermissionError("this grant is for another subject")
        if case_ref is not None and about.case_ref is not None and about.case_ref != case_ref:
            raise PermissionError("this grant is for another case")

    def __repr__(self) -> str:
        return f"Grant({self.action.value} {self.target.resource.value} via {self.decision.rule!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a grant cannot be pickled")
