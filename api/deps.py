"""Request dependencies: the running vault and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.auth import AuthenticationFailed, Authenticator
from api.policy_refresh import PolicyRefresher
from vault.audit_event import Actor
from vault.bootstrap import Kluis
from vault.service import Vault


def get_kluis(request: Request) -> Kluis:
    kluis: Kluis = request.app.state.kluis
    return kluis


def get_vault(request: Request) -> Vault:
    return get_kluis(request).vault


def current_actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    kluis = get_kluis(request)
    refresher: PolicyRefresher = request.app.state.policy_refresher
    refresher.maybe_refresh()
    authenticator: Authenticator = request.app.state.authenticator
    client = request.client.host if request.client else None
    request_id = str(request.state.request_id)
    try:
        identity = authenticator.authenticate(authorization)
    except AuthenticationFailed as exc:
        kluis.vault.record_authentication_failure(kluis.settings.organisation, exc.reason, client, request_id)
        raise
    responsible = identity.claims.get("responsible_user")
    return Actor(
        user=identity.subject,
        roles=identity.roles,
        organisation=identity.organisation or kluis.settings.organisation,
        responsible_user=responsible if isinstance(responsible, str) else None,
        client=client,
        request_id=request_id,
        source_system="kluis-api",
    )


CurrentActor = Annotated[Actor, Depends(current_actor)]
VaultDep = Annotated[Vault, Depends(get_vault)]
KluisDep = Annotated[Kluis, Depends(get_kluis)]
