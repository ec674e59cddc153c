"""Authentication of HTTP callers: OIDC bearer JWTs (PyJWT) against pinned issuers, and the dev-mode token key."""

from api.auth._dev import dev_anchor, dev_token
from api.auth._jwt import (
    AuthenticationFailed,
    Authenticator,
    Identity,
    KeysNotLoaded,
    KeySource,
    TooManyAttempts,
    TrustAnchor,
    parse_jwks,
)
from api.auth._strength import auth_strength

__all__ = [
    "AuthenticationFailed",
    "Authenticator",
    "Identity",
    "KeySource",
    "KeysNotLoaded",
    "TooManyAttempts",
    "TrustAnchor",
    "auth_strength",
    "dev_anchor",
    "dev_token",
    "parse_jwks",
]
