"""`kluis`: the operator's command line. Every command that touches data or the audit log goes through the vault
service, so it is decided by the policy and audited under the operator's name like any other access."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.logging import configure_logging
from vault.audit_event import Actor
from vault.audit_review import verify_export
from vault.bootstrap import Kluis, initialise, open_kluis
from vault.config import Settings
from vault.data_keys import DataKeys
from vault.errors import VaultError
from vault.importer import import_lines
from vault.keys import read_public_key
from vault.policy import Policy, read_policy_dir
from vault.policy_check import violations
from vault.repository import data_key_counts
from vault.vocabulary import Category, Resource, Role

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Kluis: the functional unit's vault.")
keys_app = typer.Typer(no_args_is_help=True, help="Key-encryption keys.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log.")
policy_app = typer.Typer(no_args_is_help=True, help="The access policy.")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(policy_app, name="policy")


def operator(role: Role) -> Actor:
    """The person at the console, acting in one operator role for this command."""
    return Actor(
        user=f"operator:{getpass.getuser()}", roles=(role.value,), organisation=Settings().organisation, client="cli"
    )


@contextmanager
def running() -> Iterator[Kluis]:
    kluis = open_kluis(Settings())
    try:
        yield kluis
    finally:
        kluis.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def init() -> None:
    """Prepare the data directory and database (idempotent): migrations, keyring, signing key, policies."""
    settings = Settings()
    report = initialise(settings, operator(Role.KEY_ADMIN))
    typer.echo(
        f"initialised {settings.data_dir} ({', '.join(report.created) or 'nothing new'}; "
        f"policy {'loaded' if report.policy_changed else 'unchanged'})"
    )


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON lines, one record a line; - for stdin")],
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
) -> None:
    """Import existing records. Each is sealed and audited; malformed lines are reported and not stored."""
    with running() as kluis, _open_lines(file) as lines, _progress(file) as advance:
        report = import_lines(kluis.vault, operator(Role.IMPORTER), lines, batch_size=batch_size, progress=advance)
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

    with Progress(transient=True) as bar:
        task = bar.add_task("importing", total=sum(1 for _ in file.open("rb")))
        yield lambda n: bar.advance(task, n)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the HTTP service (uvicorn). Several workers, or several hosts on one PostgreSQL, share the database."""
    import uvicorn

    open_kluis(Settings()).close()  # refuse to start here, with a clear error, if Kluis is not initialised
    uvicorn.run(
        "api.app:create_app", factory=True, host=host, port=port, workers=workers, log_config=None, server_header=False
    )


@app.command("dev-token")
def dev_token_command(
    sub: Annotated[str, typer.Option(help="the user")],
    role: Annotated[list[Role], typer.Option(help="repeat for several roles")],
    hours: Annotated[int, typer.Option(min=1, max=24)] = 8,
) -> None:
    """Print a token signed by the local dev key (KLUIS_DEV_MODE=1 only; the server trusts it only in dev mode)."""
    from api.dev import dev_token

    typer.echo(dev_token(Settings(), sub, [r.value for r in role], lifetime=hours * 3600))


@app.command()
def demo(
    port: Annotated[int, typer.Option()] = 8000, serve_it: Annotated[bool, typer.Option("--serve/--no-serve")] = True
) -> None:
    """Fictional insurer on a fresh data directory, in dev mode: seed it, print a token per persona, serve."""
    import os

    from api.demo import PERSONAS, demo_ids, seed, tokens

    os.environ["KLUIS_DEV_MODE"] = "1"
    settings = Settings()
    if settings.environment == "production":
        raise fail("demo refuses production")
    fresh = not settings.effective_keyring_file.exists()
    initialise(settings, operator(Role.KEY_ADMIN))
    with running() as kluis:
        ids = seed(kluis) if fresh else demo_ids(kluis)
    issued = tokens(settings)
    typer.echo("Kluis demo (dev mode; fictional data). Tokens, valid 8 hours:")
    for persona in PERSONAS:
        typer.echo(f"  {persona.user:14} {persona.says}\n    {issued[persona.user]}")
    base = f"http://127.0.0.1:{port}"
    reference = ids["reference"] if ids else "<a reference>"
    record = ids["record_id"] if ids else "<a record id>"
    typer.echo("\nTry:")
    typer.echo(
        f'  curl -s -H "Authorization: Bearer {issued["anna.claims"]}" '
        f'"{base}/v1/cases/CLAIM-2026-001?purpose=claim_assessment"'
    )
    typer.echo(
        f'  curl -s -H "Authorization: Bearer {issued["dr.jansen"]}" '
        f'"{base}/v1/records/{record}?purpose=claim_assessment"'
    )
    typer.echo(
        f'  curl -s -H "Authorization: Bearer {issued["anna.claims"]}" '
        f'"{base}/v1/references/{reference}?purpose=claim_assessment"'
    )
    if serve_it:
        serve(port=port)


@keys_app.command("status")
def keys_status() -> None:
    """KEK versions per category and how many data keys and field seals each carries."""
    with running() as kluis:
        kluis.vault.authorize_operation(operator(Role.KEY_ADMIN), Resource.KEYS, "keys.status")
        with kluis.read_sessions() as session:
            counts = data_key_counts(session)
        for category in Category:
            typer.echo(
                f"{category}: active KEK v{kluis.keyring.active_version(category)}, "
                f"versions {kluis.keyring.versions(category)}"
            )
            for cat, version, keys, seals in counts:
                if cat == category:
                    typer.echo(f"  v{version}: {keys} data key(s), {seals} field seal(s)")


@keys_app.command("rotate")
def keys_rotate(category: Annotated[Category, typer.Option(help="health or criminal")]) -> None:
    """New KEK version for a category; re-wraps its data keys. Field ciphertexts are not touched."""
    actor = operator(Role.KEY_ADMIN)
    with running() as kluis:
        kluis.vault.authorize_operation(actor, Resource.KEYS, "keys.rotate", detail=category.value)
        version, count = DataKeys(kluis.keyring).rotate(kluis.sessions, category)
        kluis.vault.record_outcome(actor, "keys.rotate", "ok", f"{category.value} v{version}: {count} rewrapped")
    typer.echo(f"{category}: now KEK v{version}; re-wrapped {count} data key(s)")


@audit_app.command("verify")
def audit_verify(
    file: Annotated[Path | None, typer.Option("--file", help="verify an export offline")] = None,
    public_key: Annotated[Path | None, typer.Option(help="trusted audit public key (default: data dir)")] = None,
) -> None:
    """Recompute the hash chain and checkpoint signatures; name the first bad event. Exit 1 if it fails."""
    settings = Settings()
    if file is not None:
        key = read_public_key(public_key or settings.audit_public_key_file)
        with file.open(encoding="ascii") as handle:
            result = verify_export(handle, key, settings.audit_checkpoint_interval)
    else:
        with running() as kluis:
            trusted = read_public_key(public_key) if public_key else None
            result = kluis.vault.verify_audit(operator(Role.SECURITY_OFFICER), trusted)
    if not result.ok:
        raise fail(f"audit log FAILED verification: {result.problem} at event {result.first_bad_seq}: {result.detail}")
    typer.echo(
        f"audit log OK: {result.events} events, {result.checkpoints} signed checkpoint(s), "
        f"{result.unsigned_tail} event(s) after the last checkpoint"
    )


@audit_app.command("export")
def audit_export(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Write the log as JSON lines that `kluis audit verify --file` checks offline."""
    with running() as kluis:
        lines = kluis.vault.export_audit(operator(Role.SECURITY_OFFICER))
        if output is None:
            for line in lines:
                sys.stdout.write(line + "\n")
        else:
            with output.open("w", encoding="ascii") as handle:
                for line in lines:
                    handle.write(line + "\n")


@policy_app.command("check")
def policy_check(
    policy_dir: Annotated[Path | None, typer.Option(help="policy files to check (default: the configured)")] = None,
) -> None:
    """Prove the policy's invariants over every role, category, action, purpose and relation."""
    settings = Settings()
    policy = Policy(
        settings.effective_model_file.read_text(), read_policy_dir(policy_dir or settings.effective_policy_dir)
    )
    problems = violations(policy)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise fail(f"policy check FAILED: {len(problems)} violation(s)")
    typer.echo(
        "policy check OK: no role outside the unit reads health fields, only the criminal-data officer "
        "reads criminal fields, key admin/security/privacy officers read no fields, no commercial purpose"
    )


def main() -> None:
    configure_logging()
    try:
        app()
    except VaultError as exc:
        typer.echo(f"error: {exc.code}: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
