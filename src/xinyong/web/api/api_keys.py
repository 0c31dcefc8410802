"""An organisation's own API keys (decision 0033): the administrator registers a key with
no secret (``POST /api/v1/admin/api-keys``); a staff member of the organisation who holds
the key's role releases its secret here, shown once, to install in the system."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from xinyong.accounts import api_keys
from xinyong.web.api.accounts import key_out
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1/api-keys", tags=["administration"])


@router.get("", responses=refusals(403))
def list_own_keys(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The keys of the caller's organisation, and which of them the caller may release
    (those of the caller's own role awaiting release)."""
    return {
        "items": [
            {**key_out(key), "may_release": api_keys.may_release(actor, key)}
            for key in api_keys.organisation_keys(session, actor)
        ]
    }


@router.post("/{key_id}/secret", status_code=201, responses=refusals(403, 404, 409))
def release_secret(
    response: Response,
    key_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The key's secret, once, here (not stored, not cached): to a staff member of the
    key's organisation who holds its role. A key is released once; a lost secret means a
    new key."""
    key, secret = api_keys.release_api_key(session, clock, actor, key_id)
    response.headers["Cache-Control"] = "no-store"
    return {**key_out(key), "secret": secret}
