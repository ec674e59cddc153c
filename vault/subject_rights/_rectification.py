"""Rectification and completion (art. 16, DOMAIN R28), done by the unit on the subject's request: the unit changes
a record's fields (the values they replace are kept as its previous version) or appends the subject's own
statement to it. An adviser's professional opinion is never overwritten: the statement goes beside it.

The privacy officer registers the request and verifies the requester; the unit member who carries it out names
it. The request must be identified, open, of the right kind and the record the requester's own; every refusal is
audited with the request in its target.
"""

from __future__ import annotations

from vault.access import AccessGuard, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import AccessDenied, Conflict, NotFound
from vault.records import RecordService, RecordView, RequestLink
from vault.subject_rights import _repository as repository
from vault.vocabulary import DATA_ROLES, Purpose, RequestKind

_CARRIED_OUT = frozenset({RequestKind.RECTIFICATION, RequestKind.COMPLETION})


class Rectifications:
    def __init__(self, *, guard: AccessGuard, records: RecordService) -> None:
        self._guard = guard
        self._records = records

    def rectify(
        self, actor: Actor, request_id: int, record_id: str, purpose: Purpose, fields: dict[str, str]
    ) -> RecordView:
        """Correct or complete a record's fields on the subject's request; the replaced values are kept."""

        def operation(work: Work) -> RecordView:
            link = _request(work, request_id, EventType.RECORD_UPDATE, purpose)
            return self._records.update_in(work, record_id, purpose, fields, request=link)

        return self._guard.run(actor, operation, retry_conflicts=True)

    def add_statement(
        self, actor: Actor, request_id: int, record_id: str, purpose: Purpose, statement: str
    ) -> RecordView:
        """Append the subject's own statement to a record (an adviser's opinion included), shown with it."""

        def operation(work: Work) -> RecordView:
            link = _request(work, request_id, EventType.RECORD_STATEMENT, purpose)
            return self._records.add_statement_in(work, record_id, purpose, statement, link)

        return self._guard.run(actor, operation, retry_conflicts=True)


def _request(work: Work, request_id: int, event_type: EventType, purpose: Purpose) -> RequestLink:
    return carried_out(work, request_id, event_type, purpose, _CARRIED_OUT)


def carried_out(
    work: Work, request_id: int, event_type: EventType, purpose: Purpose, kinds: frozenset[RequestKind]
) -> RequestLink:
    """The subject's request this operation carries out, if it may: identified, open, sealed and of one of
    ``kinds``; refused otherwise (audited, before any decision, the request named). Only a data role of the unit
    learns anything about a request this way: anyone else is refused alike whatever the request is."""
    if not set(work.actor.known_roles()) & DATA_ROLES:
        about = About(object_type="record", target=f"subject_request:{request_id}")
        work.refuse(event_type, about, Reason.POLICY, AccessDenied("not allowed"), purpose=purpose)
    row = repository.request(work.session, work.actor.organisation, request_id)
    about = About(object_type="record", target=f"subject_request:{request_id}")
    if row is None:
        work.refuse(event_type, about, Reason.NOT_FOUND, NotFound("no such request"), purpose=purpose)
    about = About(object_type="record", subject=row.subject_id, target=f"subject_request:{row.id}")
    if not work.request_sealed(row):
        conflict = Conflict("this request's seal does not hold: it was changed outside Kluis")
        work.refuse(event_type, about, Reason.MAC_INVALID, conflict, purpose=purpose)
    if row.status not in repository.OPEN:
        work.refuse(event_type, about, Reason.TOO_LATE, Conflict(f"the request is {row.status}"), purpose=purpose)
    if row.identity_method is None:
        conflict = Conflict("the requester's identity is verified before any answer (R24)")
        work.refuse(event_type, about, Reason.IDENTITY_NOT_VERIFIED, conflict, purpose=purpose)
    if RequestKind(row.kind) not in kinds:
        conflict = Conflict(f"this is done on a {' or '.join(sorted(k.value for k in kinds))} request")
        work.refuse(event_type, about, Reason.POLICY, conflict, purpose=purpose)
    return RequestLink(row.id, row.subject_id)
