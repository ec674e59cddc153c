"""What every command shares: one settings object per invocation, the running vault, the operator, errors."""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import BaseModel, ValidationError

from vault import Actor, Role, Settings, Vault, open_vault

M = TypeVar("M", bound=BaseModel)


def load_settings() -> Settings:
    """The one settings object of this command (read from KLUIS_* once)."""
    return Settings()


def operator(settings: Settings, role: Role) -> Actor:
    """The person at the console, acting in one operator role for this command (audited as operator:<login>). The
    login is the operating system's account of the effective uid, never LOGNAME or USER: those are the caller's to
    set, and the vault refuses self-service by this name."""
    login = pwd.getpwuid(os.geteuid()).pw_name
    return Actor(user=f"operator:{login}", roles=(role.value,), organisation=settings.organisation, client="cli")


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


def validated(model: type[M], **fields: object) -> M:
    """The command's input as the vault's model of it (options left out are left out); exit 2 with the reasons."""
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        raise fail("; ".join(str(e["msg"]) for e in exc.errors()), code=2) from None
