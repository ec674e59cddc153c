"""`kluis audit verify|export|archive|seal`: the security officer's commands on the tamper-evident log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import fail, load_settings, operator, running
from vault import Role, read_public_key, verify_export

app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")


@app.command("verify")
def verify(
    file: Annotated[Path | None, typer.Option("--file", help="verify an export offline")] = None,
    public_key: Annotated[Path | None, typer.Option(help="trusted audit public key (default: data dir)")] = None,
) -> None:
    """Recompute the hash chain and checkpoint signatures; name the first bad event. Exit 1 if it fails."""
    settings = load_settings()
    if file is not None:
        key = read_public_key(public_key or settings.audit_public_key_file)
        with file.open(encoding="ascii") as handle:
            result = verify_export(handle, key, settings.audit_checkpoint_interval)
    else:
        with running(settings) as vault:
            trusted = read_public_key(public_key) if public_key else None
            result = vault.audit.verify(operator(settings, Role.SECURITY_OFFICER), trusted)
    if not result.ok:
        raise fail(f"audit log FAILED verification: {result.problem} at event {result.first_bad_seq}: {result.detail}")
    typer.echo(
        f"audit log OK: {result.events} events, {result.checkpoints} signed checkpoint(s), "
        f"{result.unsigned_tail} event(s) after the last checkpoint"
    )


@app.command("export")
def export(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Write the log as JSON lines that `kluis audit verify --file` checks offline."""
    settings = load_settings()
    with running(settings) as vault:
        lines = vault.audit.export(operator(settings, Role.SECURITY_OFFICER))
        if output is None:
            for line in lines:
                sys.stdout.write(line + "\n")
        else:
            with output.open("w", encoding="ascii") as handle:
                for line in lines:
                    handle.write(line + "\n")


@app.command("archive")
def archive(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be archived, change nothing")] = False,
) -> None:
    """Move events older than KLUIS_AUDIT_RETENTION_YEARS (at least 5) into verified archive files, behind signed
    boundaries (R42). On PostgreSQL run it with the owner's URL, as `kluis init`: the service's role may not
    remove audit rows, and the database lets nobody remove any not yet archived or younger than five years."""
    settings = load_settings()
    directory = settings.effective_audit_archive_dir
    total = 0
    with running(settings) as vault:
        officer = operator(settings, Role.SECURITY_OFFICER)
        while True:
            done = vault.audit.archive(officer, directory, settings.audit_retention_years, dry_run=dry_run)
            if not done.events:
                break
            total += done.events
            where = "would be archived" if dry_run else f"archived to {done.file}"
            typer.echo(f"events {done.seq_from}..{done.seq_to}: {where}")
            if dry_run:
                break
    typer.echo(
        f"{total} event(s) {'would be ' if dry_run else ''}archived; kept: {settings.audit_retention_years} years"
    )


@app.command("seal")
def seal() -> None:
    """Sign the audit head now if events wait longer than KLUIS_AUDIT_CHECKPOINT_SECONDS (for cron, beside serve)."""
    with running(load_settings()) as vault:
        vault.heartbeat()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
