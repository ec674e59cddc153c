"""Bearer-token authentication: OIDC JWTs verified with PyJWT against pinned issuers, audiences and keys.

Hardening beyond jwt.decode: the algorithm allow-list is fixed (RS256, ES256, EdDSA) and must equal the algorithm
of the key chosen by ``kid``; symmetric JWKs are never loaded (so a public key can never become an HMAC secret);
tokens carrying ``jku``, ``x5u``, ``x5c`` or an embedded ``jwk`` are refused; the issuer is passed as a list (a plain
string matched partially in PyJWT 2.10.0). Keys come from a JWKS file or URL; an unknown ``kid`` triggers at most one
refresh a minute. In dev mode only, a local dev key with its own issuer is trusted as well.

A token that verified is remembered for at most VERIFIED_TTL_SECONDS (and never past its ``exp``): clients send
the same token with every request for its lifetime, and checking its signature again each time costs more than the
vault's decision. Only tokens that verified are remembered (a flood of bad ones fills nothing), the cache is
bounded, and a key withdrawn from the JWKS stops being honoured within the TTL.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK

ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
_ASYMMETRIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})
_FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "x5c", "jwk"})
REFRESH_INTERVAL_SECONDS = 60.0
LOAD_WAIT_SECONDS = 10.0  # how long a caller waits for a JWKS load another caller started
MAX_TOKEN_CHARS = 16_384
VERIFIED_TTL_SECONDS = 30.0
VERIFIED_MAX_ENTRIES = 4096


class AuthenticationFailed(Exception):
    """The token is missing or not acceptable. ``reason`` is a short code for the audit log, never token content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooManyAttempts(Exception):
    """This source had too many refused tokens lately; it is refused without looking at its token (429)."""


class KeysNotLoaded(Exception):
    """The token's key is not cached and loading it would read a file or fetch a URL: authenticate again where
    blocking is allowed (in a worker thread, not in the event loop)."""


@dataclass(frozen=True, slots=True)
class Identity:
    subject: str
    roles: tuple[str, ...]
    organisation: str | None
    claims: dict[str, Any]
    processor: str | None = None  # the processor the holder works for (R47); the issuer's configuration vouches


def parse_jwks(document: dict[str, Any]) -> dict[str, PyJWK]:
    """Asymmetric keys with a kid and an allowed algorithm, by kid. Everything else is ignored, never trusted."""
    keys: dict[str, PyJWK] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict) or entry.get("kty") not in _ASYMMETRIC_KEY_TYPES or "kid" not in entry:
            continue
        try:
            key = PyJWK.from_dict(entry)
        except jwt.PyJWTError:
            continue
        if key.algorithm_name in ALLOWED_ALGORITHMS:
            keys[str(entry["kid"])] = key
    return keys


class KeySource:
    """A JWKS from a file or URL, cached; refreshed on an unknown kid at most once per interval."""

    def __init__(self, load: Callable[[], dict[str, Any]], clock: Callable[[], float] = time.monotonic) -> None:
        self._load = load
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at: float | None = None
        self._loading: threading.Event | None = None  # set when the load under way has finished
        self._loading_since = 0.0

    @classmethod
    def from_file(cls, path: Path) -> KeySource:
        return cls(lambda: json.loads(path.read_text()))

    @classmethod
    def from_url(cls, url: str, timeout: float = 5.0) -> KeySource:
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ValueError("the JWKS URL must use https")

        return cls(lambda: _fetch_jwks(url, timeout))

    def key(self, kid: str, *, may_load: bool = True) -> PyJWK | None:
        """The key for ``kid``, loading the JWKS when it is unknown (at most once per interval). The load runs
        outside the lock, so a slow JWKS server never holds up callers that find their key cached; callers that
        need the key while a load is under way wait for that load (a fresh worker's first burst of requests would
        otherwise be refused as unknown_kid); with ``may_load=False`` (the event loop) this never blocks:
        KeysNotLoaded where a load would be needed or is under way."""
        with self._lock:
            keys = self._keys
            now = self._clock()
            loading = self._loading
            if kid in keys:
                return keys[kid]
            if loading is not None and now - self._loading_since > LOAD_WAIT_SECONDS:
                loading = None  # a load that never finished (a hung loader): given up, the next caller loads anew
            due = loading is None and (self._loaded_at is None or now - self._loaded_at >= REFRESH_INTERVAL_SECONDS)
            if not due and loading is None:
                return None  # unknown, and the JWKS was loaded within the interval
            if not may_load:
                raise KeysNotLoaded()
            if due:
                self._loaded_at = self._loading_since = now  # one load per interval, even with many callers
                loading = self._loading = threading.Event()
                mine = True
            else:
                mine = False
        assert loading is not None
        if not mine:
            loading.wait(LOAD_WAIT_SECONDS)
            with self._lock:
                return self._keys.get(kid)
        loaded: dict[str, PyJWK] | None = None
        try:
            # keep the keys we had and the kid stays unknown, whatever is wrong with the document
            with contextlib.suppress(
                OSError, ValueError, TypeError, AttributeError, http.client.HTTPException, jwt.PyJWTError
            ):
                loaded = parse_jwks(self._load())
        finally:
            with self._lock:
                if self._loading is loading:  # a load given up (and perhaps followed by another) changes nothing
                    if loaded is not None:
                        self._keys = loaded
                    self._loading = None
                found = self._keys.get(kid)
            loading.set()
        return found


def _fetch_jwks(url: str, timeout: float) -> dict[str, Any]:
    """GET the JWKS within ``timeout`` overall: the connection is cut when it runs out, whatever part of the answer
    (status line, headers, chunk sizes, body) a server is trickling, so no thread stays behind in it. No redirects."""
    parts = urllib.parse.urlsplit(url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    opened: list[socket.socket] = []  # the connection drops its socket once the answer says it will close
    cut = threading.Timer(timeout, _cut, args=(connection, opened))
    cut.daemon = True
    cut.start()
    try:
        connection.connect()
        if connection.sock is not None:
            opened.append(connection.sock)
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Accept": "*/*"})
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"the JWKS URL answered {response.status}")
        body = response.read((1 << 20) + 1)
        if len(body) > 1 << 20:
            raise OSError("the JWKS is too large")
        return dict(json.loads(body))
    finally:
        cut.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection, opened: list[socket.socket]) -> None:
    """Shut the socket under a read that is still waiting: it returns at once, and the load fails."""
    for sock in [*opened, connection.sock]:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class TrustAnchor:
    """One issuer, its audience and where its keys come from."""

    issuer: str
    audience: str
    keys: KeySource


class Authenticator:
    def __init__(
        self,
        anchors: list[TrustAnchor],
        roles_claim: str = "roles",
        max_lifetime_seconds: int = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not anchors:
            raise ValueError("no token issuer configured")
        self._anchors = anchors
        self._roles_claim = roles_claim
        self._max_lifetime = max_lifetime_seconds
        self._clock = clock
        self._verified: OrderedDict[str, tuple[float, Identity]] = OrderedDict()  # token -> (valid until, who)
        self._verified_lock = threading.Lock()

    def authenticate(self, authorization: str | None, *, may_load: bool = True) -> Identity:
        """The identity a valid bearer token proves, or AuthenticationFailed with its reason code. With
        ``may_load=False`` it never blocks: KeysNotLoaded where the keys would have to be (re)loaded first."""
        token = _bearer(authorization)
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationFailed("malformed_token") from None
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise AuthenticationFailed("algorithm_not_allowed")
        if _FORBIDDEN_HEADERS & header.keys():
            raise AuthenticationFailed("key_reference_in_header")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationFailed("no_kid")
        for anchor in self._anchors:
            key = anchor.keys.key(kid, may_load=may_load)
            if key is not None:
                identity = self._verify(token, header["alg"], key, anchor)
                self._remember(token, identity)
                return identity
        raise AuthenticationFailed("unknown_kid")

    def _remembered(self, token: str) -> Identity | None:
        with self._verified_lock:
            found = self._verified.get(token)
            if found is None:
                return None
            if self._clock() >= found[0]:
                del self._verified[token]
                return None
            return found[1]

    def _remember(self, token: str, identity: Identity) -> None:
        until = min(float(identity.claims["exp"]), self._clock() + VERIFIED_TTL_SECONDS)
        with self._verified_lock:
            self._verified[token] = (until, identity)
            self._verified.move_to_end(token)
            while len(self._verified) > VERIFIED_MAX_ENTRIES:
                self._verified.popitem(last=False)

    def _verify(self, token: str, alg: str, key: PyJWK, anchor: TrustAnchor) -> Identity:
        if key.algorithm_name != alg:
            raise AuthenticationFailed("algorithm_key_mismatch")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=anchor.audience,
                issuer=[anchor.issuer],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationFailed("not_yet_valid") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationFailed("wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationFailed("wrong_issuer") from None
        except jwt.PyJWTError:
            raise AuthenticationFailed("invalid_token") from None
        self._check_times(claims)
        roles = claims.get(self._roles_claim, [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise AuthenticationFailed("malformed_roles")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject or len(subject) > 128:
            raise AuthenticationFailed("malformed_subject")
        organisation = claims.get("org")
        if organisation is not None and (not isinstance(organisation, str) or not organisation):
            raise AuthenticationFailed("malformed_organisation")  # never read as "no claim", the home organisation
        processor = claims.get("processor")
        if processor is not None and (not isinstance(processor, str) or not processor):
            raise AuthenticationFailed("malformed_processor")  # never read as "no claim": the controller's own staff
        return Identity(subject, tuple(roles), organisation, claims, processor)

    def _check_times(self, claims: dict[str, Any]) -> None:
        """exp, iat (and nbf if present) must be JSON numbers, not strings PyJWT would coerce, and the token may
        live at most the configured lifetime: from its issue and from now (an exp far ahead is refused)."""
        for name in ("exp", "iat", "nbf"):
            if name in claims and not _is_number(claims[name]):
                raise AuthenticationFailed("malformed_times")
        exp, iat = float(claims["exp"]), float(claims["iat"])
        if exp - iat > self._max_lifetime or exp - self._clock() > self._max_lifetime:
            raise AuthenticationFailed("lifetime_too_long")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed("no_token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
        raise AuthenticationFailed("no_token")
    return token.strip()
