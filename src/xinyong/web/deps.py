"""Request dependencies: the unit of work, the clock, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import ANONYMOUS_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.errors import (
    ConcealedRefusal,
    DomainError,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
)
from xinyong.ratelimit import SharedAttemptLimiter, SlidingWindowLimiter
from xinyong.web.context import AppContext


def app_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent.

    A refused access is rolled back with everything else the request did, and then
    recorded on its own, so refusals are audited even though their request failed.
    """
    context = app_context(request)
    session = context.session_factory()
    request.state.session = session
    try:
        # Begun at once: the process's keys compared with the keys of record before the
        # request computes anything under them (``db.session.make_session_factory``).
        session.connection()
        yield session
        session.commit()
    except (PermissionDenied, NotAuthenticated, RateLimited, ConcealedRefusal) as refusal:
        settle_refusal(request, session, refusal)
        raise
    except DomainError as failure:
        settle_failure(session, failure)
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def settle_refusal(
    request: Request,
    session: Session,
    refusal: PermissionDenied | NotAuthenticated | RateLimited | ConcealedRefusal,
) -> None:
    """Roll back what the refused request did, then record the refusal (the audit trail,
    and for a refused read the subject's access log, witnessed by the refusal's event:
    ``record_refusal``) and what else must outlive it (``aftermath``), and commit that: at
    the boundary for a refusal that propagates, or in a page that shows it beside its form."""
    context = app_context(request)
    session.rollback()
    actor: Actor = getattr(request.state, "actor", ANONYMOUS_ACTOR)
    details = {
        "code": refusal.code,
        "route": _route_path(request),
        "method": request.method,
        "article": refusal.article,
    }
    if isinstance(refusal, RateLimited) and refusal.reported_before:
        # One audited refusal a window for each rate-limited key, not one a request.
        pass
    elif refusal.code == "bad_credentials":  # failed logins are audited by the service
        _record_failed_login(session, context, request)
    elif refusal.record_refusal is not None:
        # A refused read: its one event also witnesses the subject's log entry of it.
        refusal.record_refusal(session, details)
    else:
        audit.record(
            session,
            context.clock,
            actor.audit(),
            "access.refused",
            outcome="refused",
            details=details,
        )
    if refusal.aftermath is not None:
        refusal.aftermath(session)
    session.commit()


def settle_failure(session: Session, failure: DomainError) -> None:
    """Roll back what a failed request did, keeping what must outlive it (the error's
    ``aftermath``, e.g. the audit of a failed lookup by ID number), committed alone. A
    refused read shown as a form's failure is still recorded (``record_refusal``: its
    audit event and the subject's log entry), with what the error says of it."""
    session.rollback()
    if failure.record_refusal is None and failure.aftermath is None:
        return
    if failure.record_refusal is not None:
        failure.record_refusal(session, {"code": failure.code, "article": failure.article})
    if failure.aftermath is not None:
        failure.aftermath(session)
    session.commit()


def _route_path(request: Request) -> str:
    # The route template, not the URL: a URL may carry a subject's code.
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def _record_failed_login(session: Session, context: AppContext, request: Request) -> None:
    audit.record(
        session,
        context.clock,
        audit.ANONYMOUS,
        "auth.login",
        outcome="refused",
        details={"reason": "bad_credentials", "route": request.url.path},
    )


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_clock(request: Request) -> Clock:
    return app_context(request).clock


ClockDep = Annotated[Clock, Depends(get_clock)]


def current_actor(request: Request, session: SessionDep) -> Actor:
    """Bearer token or API key for the API; the signed session cookie for pages."""
    context = app_context(request)
    actor = ANONYMOUS_ACTOR
    authorization = request.headers.get("authorization", "")
    api_key = request.headers.get("x-api-key")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
        if token.startswith("xy_"):
            actor = api_keys.actor_for_api_key(session, token)
        else:
            claims = context.signer.claims(token)
            user = accounts.active_user(
                session, claims.user_id, credentials_version=claims.credentials_version
            )
            actor = accounts.actor_for_user(user)
    elif api_key:
        actor = api_keys.actor_for_api_key(session, api_key)
    elif (
        # The API takes tokens only: a cookie-authenticated API call could be forged by
        # another site (CSRF), and API clients have no CSRF token to send.
        not request.url.path.startswith("/api/")
        and "session" in request.scope
        and request.session.get("uid")
    ):
        try:
            # The cookie is signed afresh on every response, so its own age slides with
            # each use: the session's life is counted from the login, whatever its use.
            since = int(request.session.get("since", 0))
            lifetime = context.settings.token_lifetime_seconds
            if context.clock.now().timestamp() - since > lifetime:
                raise NotAuthenticated("the session has expired", code="token_expired")
            # The session carries the credentials version it was opened under: a new
            # code, an activation, a deactivation or a logout ends it (decision 0031
            # addendum).
            user = accounts.active_user(
                session,
                int(request.session["uid"]),
                credentials_version=int(request.session.get("cv", 0)),
            )
        except NotAuthenticated:
            request.session.clear()
        else:
            actor = accounts.actor_for_user(user)
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def authenticated_actor(actor: ActorDep) -> Actor:
    if not actor.authenticated:
        raise NotAuthenticated("log in or present a token to do this", code="not_authenticated")
    return actor


AuthenticatedActorDep = Annotated[Actor, Depends(authenticated_actor)]


def public_comment_limiter(request: Request) -> None:
    """Counts one anonymous-capable submission against the caller's address."""
    context = app_context(request)
    limiter = context.extras.get("public_comment_limiter")
    if not isinstance(limiter, SlidingWindowLimiter):
        limiter = SlidingWindowLimiter(
            context.clock,
            limit=context.settings.public_comments_per_address_per_hour,
            window_seconds=3600,
            what="public comments from this address",
        )
        limiter = context.extras.setdefault("public_comment_limiter", limiter)
    assert isinstance(limiter, SlidingWindowLimiter)
    limiter.hit(request.client.host if request.client else "unknown")


PublicCommentLimit = Depends(public_comment_limiter)


# The limiter's keys for an attempt, by username and by client address. Activations have
# their own, so trying codes from a shared address does not lock out its logins.
_ATTEMPT_KEYS = {"login": ("user", "ip"), "activate": ("activate", "activate-ip")}


@dataclass(frozen=True)
class Attempt:
    """A login or activation attempt counted against the limit (``count_attempt``)."""

    limiter: SharedAttemptLimiter
    counted: tuple[int, ...]

    def succeeded(self, session: Session) -> None:
        """Commit the request's work — the login or activation is done — and then take the
        attempt back: only failed attempts use up the allowance. In that order: on SQLite the
        request's open transaction holds the database's write lock, which the limiter's own
        transaction would wait for."""
        session.commit()
        self.limiter.release(self.counted)


def count_attempt(
    request: Request, session: Session, kind: Literal["login", "activate"], username: str
) -> Attempt:
    """Count a login or activation attempt against the client's address and its username
    (429 ``rate_limited`` when either is used up, counted against neither), before the
    credentials are checked, so parallel guesses are held too; the caller takes a success
    back (``Attempt.succeeded``). The address first: a client its address already holds
    back uses up no username's allowance — else it could lock any account out from every
    address.

    Counted in the database, in a transaction of its own committed at once (``ratelimit``):
    the request's transaction, which so far only read who is asking, is ended first, so on
    SQLite it holds no write lock the count would wait for; a database too busy to count
    answers 503 ``database_busy`` and the credentials are not checked."""
    if session.in_transaction():
        session.commit()
    limiter = app_context(request).login_limiter
    client = request.client.host if request.client else "unknown"
    by_user, by_address = _ATTEMPT_KEYS[kind]
    keys = (f"{by_address}:{client}", f"{by_user}:{username.strip().lower()}")
    return Attempt(limiter, limiter.hit(*keys))


# A row id in a URL: positive and within the databases' 64-bit integers, so an absurd id is
# a 422 naming the parameter rather than an overflow inside the driver.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# The same in a query string, where it may be left out.
RowIdInQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
