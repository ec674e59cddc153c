"""Bulk import of existing records from JSON lines: the way an insurer migrates its medical files in.

One record a line. A malformed line is reported with its line number and nothing of it is stored; valid lines go
through the same service call as every other write (decide, seal, audit), a batch per transaction.
Refused lines (denied, or the subject erased) are reported by number too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from vault.actor import Actor
from vault.records._bsn import BsnFields
from vault.records._schemas import NewRecord
from vault.records._service import RecordService

MAX_LINE_BYTES = 4 << 20


@dataclass
class ImportReport:
    imported: int = 0
    denied: list[int] = field(default_factory=list)  # line numbers the policy refused
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line number, why) — never the line itself


def parse_line(raw: bytes) -> NewRecord:
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError("line too long")
    return NewRecord.model_validate(json.loads(raw))


def _describe(exc: Exception) -> str:
    """Say what is wrong without echoing the input (it may hold health data)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        )
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg} at column {exc.colno})"
    return str(exc) if isinstance(exc, ValueError) else type(exc).__name__


def _batches(
    lines: Iterable[bytes], size: int, report: ImportReport, bsn: BsnFields
) -> Iterator[list[tuple[int, NewRecord]]]:
    batch: list[tuple[int, NewRecord]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = parse_line(raw)
        except (ValueError, ValidationError) as exc:
            report.malformed.append((number, _describe(exc)))
            continue
        problem = bsn.problem(record.category.value, record.kind, record.fields)
        if problem is not None:
            report.malformed.append((number, problem))
            continue
        batch.append((number, record))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_lines(
    records: RecordService,
    actor: Actor,
    lines: Iterable[bytes],
    *,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    for batch in _batches(lines, batch_size, report, records.bsn_fields):
        result = records.create_many(actor, [record for _, record in batch])
        report.denied.extend(batch[i][0] for i in result.denied)
        report.imported += len(batch) - len(result.denied)
        if progress is not None:
            progress(len(batch))
    return report
