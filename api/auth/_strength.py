"""How strongly a token's holder authenticated, from its ``amr`` (RFC 8176) and ``acr`` claims. The policy may
require a minimum; the audit event records what was used."""

from __future__ import annotations

from typing import Any

from vault import AuthStrength

# RFC 8176 methods by the kind of factor they are. Multi-factor means two kinds (something known, held, or inherent)
# or a method that says so itself (mfa, mca); two of one kind (a password and a PIN) are still one factor.
_SAYS_MULTI = frozenset({"mfa", "mca"})
_KNOWN = frozenset({"pwd", "pin", "kba"})
_HELD = frozenset({"otp", "hwk", "swk", "sc", "sms", "tel"})
_INHERENT = frozenset({"fpt", "face", "iris", "retina", "vbm", "bio"})
_KINDS = (_KNOWN, _HELD, _INHERENT)


def auth_strength(claims: dict[str, Any]) -> AuthStrength:
    amr = claims.get("amr")
    methods = {m for m in amr if isinstance(m, str)} if isinstance(amr, list) else set()
    kinds = sum(1 for kind in _KINDS if methods & kind)
    if methods & _SAYS_MULTI or kinds >= 2:
        return AuthStrength.MULTI_FACTOR
    if kinds == 1:
        return AuthStrength.SINGLE_FACTOR
    return AuthStrength.UNKNOWN
