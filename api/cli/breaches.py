"""`kluis breaches record|change|list|due`: the breach register (art. 33-34, R46), kept by the privacy officer;
decided and audited by the vault. `due` exits 1 while a notification to the authority is overdue (for cron)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli._common import fail, load_settings, operator, running, validated
from vault import BreachChange, BreachRisk, BreachView, Category, Exposure, NewBreach, NotInformedGround, Role

app = typer.Typer(no_args_is_help=True, help="The breach register: every breach, notifiable or not.")


@app.command("record")
def record(
    detected_at: Annotated[datetime, typer.Argument(help="when it was detected, with a zone")],
    exposure: Exposure,
    description: Annotated[str, typer.Argument(help="what happened (never the data itself)")],
    category: Annotated[list[Category], typer.Option(help="an affected category (repeat)")],
    compromised_kek: Annotated[
        list[str] | None, typer.Option(help="an exposed KEK version as category:version (repeat)")
    ] = None,
) -> None:
    """Enter a breach; its 72-hour deadline for the authority counts from ``detected_at``."""
    keks: dict[str, list[int]] = {}
    for item in compromised_kek or []:
        name, _, version = item.partition(":")
        if not version.isdigit():
            raise fail("a compromised KEK is category:version, e.g. health:1", code=2)
        keks.setdefault(name, []).append(int(version))
    new = validated(
        NewBreach,
        detected_at=detected_at,
        exposure=exposure,
        categories=category,
        description=description,
        compromised_keks=keks,
    )
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.breaches.record(operator(settings, Role.PRIVACY_OFFICER), new)))


@app.command("change")
def change(
    breach_id: int,
    risk: Annotated[BreachRisk | None, typer.Option(help="unlikely, risk or high")] = None,
    assessment: Annotated[str | None, typer.Option(help="the risk assessment")] = None,
    notified_at: Annotated[datetime | None, typer.Option(help="when the authority was notified")] = None,
    authority_reference: Annotated[str | None, typer.Option(help="the authority's case number")] = None,
    informed_at: Annotated[datetime | None, typer.Option(help="when the subjects were informed")] = None,
    not_informed: Annotated[NotInformedGround | None, typer.Option(help="the art. 34(3) ground")] = None,
    close: Annotated[bool, typer.Option("--close", help="close it (once assessed and notified as needed)")] = False,
) -> None:
    """Add the assessment, the notifications, or close the breach."""
    body = validated(
        BreachChange,
        risk=risk,
        risk_assessment=assessment,
        authority_notified_at=notified_at,
        authority_reference=authority_reference,
        subjects_informed_at=informed_at,
        not_informed_ground=not_informed,
        close=close,
    )
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.breaches.change(operator(settings, Role.PRIVACY_OFFICER), breach_id, body)))


@app.command("list")
def list_breaches() -> None:
    """Every breach, with its deadline, where it stands and per category whether encryption protected it."""
    settings = load_settings()
    with running(settings) as vault:
        for breach in vault.breaches.breaches(operator(settings, Role.PRIVACY_OFFICER)):
            typer.echo(_line(breach))


@app.command("due")
def due() -> None:
    """Open breaches whose notification to the authority is due; exit 1 if one is overdue."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.breaches.breaches(operator(settings, Role.PRIVACY_OFFICER), due_only=True)
    for breach in found:
        typer.echo(_line(breach))
    overdue = [b for b in found if b.overdue]
    if overdue:
        raise fail(f"{len(overdue)} breach notification(s) overdue (72 hours, art. 33(1))")


def _line(breach: BreachView) -> str:
    state = "closed" if breach.closed else ("OVERDUE" if breach.overdue else "open")
    protected = ", ".join(f"{p.category.value}:{'protected' if p.protected else 'exposed'}" for p in breach.protection)
    risk = breach.risk.value if breach.risk else "not assessed"
    return "\t".join(
        [
            str(breach.breach_id),
            state,
            f"detected {breach.detected_at.isoformat(timespec='minutes')}",
            f"authority by {breach.authority_deadline.isoformat(timespec='minutes')}",
            f"risk {risk}",
            protected,
            "" if breach.sealed else "SEAL BROKEN",
        ]
    ).rstrip()


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="breaches")
