"""Break-glass (DOMAIN R37): opening a case without an assignment, for a limited time, on a stated reason, flagged in
every event and reviewed by the security officer."""

from vault.break_glass._schemas import BreakGlassView
from vault.break_glass._service import BreakGlassService

__all__ = ["BreakGlassService", "BreakGlassView"]
