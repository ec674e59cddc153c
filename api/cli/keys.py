"""`kluis keys status|rotate|retire|migrate`: the key admin's commands, decided and audited by the vault."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli._common import fail, load_settings, operator, running
from vault import Category, Role

app = typer.Typer(no_args_is_help=True, help="Key-encryption keys and data keys.")


@app.command("status")
def status() -> None:
    """KEK versions per category and how many data keys and field seals each carries."""
    settings = load_settings()
    with running(settings) as vault:
        report = vault.keys.status(operator(settings, Role.KEY_ADMIN))
    for entry in report:
        typer.echo(f"{entry.category}: active KEK v{entry.active_version}, versions {entry.versions}")
        for used in entry.in_use:
            pre_scope = f", {used.pre_scope_keys} to migrate" if used.pre_scope_keys else ""
            typer.echo(f"  v{used.version}: {used.data_keys} data key(s){pre_scope}, {used.field_seals} field seal(s)")


@app.command("rotate")
def rotate(category: Annotated[Category, typer.Option(help="health or criminal")]) -> None:
    """New KEK version for a category; re-wraps its data keys. Field ciphertexts are not touched."""
    settings = load_settings()
    with running(settings) as vault:
        rotation = vault.keys.rotate(operator(settings, Role.KEY_ADMIN), category)
    typer.echo(f"{rotation.category}: now KEK v{rotation.version}; re-wrapped {rotation.rewrapped} data key(s)")


@app.command("retire")
def retire(category: Annotated[Category, typer.Option(help="health or criminal")]) -> None:
    """Rotate, re-wrap every data key, then destroy every older KEK version: erasures made before become final, in
    backups of the database too (run it daily, e.g. from cron, while erasures wait; R29)."""
    settings = load_settings()
    with running(settings) as vault:
        done = vault.keys.retire(operator(settings, Role.KEY_ADMIN), category)
    retired = ", ".join(f"v{v}" for v in done.retired) or "none"
    typer.echo(
        f"{done.category}: now KEK v{done.version} only; re-wrapped {done.rewrapped} data key(s); retired {retired}"
    )


@app.command("migrate")
def migrate() -> None:
    """Re-seal fields of data keys from before the per-case key scope under scoped keys; destroy the old keys; re-seal
    fields still in envelope format 1 in format 2 (bound to their organisation and case)."""
    settings = load_settings()
    with running(settings) as vault:
        result = vault.keys.migrate(operator(settings, Role.KEY_ADMIN))
    typer.echo(f"migrated {result.keys_migrated} data key(s); re-sealed {result.fields_resealed} field(s)")
    if result.keys_failed or result.fields_failed:
        raise fail(
            f"{result.keys_failed} data key(s) and {result.fields_failed} field(s) would not open and were left as "
            "they are"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="keys")
