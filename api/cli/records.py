"""`kluis import`: bulk import of existing records, each decided, sealed and audited like any other write."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import load_settings, operator, running
from vault import Role, import_lines


def import_(
    file: Annotated[Path, typer.Argument(help="JSON lines, one record a line; - for stdin")],
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
) -> None:
    """Import existing records. Each is sealed and audited; malformed lines are reported and not stored."""
    settings = load_settings()
    actor = operator(settings, Role.IMPORTER)
    with running(settings) as vault, _open_lines(file) as lines, _progress(file) as advance:
        report = import_lines(vault.records, actor, lines, batch_size=batch_size, progress=advance)
    for number, why in report.malformed:
        typer.echo(f"line {number}: {why}", err=True)
    for number in report.denied:
        typer.echo(f"line {number}: refused by policy", err=True)
    typer.echo(f"imported {report.imported} record(s); {len(report.malformed)} malformed, {len(report.denied)} refused")
    if report.malformed or report.denied:
        raise typer.Exit(1)


@contextmanager
def _open_lines(file: Path) -> Iterator[Iterator[bytes]]:
    if str(file) == "-":
        yield iter(sys.stdin.buffer)
        return
    with file.open("rb") as handle:
        yield iter(handle)


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[int], None] | None]:
    if not sys.stderr.isatty() or str(file) == "-":
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar, file.open("rb") as counting:
        task = bar.add_task("importing", total=sum(1 for _ in counting))
        yield lambda n: bar.advance(task, n)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
