"""Wiring: `initialise` prepares a data directory and database (idempotent); `open_kluis` assembles a running
vault from settings. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vault import repository
from vault.audit_event import Actor, AuditEvent
from vault.audit_log import AuditLog
from vault.config import Settings
from vault.db import make_engine, make_sessionmaker
from vault.errors import PolicyUnavailable
from vault.keys import (
    LocalKeyring,
    create_local_master_secret,
    export_public_key,
    master_secret_path,
    open_keyring,
    read_master_secret,
)
from vault.policy import Policy, read_policy_dir
from vault.policy_check import violations_of
from vault.schema import migrate
from vault.service import Vault

log = structlog.get_logger(__name__)


@dataclass
class InitReport:
    created: list[str] = field(default_factory=list)
    policy_changed: bool = False


def initialise(settings: Settings, operator: Actor) -> InitReport:
    """Create what a first run needs; on a prepared directory only migrate and refresh the policy."""
    report = InitReport()
    secret_path = master_secret_path(settings)  # refuses an unsafe layout before anything is created
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not secret_path.exists() and secret_path == settings.local_master_secret_file:
        create_local_master_secret(secret_path)
        report.created.append("development master secret")
    keyring_path = settings.effective_keyring_file
    if keyring_path.exists():
        keyring = open_keyring(settings)
    else:
        keyring = LocalKeyring.create(keyring_path, read_master_secret(secret_path))
        report.created.append("keyring")
    export_public_key(keyring.audit_signer(), settings.audit_public_key_file)

    engine = make_engine(settings.effective_database_url)
    try:
        migrate(engine)
        report.policy_changed = _load_policy(settings, make_sessionmaker(engine), keyring, operator)
    finally:
        engine.dispose()
    return report


def _load_policy(settings: Settings, sessions: sessionmaker[Session], keyring: LocalKeyring, operator: Actor) -> bool:
    """Load policies/ into the database, refusing a policy that breaks an invariant. Audited when it changes."""
    rules = read_policy_dir(settings.effective_policy_dir)
    problems = violations_of(settings.effective_model_file.read_text(), tuple(rules))
    if problems:
        raise PolicyUnavailable(f"policy breaks {len(problems)} invariant(s), first: {problems[0]}")
    audit = AuditLog(keyring.audit_signer(), settings.audit_checkpoint_interval)
    with sessions() as session, session.begin():
        if repository.policy_rules(session) == rules:
            return False
        repository.replace_policy_rules(session, rules)
        audit.append(
            session,
            [
                AuditEvent(
                    "U",
                    "policy.load",
                    "allowed",
                    operator,
                    rule="operator",
                    reason=f"{len(rules)} rules",
                    object_type="policy",
                )
            ],
        )
    log.info("policy_loaded", rules=len(rules))
    return True


@dataclass
class Kluis:
    """A running vault and what it is made of."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    keyring: LocalKeyring
    policy: Policy
    audit: AuditLog
    vault: Vault

    def close(self) -> None:
        self.engine.dispose()


def open_kluis(settings: Settings) -> Kluis:
    """Assemble the vault. Refuses to start on an empty or unloadable policy (every access would be denied)."""
    keyring = open_keyring(settings)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            rules = repository.policy_rules(session)
        policy = Policy(settings.effective_model_file.read_text(), rules)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise PolicyUnavailable("the database has no Kluis schema or policy; run `kluis init`") from exc
    except Exception:
        engine.dispose()
        raise
    audit = AuditLog(keyring.audit_signer(), settings.audit_checkpoint_interval)
    read_sessions = make_sessionmaker(engine, read_only=True)
    vault = Vault(sessions=sessions, read_sessions=read_sessions, keys=keyring, policy=policy, audit=audit)
    return Kluis(settings, engine, sessions, read_sessions, keyring, policy, audit, vault)
