"""The processing register (R45): its entry per category, generated from the running configuration."""

from vault.register._schemas import CategoryEntry, ProcessingRegister, Processor, RetentionLine, SecuritySummary
from vault.register._service import ProcessingRegisterService

__all__ = [
    "CategoryEntry",
    "ProcessingRegister",
    "ProcessingRegisterService",
    "Processor",
    "RetentionLine",
    "SecuritySummary",
]
