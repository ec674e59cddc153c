"""The only wiring: ``initialise`` prepares a data directory and database (idempotent); ``open_vault`` assembles a
running vault from settings and one clock. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vault._kit import Clock, SystemClock, current_revision, make_engine, make_sessionmaker, migrate, service_grants
from vault._kit import grant_service_role as apply_grants
from vault.access import AccessGuard, PolicyStore, read_policy_dir, violations_of
from vault.access._row_macs import RowMacs
from vault.actor import Actor
from vault.audit._log import AuditLog
from vault.audit._witness import FileWitness
from vault.config import Settings
from vault.keys import KeyProvider, export_public_key, open_key_provider, prepare_key_provider
from vault.keys._access import KEY_ACCESS
from vault.vault import Dependencies, Vault

_ROW_MACS_REVISION = "0005"  # the migration that gives assignments their MAC column
_HEAD_SEAL_REVISION = "0006"  # the migration that gives the audit head its seal


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    policy_changed: bool = False


def initialise(settings: Settings, operator: Actor, clock: Clock | None = None) -> InitReport:
    """Create what a first run needs; on a prepared directory only migrate and refresh the policy (audited)."""
    provider, created = prepare_key_provider(settings)
    export_public_key(provider.audit_public_key(), settings.audit_public_key_file)
    engine = make_engine(settings.effective_database_url, foreign_keys=False)
    try:
        before = current_revision(engine)
        migrate(engine)
    finally:
        engine.dispose()
    vault = _assemble(settings, provider, clock or SystemClock())
    try:
        # A head without a seal is adopted if it is provably Kluis's, or found in the run that adds head seals;
        # any other unsealed head stays refused (vault/audit/_log.py, needs_adoption).
        upgrading = before is None or before < _HEAD_SEAL_REVISION
        vault._deps.guard.adopt_audit_head(operator, upgrading=upgrading)
        changed = vault.policy.load(operator, read_policy_dir(settings.effective_policy_dir))
        if before is not None and before < _ROW_MACS_REVISION:
            # Only in the run that adds row MACs: a row inserted without one later must stay without one.
            vault._deps.guard.seal_unsealed_assignments(operator)
    finally:
        vault.close()
    return InitReport(created, changed)


def open_vault(settings: Settings, clock: Clock | None = None) -> Vault:
    """Assemble the vault. Refuses to start on a database without a Kluis schema or policy (every access would be
    denied): the policy is loaded here, not at the first request."""
    vault = _assemble(settings, open_key_provider(settings), clock or SystemClock())
    try:
        vault.refresh_policy()
    except Exception:
        vault.close()
        raise
    return vault


def grant_service_role(settings: Settings, role: str, schema: str = "public", *, apply: bool) -> list[str]:
    """`kluis db grants`: the statements that make ``role`` the least-privileged service role (PostgreSQL), run
    with the configured URL (the owner's) when ``apply``."""
    if not apply:
        return service_grants(role, schema)
    engine = make_engine(settings.effective_database_url)
    try:
        return apply_grants(engine, role, schema)
    finally:
        engine.dispose()


def check_policy_files(settings: Settings, policy_dir: Path | None = None) -> tuple[str, ...]:
    """`kluis policy check`: the invariant violations of the policy files (the configured ones by default)."""
    rules = read_policy_dir(policy_dir or settings.effective_policy_dir)
    model = settings.effective_model_file.read_text()
    return violations_of(model, settings.effective_explain_model_file.read_text(), tuple(rules))


def _assemble(settings: Settings, provider: KeyProvider, clock: Clock) -> Vault:
    engine = make_engine(
        settings.effective_database_url,
        lock_timeout_seconds=settings.database_lock_timeout_seconds,
        statement_timeout_seconds=settings.database_statement_timeout_seconds,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
    )
    sessions = make_sessionmaker(engine)
    # Long reads (audit verify, export) must not take SQLite's write lock (see vault._kit.db).
    read_sessions = make_sessionmaker(engine, read_only=True)
    policies = PolicyStore(
        read_sessions,
        settings.effective_model_file.read_text(),
        settings.effective_explain_model_file.read_text(),
        settings.policy_refresh_seconds,
    )
    audit_log = AuditLog(
        provider.audit_signer(KEY_ACCESS),
        RowMacs(provider, KEY_ACCESS),  # seals the audit head (vault/audit/_log.py)
        settings.audit_checkpoint_interval,
        clock,
        checkpoint_seconds=settings.audit_checkpoint_seconds,
    )
    guard = AccessGuard(
        sessions=sessions,
        read_sessions=read_sessions,
        policies=policies,
        audit_log=audit_log,
        provider=provider,
        clock=clock,
        witness=FileWitness(settings.effective_audit_witness_file),
        multi_factor_roles=settings.effective_multi_factor_roles,
    )
    return Vault(Dependencies(settings, engine, sessions, read_sessions, clock, policies, guard, provider))
