"""Releasing a staff account's activation code (decision 0033), as for subject accounts
(``web.api.subject_accounts``): the administrator creates the account with no password;
an officer of the credit authority checks the staff member's identity and releases the
code, shown once in the answer; another administrator does so for an administrator's
account. Nobody releases his own account's code or one he created."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1/staff-accounts", tags=["administration"])


def staff_account_out(user: UserAccount) -> dict[str, Any]:
    organisation = user.organisation
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        # What the officer checks against the organisation's written request: who the
        # holder is, for which organisation and role.
        "role": user.role.value,
        "organisation": organisation.code if organisation else None,
        "organisation_name": organisation.name if organisation else None,
        "active": user.active,
        "awaiting_activation": user.awaiting_activation,
        "code_releaser": accounts.code_releaser(user).value,
        "code_released_by": user.activation_released_by_id,
        "code_released_at": user.activation_released_at.isoformat()
        if user.activation_released_at
        else None,
        "activation_expires_at": user.activation_expires_at.isoformat()
        if user.activation_expires_at
        else None,
        "activated_at": user.activated_at.isoformat() if user.activated_at else None,
    }


@router.get("", responses=refusals(403))
def list_staff_accounts(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The staff accounts whose codes the caller releases, and whether each is activated:
    every staff account but the administrators' for an officer of the credit authority,
    the administrators' for an administrator."""
    return {
        "items": [
            {**staff_account_out(user), "may_release": accounts.may_release_code(actor, user)}
            for user in accounts.list_staff_accounts(session, actor)
        ]
    }


@router.post("/{user_id}/activation-code", status_code=201, responses=refusals(403, 404, 409, 422))
def release_activation_code(
    request: Request,
    response: Response,
    user_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The account's first code, or a new one (a forgotten password): the one before
    stops working, and so do the account's password and every token and page session
    issued to it, until the holder activates it again. The code is in this answer only
    (not stored, not cached)."""
    issued = accounts.issue_activation_code(
        session,
        clock,
        actor,
        user_id,
        days=app_context(request).settings.activation_days,
        account="staff",
    )
    response.headers["Cache-Control"] = "no-store"
    return {
        **staff_account_out(issued.user),
        "activation_code": issued.code,
        "activation_expires_at": issued.expires_at.isoformat(),
    }
