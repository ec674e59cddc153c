"""`kluis restrictions ...`: the privacy officer restricts a subject's data on their request (art. 18, R30),
grants exceptions for legal claims or on the subject's consent, and lifts restrictions; decided and audited by the
vault."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli._common import load_settings, operator, running, validated
from vault import (
    Category,
    ExceptionKind,
    Lifting,
    LiftReason,
    NewException,
    NewRestriction,
    Purpose,
    RestrictionGround,
    RestrictionView,
    Role,
)

app = typer.Typer(no_args_is_help=True, help="Restriction of processing: stored, not processed (art. 18).")


@app.command("place")
def place(
    request_id: Annotated[int, typer.Argument(help="the subject's restriction, rectification or objection request")],
    category: Category,
    ground: RestrictionGround,
    case: Annotated[str | None, typer.Option(help="only this case (default: all the subject's cases)")] = None,
) -> None:
    """Restrict the subject's data in the category: stored and listed, opened or changed only under an exception."""
    new = validated(NewRestriction, request_id=request_id, category=category, ground=ground, case_ref=case)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.restrictions.place(operator(settings, Role.PRIVACY_OFFICER), new)))


@app.command("list")
def list_restrictions(customer: Annotated[str | None, typer.Option(help="only this customer number's")] = None) -> None:
    """Every restriction, live or lifted, and its exceptions."""
    settings = load_settings()
    with running(settings) as vault:
        for restriction in vault.restrictions.list(operator(settings, Role.PRIVACY_OFFICER), customer):
            typer.echo(_line(restriction))


@app.command("except")
def grant_exception(
    restriction_id: int,
    kind: ExceptionKind,
    reference: Annotated[str, typer.Argument(help="the claim's or court case's number; the consent's reference")],
    ends_at: Annotated[datetime, typer.Option(help="when it ends (within a year), with a zone")],
    purpose: Annotated[Purpose, typer.Option(help="legal_claims for an order; the consent's purpose")] = (
        Purpose.LEGAL_CLAIMS
    ),
) -> None:
    """Let the restricted data be processed for one purpose until ``--ends-at``."""
    new = validated(NewException, kind=kind, purpose=purpose, reference=reference, ends_at=ends_at)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(
            _line(vault.restrictions.grant_exception(operator(settings, Role.PRIVACY_OFFICER), restriction_id, new))
        )


@app.command("end-exception")
def end_exception(exception_id: int) -> None:
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.restrictions.end_exception(operator(settings, Role.PRIVACY_OFFICER), exception_id)))


@app.command("lift")
def lift(
    restriction_id: int,
    reason: LiftReason,
    told_on: Annotated[str, typer.Option(help="when the subject was told, YYYY-MM-DD (before the lifting)")],
) -> None:
    """Lift a restriction once the subject has been told (art. 18(3))."""
    lifting = validated(Lifting, reason=reason, subject_told_on=told_on)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.restrictions.lift(operator(settings, Role.PRIVACY_OFFICER), restriction_id, lifting)))


def _line(view: RestrictionView) -> str:
    scope = f"case {view.case_ref}" if view.case_ref else "all cases"
    state = "live" if view.live else f"lifted {view.lifted_at} ({view.lift_reason})"
    exceptions = "".join(
        f"\n  exception {e.exception_id}\t{e.kind.value}\t{e.purpose.value}\tuntil {e.ends_at}"
        f"\t{'live' if e.live else 'ended'}"
        for e in view.exceptions
    )
    return (
        f"{view.restriction_id}\tsubject {view.subject}\t{view.category.value}\t{scope}\t{view.ground.value}\t"
        f"request {view.request_id}\t{state}{exceptions}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="restrictions")
