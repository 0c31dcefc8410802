"""Public pages: home, check a code, organisation search, public subject page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong import identifiers
from xinyong.disclosure.files import build_file
from xinyong.errors import InvalidInput
from xinyong.lists import entries
from xinyong.subjects import service as subjects
from xinyong.subjects.models import SubjectKind
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.pages.forms import announced, refused, render_form
from xinyong.web.pages.rendering import check_csrf, locale_of, render

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
    clock: ClockDep,
    # Its length is the search's to refuse, beside the form with the text kept.
    q: Annotated[str, Query()] = "",
    notice: str = "",
) -> Response:
    if identifiers.names_citizen_id(q, today=clock.today()):
        # Natural persons are not searchable (Art. 13), and a citizen ID number never stays
        # in a URL nor is typed back (rules.md): away from this address at once, to the
        # search without it, which points to Check a code (a POST form).
        return RedirectResponse("/search?notice=citizen_id", status_code=303)
    state = announced(notice, "citizen_id")
    if state.notice:
        q = ""
    try:
        found = subjects.search_organisations(session, q)
    except InvalidInput as exc:
        state = refused(session, exc, {})
        context = {"q": q, "hits": [], "more": False, "max_query": subjects.MAX_SEARCH_QUERY}
        return render_form(request, "search.html", context, state)
    return render_form(
        request,
        "search.html",
        {
            "q": q,
            "hits": found.hits,
            "more": found.more,
            "max_query": subjects.MAX_SEARCH_QUERY,
        },
        state,
    )


@router.get("/subjects/{code}", response_class=HTMLResponse)
def subject_page(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep, code: str
) -> HTMLResponse:
    """What anyone may see of a subject, as ``GET /api/v1/subjects/{code}/public`` and the
    public lists give it: its records inside their publicity window and its entries on the
    red and black lists in force (Art. 14, 32).

    A natural person is found by the opaque reference only (never the ID number) and shown
    as the API shows them: by the masked ID number, without the name, with only the records
    public by law (Art. 11, 13; rules.md) and the list entries, which are public too."""
    subject = subjects.by_reference(session, code)
    today = clock.today()
    entries_in_force = entries.published_of(session, subject, today=today)
    context: dict[str, Any] = {
        "subject": subject,
        "kind_labels": KIND_LABELS,
        "list_entries": entries_in_force,
        "list_persons": entries.public_persons(session, [e.id for e, _ in entries_in_force]),
        "list_reasons": {
            entry_id: shown.reasons
            for entry_id, shown in entries.public_texts(
                session, [e for e, _ in entries_in_force], today=today
            ).items()
        },
    }
    # Imported here: pages.disclosure imports pages.collection, which imports this module.
    from xinyong.web.pages.disclosure import record_items

    # Read on every request, so a record leaves the page at the end of its window by itself
    # (Art. 9); record_items leaves out the subject's own columns (a person's name among them).
    views = build_file(session, subject, today=today, public_only=True)
    context["public_records"] = record_items(views, locale=locale_of(request), public=True)
    return render(request, "subject_public.html", context)
