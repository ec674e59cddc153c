"""What every command shares: one settings object per invocation, the running vault, the operator, errors."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from vault import Actor, Role, Settings, Vault, open_vault


def load_settings() -> Settings:
    """The one settings object of this command (read from KLUIS_* once)."""
    return Settings()


def operator(settings: Settings, role: Role) -> Actor:
    """The person at the console, acting in one operator role for this command (audited as operator:<login>)."""
    return Actor(
        user=f"operator:{getpass.getuser()}", roles=(role.value,), organisation=settings.organisation, client="cli"
    )


@contextmanager
def running(settings: Settings) -> Iterator[Vault]:
    vault = open_vault(settings)
    try:
        yield vault
    finally:
        vault.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
