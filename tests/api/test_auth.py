"""Authentication attacks: every one is refused with 401 and leaves an audit event; good tokens pass."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from api.app import create_app
from api.auth import auth_strength
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, make_settings
from tests.harness import Harness, open_harness
from vault import AuthStrength, Settings, initialise


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> IdentityProvider:
    return IdentityProvider(tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, idp: IdentityProvider) -> Iterator[tuple[TestClient, Harness]]:
    directory = tmp_path_factory.mktemp("auth")
    settings = make_settings(
        directory,
        f"sqlite:///{directory / 'k.db'}",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        refused_token_interval_seconds=1e-6,  # every refusal its own interval: one event each, never limited
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault)) as client:
        yield client, kluis
    kluis.close()


def _b64(data: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(idp: IdentityProvider) -> str:
    claims = jwt.decode(idp.token("mallory", "medical_adviser"), options={"verify_signature": False})
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_b64(claims)}."


def _hmac_with_public_key(idp: IdentityProvider) -> str:
    # The classic confusion: sign HS256 with the RSA *public* key as the secret.
    public_pem = (
        idp.keys["rsa-1"][1]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "mallory",
        "roles": ["medical_adviser"],
        "iat": now,
        "exp": now + 300,
    }
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    import hashlib
    import hmac

    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _foreign_key_same_kid(idp: IdentityProvider) -> str:
    mallory = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    return jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "roles": ["medical_adviser"], "iat": now, "exp": now + 300},
        mallory,
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )


def _embedded_jwk(idp: IdentityProvider) -> str:
    mallory = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(mallory.public_key()))
    now = int(time.time())
    return jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "roles": ["medical_adviser"], "iat": now, "exp": now + 300},
        mallory,
        algorithm="RS256",
        headers={"kid": "rsa-1", "jwk": jwk},
    )


ATTACKS: dict[str, Callable[[IdentityProvider], str | None]] = {
    "no-token": lambda idp: None,
    "not-bearer": lambda idp: "Basic bWFsbG9yeTpzZWNyZXQ=",
    "garbage": lambda idp: "Bearer not.a.jwt",
    "alg-none": lambda idp: f"Bearer {_unsigned(idp)}",
    "hmac-with-public-key": lambda idp: f"Bearer {_hmac_with_public_key(idp)}",
    "jku-header": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', headers={'jku': 'https://evil.test/k'})}",
    "x5u-header": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', headers={'x5u': 'https://evil.test/c'})}",
    "embedded-jwk": lambda idp: f"Bearer {_embedded_jwk(idp)}",
    "foreign-key-same-kid": lambda idp: f"Bearer {_foreign_key_same_kid(idp)}",
    "unknown-kid": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', headers={'kid': 'nope'})}",
    "expired": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', exp=int(time.time()) - 60)}",
    "not-yet-valid": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', nbf=int(time.time()) + 600)}",
    "wrong-audience": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', aud='other-api')}",
    "wrong-issuer": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', iss='https://evil.test')}",
    "issuer-prefix": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', iss=ISSUER[:-2])}",
    "issuer-extended": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', iss=ISSUER + '-evil')}",
    "no-exp": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', exp=None)}",
    "exp-as-string": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', exp=str(int(time.time()) + 60))}",
    "iat-as-string": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', iat=str(int(time.time())))}",
    "exp-far-ahead": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', exp=int(time.time()) + 10**20)}",
    "lifetime-over-an-hour": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', exp=int(time.time()) + 7200)}",
    "organisation-as-list": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', org=['other-insurer'])}",
    "organisation-empty": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', org='')}",
    "organisation-not-configured": lambda idp: f"Bearer {idp.token('m', 'medical_adviser', org='other-insurer')}",
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_is_refused_with_401_and_audited(
    service: tuple[TestClient, Harness], idp: IdentityProvider, attack: str
) -> None:
    client, kluis = service
    authorization = ATTACKS[attack](idp)
    headers = {"Authorization": authorization} if authorization else {}
    before = _auth_events(kluis)
    response = client.get("/v1/cases/CLAIM-1?purpose=claim_assessment", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert _auth_events(kluis) == before + 1


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1", "ed-1"])
def test_tokens_signed_with_each_allowed_algorithm_are_accepted(
    service: tuple[TestClient, Harness], idp: IdentityProvider, kid: str
) -> None:
    client, _ = service
    token = idp.token("sara", "security_officer", kid=kid)
    response = client.get("/v1/audit/events?limit=1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_dev_tokens_are_not_trusted_outside_dev_mode(service: tuple[TestClient, Harness], tmp_path: Path) -> None:
    from api.auth import dev_token

    client, _ = service
    dev = Settings(data_dir=tmp_path, dev_mode=True)
    token = dev_token(dev, "x", ["security_officer"])
    response = client.get("/v1/audit/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_dev_mode_is_refused_in_production(tmp_path: Path) -> None:
    from vault import ConfigurationError

    settings = Settings(data_dir=tmp_path, dev_mode=True, environment="production")
    with pytest.raises(ConfigurationError):
        create_app(settings)


def test_service_refuses_to_start_without_a_token_issuer(tmp_path: Path) -> None:
    from vault import ConfigurationError

    with pytest.raises(ConfigurationError):
        create_app(Settings(data_dir=tmp_path))


def test_unknown_kid_refreshes_the_jwks_at_most_once_a_minute() -> None:
    from api.auth import KeySource

    loads: list[int] = []
    now = [1000.0]

    def load() -> dict[str, Any]:
        loads.append(1)
        return {"keys": []}

    source = KeySource(load, clock=lambda: now[0])
    for _ in range(20):
        assert source.key("missing") is None
    assert len(loads) == 1
    now[0] += 61
    source.key("missing")
    assert len(loads) == 2


def test_callers_arriving_while_the_jwks_loads_wait_for_it_instead_of_being_refused(idp: IdentityProvider) -> None:
    """A fresh worker's first burst of requests: one caller loads the keys, the others wait for that load (they
    were refused as unknown_kid, found by the HTTP benchmark)."""
    import threading

    from api.auth import KeySource

    document = json.loads(idp.jwks_file.read_text())
    started, loads = threading.Event(), []

    def slow_load() -> dict[str, Any]:
        loads.append(1)
        started.set()
        time.sleep(0.3)
        return dict(document)

    source = KeySource(slow_load)
    found: list[object] = []
    callers = [threading.Thread(target=lambda: found.append(source.key("rsa-1"))) for _ in range(8)]
    callers[0].start()
    assert started.wait(5)
    for caller in callers[1:]:
        caller.start()
    for caller in callers:
        caller.join(10)
    assert len(loads) == 1 and len(found) == 8 and all(key is not None for key in found)


def test_a_hung_jwks_load_is_given_up_and_does_not_hold_later_callers(idp: IdentityProvider) -> None:
    """A load that never returns (a stuck loader) no longer makes every later caller wait for it: after the wait
    limit they are answered at once, and the next interval loads anew."""
    import threading

    from api.auth import KeySource

    document = json.loads(idp.jwks_file.read_text())
    release, calls = threading.Event(), []
    now = [1000.0]

    def load() -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            release.wait(30)  # the first load hangs until the test lets it go
            return {"keys": []}
        return dict(document)

    source = KeySource(load, clock=lambda: now[0])
    stuck = threading.Thread(target=lambda: source.key("rsa-1"))
    stuck.start()
    while not calls:
        time.sleep(0.01)
    now[0] += 11  # past the wait limit: the load under way is given up
    assert source.key("rsa-1") is None  # answered at once (unknown_kid), not after another wait
    assert source.key("rsa-1", may_load=False) is None  # the event loop is not sent to a thread for it either
    now[0] += 60  # the next interval: a fresh load finds the key
    assert source.key("rsa-1") is not None and len(calls) == 2
    release.set()
    stuck.join(10)
    assert source.key("rsa-1") is not None  # the hung load ending late does not undo the fresh one


def test_a_jwks_url_that_trickles_bytes_is_abandoned_at_the_deadline() -> None:
    import socket
    import threading

    from api.auth import KeySource

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            while not stop.is_set():  # one byte every 0.1 s: each read is within the socket timeout, forever
                with contextlib.suppress(OSError):
                    connection.sendall(b" ")
                time.sleep(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        source = KeySource.from_url(f"http://127.0.0.1:{port}/jwks", timeout=0.5)
        assert source.key("rsa-1") is None  # given up at the deadline: unknown_kid, not a request held forever
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.mark.parametrize("document", [{"keys": 5}, {"keys": None}, {"keys": [{"kty": "RSA", "kid": "x", "n": 1}]}])
def test_a_malformed_jwks_leaves_the_kid_unknown(document: dict[str, Any]) -> None:
    from api.auth import KeySource

    assert KeySource(lambda: document).key("x") is None  # refused as unknown_kid, never a 500


def test_symmetric_keys_in_a_jwks_are_never_loaded() -> None:
    from api.auth import parse_jwks

    keys = parse_jwks({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"}]})
    assert keys == {}


def _auth_event_bodies(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        bodies = [json.loads(bytes(b)) for b in rows]
    return [b for b in bodies if b["event_type"] == "auth.token"]


def _auth_events(kluis: Harness) -> int:
    with kluis.sessions() as session:
        return int(session.scalar(sa.text("SELECT count(*) FROM audit_events WHERE event_type = 'auth.token'")) or 0)


def test_refused_tokens_are_aggregated_per_source_and_then_rate_limited(tmp_path: Path, idp: IdentityProvider) -> None:
    settings = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'k.db'}",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        refused_token_interval_seconds=3600,
        refused_token_limit=30,
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    statuses = []
    with TestClient(create_app(settings, kluis.vault)) as client:
        for _ in range(600):
            response = client.get("/v1/cases/C?purpose=claim_assessment", headers={"Authorization": "Bearer x.y.z"})
            statuses.append(response.status_code)
        good = client.get("/v1/audit/events?limit=1", headers=idp.bearer("sara", "security_officer"))
        assert good.status_code == 429  # the source is limited for the interval, whatever it presents
        assert good.headers["retry-after"] == "3600"
        during = _auth_event_bodies(kluis)
    kluis.close()  # flushes the counted refusals
    after = _auth_event_bodies(kluis)
    assert statuses[:31] == [401] * 31 and set(statuses[31:]) == {429}
    assert len(during) == 2  # the first malformed token and the first rate-limited attempt
    assert sum(e["count"] for e in after) == 601 and len(after) <= 4


# -- remembering verified tokens --------------------------------------------------------------------------------
def _authenticator(idp: IdentityProvider, now: list[float]) -> Any:
    from api.auth import Authenticator, KeySource, TrustAnchor

    anchor = TrustAnchor(ISSUER, AUDIENCE, KeySource.from_file(idp.jwks_file))
    return Authenticator([anchor], clock=lambda: now[0])


def _counting_decode(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = jwt.decode

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    return calls


def test_a_verified_token_is_remembered_for_a_short_while_only(
    idp: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.auth._jwt import VERIFIED_TTL_SECONDS

    now = [time.time()]
    calls = _counting_decode(monkeypatch)
    authenticator = _authenticator(idp, now)
    token = f"Bearer {idp.token('dr.a', 'medical_adviser')}"
    first = authenticator.authenticate(token)
    assert authenticator.authenticate(token) == first and len(calls) == 1  # the signature checked once
    now[0] += VERIFIED_TTL_SECONDS
    assert authenticator.authenticate(token).subject == "dr.a" and len(calls) == 2  # checked again after the TTL


def test_a_token_is_never_remembered_past_its_exp(idp: IdentityProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [time.time()]
    calls = _counting_decode(monkeypatch)
    authenticator = _authenticator(idp, now)
    token = f"Bearer {idp.token('dr.a', 'medical_adviser', exp=int(now[0]) + 5)}"
    authenticator.authenticate(token)
    now[0] += 6  # within the TTL, past exp: verified again (PyJWT, on the real clock, then decides on exp)
    authenticator.authenticate(token)
    assert len(calls) == 2


def test_refused_tokens_are_never_remembered(idp: IdentityProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.auth import AuthenticationFailed

    now = [time.time()]
    calls = _counting_decode(monkeypatch)
    authenticator = _authenticator(idp, now)
    token = f"Bearer {idp.token('dr.a', 'medical_adviser', aud='someone-else')}"
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            authenticator.authenticate(token)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("amr", "strength"),
    [
        (["pwd", "otp"], AuthStrength.MULTI_FACTOR),  # something known and something held
        (["hwk", "fpt"], AuthStrength.MULTI_FACTOR),
        (["mfa"], AuthStrength.MULTI_FACTOR),  # the IdP says so itself
        (["pwd", "pin"], AuthStrength.SINGLE_FACTOR),  # two things known are one factor
        (["pwd", "kba"], AuthStrength.SINGLE_FACTOR),
        (["otp"], AuthStrength.SINGLE_FACTOR),  # a held factor alone
        (["face"], AuthStrength.SINGLE_FACTOR),
        (["pwd"], AuthStrength.SINGLE_FACTOR),
        ([], AuthStrength.UNKNOWN),
        ("mfa", AuthStrength.UNKNOWN),  # not a list: nothing to go on
        (["made-up"], AuthStrength.UNKNOWN),
    ],
)
def test_multi_factor_means_two_kinds_of_factor(amr: Any, strength: AuthStrength) -> None:
    assert auth_strength({"amr": amr}) is strength
