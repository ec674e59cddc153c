"""The unit register: who is in the functional unit, in which role, on which credential (DOMAIN R3, R4, R7)."""

from vault.unit._schemas import MemberView, Registration, RegistrationStatus
from vault.unit._service import UnitRegister

__all__ = ["MemberView", "Registration", "RegistrationStatus", "UnitRegister"]
