"""Key access: the proof a caller must present to get raw key material out of a provider (Tink's SecretKeyAccess).

There is exactly one ``KEY_ACCESS``. Only the access package (to unwrap data keys for a grant) and bootstrap (to give
the audit log its signer) may import this module — an import-linter ``protected`` contract — so holding a provider
object is not enough to unwrap a data key, rotate a KEK or sign a checkpoint.
"""

from __future__ import annotations

from typing import Final

_MINT = object()


class KeyAccess:
    __slots__ = ()

    def __init__(self, mint: object) -> None:
        if mint is not _MINT:
            raise TypeError("key access is granted by vault.keys only")

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("key access cannot be pickled")

    def __repr__(self) -> str:
        return "KeyAccess()"


KEY_ACCESS: Final = KeyAccess(_MINT)


def require(access: object) -> None:
    """Refuse anything but the one key access."""
    if access is not KEY_ACCESS:
        raise PermissionError("raw key material needs key access")
