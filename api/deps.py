"""Request dependencies: the running vault and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.auth import AuthenticationFailed, Authenticator, TooManyAttempts, auth_strength
from vault import Actor, Vault


def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


def current_actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    vault = get_vault(request)
    authenticator: Authenticator = request.app.state.authenticator
    client = request.client.host if request.client else None
    request_id = str(request.state.request_id)
    if vault.token_attempts_limited(client):
        vault.refuse_token("rate_limited", client=client, request_id=request_id)
        raise TooManyAttempts()
    try:
        identity = authenticator.authenticate(authorization)
    except AuthenticationFailed as exc:
        vault.refuse_token(exc.reason, client=client, request_id=request_id)
        raise
    responsible = identity.claims.get("responsible_user")
    return Actor(
        user=identity.subject,
        roles=identity.roles,
        organisation=identity.organisation or vault.settings.organisation,
        responsible_user=responsible if isinstance(responsible, str) else None,
        client=client,
        request_id=request_id,
        source_system="kluis-api",
        auth_strength=auth_strength(identity.claims),
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]
VaultDep = Annotated[Vault, Depends(get_vault)]
