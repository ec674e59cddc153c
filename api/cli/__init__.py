"""`kluis`: the operator's command line, one module per command group. Every command that touches data or the
audit log goes through the vault, so it is decided by the policy and audited under the operator's name like any
other access."""

from __future__ import annotations

import sys

import typer

from api.cli import (
    audit,
    breaches,
    break_glass,
    db,
    keys,
    policy,
    processors,
    records,
    register,
    restrictions,
    retention,
    setup,
    subjects,
    unit,
)
from api.logging import configure_logging
from vault import VaultError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Kluis: the functional unit's vault.")
for group in (
    setup,
    records,
    unit,
    processors,
    subjects,
    restrictions,
    retention,
    register,
    breaches,
    break_glass,
    keys,
    audit,
    policy,
    db,
):
    group.register(app)


def main() -> None:
    configure_logging()
    try:
        app()
    except VaultError as exc:
        typer.echo(f"error: {exc.code}: {exc}", err=True)
        sys.exit(2)


__all__ = ["app", "main"]
