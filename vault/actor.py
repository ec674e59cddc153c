"""Who acts: the requester of every operation, as authenticated by the outer layer (token, CLI login)."""

from __future__ import annotations

from dataclasses import dataclass

from vault.vocabulary import AuthStrength, Role

OPERATOR_PREFIX = "operator:"  # the user id of a person at the console (`kluis` commands)


@dataclass(frozen=True, slots=True)
class Actor:
    """The requester. ``responsible_user`` is the supervising medical adviser for medical staff (R4);
    ``on_behalf_of`` the adviser whose case a delegate works on. ``processor`` is the processor (a volmacht holder,
    an external medical-advice bureau) the requester works for, as configured for their token's issuer, and
    ``agreement`` the reference of the processing agreement they act under, as the guard found it (R47)."""

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
    processor: str | None = None
    agreement: str | None = None

    def is_self(self, user_id: str) -> bool:
        """Whether ``user_id`` is this person: at the console they act as ``operator:<login>``, and the login is
        the same person's user id in their token (so a key admin cannot register or assign themselves by CLI)."""
        return user_id == self.user or user_id == self.user.removeprefix(OPERATOR_PREFIX)

    def known_roles(self) -> list[Role]:
        """The roles Kluis knows, sorted; an unknown role name grants nothing."""
        known = {role.value for role in Role}
        return sorted(Role(name) for name in set(self.roles) if name in known)
