"""`kluis unit register|list|suspend|reinstate|end` (the key admin keeps the unit register, R3, R7) and
`kluis assignments list` (the security officer's need-to-know review, R10). Decided and audited by the vault."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli._common import fail, load_settings, operator, running
from vault import AssignmentView, MemberView, Registration, RegistrationStatus, Role

app = typer.Typer(no_args_is_help=True, help="The unit register: who is in the functional unit, on what credential.")
assignments_app = typer.Typer(no_args_is_help=True, help="Need-to-know assignments per case.")

When = Annotated[datetime | None, typer.Option(help="ISO 8601 with a zone, e.g. 2027-01-01T00:00:00+01:00")]


@app.command("register")
def register_member(
    user: Annotated[str, typer.Argument(help="the user id as in their token")],
    role: Annotated[Role, typer.Argument(help="medical_adviser, medical_staff, criminal_data_officer, or an officer")],
    credential: Annotated[
        str | None, typer.Option(help="BIG number (adviser), agreement (staff) or authorisation reference")
    ] = None,
    credential_date: When = None,
    verified_by: Annotated[str | None, typer.Option(help="who verified or granted it (default: you)")] = None,
    supervisor: Annotated[str | None, typer.Option(help="staff: the supervising medical adviser")] = None,
    processor: Annotated[
        str | None, typer.Option(help="the processor they work for, under its processing agreement (R47)")
    ] = None,
    starts_at: When = None,
    ends_at: When = None,
) -> None:
    """Register a person into one role of the unit (or an officer's duty)."""
    try:
        registration = Registration(
            user_id=user,
            role=role,
            credential=credential,
            credential_date=credential_date,
            verified_by=verified_by,
            supervisor=supervisor,
            processor=processor,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    except ValidationError as exc:
        raise fail("; ".join(str(e["msg"]) for e in exc.errors()), code=2) from None
    settings = load_settings()
    with running(settings) as vault:
        member_id = vault.unit.register(operator(settings, Role.KEY_ADMIN), registration)
    typer.echo(f"registered {user} as {role.value}: registration {member_id}")


@app.command("list")
def list_members(user: Annotated[str | None, typer.Option(help="only this user's registrations")] = None) -> None:
    """The register as the security officer reviews it: every registration, and whether it counts now."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.unit.members(operator(settings, Role.SECURITY_OFFICER), user)
    for member in found:
        typer.echo(_member_line(member))


def _change(member_id: int, status: RegistrationStatus) -> None:
    settings = load_settings()
    with running(settings) as vault:
        member = vault.unit.change(operator(settings, Role.KEY_ADMIN), member_id, status)
    typer.echo(_member_line(member))


@app.command("suspend")
def suspend(member_id: int) -> None:
    """Suspend a registration: its role stops counting with the next request."""
    _change(member_id, RegistrationStatus.SUSPENDED)


@app.command("reinstate")
def reinstate(member_id: int) -> None:
    """Reinstate a suspended registration."""
    _change(member_id, RegistrationStatus.ACTIVE)


@app.command("end")
def end(member_id: int) -> None:
    """End a registration for good (a person who returns is registered anew)."""
    _change(member_id, RegistrationStatus.ENDED)


@assignments_app.command("list")
def list_assignments(
    case: Annotated[str | None, typer.Option(help="who is assigned to this case")] = None,
    user: Annotated[str | None, typer.Option(help="which cases this user is assigned to")] = None,
    all: Annotated[bool, typer.Option("--all", help="include revoked and ended assignments")] = False,
) -> None:
    """Assignments per case or per user, for the need-to-know review."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.assignments.assignments(
            operator(settings, Role.SECURITY_OFFICER), case_ref=case, user_id=user, live_only=not all
        )
    for assignment in found:
        typer.echo(_assignment_line(assignment))


@assignments_app.command("due")
def due() -> None:
    """Assignments due for the periodic need-to-know review (unconfirmed for KLUIS_ASSIGNMENT_REVIEW_DAYS)."""
    settings = load_settings()
    with running(settings) as vault:
        found = vault.assignments.due_for_review(operator(settings, Role.SECURITY_OFFICER))
    for assignment in found:
        typer.echo(f"{assignment.assignment_id}\t{_assignment_line(assignment)}")


@assignments_app.command("review")
def review(
    assignment_id: int,
    keep: Annotated[bool, typer.Option("--keep/--revoke", help="the need-to-know still stands, or it ends now")],
) -> None:
    """Confirm or revoke one assignment in the need-to-know review (audited)."""
    settings = load_settings()
    with running(settings) as vault:
        result = vault.assignments.review(operator(settings, Role.SECURITY_OFFICER), assignment_id, keep=keep)
    typer.echo(("kept: " if keep else "revoked: ") + _assignment_line(result))


def _member_line(member: MemberView) -> str:
    ends = member.ends_at.isoformat() if member.ends_at else "open-ended"
    state = "counts" if member.live else "does not count"
    seal = "" if member.sealed else ", SEAL FAILS"
    under = f" under {member.supervisor}" if member.supervisor else ""
    under += f" for {member.processor}" if member.processor else ""
    return (
        f"{member.member_id}\t{member.user_id}\t{member.role.value}{under}\t{member.status.value}, {state}{seal}\t"
        f"from {member.starts_at.isoformat()} until {ends}"
    )


def _assignment_line(assignment: AssignmentView) -> str:
    ends = assignment.ends_at.isoformat() if assignment.ends_at else "open-ended"
    revoked = f", revoked {assignment.revoked_at.isoformat()}" if assignment.revoked_at else ""
    seal = "" if assignment.sealed else ", SEAL FAILS"
    return (
        f"{assignment.case_ref}\t{assignment.user_id}\t{assignment.role.value}\t{assignment.relation.value}\t"
        f"from {assignment.starts_at.isoformat()} until {ends}{revoked}{seal}\tby {assignment.created_by}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="unit")
    root.add_typer(assignments_app, name="assignments")
