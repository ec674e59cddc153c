"""`kluis policy check`: prove the policy's invariants before it is loaded (no database needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli._common import fail, load_settings
from vault import check_policy_files

app = typer.Typer(no_args_is_help=True, help="The access policy.")


@app.command("check")
def check(
    policy_dir: Annotated[Path | None, typer.Option(help="policy files to check (default: the configured)")] = None,
) -> None:
    """Prove the policy's invariants over every role, resource, action, purpose and relation."""
    problems = check_policy_files(load_settings(), policy_dir)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise fail(f"policy check FAILED: {len(problems)} violation(s)")
    typer.echo(
        "policy check OK: no role outside the unit reads health fields, only the criminal-data officer "
        "reads criminal fields, key admin/security/privacy officers read no fields, no commercial purpose, "
        "only the security officer reads the audit log, only key admins manage keys, the policy and assignments"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="policy")
