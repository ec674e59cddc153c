"""Who acts: the requester of every operation, as authenticated by the outer layer (token, CLI login)."""

from __future__ import annotations

from dataclasses import dataclass

from vault.vocabulary import AuthStrength, Role


@dataclass(frozen=True, slots=True)
class Actor:
    """The requester. ``responsible_user`` is the supervising medical adviser for medical staff (R4);
    ``on_behalf_of`` the adviser whose case a delegate works on."""

    user: str
    roles: tuple[str, ...]
    organisation: str
    responsible_user: str | None = None
    unit: str | None = None
    client: str | None = None  # access point: client address or device
    request_id: str | None = None
    source_system: str = "kluis"
    auth_strength: AuthStrength = AuthStrength.UNKNOWN
    on_behalf_of: str | None = None

    def known_roles(self) -> list[Role]:
        """The roles Kluis knows, sorted; an unknown role name grants nothing."""
        known = {role.value for role in Role}
        return sorted(Role(name) for name in set(self.roles) if name in known)
