"""Processing agreements (DOMAIN R47): a processor — a volmacht holder, an external medical-advice bureau — acts for
the controller only under a recorded agreement, in the roles it covers, for its period; the privacy officer records
and ends them, and every event of a processor's staff names the processor and the agreement."""

from vault.processors._schemas import AgreementView, NewAgreement
from vault.processors._service import ProcessingAgreements

__all__ = ["AgreementView", "NewAgreement", "ProcessingAgreements"]
