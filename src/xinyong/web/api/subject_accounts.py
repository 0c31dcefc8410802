"""Releasing a subject account's activation code (decision 0031 addendum): an officer of the
credit authority checks the subject's identity at the counter and hands over the code shown
here once. The platform administrator creates the account but never sees its code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.subjects.models import Subject
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1/subject-accounts", tags=["administration"])


def subject_account_out(session: Session, user: UserAccount) -> dict[str, Any]:
    subject = session.get(Subject, user.subject_id) if user.subject_id else None
    return {
        "id": user.id,
        "username": user.username,
        "display_name": accounts.account_label(user),
        # What the officer checks the subject's identity against: the name and the public
        # code (a USCC, or a citizen ID masked).
        "subject_name": subject.name if subject else None,
        "subject_code": subject.public_code if subject else None,
        "active": user.active,
        "awaiting_activation": user.awaiting_activation,
        "activation_expires_at": user.activation_expires_at.isoformat()
        if user.activation_expires_at
        else None,
        "activated_at": user.activated_at.isoformat() if user.activated_at else None,
    }


@router.get("", responses=refusals(403))
def list_subject_accounts(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """Subject accounts and whether each is activated, for the officer who releases codes."""
    return {
        "items": [
            subject_account_out(session, user)
            for user in accounts.list_subject_accounts(session, actor)
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
    """The account's first code, or a new one: the one before stops working, and so do the
    account's password and every token and page session issued to it, until the subject
    activates it again. The code is in this answer only (not stored, not cached)."""
    issued = accounts.issue_activation_code(
        session, clock, actor, user_id, days=app_context(request).settings.activation_days
    )
    response.headers["Cache-Control"] = "no-store"
    return {
        **subject_account_out(session, issued.user),
        "activation_code": issued.code,
        "activation_expires_at": issued.expires_at.isoformat(),
    }
