"""The breach register (R46): every breach, its deadline, risk, notifications and key-state protection."""

from vault.breaches._schemas import BreachChange, BreachView, CategoryProtection, NewBreach
from vault.breaches._service import AUTHORITY_DEADLINE, BreachRegister

__all__ = ["AUTHORITY_DEADLINE", "BreachChange", "BreachRegister", "BreachView", "CategoryProtection", "NewBreach"]
