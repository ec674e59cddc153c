"""Least privilege on PostgreSQL: the service's role may only INSERT and SELECT the audit tables, and owns nothing.

Migrations run as the owner role (``kluis init`` with the owner's URL); the service runs as a role that gets exactly
these grants. Not owning the tables, it cannot ``ALTER TABLE … DISABLE TRIGGER``; not being a superuser, it cannot
set ``session_replication_role = replica`` to skip the append-only triggers; without UPDATE, DELETE or TRUNCATE on
the audit tables it cannot change or cut the log. (The head row it must update, which is why the head is also
anchored in the witness.) SQLite has no roles: there, file permissions are the boundary.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
APPEND_ONLY = ("audit_events", "audit_checkpoints", "audit_archives")
HEAD = ("audit_head",)
DATA = (
    "subjects",
    "records",
    "record_fields",
    "references",
    "data_keys",
    "case_assignments",
    "cases",
    "advice",
    "unit_members",
    "break_glass_uses",
    "delegations",
    "processing_agreements",
    "subject_requests",
    "legal_holds",
    "erasures",
    "restrictions",
    "restriction_exceptions",
    "breaches",
)
READ_ONLY = ("policy_rules", "alembic_version")
# The values a change replaced (R28) and the copies released (R27): kept, never changed by the service.
KEPT = ("record_field_versions", "medical_releases")


def service_grants(role: str, schema: str = "public") -> list[str]:
    """The statements that give ``role`` what the service needs and nothing more (run them as the owner)."""
    if not _ROLE.fullmatch(role) or not _ROLE.fullmatch(schema):
        raise ValueError("role and schema must be plain lower-case identifiers")

    def tables(names: tuple[str, ...]) -> str:
        return ", ".join(f'{schema}."{name}"' for name in names)

    everything = APPEND_ONLY + HEAD + DATA + READ_ONLY + KEPT
    return [
        f"REVOKE ALL ON {tables(everything)} FROM {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT ON {tables(APPEND_ONLY + KEPT)} TO {role}",
        f"GRANT SELECT, UPDATE ON {tables(HEAD)} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables(DATA)} TO {role}",
        f"GRANT SELECT ON {tables(READ_ONLY)} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    ]


def grant_service_role(engine: Engine, role: str, schema: str = "public") -> list[str]:
    """Apply ``service_grants`` as the engine's (owner) role; returns the statements run. PostgreSQL only."""
    if engine.dialect.name != "postgresql":
        raise ValueError("service roles are a PostgreSQL matter; SQLite relies on file permissions")
    statements = service_grants(role, schema)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    return statements
