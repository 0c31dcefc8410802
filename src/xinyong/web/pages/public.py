"""Public pages: home, check a code, organisation search, public subject page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from xinyong import identifiers
from xinyong.subjects import service as subjects
from xinyong.subjects.models import SubjectKind
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)

KIND_LABELS = {
    "uscc": "Unified social credit code",
    "citizen_id": "Citizen ID number",
    SubjectKind.NATURAL_PERSON: "Natural person",
    SubjectKind.LEGAL_PERSON: "Legal person",
    SubjectKind.UNINCORPORATED_ORGANISATION: "Unincorporated organisation",
}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: ActorDep) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/check-code", response_class=HTMLResponse)
def check_code_form(request: Request, actor: ActorDep) -> HTMLResponse:
    return render(request, "check_code.html", {"result": None, "kind_labels": KIND_LABELS})


@router.post("/check-code", response_class=HTMLResponse)
def check_code(
    request: Request,
    actor: ActorDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=40)],
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    # POST keeps a citizen ID out of the URL, the browser history and the access log.
    check_csrf(request, csrf_token)
    result = identifiers.check(code, today=clock.today()).as_dict()
    return render(request, "check_code.html", {"result": result, "kind_labels": KIND_LABELS})


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    hits = subjects.search_organisations(session, q) if q.strip() else []
    return render(request, "search.html", {"q": q, "hits": hits})


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(request: Request, actor: ActorDep, session: SessionDep, code: str) -> HTMLResponse:
    subject = subjects.by_reference(session, code)
    if not subject.is_organisation:
        # Natural persons appear publicly only through records public by law (Art. 11),
        # listed on the disclosure pages, never as a browsable profile.
        from xinyong.errors import NotFound

        raise NotFound("no organisation with this code", code="unknown_subject", field="code")
    return render(request, "subject_public.html", {"subject": subject, "kind_labels": KIND_LABELS})
