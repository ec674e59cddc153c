"""`kluis register export`: the processing register's entry per category (art. 30, R45), as the privacy officer;
decided and audited by the vault."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import load_settings, operator, running
from api.register_document import register_html
from vault import Role

app = typer.Typer(no_args_is_help=True, help="The processing register (art. 30 GDPR).")


class Format(StrEnum):
    JSON = "json"
    HTML = "html"


@app.command("export")
def export(
    output_format: Annotated[Format, typer.Option("--format", help="json, or html: a readable document")] = Format.JSON,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file (default: stdout)")] = None,
) -> None:
    """Controller, DPO, purposes, subjects, data, recipients, processors, retention and a security summary per
    category, generated from the running configuration; what only configuration can say is flagged if missing."""
    settings = load_settings()
    with running(settings) as vault:
        register = vault.register.export(operator(settings, Role.PRIVACY_OFFICER))
    text = register.model_dump_json(indent=2) if output_format is Format.JSON else register_html(register)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"written to {output}")
    for missing in register.incomplete:
        typer.echo(f"incomplete: {missing}", err=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="register")
