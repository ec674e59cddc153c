"""Need-to-know assignments per case: their SQL and the assignment service."""

from vault.assignments._schemas import AssignmentView
from vault.assignments._service import AssignmentService

__all__ = ["AssignmentService", "AssignmentView"]
