"""The recognition standards of the red and black lists, public (Art. 14; rules.md: a
standard states its criteria, legal basis, term, exit conditions, procedure and remedies).
The same items as ``GET /api/v1/list-standards``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from xinyong.lists import entries
from xinyong.web.deps import ActorDep, SessionDep
from xinyong.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/list-standards", response_class=HTMLResponse)
def list_standards(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    return render(request, "list_standards.html", {"standards": entries.public_standards(session)})
