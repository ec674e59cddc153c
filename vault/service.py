"""The vault service: the one path every caller takes — decide, audit, then (and only then) decrypt.

``Vault`` composes the per-concept services (records, cases, administration) over shared dependencies; see
vault/service_base.py for the unit of work that makes an access and its audit event one transaction.
"""

from __future__ import annotations

from vault.admin_service import AdminService
from vault.case_service import CaseService
from vault.record_service import BatchResult
from vault.service_base import utc_now


class Vault(CaseService, AdminService):
    """Every operation on the vault."""


__all__ = ["BatchResult", "Vault", "utc_now"]
