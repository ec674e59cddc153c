"""Setting Kluis up and running it: `kluis init`, `serve`, `dev-token` and `demo`."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from api.cli._common import fail, load_settings, operator, running
from api.http_protocol import NoDelayH11Protocol
from api.metrics import MULTIPROC_ENV, prepare_multiprocess_dir
from vault import Role, Settings, initialise, open_vault


def init() -> None:
    """Prepare the data directory and database (idempotent): migrations, keyring, signing key, policies."""
    settings = load_settings()
    report = initialise(settings, operator(settings, Role.KEY_ADMIN))
    typer.echo(
        f"initialised {settings.data_dir} ({', '.join(report.created) or 'nothing new'}; "
        f"policy {'loaded' if report.policy_changed else 'unchanged'})"
    )


def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the HTTP service (uvicorn). Several workers, or several hosts on one PostgreSQL, share the database."""
    _serve(load_settings(), host, port, workers)


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    open_vault(settings).close()  # refuse to start here, with a clear error, if Kluis is not initialised
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        prepare_multiprocess_dir(settings.data_dir / "metrics")  # /metrics sums every worker's values
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        server_header=False,
        http=NoDelayH11Protocol,
    )


def dev_token_command(
    sub: Annotated[str, typer.Option(help="the user")],
    role: Annotated[list[Role], typer.Option(help="repeat for several roles")],
    hours: Annotated[int, typer.Option(min=1, max=24, help="at most KLUIS_MAX_TOKEN_LIFETIME_SECONDS")] = 1,
) -> None:
    """Print a token signed by the local dev key (KLUIS_DEV_MODE=1 only; the server trusts it only in dev mode)."""
    from api.auth import dev_token

    typer.echo(dev_token(load_settings(), sub, [r.value for r in role], lifetime=hours * 3600))


def demo(
    port: Annotated[int, typer.Option()] = 8000, serve_it: Annotated[bool, typer.Option("--serve/--no-serve")] = True
) -> None:
    """Fictional insurer on a fresh data directory, in dev mode: seed it, print a token per persona, serve."""
    from api.cli._demo_data import PERSONAS, demo_ids, seed, tokens

    os.environ["KLUIS_DEV_MODE"] = "1"  # for this process and the server it starts
    os.environ.setdefault("KLUIS_MAX_TOKEN_LIFETIME_SECONDS", str(8 * 3600))  # the demo's tokens last a working day
    settings = load_settings()
    if settings.environment == "production":
        raise fail("demo refuses production")
    fresh = not settings.effective_keyring_file.exists()
    initialise(settings, operator(settings, Role.KEY_ADMIN))
    if fresh:
        with running(settings) as vault:
            ids: dict[str, str] | None = seed(vault)
    else:
        ids = demo_ids(settings)
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
        _serve(settings, "127.0.0.1", port, 1)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    app.command("dev-token")(dev_token_command)
    app.command()(demo)
