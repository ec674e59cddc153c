"""`kluis agreements record|list|end`: the privacy officer's register of processing agreements (R47), decided and
audited by the vault like every other access."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from api.cli._common import load_settings, operator, running, validated
from vault import AgreementView, NewAgreement, Role

app = typer.Typer(no_args_is_help=True, help="Processing agreements: which processor acts for us, in which roles.")

When = Annotated[datetime | None, typer.Option(help="ISO 8601 with a zone, e.g. 2027-01-01T00:00:00+01:00")]


@app.command("record")
def record(
    processor: Annotated[str, typer.Argument(help="the processor's identifier, as configured for its tokens")],
    reference: Annotated[str, typer.Argument(help="the agreement's own reference")],
    role: Annotated[list[Role], typer.Option(help="a role its staff act in (repeat for several)")],
    starts_at: When = None,
    ends_at: When = None,
) -> None:
    """Record an agreement: the processor's staff act in its roles from its start until its end."""
    agreement = validated(
        NewAgreement, processor=processor, reference=reference, roles=role, starts_at=starts_at, ends_at=ends_at
    )
    settings = load_settings()
    with running(settings) as vault:
        found = vault.processors.record(operator(settings, Role.PRIVACY_OFFICER), agreement)
    typer.echo(_line(found))


@app.command("list")
def list_agreements(processor: Annotated[str | None, typer.Option(help="only this processor's")] = None) -> None:
    """Every agreement, and whether it lets its processor act now."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.processors.agreements(operator(settings, Role.PRIVACY_OFFICER), processor)
    for agreement in found:
        typer.echo(_line(agreement))


@app.command("end")
def end(agreement_id: int) -> None:
    """End an agreement now: its processor's staff lose its roles with their next request."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.processors.end(operator(settings, Role.PRIVACY_OFFICER), agreement_id)
    typer.echo(_line(found))


def _line(agreement: AgreementView) -> str:
    ends = agreement.ends_at.isoformat() if agreement.ends_at else "until ended"
    ended = f", ended {agreement.ended_at.isoformat()}" if agreement.ended_at else ""
    state = "in force" if agreement.live else "not in force"
    seal = "" if agreement.sealed else ", SEAL FAILS"
    roles = ",".join(role.value for role in agreement.roles)
    return (
        f"{agreement.agreement_id}\t{agreement.processor}\t{agreement.reference}\t{roles}\t"
        f"from {agreement.starts_at.isoformat()} {ends}{ended}\t{state}{seal}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="agreements")
