"""The typed errors of the core. Each is opaque on purpose: the caller learns *that* it failed, the audit log
learns *why*. ``api/`` maps them to problem+json in exactly one place."""

from __future__ import annotations


class VaultError(Exception):
    """Base of every error the core raises on purpose."""

    code = "vault_error"


class InvalidInput(VaultError):
    """The request is malformed; nothing was stored."""

    code = "invalid_input"


class NotFound(VaultError):
    """No such object, or its existence must not be revealed to this caller."""

    code = "not_found"


class Conflict(VaultError):
    """The request contradicts the current state (e.g. a case referred twice); nothing was changed."""

    code = "conflict"


class AccessDenied(VaultError):
    """The policy refused the access. The denial was audited."""

    code = "access_denied"


class DecryptionFailed(VaultError):
    """A ciphertext did not open: wrong key, wrong context or tampering. Never says which."""

    code = "decryption_failed"

    def __init__(self) -> None:
        super().__init__("decryption failed")


class IntegrityViolation(VaultError):
    """The audit log (or another integrity-protected structure) does not verify."""

    code = "integrity_violation"


class AuditUnavailable(VaultError):
    """The audit event could not be committed, so the access did not happen (fail closed)."""

    code = "audit_unavailable"


class PolicyUnavailable(VaultError):
    """The policy is empty or cannot be loaded: every access is refused and the service must not start."""

    code = "policy_unavailable"


class KeyUnavailable(VaultError):
    """Key material is missing, destroyed (crypto-shredded) or exhausted."""

    code = "key_unavailable"


class ConfigurationError(VaultError):
    """The configuration is unsafe or incomplete for the chosen environment."""

    code = "configuration_error"


class Erased(VaultError):
    """A lawful state, not a failure: the data were erased (their data key destroyed). The attempt was audited."""

    code = "erased"


class Restricted(VaultError):
    """A lawful state, not a failure: the subject's data are restricted (art. 18): stored, not processed, unless an
    exception covers the purpose. The attempt was audited."""

    code = "restricted"


class ConsentRequired(VaultError):
    """A lawful state, not a failure: the operation needs a valid consent on file, and there is none."""

    code = "consent_required"
