"""`kluis db grants`: least privilege on PostgreSQL — the service's role may only insert and read the audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli._common import load_settings
from vault import grant_service_role

app = typer.Typer(no_args_is_help=True, help="The database roles.")


@app.command("grants")
def grants(
    service_role: Annotated[str, typer.Option(help="the role the service connects as (it must own nothing)")],
    schema: Annotated[str, typer.Option()] = "public",
    apply: Annotated[bool, typer.Option("--apply/--print", help="run them as KLUIS_DATABASE_URL's role")] = False,
) -> None:
    """Print (or, as the owner, apply) the grants for the service role: SELECT/INSERT on the audit tables, no more."""
    for statement in grant_service_role(load_settings(), service_role, schema, apply=apply):
        typer.echo(statement + ";")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
