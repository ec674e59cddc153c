"""The FastAPI application: authenticate → service (decide → audit → decrypt) → render. Nothing else lives here."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from api import problems
from api.auth import Authenticator, KeySource, TrustAnchor, dev_anchor
from api.logging import configure_logging
from api.middleware import BodyLimit, Metrics, RequestContext
from api.routes import ROUTERS
from vault import ConfigurationError, Settings, Vault, VaultError, open_vault

log = structlog.get_logger(__name__)


def trust_anchors(settings: Settings) -> list[TrustAnchor]:
    anchors = []
    if settings.oidc_issuer and settings.oidc_audience:
        if settings.oidc_jwks_file:
            keys = KeySource.from_file(settings.oidc_jwks_file)
        elif settings.oidc_jwks_url:
            keys = KeySource.from_url(settings.oidc_jwks_url)
        else:
            raise ConfigurationError("KLUIS_OIDC_ISSUER needs KLUIS_OIDC_JWKS_URL or KLUIS_OIDC_JWKS_FILE")
        anchors.append(TrustAnchor(settings.oidc_issuer, settings.oidc_audience, keys))
    if settings.dev_mode:
        anchors.append(dev_anchor(settings))  # refuses in production
    if not anchors:
        raise ConfigurationError(
            "no token issuer: set KLUIS_OIDC_ISSUER, _AUDIENCE and _JWKS_FILE or _JWKS_URL "
            "(or KLUIS_DEV_MODE=1 to try Kluis out)"
        )
    return anchors


async def _heartbeat(vault: Vault, seconds: float) -> None:
    """Every few seconds, in a thread: sign a waiting audit head, refresh the policy. A failure is logged and the
    beat goes on (the next request's append signs a due checkpoint anyway)."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(vault.heartbeat)
        except VaultError as exc:
            log.warning("heartbeat_failed", error=exc.code)


def create_app(settings: Settings | None = None, vault: Vault | None = None) -> FastAPI:
    """Build the app. Refuses to start without a token issuer, an initialised database or a non-empty policy.
    The policy stays current through the core's policy store, as for every other process."""
    settings = settings or (vault.settings if vault else Settings())
    configure_logging()
    authenticator = Authenticator(
        trust_anchors(settings), settings.oidc_roles_claim, max_lifetime_seconds=settings.max_token_lifetime_seconds
    )
    running = vault or open_vault(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        beat = asyncio.create_task(_heartbeat(running, settings.audit_checkpoint_seconds))
        try:
            yield
        finally:
            beat.cancel()
            if vault is None:
                running.close()

    app = FastAPI(title="Kluis", version="1", lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.vault = running
    app.state.authenticator = authenticator
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(Metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)  # outermost: every response, even a 413, carries the correlation id
    return app
