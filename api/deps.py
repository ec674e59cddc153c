"""Request dependencies: the running vault and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from api.auth import AuthenticationFailed, Authenticator, KeysNotLoaded, TooManyAttempts, auth_strength
from vault import Actor, Vault


async def get_vault(request: Request) -> Vault:  # async: no worker-thread hop for an attribute read
    vault: Vault = request.app.state.vault
    return vault


async def current_actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """Who is calling. A cached key's signature check is CPU work and runs in the event loop (a thread hop costs
    more than it); loading keys and auditing a refusal touch files, the network or the database, so run in a
    worker thread."""
    vault = await get_vault(request)
    authenticator: Authenticator = request.app.state.authenticator
    client = request.client.host if request.client else None
    request_id = str(request.state.request_id)
    if vault.token_attempts_limited(client):
        await run_in_threadpool(vault.refuse_token, "rate_limited", client=client, request_id=request_id)
        raise TooManyAttempts()
    try:
        try:
            identity = authenticator.authenticate(authorization, may_load=False)
        except KeysNotLoaded:
            identity = await run_in_threadpool(authenticator.authenticate, authorization)
    except AuthenticationFailed as exc:
        await run_in_threadpool(vault.refuse_token, exc.reason, client=client, request_id=request_id)
        raise
    organisation = identity.organisation or vault.settings.organisation
    if organisation not in vault.settings.token_organisations:  # R47: configuration decides, not the token
        await run_in_threadpool(vault.refuse_token, "organisation_not_allowed", client=client, request_id=request_id)
        raise AuthenticationFailed("organisation_not_allowed")
    if identity.processor is not None and identity.processor not in vault.settings.oidc_processors:
        await run_in_threadpool(vault.refuse_token, "processor_not_allowed", client=client, request_id=request_id)
        raise AuthenticationFailed("processor_not_allowed")
    return Actor(
        user=identity.subject,
        roles=identity.roles,
        organisation=organisation,
        processor=identity.processor,  # acts only under a live processing agreement (vault/access/_standing.py)
        # responsible_user is never taken from the token: the unit register names it (vault/access/_standing.py)
        client=client,
        request_id=request_id,
        source_system="kluis-api",
        auth_strength=auth_strength(identity.claims),
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]
VaultDep = Annotated[Vault, Depends(get_vault)]
