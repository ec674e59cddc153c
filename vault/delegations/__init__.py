"""Delegation (DOMAIN R2): an adviser delegates their cases (all, or listed) to another registered adviser for a
period; the delegate's events carry ``on_behalf_of``; a delegate cannot delegate further."""

from vault.delegations._service import DelegationService, DelegationView

__all__ = ["DelegationService", "DelegationView"]
