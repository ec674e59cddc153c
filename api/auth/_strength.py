"""How strongly a token's holder authenticated, from its ``amr`` (RFC 8176) and ``acr`` claims. The policy may
require a minimum; the audit event records what was used."""

from __future__ import annotations

from typing import Any

from vault import AuthStrength

# RFC 8176 methods that are a factor beyond a password on their own, or say "several factors".
_MULTI = frozenset({"mfa", "mca", "otp", "hwk", "sc", "fpt", "face", "iris", "retina", "vbm"})
_SINGLE = frozenset({"pwd", "pin", "kba", "swk", "user"})


def auth_strength(claims: dict[str, Any]) -> AuthStrength:
    amr = claims.get("amr")
    methods = {m for m in amr if isinstance(m, str)} if isinstance(amr, list) else set()
    if methods & _MULTI or len(methods & _SINGLE) >= 2:
        return AuthStrength.MULTI_FACTOR
    if methods & _SINGLE:
        return AuthStrength.SINGLE_FACTOR
    return AuthStrength.UNKNOWN
