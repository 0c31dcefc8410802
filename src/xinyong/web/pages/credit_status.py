"""Credit status for risk pricing, on the institution's query pages (Art. 19): a subject's
list status and credit grade, read as ``GET /api/v1/subjects/{code}/credit-status`` reads
it — by a financial institution only on the subject's written authorisation that includes
the ``credit_status`` scope, logged in the subject's access log (Art. 24), or by the
credit authority in its supervision. The subject is named in the form body: an
organisation by its USCC, a person by ID number (found as on /query: audited, and an
institution finds only persons who authorised it). A refused read is shown beside the
form with its code and article, the subject still named on it (but an ID number)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from xinyong.accounts.permissions import Actor, Permission, has_permission, require_standing
from xinyong.disclosure import person_lookup
from xinyong.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied, RateLimited
from xinyong.lists import risk
from xinyong.subjects.models import Subject
from xinyong.web.api.disclosure import read_limits
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.pages.disclosure import (
    AUTHORISATION_REQUIRED,
    authorisation_choice,
    parse_authorisation,
    subject_from_form,
    type_names,
)
from xinyong.web.pages.forms import BLANK, refused, refused_access, render_form
from xinyong.web.pages.rendering import check_csrf, locale_of

router = APIRouter(include_in_schema=False)

PAGE = "/query/credit-status"


def _require_status_reader(actor: Actor) -> None:
    """Staff who may read a credit status (the service decides on the subject's own);
    subject accounts see their own grade on /me/grade."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to read a credit status", code="not_authenticated")
    require_standing(actor)
    if actor.subject_id is not None or not (
        has_permission(actor, Permission.READ_RISK_STATUS)
        or has_permission(actor, Permission.SUPERVISE)
    ):
        raise PermissionDenied(
            "your role may not read credit status", code="no_query_permission", article="Art. 12"
        )


def _context(actor: Actor) -> dict[str, Any]:
    return {"can_lookup_person": person_lookup.may_look_up_persons(actor)}


@router.get(PAGE, response_class=HTMLResponse)
def credit_status_form(request: Request, actor: ActorDep) -> HTMLResponse:
    _require_status_reader(actor)
    return render_form(request, "credit_status.html", _context(actor), BLANK)


@router.post(PAGE, response_class=HTMLResponse)
def credit_status(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    subject_kind: Annotated[str, Form(max_length=16)] = "organisation",
    uscc: Annotated[str, Form(max_length=40)] = "",
    citizen_id: Annotated[str, Form(max_length=40)] = "",
    authorisation: Annotated[str, Form(max_length=24)] = "",
    subject: Annotated[str, Form(max_length=24)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The read, or its refusal (no authorisation, or one without the credit-status
    scope), goes into the subject's access log as the API's does. The ID number travels in
    the body and is not shown again. With several authorisations covering the credit
    status in force and none chosen, the form comes back (422) with them to choose from."""
    check_csrf(request, csrf_token)
    _require_status_reader(actor)
    form = {"subject_kind": subject_kind, "uscc": uscc, "authorisation": authorisation.strip()}
    target: Subject | None = None
    try:
        chosen = parse_authorisation(authorisation)
        target = subject_from_form(
            session, clock, actor, subject_kind, uscc, citizen_id, reference=subject
        )
        status = risk.credit_status(
            session,
            clock,
            actor,
            target,
            limits=read_limits(request),
            authorisation_id=chosen,
        )
    except InvalidInput as exc:
        if exc.code == AUTHORISATION_REQUIRED and target is not None:
            found = citizen_id if subject_kind == "person" else ""
            state, offered = authorisation_choice(
                request, session, clock, actor, exc, target, found_by_citizen_id=found, form=form
            )
            return render_form(request, "credit_status.html", {**_context(actor), **offered}, state)
        state = refused(session, exc, form)
        return render_form(request, "credit_status.html", _context(actor), state)
    except NotFound as exc:
        # Nothing is kept but a failed lookup's audit (the error's aftermath).
        state = refused(session, exc, form)
        return render_form(request, "credit_status.html", _context(actor), state)
    except (PermissionDenied, RateLimited) as exc:
        # No authorisation, or one without the credit-status scope: logged for the subject.
        state = refused_access(request, session, exc, form)
        return render_form(request, "credit_status.html", _context(actor), state)
    return render_form(
        request,
        "credit_status.html",
        {
            **_context(actor),
            "subject": target,
            "status": status,
            # The grade names each record's type in Chinese (as the API gives it).
            "type_names": type_names(session, locale=locale_of(request)),
        },
        BLANK,
    )
