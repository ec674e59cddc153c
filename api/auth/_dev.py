"""Dev mode (KLUIS_DEV_MODE=1 only): a local Ed25519 key that signs dev tokens, with its own issuer.

The server trusts this key only in dev mode and never in production; the key file lives in the data directory.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK

from api.auth._jwt import KeySource, TrustAnchor
from vault import ConfigurationError, Settings, new_ed25519_jwk

DEV_ISSUER = "kluis-dev"
DEV_KID = "kluis-dev"


def dev_audience(settings: Settings) -> str:
    return settings.oidc_audience or "kluis"


def _require_dev_mode(settings: Settings) -> None:
    if not settings.dev_mode:
        raise ConfigurationError("dev tokens need KLUIS_DEV_MODE=1")
    if settings.environment == "production":
        raise ConfigurationError("dev mode is refused in production")


def _private_jwk(settings: Settings) -> dict[str, Any]:
    path = settings.dev_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        jwk = new_ed25519_jwk()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({**jwk, "kid": DEV_KID, "alg": "EdDSA"}, handle)
    return dict(json.loads(path.read_text()))


def dev_token(
    settings: Settings,
    subject: str,
    roles: list[str],
    *,
    lifetime: int | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    _require_dev_mode(settings)
    jwk = _private_jwk(settings)
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" not in jwk:
        raise ConfigurationError("the dev key file does not hold an Ed25519 private key")
    key = PyJWK.from_dict(jwk, algorithm="EdDSA")
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": dev_audience(settings),
        "sub": subject,
        "roles": roles,
        "iat": now,
        "exp": now + min(lifetime or settings.max_token_lifetime_seconds, settings.max_token_lifetime_seconds),
        **(extra or {}),
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": DEV_KID})


def dev_anchor(settings: Settings) -> TrustAnchor:
    """The dev key's public half as a trust anchor (the private half never leaves the key file)."""
    _require_dev_mode(settings)
    path: Path = settings.dev_key_file
    _private_jwk(settings)

    def load() -> dict[str, Any]:
        private = json.loads(path.read_text())
        public = {k: private[k] for k in ("kty", "crv", "x")}
        return {"keys": [{**public, "kid": DEV_KID, "alg": "EdDSA", "use": "sig"}]}

    return TrustAnchor(DEV_ISSUER, dev_audience(settings), KeySource(load))
