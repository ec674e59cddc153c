"""`kluis requests ...` and `kluis holds ...`: the privacy officer's register of the data subject's requests (R24,
R32), legal holds, and erasure by crypto-shredding (R29), decided and audited by the vault."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import fail, load_settings, operator, running, validated
from api.report_pdf import report_pdf
from vault import (
    Category,
    Decision,
    Extension,
    ExtensionReason,
    HoldGround,
    HoldView,
    Identity,
    IdentityMethod,
    NameDisclosure,
    NewHold,
    NewRequest,
    RequestKind,
    RequestOutcome,
    RequestView,
    Role,
)

app = typer.Typer(no_args_is_help=True, help="The data subject's requests: deadlines, answers, erasure.")
holds_app = typer.Typer(no_args_is_help=True, help="Legal holds: what defers an erasure, and why.")


@app.command("register")
def register_request(
    customer: Annotated[str, typer.Argument(help="the insurer's customer number of the data subject")],
    kind: RequestKind,
    received_at: Annotated[datetime | None, typer.Option(help="when it arrived (default: now), with a zone")] = None,
    identity_method: Annotated[IdentityMethod | None, typer.Option(help="how the requester was identified")] = None,
    identity_reference: Annotated[str | None, typer.Option(help="the identity check's reference")] = None,
) -> None:
    """Record a request as received: due one calendar month later."""
    identity = None
    if identity_method is not None:
        identity = validated(Identity, method=identity_method, reference=identity_reference)
    new = validated(NewRequest, subject_ref=customer, kind=kind, received_at=received_at, identity=identity)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.subjects.register(operator(settings, Role.PRIVACY_OFFICER), new)))


@app.command("list")
def list_requests(
    all: Annotated[bool, typer.Option("--all", help="answered ones too")] = False,
    customer: Annotated[str | None, typer.Option(help="only this customer number's")] = None,
) -> None:
    """Open requests (or all), oldest first."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.subjects.requests(
            operator(settings, Role.PRIVACY_OFFICER), open_only=not all, subject_ref=customer
        )
    for view in found:
        typer.echo(_line(view))


@app.command("due")
def due(within: Annotated[int, typer.Option(help="days ahead")] = 7) -> None:
    """Requests overdue or due within the days given; exits 1 when any is overdue (for cron to mail)."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.subjects.due(operator(settings, Role.PRIVACY_OFFICER), within)
    for view in found:
        typer.echo(_line(view))
    if any(view.overdue for view in found):
        raise typer.Exit(1)


@app.command("identify")
def identify(request_id: int, method: IdentityMethod, reference: str) -> None:
    """Record how the requester was identified (needed before any answer)."""
    identity = validated(Identity, method=method, reference=reference)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(
            _line(vault.subjects.verify_identity(operator(settings, Role.PRIVACY_OFFICER), request_id, identity))
        )


@app.command("extend")
def extend(
    request_id: int,
    months: Annotated[int, typer.Option(help="1 or 2")],
    reason: ExtensionReason,
    told_on: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="when the subject was told (YYYY-MM-DD)")],
) -> None:
    """Extend the deadline (told to the subject within the first month)."""
    extension = validated(Extension, months=months, reason=reason, told_on=told_on.date())
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_line(vault.subjects.extend(operator(settings, Role.PRIVACY_OFFICER), request_id, extension)))


@app.command("decide")
def decide(request_id: int, outcome: RequestOutcome) -> None:
    """Record how a request ended."""
    settings = load_settings()
    with running(settings) as vault:
        view = vault.subjects.decide(operator(settings, Role.PRIVACY_OFFICER), request_id, Decision(outcome=outcome))
    typer.echo(_line(view))


@app.command("report")
def report(
    request_id: int,
    output: Annotated[Path, typer.Option(help="where to write it: .pdf for a letter, else JSON (portability)")],
    language: Annotated[str, typer.Option(help="the PDF's language: nl or en")] = "nl",
    names: Annotated[
        NameDisclosure | None, typer.Option(help="why employees are named (default: they are not)")
    ] = None,
) -> None:
    """The access report on an identified access or portability request."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.subjects.report(operator(settings, Role.PRIVACY_OFFICER), request_id, names)
    if output.suffix.lower() == ".pdf":
        if language not in ("nl", "en"):
            raise fail("the report's language is nl or en", code=2)
        output.write_bytes(report_pdf(found, "nl" if language == "nl" else "en"))
    else:
        output.write_text(found.model_dump_json(indent=2) + "\n")
    typer.echo(f"report for subject {found.subject}: {len(found.access_history)} access(es), written to {output}")


@app.command("erase")
def erase(request_id: int, category: Annotated[Category, typer.Option(help="health or criminal")]) -> None:
    """Crypto-shred the subject's data keys in the category, on an erasure request; prints the signed receipt."""
    settings = load_settings()
    with running(settings) as vault:
        result = vault.subjects.erase(operator(settings, Role.PRIVACY_OFFICER), request_id, category)
    if result.receipt is None:
        typer.echo(f"deferred: legal hold ({result.deferred_ground})")
        return
    final = "final" if result.receipt.final else "final once `kluis keys retire` has run for this category"
    typer.echo(f"erased {result.receipt.keys_destroyed} data key(s); {final}")
    typer.echo(result.receipt.receipt)
    typer.echo(f"signature (Ed25519, the audit signing key): {result.receipt.signature}")


@app.command("releases")
def releases(request_id: int) -> None:
    """The copies of the medical file a medical adviser released on the request: to whom, how many records, what
    was left out and why (never the content)."""
    settings = load_settings()
    with running(settings) as vault:
        for release in vault.subjects.releases(operator(settings, Role.PRIVACY_OFFICER), request_id):
            to = release.recipient.value + ("" if release.physician is None else f" ({release.physician.name})")
            left_out = ", ".join(f"{e['record_id']}: {e['ground']}" for e in release.excluded) or "nothing"
            typer.echo(
                f"{release.release_id}\t{release.released_at}\tto {to}\tby {release.released_by}\t"
                f"{release.records_released} record(s)\tleft out: {left_out}"
            )


@holds_app.command("place")
def place(
    customer: str,
    ground: HoldGround,
    case: Annotated[str | None, typer.Option(help="only this case (default: all the subject's data)")] = None,
    reference: Annotated[str | None, typer.Option(help="e.g. the court case number")] = None,
) -> None:
    """Place a legal hold: erasures of the subject's data (or one case's) wait for it."""
    new = validated(NewHold, subject_ref=customer, ground=ground, case_ref=case, reference=reference)
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_hold_line(vault.subjects.place_hold(operator(settings, Role.PRIVACY_OFFICER), new)))


@holds_app.command("list")
def list_holds(customer: Annotated[str | None, typer.Option(help="only this customer number's")] = None) -> None:
    """Every legal hold, live or lifted."""
    settings = load_settings()
    with running(settings) as vault:
        for hold in vault.subjects.holds(operator(settings, Role.PRIVACY_OFFICER), customer):
            typer.echo(_hold_line(hold))


@holds_app.command("lift")
def lift(hold_id: int) -> None:
    """Lift a legal hold: a deferred erasure may then be carried out."""
    settings = load_settings()
    with running(settings) as vault:
        typer.echo(_hold_line(vault.subjects.lift_hold(operator(settings, Role.PRIVACY_OFFICER), hold_id)))


def _line(view: RequestView) -> str:
    state = f"{view.status.value}" + (f" ({view.outcome.value})" if view.outcome else "")
    late = ", OVERDUE" if view.overdue else ""
    identified = "identified" if view.identity_verified else "identity not verified"
    return (
        f"{view.request_id}\t{view.kind.value}\tsubject {view.subject}\treceived {view.received_at.date()}\t"
        f"due {view.due_on}{' (extended)' if view.extended else ''}{late}\t{state}\t{identified}"
    )


def _hold_line(hold: HoldView) -> str:
    scope = f"case {hold.case_ref}" if hold.case_ref else "all data"
    state = "live" if hold.live else f"lifted {hold.lifted_at}"
    return f"{hold.hold_id}\tsubject {hold.subject}\t{scope}\t{hold.ground.value}\t{state}"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="requests")
    root.add_typer(holds_app, name="holds")
