"""Where a BSN may be held (DOMAIN R33, UAVG art. 46): in the one field ``bsn``, of a kind of record for which a
legal basis is configured (``KLUIS_BSN_FIELDS``), and only a number that passes the 11-test (python-stdnum's
nl.bsn). It is sealed like every value; nothing else — identifiers, kinds, sources, field names, audit events,
logs — ever carries one (vault/identifiers.py). Refusals never echo the value."""

from __future__ import annotations

from collections.abc import Mapping

from stdnum.nl import bsn

from vault.errors import InvalidInput
from vault.records._schemas import BSN_FIELD
from vault.vocabulary import BsnBasis


class BsnFields:
    """The configured kinds that may hold a BSN, each with its legal basis."""

    def __init__(self, bases: Mapping[str, BsnBasis]) -> None:
        self._bases = dict(bases)

    def basis(self, category: str, kind: str) -> BsnBasis | None:
        return self._bases.get(f"{category}:{kind}")

    @property
    def configured(self) -> dict[str, BsnBasis]:
        return dict(self._bases)

    def problem(self, category: str, kind: str, fields: Mapping[str, str]) -> str | None:
        """Why these fields may not be stored on a record of this category and kind, or None."""
        if BSN_FIELD not in fields:
            return None
        if self.basis(category, kind) is None:
            return f"a {category} record of this kind holds no BSN: no legal basis is configured for it (R33)"
        if not bsn.is_valid(fields[BSN_FIELD]):
            return "the bsn field holds no valid BSN (9 digits passing the 11-test)"
        return None

    def require(self, category: str, kind: str, fields: Mapping[str, str]) -> None:
        problem = self.problem(category, kind, fields)
        if problem is not None:
            raise InvalidInput(problem)
