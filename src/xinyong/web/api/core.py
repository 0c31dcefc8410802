"""Health, identifiers, public organisation search and authentication."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from xinyong import identifiers
from xinyong.accounts import service as accounts
from xinyong.subjects import service as subjects
from xinyong.web.deps import (
    ActorDep,
    AuthenticatedActorDep,
    ClockDep,
    SessionDep,
    app_context,
    count_attempt,
)
from xinyong.web.openapi import refusals

router = APIRouter()


@router.get("/healthz", tags=["platform"])
def healthz(session: SessionDep) -> dict[str, str]:
    session.execute(text("SELECT 1"))
    return {"status": "ok"}


class IdentifierErrorOut(BaseModel):
    code: str
    message: str


class IdentifierOut(BaseModel):
    valid: bool
    kind: str | None
    normalised: str | None
    masked: str | None
    error: IdentifierErrorOut | None


@router.get("/api/v1/identifiers/{code}", response_model=IdentifierOut, tags=["identifiers"])
def check_identifier(code: str, clock: ClockDep) -> dict[str, Any]:
    """Validate a unified social credit code or citizen ID number (public; nothing is stored).
    The code travels in the URL, where proxies and browsers keep it: check a citizen ID
    number with ``POST /api/v1/identifiers/check`` instead."""
    return identifiers.check(code, today=clock.today()).as_dict()


class IdentifierIn(BaseModel):
    # Bounded as a body must be, and well above a code pasted with its separators.
    code: str = Field(max_length=100, description="a USCC or a citizen ID number, as typed")


@router.post("/api/v1/identifiers/check", response_model=IdentifierOut, tags=["identifiers"])
def check_identifier_in_body(body: IdentifierIn, clock: ClockDep) -> dict[str, Any]:
    """The same check as ``GET /api/v1/identifiers/{code}``, the code in the body: the form
    for a citizen ID number, which then stays out of URLs, proxies' and browsers' logs and
    histories (as the ``/check-code`` page posts it). Public; nothing is stored or logged."""
    return identifiers.check(body.code, today=clock.today()).as_dict()


class SubjectHitOut(BaseModel):
    code: str
    name: str
    kind: str
    matched_name: str
    score: float
    exact: bool


class SubjectSearchOut(BaseModel):
    items: list[SubjectHitOut]
    more: bool = Field(
        description="more organisations match than are listed (``limit``): refine the search"
    )


@router.get("/api/v1/subjects", response_model=SubjectSearchOut, tags=["subjects"])
def search_subjects(
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="name, former name or code")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Public organisation search: the organisation with the code asked for, or those with
    the name asked for (current or former), first; then the best matches. ``more`` says
    that more organisations match than are listed: refine the search. Natural persons are
    never listed."""
    found = subjects.search_organisations(session, q, limit=limit)
    return {
        "more": found.more,
        "items": [
            {
                "code": hit.subject.public_code,
                "name": hit.subject.name,
                "kind": hit.subject.kind.value,
                "matched_name": hit.matched_name,
                "score": round(hit.score, 1),
                "exact": hit.exact,
            }
            for hit in found.hits
        ],
    }


class TokenOut(BaseModel):
    access_token: str
    token_type: str


@router.post(
    "/api/v1/auth/token", response_model=TokenOut, tags=["auth"], responses=refusals(400, 401, 429)
)
def issue_token(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
) -> dict[str, str]:
    """OAuth2 password flow. Rate-limited per username and per client address."""
    attempt = count_attempt(request, session, "login", username)
    user = accounts.authenticate(session, clock, username, password)
    attempt.succeeded(session)
    return {"access_token": app_context(request).signer.issue(user), "token_type": "bearer"}


@router.post("/api/v1/auth/logout", status_code=204, tags=["auth"], responses=refusals(401, 403))
def log_out(session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep) -> Response:
    """Ends the bearer token presented, and with it every token and page session of the
    account: logging out logs out everywhere, as on the pages (decision 0031 addendum). An
    API key does not log out (403 ``api_key_not_a_session``): the platform administrator
    revokes it."""
    accounts.log_out(session, clock, actor)
    return Response(status_code=204)


class ActivatedOut(BaseModel):
    username: str
    activated_at: str


@router.post(
    "/api/v1/auth/activate",
    response_model=ActivatedOut,
    tags=["auth"],
    responses=refusals(401, 422, 429),
)
def activate_account(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
) -> dict[str, str]:
    """An account's first password (a subject's or a staff member's), set with the one-time code the platform handed
    over (decision 0031); the code is spent. Rate-limited as logging in is."""
    attempt = count_attempt(request, session, "activate", username)
    user = accounts.activate(session, clock, username=username, code=code, password=password)
    attempt.succeeded(session)
    assert user.activated_at is not None
    return {"username": user.username, "activated_at": user.activated_at.isoformat()}


class StandingOut(BaseModel):
    code: str
    message: str
    article: str


class MeOut(BaseModel):
    kind: str
    role: str | None
    organisation_id: int | None
    subject_id: int | None
    label: str
    # A credit service institution outside the active register (Art. 26): every request
    # that collects, queries or reads is refused with this code until it is reinstated.
    standing: StandingOut | None = None


@router.get("/api/v1/me", response_model=MeOut, tags=["auth"])
def who_am_i(actor: AuthenticatedActorDep) -> dict[str, Any]:
    return {
        "kind": actor.kind,
        "role": None if actor.role is None else actor.role.value,
        "organisation_id": actor.organisation_id,
        "subject_id": actor.subject_id,
        "label": actor.label,
        "standing": None
        if actor.standing is None
        else {
            "code": actor.standing.code,
            "message": actor.standing.own_message,
            "article": actor.standing.article,
        },
    }


@router.get("/api/v1/me/account", tags=["auth"], responses=refusals(403))
def own_account(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The caller's own account and its history from the audit trail: created (by the
    administrator, or by the platform operator with the password he set), each activation
    code released and by whom, activated (decisions 0031, 0033). An activation the holder
    did not make shows here."""
    user = accounts.own_account(session, actor)
    return {
        "username": user.username,
        "display_name": accounts.account_label(user),
        "role": user.role.value,
        "organisation": user.organisation.code if user.organisation else None,
        "created_at": user.created_at.isoformat(),
        "activated_at": user.activated_at.isoformat() if user.activated_at else None,
        "history": [
            {
                "occurred_at": event.occurred_at.isoformat(),
                "action": event.action,
                "released_by_organisation": event.released_by_organisation,
                "released_by_name": event.released_by_name,
                "released_at": event.released_at.isoformat() if event.released_at else None,
                "by_operator": event.by_operator,
                "password_set_by_operator": event.password_set_by_operator,
            }
            for event in accounts.account_history(session, actor)
        ],
    }


__all__ = ["ActorDep", "router"]
