"""Test support for the HTTP service: an identity provider of our own (RSA, EC and Ed25519 keys in a JWKS file)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://idp.test/realms/kluis"
AUDIENCE = "kluis-api"


class IdentityProvider:
    def __init__(self, directory: Path) -> None:
        self.keys: dict[str, tuple[str, Any]] = {
            "rsa-1": ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
            "ec-1": ("ES256", ec.generate_private_key(ec.SECP256R1())),
            "ed-1": ("EdDSA", ed25519.Ed25519PrivateKey.generate()),
        }
        self.jwks_file = directory / "jwks.json"
        self.publish()

    def publish(self) -> None:
        entries = []
        for kid, (alg, key) in self.keys.items():
            public = key.public_key()
            algorithm: Any = {"RS256": RSAAlgorithm, "ES256": ECAlgorithm, "EdDSA": OKPAlgorithm}[alg]
            as_jwk = algorithm.to_jwk(public)
            entries.append({**json.loads(as_jwk), "kid": kid, "alg": alg, "use": "sig"})
        self.jwks_file.write_text(json.dumps({"keys": entries}))

    def token(
        self, sub: str, *roles: str, kid: str = "rsa-1", headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        alg, key = self.keys[kid]
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "roles": list(roles), "iat": now, "exp": now + 300}
        body.update(claims)
        return jwt.encode(body, key, algorithm=alg, headers={"kid": kid, **(headers or {})})

    def bearer(self, sub: str, *roles: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub, *roles, **claims)}"}
