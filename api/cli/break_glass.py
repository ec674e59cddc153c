"""`kluis break-glass list|review|clear`: the security officer's review of break-glass uses (R37), decided and
audited by the vault like every other access."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli._common import load_settings, operator, running
from vault import BreakGlassView, ReviewOutcome, Role

app = typer.Typer(no_args_is_help=True, help="Break-glass uses and their review.")


@app.command("list")
def list_uses(
    all: Annotated[bool, typer.Option("--all", help="include reviewed uses")] = False,
    user: Annotated[str | None, typer.Option(help="only this user's uses")] = None,
) -> None:
    """Uses awaiting review (the alerts), or all of them."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.break_glass.uses(operator(settings, Role.SECURITY_OFFICER), pending_only=not all, user_id=user)
    for use in found:
        typer.echo(_line(use))


@app.command("review")
def review(
    use_id: int,
    outcome: Annotated[ReviewOutcome, typer.Argument(help="justified or not_justified")],
    note: Annotated[str, typer.Option(help="what the review found (10 to 500 characters)")],
) -> None:
    """Record whether a use was justified."""
    settings = load_settings()
    with running(settings) as vault:
        use = vault.break_glass.review(operator(settings, Role.SECURITY_OFFICER), use_id, outcome, note)
    typer.echo(_line(use))


@app.command("clear")
def clear(user: str) -> None:
    """Clear a user's not-justified findings so they may break glass again."""
    settings = load_settings()
    with running(settings) as vault:
        cleared = vault.break_glass.clear(operator(settings, Role.SECURITY_OFFICER), user)
    typer.echo(f"cleared {cleared} finding(s) of {user}")


def _line(use: BreakGlassView) -> str:
    verdict = use.outcome.value if use.outcome else "AWAITING REVIEW"
    seal = "" if use.sealed else ", SEAL FAILS"
    return (
        f"{use.use_id}\t{use.case_ref}\t{use.user_id} ({use.role.value})\t{use.reason.value}\t"
        f"{use.opened_at.isoformat()} to {use.ends_at.isoformat()}\t{verdict}{seal}\t{use.note}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="break-glass")
