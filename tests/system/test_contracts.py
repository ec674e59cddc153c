"""The architecture contracts bite: a deliberate violation in a copy of the tree fails import-linter (or ruff's
banned-api rule), and the real tree passes both."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tree_with(tmp_path: Path, module: str, source: str) -> Path:
    """A copy of vault/, api/ and the config, plus one extra module."""
    for package in ("vault", "api"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    existing = target.read_text() if target.exists() else ""
    target.write_text(existing + source)  # an existing module (a package surface) gets the line appended
    return tmp_path


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": str(BIN)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_real_tree_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("api/_bad.py", "from vault.access import AccessGuard\n", "api imports only the vault package surface"),
        ("vault/_bad.py", "import fastapi\n", "vault never imports api or a web framework"),
        ("vault/records/_bad.py", "from cryptography.hazmat.primitives import hashes\n", "cryptography.hazmat"),
        ("vault/records/_bad.py", "from vault.crypto._data_keys import DataKeys\n", "only vault.access reaches"),
        ("vault/cases/_bad.py", "from vault.models.audit import AuditEventRow\n", "only vault.audit touches"),
        ("vault/records/_bad.py", "from vault.audit._log import AuditLog\n", "only the access guard appends"),
        ("vault/crypto/__init__.py", "from vault.crypto._data_keys import DataKeys\n", "only vault.access reaches"),
        ("vault/crypto/_leak.py", "from vault.crypto._data_keys import DataKeys\n", "only vault.access reaches"),
        ("vault/audit/__init__.py", "from vault.audit._log import AuditLog\n", "only the access guard appends"),
        ("vault/models/__init__.py", "from vault.models.audit import AuditEventRow\n", "only vault.audit touches"),
        ("vault/records/_bad.py", "from vault.keys._access import KEY_ACCESS\n", "raw key material"),
        ("vault/records/_bad.py", "from vault.crypto._primitives import Aead\n", "AES-GCM, scrypt"),
    ],
    ids=[
        "api-reaches-inside",
        "core-imports-http",
        "hazmat-outside-crypto",
        "data-keys-outside-access",
        "audit-rows-outside-audit",
        "audit-log-outside-guard",
        "data-keys-re-exported-by-crypto",
        "data-keys-leaked-inside-crypto",
        "audit-log-re-exported-by-audit",
        "audit-rows-re-exported-by-models",
        "key-access-outside-guard",
        "primitives-outside-keys",
    ],
)
def test_a_deliberate_violation_fails_the_contracts(tmp_path: Path, module: str, source: str, contract: str) -> None:
    result = _lint_imports(_tree_with(tmp_path, module, source))
    assert result.returncode == 1
    assert "BROKEN" in result.stdout and contract in result.stdout


def test_sql_outside_a_repository_fails_the_lint(tmp_path: Path) -> None:
    tree = _tree_with(tmp_path, "vault/cases/_sneaky.py", "from sqlalchemy import select\n\nQUERY = select(1)\n")
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", "vault/cases/_sneaky.py"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "TID251" in result.stdout


def test_statements_run_only_in_repositories_and_plumbing() -> None:
    """What TID251 cannot see (methods): executing SQL happens in repositories, plumbing and migrations only."""
    executes = re.compile(r"\.(execute|exec_driver_sql|query|scalar|scalars)\(")
    allowed = ("_repository.py", "vault/_kit/", "vault/migrations/")
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("vault", "api")
        for path in (ROOT / package).rglob("*.py")
        if executes.search(path.read_text()) and not any(a in path.as_posix() for a in allowed)
    ]
    assert offenders == []
