"""Information catalog pages (Art. 9, 11, 35): the public catalog and record-type pages
with their version history, and the credit authority's editing of record types.

A definition is entered as JSON in a textarea, prefilled with the version in force, and
validated by the catalog service that the API uses (``catalog.create_record_type``,
``revise_record_type``): a prohibited field (Art. 11 ¶3), a district rule that loosens
the city's (Art. 35) or a schema error is shown on the form with the text kept.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.catalog.models import CITY_JURISDICTION
from xinyong.collection.readers import json_problem
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.labels import DISTRICT_LABELS
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    refused_access,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)

# What an editor gets wrong: shown on the form again with the definition as typed.
FORM_ERRORS = (InvalidInput, Conflict, NotFound)
MAX_DEFINITION_CHARS = 200_000

# A new record type starts from this outline unless it copies an existing type.
NEW_DEFINITION: dict[str, Any] = {
    "code": "",
    "name_zh": "",
    "name_en": "",
    "group": "",
    "category": "public",
    "polarity": "negative",
    "legal_basis": "",
    "fields": [
        {
            "name": "subject_name",
            "label_zh": "主体名称",
            "label_en": "Subject name",
            "required": True,
        },
        {
            "name": "subject_uscc",
            "label_zh": "统一社会信用代码",
            "label_en": "Unified social credit code",
            "type": "uscc",
            "required": True,
        },
        {
            "name": "decision_number",
            "label_zh": "决定文号",
            "label_en": "Decision number",
            "required": True,
        },
        {
            "name": "decision_date",
            "label_zh": "决定日期",
            "label_en": "Decision date",
            "type": "date",
            "required": True,
        },
    ],
    "subject_kinds": ["legal_person", "unincorporated_organisation"],
    "subject_name_field": "subject_name",
    "subject_uscc_field": "subject_uscc",
    "decision_date_field": "decision_date",
    "natural_key": ["decision_number"],
    "submitter_kinds": ["state_organ"],
    "disclosure": {"mode": "non_public"},
}


def definition_text(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def parse_definition_text(text: str) -> dict[str, Any]:
    """The textarea's JSON as a definition object, or the reason it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"the definition is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            code="invalid_json",
            field="definition",
        ) from None
    except (ValueError, RecursionError) as exc:  # too deep, or an integer too long to convert
        raise InvalidInput(
            f"the definition is not valid JSON: {json_problem(exc)}",
            code="invalid_json",
            field="definition",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            "the definition must be one JSON object", code="invalid_json", field="definition"
        )
    return data


# --- the public catalog --------------------------------------------------------------------


@router.get("/catalog", response_class=HTMLResponse)
def catalog_list(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The information catalog, public: every record type and the rule that governs it;
    for the credit authority, how many changes of the shipped rule pack wait."""
    pending = (
        rule_packs.plan(session, actor).pending
        if has_permission(actor, Permission.MANAGE_CATALOG)
        else None
    )
    return render(
        request,
        "collection_catalog.html",
        {
            **page_helpers(request),
            "rules": catalog.list_record_types(session),
            "pack_pending": pending,
        },
    )


@router.get("/catalog/{code}", response_class=HTMLResponse)
def catalog_detail(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    code: Annotated[str, Path(max_length=64)],
    jurisdiction: Annotated[str, Query(pattern=r"^\d{6}$")] = CITY_JURISDICTION,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """A record type's rule for an area, and every version: area, date, by whom."""
    rule = catalog.effective_rule(session, code, jurisdiction)
    history = catalog.history(session, code)
    return render(
        request,
        "collection_record_type.html",
        {
            **page_helpers(request),
            "pack_item": _pack_item_for(session, actor, code),
            "upgraded_paths": rule_packs.upgraded_paths,
            "loaded_pack": catalog.loaded_pack,
            "rule": rule,
            "definition": rule.definition,
            "suspended_rules": (
                [rule.suspended]
                if rule.suspended
                else catalog.suspended_district_rules(session, code)
                if jurisdiction == CITY_JURISDICTION
                else []
            ),
            "history": history,
            "authors": accounts.actor_names(
                session,
                (v.created_by for v in history),
                staff=has_permission(actor, Permission.MANAGE_CATALOG),
            ),
            "city": CITY_JURISDICTION,
            "jurisdiction": jurisdiction,
            "notice": announced(done, "created", "revised", "reconciled").notice,
        },
    )


# --- editing: the credit authority -----------------------------------------------------------


def _render_editor(
    request: Request,
    session: Session,
    actor: Actor,
    state: FormState,
    *,
    rule: catalog.EffectiveRule | None = None,
) -> HTMLResponse:
    require(actor, Permission.MANAGE_CATALOG)
    return render_form(
        request,
        "catalog_edit.html",
        {
            **page_helpers(request),
            "rule": rule,
            "history": catalog.history(session, rule.record_type.code) if rule else [],
            "upgraded_paths": rule_packs.upgraded_paths,
            "loaded_pack": catalog.loaded_pack,
            "city": CITY_JURISDICTION,
            "districts": DISTRICT_LABELS.items(),
        },
        state,
    )


@router.get("/admin/catalog/new", response_class=HTMLResponse)
def new_record_type_form(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    from_: Annotated[str, Query(alias="from", max_length=64)] = "",
) -> HTMLResponse:
    """A new record type, from an outline or as a copy of another type (its code blank)."""
    require(actor, Permission.MANAGE_CATALOG)
    data = NEW_DEFINITION
    if from_:
        data = {**catalog.effective_rule(session, from_).definition.model_dump(mode="json")}
        data["code"] = ""
    state = FormState(form={"definition": definition_text(data), "note": ""})
    return _render_editor(request, session, actor, state)


@router.post("/admin/catalog/new", response_class=HTMLResponse)
def create_record_type(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    definition: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=MAX_DEFINITION_CHARS)] = "",
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_CATALOG)
    form = {"definition": definition, "note": note}
    try:
        rule = catalog.create_record_type(
            session,
            clock,
            actor,
            parse_definition_text(definition),
            note=note.strip() or "created",
        )
    except FORM_ERRORS as exc:
        return _render_editor(request, session, actor, refused(session, exc, form))
    except PermissionDenied as exc:  # not the city's credit authority (Art. 6)
        return _render_editor(request, session, actor, refused_access(request, session, exc, form))
    return RedirectResponse(f"/catalog/{rule.record_type.code}?done=created", status_code=303)


@router.get("/admin/catalog/{code}/revise", response_class=HTMLResponse)
def revise_record_type_form(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    code: Annotated[str, Path(max_length=64)],
    jurisdiction: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> HTMLResponse:
    """The rule in force for the area, to be revised: a new version for the city, or a
    district's own rule that adds to or tightens the city's (Art. 35). Without an area, the
    officer's own: a district's credit authority writes its district's rules only."""
    require(actor, Permission.MANAGE_CATALOG)
    jurisdiction = jurisdiction or catalog.own_area(session, actor)
    rule = catalog.effective_rule(session, code, jurisdiction)
    # A suspended district rule is offered for correction rather than the city's in its place.
    in_force = (
        rule.suspended.version.definition
        if rule.suspended
        else rule.definition.model_dump(mode="json")
    )
    state = FormState(
        form={
            "definition": definition_text(in_force),
            "jurisdiction": jurisdiction,
            "note": "",
        }
    )
    return _render_editor(request, session, actor, state, rule=rule)


@router.post("/admin/catalog/{code}/revise", response_class=HTMLResponse)
def revise_record_type(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Path(max_length=64)],
    definition: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=MAX_DEFINITION_CHARS)] = "",
    jurisdiction: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_CATALOG)
    # An unknown type is a wrong address, not a wrong entry: a 404 page.
    current = catalog.effective_rule(session, code)
    area = jurisdiction.strip() or catalog.own_area(session, actor)
    form = {"definition": definition, "jurisdiction": jurisdiction, "note": note}
    try:
        if not note.strip():
            raise InvalidInput(
                "say why the rule changes: the note is kept with the version",
                code="note_required",
                field="note",
            )
        catalog.revise_record_type(
            session,
            clock,
            actor,
            code,
            parse_definition_text(definition),
            jurisdiction=area,
            note=note.strip(),
        )
    except FORM_ERRORS as exc:
        return _render_editor(request, session, actor, refused(session, exc, form), rule=current)
    except PermissionDenied as exc:  # another area's rule (Art. 6, 35)
        state = refused_access(request, session, exc, form)
        return _render_editor(request, session, actor, state, rule=current)
    return RedirectResponse(f"/catalog/{code}?jurisdiction={area}&done=revised", status_code=303)


def _pack_item_for(session: Session, actor: Actor, code: str) -> rule_packs.PackItem | None:
    """The shipped pack's change to this type waiting for the credit authority, if any."""
    if not has_permission(actor, Permission.MANAGE_CATALOG):
        return None
    try:
        found = rule_packs.item(session, actor, code)
    except NotFound:  # a type of the authority's own, not in the pack
        return None
    return found if found.pending else None


# --- the shipped rule pack: what it changes, and the authority's answer (decision 0034) -----


def shown(value: Any) -> str:
    """An attribute's value as the definition's JSON writes it; a dash where absent."""
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


@router.get("/admin/catalog/rule-pack", response_class=HTMLResponse)
def rule_pack_changes(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """Each record type of the shipped rule pack against the catalog: what waits (a type to
    create or bring up to the pack, a conflict with the authority's revision) first."""
    planned = rule_packs.plan(session, actor)
    return render(
        request,
        "catalog_rule_pack.html",
        {
            **page_helpers(request),
            "plan": planned,
            "names": {
                rule.record_type.code: rule.definition
                for rule in catalog.list_record_types(session)
            },
        },
    )


def _render_pack_item(
    request: Request,
    session: Session,
    found: rule_packs.PackItem,
    state: FormState,
) -> HTMLResponse:
    return render_form(
        request,
        "catalog_rule_pack_item.html",
        {
            **page_helpers(request),
            "item": found,
            "rule_pack": rule_packs.RulePack.read().name,
            "shown": shown,
            "history": catalog.history(session, found.code) if found.city_version else [],
        },
        state,
    )


@router.get("/admin/catalog/rule-pack/{code}", response_class=HTMLResponse)
def rule_pack_item(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    code: Annotated[str, Path(max_length=64)],
) -> HTMLResponse:
    """What the shipped pack changed in one type, and the form to answer it: prefilled with
    the proposal (a conflict) or the shipped definition (an upgrade not yet applied)."""
    found = rule_packs.item(session, actor, code)
    start = found.proposal if found.proposal is not None else found.shipped
    state = FormState(
        form={
            "definition": definition_text(start),
            "note": "",
            "shipped_digest": found.digest,
        }
    )
    return _render_pack_item(request, session, found, state)


@router.post("/admin/catalog/rule-pack/{code}", response_class=HTMLResponse)
def reconcile_rule_pack(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Path(max_length=64)],
    definition: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=MAX_DEFINITION_CHARS)] = "",
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=500)] = "",
    shipped_digest: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    # A type the pack lacks is a wrong address, not a wrong entry: a 404 page.
    found = rule_packs.item(session, actor, code)
    form = {"definition": definition, "note": note, "shipped_digest": shipped_digest}
    try:
        rule_packs.reconcile(
            session,
            clock,
            actor,
            code,
            parse_definition_text(definition),
            note=note,
            shipped_digest=shipped_digest,
        )
    except FORM_ERRORS as exc:
        return _render_pack_item(request, session, found, refused(session, exc, form))
    except PermissionDenied as exc:  # the city's rule: the city's credit authority's (Art. 6)
        state = refused_access(request, session, exc, form)
        return _render_pack_item(request, session, found, state)
    return RedirectResponse(f"/catalog/{code}?done=reconciled", status_code=303)
