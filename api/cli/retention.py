"""`kluis retention rules|run`: the retention schedule, and the run that shreds what has been kept long enough
(DOMAIN R36), as the privacy officer; decided and audited by the vault, one event per record shredded."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from api.cli._common import fail, load_settings, operator, running
from vault import RetentionReport, RetentionSchedule, Role, retention_period

app = typer.Typer(no_args_is_help=True, help="Retention: how long records are kept, and shredding what expired.")


@app.command("rules")
def rules() -> None:
    """The configured periods per category and class (KLUIS_RETENTION_RULES), and the kinds each class holds."""
    settings = load_settings()
    for rule in RetentionSchedule(settings.retention_rules).rules:
        kinds = ", ".join(rule.kinds) if rule.kinds else "every kind no other rule names"
        typer.echo(
            f"{rule.category.value}/{rule.retention_class.value}: {retention_period(rule)} "
            f"from {rule.counted_from.value}; kinds: {kinds}; basis: {rule.basis}"
        )
    typer.echo(f"audit events: kept {settings.audit_retention_years} years from writing (never below 5)")


@app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="decide and report, change nothing")] = False,
    report: Annotated[Path | None, typer.Option(help="write the machine-readable report (JSON) to this file")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON instead of a summary")] = False,
) -> None:
    """Shred every record whose retention period has run by today (Europe/Amsterdam), unless a legal hold, an open
    request or a restriction defers it. Safe to run daily and to run again after an interruption."""
    settings = load_settings()
    bar = _Progress()
    try:
        with running(settings) as vault:
            result = vault.retention.run(operator(settings, Role.PRIVACY_OFFICER), dry_run=dry_run, progress=bar)
    finally:
        bar.close()
    document = result.model_dump_json(indent=2)
    if report is not None:
        report.write_text(document + "\n", encoding="utf-8")
    typer.echo(document if as_json else _summary(result))
    if result.refused:
        raise fail(f"the policy refused the erasure of {result.refused} record(s); see the audit log")


def _summary(result: RetentionReport) -> str:
    lines = [
        f"{'dry run: ' if result.dry_run else ''}examined {result.records_examined} record(s) on {result.today}",
        f"shredded {result.shredded} record(s), {result.keys_destroyed} data key(s) destroyed"
        if not result.dry_run
        else f"would shred {result.would_shred} record(s)",
    ]
    grounds = Counter(item.ground.value for item in result.items if item.ground is not None)
    lines += [f"deferred {n} record(s): {ground}" for ground, n in sorted(grounds.items())]
    return "\n".join(lines)


class _Progress:
    """A progress bar on stderr when it is a terminal (never in a pipe or a log)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="subjects", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="retention")
