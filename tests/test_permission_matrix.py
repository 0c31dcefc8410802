"""Who may call which route: one entry per (method, route template), checked for every account.

``MATRIX`` below is the access policy of the whole web surface (API and pages). Two tests
hold it to the application:

* ``test_every_route_has_an_entry`` fails for every route of the app without an entry (so
  no route ships unprotected by accident) and for every entry whose route is gone.
* ``test_matrix`` calls every route as every account of ``tests.factories.World`` (plus
  the staff member of another agency, the other citizen, and an anonymous caller) and
  checks that the allowed get through (a 2xx/3xx answer unless the entry says otherwise)
  and that everybody else is refused: 401 when anonymous, 403 when logged in.

Adding a route
--------------
Add ``(METHOD, "/path/{template}"): Access(...)`` to ``MATRIX``, using the template exactly
as the router declares it (``test_every_route_has_an_entry`` prints the missing keys):

* ``allowed``: the account names that may use it (see ``STAFF``, ``SUBJECT_ACCOUNTS``,
  ``LOGGED_IN`` and the per-role names in ``tests.factories.World``), or ``PUBLIC``.
  An account of the right role in the *wrong organisation* (``other_reporter``) is simply
  left out, so it is expected to get 403.
* ``params``: the path parameters, built from the world (never a citizen ID: URLs carry
  references). ``query``, ``json``, ``form``, ``files`` (multipart uploads) or ``content``
  (a raw body, with its ``Content-Type`` in ``headers``) give a *valid* request, so that
  an allowed caller passes validation and a refusal is really a refusal, not a 422.
* ``object_level=True`` for routes about one subject (``subject_param``, default
  ``code``, names the path parameter): a subject account is then called with its own
  subject (allowed if listed) and with another one (must get 403). Staff use ``params``.
* ``ok``: the statuses an allowed caller may get, when "2xx or 3xx" is not right (say,
  a 404 because the entry asks for an id that does not exist in the world).
* Routes outside ``/api/`` are pages: they are called with the session cookie a login
  through ``/login`` sets, and unsafe methods send the form's CSRF token, as a browser does.
  ``/api/`` routes are called with a bearer token. Both are minted with the app's keys
  (``log_in``); ``test_logging_in_gives_what_the_matrix_mints`` holds them to a real login.

Run one route's checks (every account) with ``-k "GET /api/v1/me"``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.testclient import TestClient
from httpx import Response
from itsdangerous import TimestampSigner
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount

from tests import (
    disclosure_helpers,
    institutions_helpers,
    lists_helpers,
    name_objection_helpers,
    objections_helpers,
    publicity_helpers,
    repair_helpers,
)
from tests.factories import ALL_ACCOUNTS, PASSWORD, World, auth_headers
from xinyong.accounts.models import UserAccount
from xinyong.accounts.permissions import require_own_subject
from xinyong.config import Settings
from xinyong.lists.models import ListObjection
from xinyong.subjects import service as subjects
from xinyong.web.deps import ActorDep, SessionDep
from xinyong.web.pages.rendering import check_csrf

# --- who ------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
# Two more than ALL_ACCOUNTS: staff of another agency, and another subject's own account.
ACCOUNTS: tuple[str, ...] = (*ALL_ACCOUNTS, "other_reporter", "other_citizen", ANONYMOUS)
SUBJECT_ACCOUNTS = frozenset({"citizen", "company", "other_citizen"})
# The natural persons' own accounts: consent to collection is theirs alone (Art. 11 ¶1).
PERSON_ACCOUNTS = SUBJECT_ACCOUNTS - {"company"}
STAFF = frozenset(ACCOUNTS) - SUBJECT_ACCOUNTS - {ANONYMOUS}
# A data reporter of an industry association (the matrix's ``world`` adds it): checked on the
# routes that name it — its member register (Art. 10 ¶1) — and elsewhere a data reporter
# like ``other_reporter``, so it is not called on every route.
ASSOCIATION = "association"
# The staff of a district's credit authority (福清市, decision 0046): each is checked where
# its counterpart of the city's credit authority is allowed, and gets what that one gets
# unless the entry says otherwise (``Access.district``) — the world's cases, entries and
# accounts are all of the city's organisations, outside the district's own area.
DISTRICT_ACCOUNTS = {"fuqing": "authority", "fuqing_objections": "objections"}
FUQING = "350181"
LOGGED_IN = STAFF | SUBJECT_ACCOUNTS

# The subject each subject account is bound to, and a subject that is not theirs.
OWN_SUBJECT = {"citizen": "person", "company": "company", "other_citizen": "other_person"}
OTHER_SUBJECT = {"citizen": "other_person", "company": "other_company", "other_citizen": "person"}


class _Public:
    """Everybody, anonymous callers included."""

    def __contains__(self, account: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = _Public()

# --- how ------------------------------------------------------------------------------------

Builder = Callable[[World], dict[str, Any]]
SUCCESS = frozenset(range(200, 400))


def _nothing(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Access:
    allowed: frozenset[str] | _Public
    object_level: bool = False
    subject_param: str = "code"
    params: Builder = _nothing
    query: Builder | None = None
    json: Builder | None = None
    form: Builder | None = None
    files: Callable[[World], dict[str, tuple[str, bytes, str]]] | None = None
    content: Callable[[World], bytes] | None = None
    ok: frozenset[int] = SUCCESS
    headers: dict[str, str] = field(default_factory=dict)
    # What a logged-in account that may not use the route gets: 403, or 404 where the
    # refusal must not tell whether the object exists (a report number, say).
    refused: int = 403
    # What another subject's account gets where the object is a subject's own and its very
    # existence is that subject's business (ConcealedRefusal): 404 instead of ``refused``.
    refused_other_subject: int | None = None
    # The subject account the object is about, where it may not use the route either (its
    # own early-removal application, which only the agency decides): refused ``refused``,
    # as it learns nothing new from it, while the others get ``refused_other_subject``.
    owner: str | None = None
    # What a district credit authority's staff (``DISTRICT_ACCOUNTS``) get where the route
    # acts on one thing of a city organisation: 403 ``outside_own_jurisdiction`` (Art. 6),
    # or 404 where the refusal must not tell whether it exists. None: what the city's
    # counterpart gets (a list, filtered to the district's own area; a route of no area).
    district: int | None = None

    def permits(self, account: str) -> bool:
        return account in self.allowed

    def refusal_for(self, account: str) -> int:
        if (
            self.refused_other_subject is not None
            and account in SUBJECT_ACCOUNTS
            and account != self.owner
        ):
            return self.refused_other_subject
        return self.refused


def _statistics_released(world: World) -> dict[str, Any]:
    """A release of the industry statistics to read: the month before the world's day."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.institutions import releases

    releases.release_next_due(world.session, world.clock, SYSTEM_ACTOR, k=5)
    world.session.commit()
    return {"period": releases.period_of(world.clock.today().replace(day=1) - dt.timedelta(1))}


def company_code(world: World) -> dict[str, Any]:
    return {"code": world.subjects["company"].uscc}


def undecided_objection(world: World) -> dict[str, Any]:
    """An undecided objection of the company to its black-list notice at the market
    regulator (proposed by ``caseofficer2``): once one is decided, the company objects
    again, so that every allowed caller decides one."""
    from xinyong.lists import entries

    found = lists_helpers.matrix_objection(world)
    session = world.session
    objection = session.get(ListObjection, found["objection_id"])
    assert objection is not None
    latest = entries.objections(session, objection.entry_id)[-1]
    if latest.decided_at is None:
        return {"objection_id": latest.id}
    again = entries.object_to(
        session,
        world.clock,
        lists_helpers.actor(world, "company"),
        objection.entry_id,
        "补充材料：处罚决定已履行",
    )
    session.flush()
    return {"objection_id": again.id}


def credentials(world: World) -> dict[str, Any]:
    return {"username": "reporter", "password": PASSWORD}


def _pending_subject_account(world: World) -> dict[str, Any]:
    """A new subject account waiting for activation, and its code (decision 0031);
    committed, as every caller must meet it."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.subjects import service as subjects_service

    suffix = secrets.token_hex(4)
    company = subjects_service.register_organisation(
        world.session, world.clock, SYSTEM_ACTOR, name=f"福州激活{suffix}有限公司", uscc=_new_uscc()
    )
    user = accounts.create_subject_account(
        world.session, world.clock, SYSTEM_ACTOR, username=f"act-{suffix}", subject_id=company.id
    )
    issued = accounts.issue_activation_code(world.session, world.clock, SYSTEM_ACTOR, user.id)
    world.session.commit()
    return {"username": issued.user.username, "code": issued.code, "password": PASSWORD}


def _fresh_subject_account(world: World) -> dict[str, Any]:
    """A subject account no code was released for yet (each call makes one: releasing a
    code for a world account would end its sessions, and other routes' calls use them)."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.subjects import service as subjects_service

    suffix = secrets.token_hex(4)
    company = subjects_service.register_organisation(
        world.session, world.clock, SYSTEM_ACTOR, name=f"福州发码{suffix}有限公司", uscc=_new_uscc()
    )
    user = accounts.create_subject_account(
        world.session, world.clock, SYSTEM_ACTOR, username=f"rel-{suffix}", subject_id=company.id
    )
    world.session.commit()
    return {"user_id": user.id}


def _fresh_staff_account(world: World) -> dict[str, Any]:
    """A staff account no code was released for yet (decision 0033), one per call, as
    ``_fresh_subject_account``."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import Role
    from xinyong.accounts.permissions import SYSTEM_ACTOR

    user = accounts.create_user(
        world.session,
        world.clock,
        SYSTEM_ACTOR,
        username=f"staff-{secrets.token_hex(4)}",
        password=None,
        role=Role.QUERY_OFFICER,
        organisation=world.organisations["regulator"],
    )
    world.session.commit()
    return {"user_id": user.id}


def _pending_key(world: World) -> dict[str, Any]:
    """An API key of the regulator's data reporters awaiting release (decision 0033), one
    per call: only a data reporter of the regulator may release it."""
    from xinyong.accounts import api_keys
    from xinyong.accounts.models import Role
    from xinyong.accounts.permissions import SYSTEM_ACTOR

    key = api_keys.create_api_key(
        world.session,
        world.clock,
        SYSTEM_ACTOR,
        organisation=world.organisations["regulator"],
        role=Role.DATA_REPORTER,
        name=f"system {secrets.token_hex(4)}",
    )
    world.session.commit()
    return {"key_id": key.id}


def recorded_consent(world: World) -> dict[str, Any]:
    """A written consent of the person to the caller's organisation, the person named by
    ID number in the form body (the catalog loaded for the record type, on the
    organisation's responsibility list)."""
    _arrears_sources(world)
    return {
        "subject_kind": "person",
        "citizen_id": subjects.reveal_citizen_id(world.subjects["person"]),
        "name": world.subjects["person"].name,
        "record_types": ["social_insurance_arrears"],
        "written": "true",
        "evidence": "书面同意书编号 2026-001，存档于本单位",
    }


def _membership(world: World) -> dict[str, Any]:
    """A membership of a fresh company (each allowed call adds one; none overlaps)."""
    return {
        "uscc": _member_uscc(),
        "name": "福州会员餐饮有限公司",
        "since": "2025-01-01",
        "agreement_reference": "会员协议 2025-001",
    }


def _member_uscc() -> str:
    import random

    from xinyong.synthetic import make_uscc

    return make_uscc(random.Random(), prefix="91")


def _membership_id(world: World) -> int:
    """A current membership on the association's register, there to be ended."""
    from xinyong.accounts import service as accounts
    from xinyong.collection import members

    membership = members.add(
        world.session,
        world.clock,
        accounts.actor_for_user(world.users[ASSOCIATION]),
        uscc=_member_uscc(),
        name="福州会员餐饮有限公司",
        since=dt.date(2025, 1, 1),
        agreement_reference="会员协议 2025-002",
    )
    world.session.commit()
    return membership.id


def _registration_sources(world: World) -> None:
    """The regulator responsible for registration records: the authority that registers
    organisations, which registers their responsible persons (Art. 18); committed."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.catalog import service as catalog
    from xinyong.collection import sources

    if catalog.load_rule_pack(world.session, world.clock):
        world.session.commit()
    sources.grant(
        world.session, world.clock, SYSTEM_ACTOR, world.organisations["regulator"], "registration"
    )
    world.session.commit()


def _responsible_code(world: World) -> dict[str, Any]:
    _registration_sources(world)
    return {"code": world.subjects["company"].uscc}


def _responsible_person(world: World) -> dict[str, Any]:
    """A person new to the platform as the company's principal (each allowed call adds one)."""
    import random

    from xinyong.synthetic import make_citizen_id

    _registration_sources(world)
    return {
        "role": "principal",
        "citizen_id": make_citizen_id(random.Random()),
        "name": "陈某某",
        "basis": "登记文书 2026-118",
    }


def _responsible_registration(world: World) -> dict[str, Any]:
    """A current registration of the company, there to be ended."""
    import random

    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.subjects.models import ResponsibleRole
    from xinyong.synthetic import make_citizen_id

    _registration_sources(world)
    link = subjects.add_responsible_person(
        world.session,
        world.clock,
        SYSTEM_ACTOR,
        world.subjects["company"],
        role=ResponsibleRole.DIRECTLY_RESPONSIBLE,
        name="周某某",
        citizen_id=make_citizen_id(random.Random()),
    )
    world.session.commit()
    return {"code": world.subjects["company"].uscc, "registration_id": link.id}


def _registration_end(world: World) -> dict[str, Any]:
    return {"ended_on": world.clock.today().isoformat(), "reason": "辞去职务"}


BATCH_READERS = frozenset({"reporter", "other_reporter", "security", "authority"})
SUBMITTERS = frozenset({"reporter", "other_reporter"})
# Who reviews held rows (decision 0050): the sources' data reporters (an agency's own rows)
# and the credit authority (its area's); the world has none, so a row is a 404.
HELD_ROW_REVIEWERS = frozenset({"reporter", "other_reporter", "authority"})


def _source_record(world: World) -> dict[str, Any]:
    """A fresh penalty about the company, submitted by the regulator (decision 0028)."""
    return {"record_id": objections_helpers.fresh_record(world).id}


_REVOCATION = {"ground": "court", "document_number": "(2026)闽01行终1号", "reason": "判决撤销"}
_REINSTATEMENT = {"ground": "revoked_in_error", "document_number": "", "reason": "误撤"}


def _revoked_record(world: World) -> dict[str, Any]:
    """A fresh penalty about the company, revoked by the regulator's data reporter, there
    to be reinstated (decision 0028, addendum)."""
    from xinyong.accounts import service as accounts
    from xinyong.collection import revocation

    record = objections_helpers.fresh_record(world)
    revocation.revoke(
        world.session,
        world.clock,
        accounts.actor_for_user(world.users["reporter"]),
        record.id,
        **_REVOCATION,
    )
    world.session.commit()
    return {"record_id": record.id}


def _new_uscc() -> str:
    import random

    from xinyong.synthetic import make_uscc

    return make_uscc(random.Random(), prefix="11")


def _matrix_record_type(code: str = "matrix_penalty") -> dict[str, Any]:
    """The rule pack's first record type (the administrative penalty) under ``code``: a new
    type, or with the penalty's own code a revision of it."""
    from xinyong.catalog.service import read_rule_pack

    definition = dict(read_rule_pack()[0])
    definition["code"] = code
    return definition


def _rule_pack_answer(world: World) -> dict[str, Any]:
    """The utility-arrears type as an earlier release's pack gave it, so that the shipped
    pack's change waits for the credit authority's answer (decision 0034), and that answer:
    the shipped definition. Committed, as every caller must meet it; an answer taken sets
    the city's rule to the pack's, and the next call makes it the earlier one again."""
    from tests.rule_pack_helpers import load_earlier
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.catalog import rule_packs

    load_earlier(world.session, world.clock, "utility_arrears")
    world.session.commit()
    found = rule_packs.item(world.session, SYSTEM_ACTOR, "utility_arrears")
    return {"definition": found.shipped, "note": "采纳规则包", "shipped_digest": found.digest}


def _list_rule_pack_answer(world: World) -> dict[str, Any]:
    """A matter as an earlier release's lists rule pack named it, so that the shipped pack's
    change waits for the credit authority's answer (decision 0034 addendum), and that
    answer: take the shipped name. Committed, as every caller must meet it."""
    from tests.lists_rule_pack_helpers import EARLIER_MATTER, MATTER, load_earlier
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.lists import rule_packs

    load_earlier(world.session, world.clock, "matter", MATTER, **EARLIER_MATTER)
    world.session.commit()
    found = rule_packs.item(world.session, SYSTEM_ACTOR, "matter", MATTER)
    return {"answer": "take", "note": "采纳规则包", "shipped_digest": found.digest}


def _arrears_sources(world: World) -> None:
    """Both agencies with a data reporter responsible for social-insurance arrears, the
    type their consents are recorded for: a grantee records consent only to types on its
    responsibility list (Art. 11); committed, as every caller must meet it."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.catalog import service as catalog
    from xinyong.collection import sources

    if catalog.load_rule_pack(world.session, world.clock):
        world.session.commit()
    for organisation in ("regulator", "other_agency"):
        sources.grant(
            world.session,
            world.clock,
            SYSTEM_ACTOR,
            world.organisations[organisation],
            "social_insurance_arrears",
        )
    world.session.commit()


def _penalty_sources(world: World) -> dict[str, Any]:
    """Both agencies with a data reporter on the penalty's responsibility list, so that
    either reporter's batch gets past Art. 9's check to the rows; committed, as every
    caller must meet it."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.collection import sources

    for organisation in ("regulator", "other_agency"):
        sources.grant(
            world.session,
            world.clock,
            SYSTEM_ACTOR,
            world.organisations[organisation],
            "administrative_penalty",
        )
    world.session.commit()
    return {"type": "administrative_penalty"}


def _granted_penalty_source(world: World) -> dict[str, Any]:
    """The regulator's responsibility for penalties, there to be revoked."""
    _penalty_sources(world)
    return {"org": world.organisations["regulator"].code, "record_type": "administrative_penalty"}


def _next_year(world: World) -> int:
    return world.clock.today().year + 1


def _arrangement_csv(world: World) -> str:
    # A week in October always holds weekdays: an arrangement with a weekday holiday.
    year = _next_year(world)
    return f"日期,安排,名称\n{year}-10-01至{year}-10-07,放假,国庆节\n"


MATRIX: dict[tuple[str, str], Access] = {
    # The OpenAPI description and its viewers document the public API.
    ("GET", "/openapi.json"): Access(PUBLIC),
    ("GET", "/docs"): Access(PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Access(PUBLIC),
    ("GET", "/redoc"): Access(PUBLIC),
    ("GET", "/healthz"): Access(PUBLIC),
    # --- api/core: identifiers and the public organisation search (Art. 14), auth ---
    ("GET", "/api/v1/identifiers/{code}"): Access(
        PUBLIC, params=lambda w: {"code": "91350100M000100Y43"}
    ),
    ("POST", "/api/v1/identifiers/check"): Access(
        PUBLIC, json=lambda w: {"code": "91350100M000100Y43"}
    ),
    ("GET", "/api/v1/subjects"): Access(PUBLIC, query=lambda w: {"q": "晨光文具"}),
    ("POST", "/api/v1/auth/token"): Access(PUBLIC, form=credentials),
    ("GET", "/api/v1/me"): Access(LOGGED_IN),
    # Ends the caller's own token (and every session of the account): anyone logged in.
    ("POST", "/api/v1/auth/logout"): Access(LOGGED_IN),
    # Subject accounts activated with a one-time code (decision 0031): public, the code is
    # the credential.
    ("POST", "/api/v1/auth/activate"): Access(PUBLIC, form=_pending_subject_account),
    # --- pages/auth ---
    ("GET", "/login"): Access(PUBLIC),
    ("POST", "/login"): Access(PUBLIC, form=credentials),
    ("POST", "/logout"): Access(PUBLIC),
    ("GET", "/activate"): Access(PUBLIC),
    ("POST", "/activate"): Access(PUBLIC, form=_pending_subject_account),
    # --- pages/public ---
    ("GET", "/"): Access(PUBLIC),
    ("GET", "/check-code"): Access(PUBLIC),
    ("POST", "/check-code"): Access(PUBLIC, form=lambda w: {"code": "91350100M000100Y43"}),
    ("GET", "/search"): Access(PUBLIC, query=lambda w: {"q": "晨光文具"}),
    # Public like GET /api/v1/subjects/{code}/public: a person's page, by reference, shows
    # only what is public by law (tests/test_pages_subject_lists.py).
    ("GET", "/subjects/{code}"): Access(PUBLIC, params=company_code),
    ("GET", "/list-standards"): Access(PUBLIC, params=lists_helpers.matrix_loaded),
    # --- pages/disclosure: public pages, the agency query page, query items (Art. 13) ---
    # The query routes read the company through the regulator's published query item (the
    # builders of tests/disclosure_helpers.py set it up): the analyst, who queries with
    # written authorisations only, is refused it. The subject goes in the form body (a
    # citizen ID never in a URL). Flows and refusals: tests/test_pages_disclosure.py.
    ("GET", "/query-items"): Access(PUBLIC),
    ("GET", "/reports/verify"): Access(
        PUBLIC,
        query=lambda w: {
            **disclosure_helpers.matrix_report_number(w),
            **disclosure_helpers.matrix_report_code(w),
        },
    ),
    ("GET", "/query"): Access(frozenset({"querier", "caseofficer", "analyst"})),
    # Reports issued to the querier's organisation, opened again (as HTML and PDF) by its
    # queriers only; anyone else is told no such report was issued to them (404), so
    # numbers cannot be probed. Flows: tests/test_report_reopen.py.
    ("GET", "/query/reports"): Access(frozenset({"querier", "caseofficer", "analyst"})),
    ("GET", "/reports/{number}"): Access(
        frozenset({"querier", "caseofficer"}),
        params=disclosure_helpers.matrix_issued_report,
        refused=404,
    ),
    ("POST", "/query"): Access(
        frozenset({"querier", "caseofficer"}),
        form=lambda w: {
            "path": "item",
            "item": disclosure_helpers.matrix_query(w)["query_item"],
            "matter": disclosure_helpers.MATTER_CODE,
            "subject_kind": "organisation",
            "uscc": w.subjects["company"].uscc,
        },
    ),
    # Art. 19 on the query pages, as GET /api/v1/subjects/{code}/credit-status: a bank's
    # analyst on a written authorisation (none in the matrix world: refused, 403), the
    # credit authority in supervision. Flows: tests/test_pages_credit_status.py.
    ("GET", "/query/credit-status"): Access(frozenset({"analyst", "authority"})),
    ("POST", "/query/credit-status"): Access(
        frozenset({"authority"}),
        form=lambda w: {
            "subject_kind": "organisation",
            "uscc": lists_helpers.matrix_company(w)["code"],
        },
    ),
    ("POST", "/query/report"): Access(
        frozenset({"querier", "caseofficer"}),
        form=lambda w: {
            "path": "item",
            "item": disclosure_helpers.matrix_query(w)["query_item"],
            "matter": disclosure_helpers.MATTER_CODE,
            "subject": w.subjects["company"].reference,
            "format": "html",
        },
    ),
    # Per-staff query permissions (Art. 12(2)): the regulator's security officer assigns its
    # items to its staff who query and withdraws them; flows: tests/test_query_assignments.py.
    ("GET", "/query-item-assignments"): Access(frozenset({"security"})),
    ("POST", "/query-item-assignments"): Access(
        frozenset({"security"}), form=disclosure_helpers.matrix_assignment
    ),
    ("POST", "/query-item-assignments/{assignment_id}/withdraw"): Access(
        frozenset({"security"}), params=disclosure_helpers.matrix_held_assignment
    ),
    # The working-day calendar (rules.md): public to read, entered by the credit authority;
    # flows: tests/test_working_day_calendar.py.
    ("GET", "/admin/calendar"): Access(PUBLIC),
    # One calendar for the city: a district's credit authority does not replace it.
    ("POST", "/admin/calendar"): Access(
        frozenset({"authority"}),
        district=403,
        form=lambda w: {
            "year": str(_next_year(w)),
            "source": "国办发明电",
            "arrangement": _arrangement_csv(w),
        },
    ),
    ("GET", "/api/v1/calendar"): Access(PUBLIC),
    ("GET", "/api/v1/calendar/{year}"): Access(PUBLIC, params=lambda w: {"year": _next_year(w)}),
    ("PUT", "/api/v1/calendar/{year}"): Access(
        frozenset({"authority"}),
        district=403,
        params=lambda w: {"year": _next_year(w)},
        json=lambda w: {
            "source": "国办发明电",
            "days": [
                {"date": f"{_next_year(w)}-10-0{d}", "kind": "holiday", "name": "国庆节"}
                for d in range(1, 8)
            ],
        },
    ),
    ("GET", "/admin/query-items"): Access(frozenset({"authority"})),
    ("POST", "/admin/query-items"): Access(
        frozenset({"authority"}), form=disclosure_helpers.matrix_new_item, district=403
    ),
    ("POST", "/admin/query-items/{code}/publish"): Access(
        frozenset({"authority"}), params=disclosure_helpers.matrix_draft_item, district=403
    ),
    ("POST", "/admin/query-items/{code}/withdraw"): Access(
        frozenset({"authority"}), params=disclosure_helpers.matrix_live_item, district=403
    ),
    # --- pages/credit: "my credit", the subject's own (no subject in the path: the account's) ---
    ("GET", "/me/credit"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/credit/report"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/credit/report.pdf"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/me/reports"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/me/access-log"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/access-log/{event_id}/staff"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"event_id": 999_999_999}, ok=frozenset({404})
    ),
    ("POST", "/me/access-log/joint-checks/{check_id}/staff"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"check_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/me/authorisations"): Access(SUBJECT_ACCOUNTS),
    # An uploaded signed document as the evidence (the page's other kind, a signature in
    # the page, must match each subject's own name).
    ("POST", "/me/authorisations"): Access(
        SUBJECT_ACCOUNTS,
        form=lambda w: {**disclosure_helpers.matrix_grant(w), "evidence_kind": "upload"},
        files=lambda w: {
            "evidence_file": ("authorisation.pdf", b"%PDF-1.4 signed", "application/pdf")
        },
    ),
    ("POST", "/me/authorisations/{authorisation_id}/revoke"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"authorisation_id": 999_999_999}, ok=frozenset({404})
    ),
    # --- api+pages/supervision: confidentiality review by the source's security officer
    # (Art. 12(3)); supervision of use by the credit authority (Art. 33). The matrix world has
    # no record, so a decision on an unknown record is a 404 past the role check; the
    # other organisation's officer is refused in tests/test_review.py. ---
    ("GET", "/api/v1/reviews"): Access(frozenset({"security"})),
    ("POST", "/api/v1/reviews/{record_id}/confirm"): Access(
        frozenset({"security"}),
        params=lambda w: {"record_id": 999_999_999},
        json=lambda w: {"note": "经审查不涉及秘密和隐私"},
        ok=frozenset({404}),
    ),
    ("POST", "/api/v1/reviews/{record_id}/redact"): Access(
        frozenset({"security"}),
        params=lambda w: {"record_id": 999_999_999},
        json=lambda w: {"fields": ["remarks"], "note": "涉及个人隐私"},
        ok=frozenset({404}),
    ),
    ("GET", "/reviews"): Access(frozenset({"security"})),
    ("POST", "/reviews/{record_id}/confirm"): Access(
        frozenset({"security"}),
        params=lambda w: {"record_id": 999_999_999},
        form=lambda w: {"note": "经审查不涉及秘密和隐私"},
        ok=frozenset({404}),
    ),
    ("POST", "/reviews/{record_id}/redact"): Access(
        frozenset({"security"}),
        params=lambda w: {"record_id": 999_999_999},
        form=lambda w: {"fields": ["remarks"], "note": "涉及个人隐私"},
        ok=frozenset({404}),
    ),
    ("GET", "/api/v1/supervision/volumes"): Access(
        frozenset({"authority"}), query=lambda w: {"since": "2026-11-01", "until": "2026-11-27"}
    ),
    ("GET", "/api/v1/supervision/signals"): Access(
        frozenset({"authority"}), query=lambda w: {"since": "2026-11-01", "until": "2026-11-27"}
    ),
    ("GET", "/api/v1/supervision/reports"): Access(
        frozenset({"authority"}), query=lambda w: {"since": "2026-11-01", "until": "2026-11-27"}
    ),
    ("GET", "/api/v1/supervision/follow-ups"): Access(frozenset({"authority"})),
    ("POST", "/api/v1/supervision/follow-ups"): Access(
        frozenset({"authority"}),
        json=lambda w: {
            "organisation": w.organisations["regulator"].code,
            "kind": "interview",
            "reason": "夜间集中查询",
        },
        ok=frozenset({201}),
        district=403,
    ),
    ("GET", "/supervision"): Access(frozenset({"authority"})),
    # The consents and authorisations given to supervised organisations (Art. 11, 13 ¶3,
    # 33): the credit authority, a district's filtered to its area. Flows, area, access log:
    # tests/test_grant_supervision.py.
    ("GET", "/api/v1/supervision/consents"): Access(
        frozenset({"authority"}), query=lambda w: {"status": "active", "limit": 5}
    ),
    ("GET", "/supervision/consents"): Access(
        frozenset({"authority"}), query=lambda w: {"signed_form": "yes"}
    ),
    # The credit authority ends a consent not lawfully obtained, with its reasons (decision
    # 0024, session 25 addendum); one outside its area is missing. Flows:
    # tests/test_consent_revoked_by_authority.py.
    ("POST", "/api/v1/supervision/consents/{consent_id}/revoke"): Access(
        frozenset({"authority"}),
        params=lambda w: {"consent_id": 999_999_999},
        json=lambda w: {"reasons": "服务与同意捆绑"},
        ok=frozenset({404}),
    ),
    ("POST", "/supervision/consents/{consent_id}/revoke"): Access(
        frozenset({"authority"}),
        params=lambda w: {"consent_id": 999_999_999},
        form=lambda w: {"reasons": "服务与同意捆绑"},
        ok=frozenset({404}),
    ),
    # The follow-ups against one's own organisation: its security officer (Art. 33 ¶2).
    # Flows: tests/test_follow_ups_received.py.
    ("GET", "/api/v1/organisation/follow-ups"): Access(frozenset({"security"})),
    ("GET", "/organisation/follow-ups"): Access(frozenset({"security"})),
    # --- institutions: the register of credit service institutions (Art. 26-27), public to
    # read and verify, kept by the credit authority; the industry statistics (Art. 28).
    # Flows and refusals: tests/test_institutions.py. ---
    ("GET", "/api/v1/institutions"): Access(PUBLIC),
    ("GET", "/api/v1/institutions/verify"): Access(
        PUBLIC, query=institutions_helpers.matrix_verify
    ),
    ("GET", "/api/v1/institutions/{uscc}"): Access(
        PUBLIC, params=institutions_helpers.matrix_institution
    ),
    ("POST", "/api/v1/institutions"): Access(
        frozenset({"authority"}),
        json=institutions_helpers.matrix_new_institution,
        ok=frozenset({201}),
        district=403,
    ),
    ("PUT", "/api/v1/institutions/{uscc}"): Access(
        frozenset({"authority"}),
        params=institutions_helpers.matrix_institution,
        json=institutions_helpers.matrix_amendment,
        district=403,
    ),
    ("POST", "/api/v1/institutions/{uscc}/status"): Access(
        frozenset({"authority"}),
        params=institutions_helpers.matrix_institution,
        json=institutions_helpers.matrix_suspension,
        district=403,
    ),
    # The public reads releases (decision 0055): the month before the world's day released,
    # as the daily job would. Today's provisional tables (`view=provisional`, the credit
    # authority only): tests/test_statistics_releases.py.
    ("GET", "/api/v1/industry-statistics"): Access(PUBLIC, query=_statistics_released),
    ("GET", "/api/v1/industry-statistics.csv"): Access(PUBLIC, query=_statistics_released),
    ("GET", "/api/v1/industry-statistics/releases"): Access(PUBLIC),
    ("GET", "/institutions"): Access(PUBLIC, query=institutions_helpers.matrix_verify),
    ("GET", "/institutions/{uscc}"): Access(PUBLIC, params=institutions_helpers.matrix_institution),
    ("GET", "/admin/institutions"): Access(frozenset({"authority"}), district=403),
    ("POST", "/admin/institutions"): Access(
        frozenset({"authority"}),
        form=institutions_helpers.matrix_new_institution_form,
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/admin/institutions/{uscc}"): Access(
        frozenset({"authority"}), params=institutions_helpers.matrix_institution, district=403
    ),
    ("POST", "/admin/institutions/{uscc}"): Access(
        frozenset({"authority"}),
        params=institutions_helpers.matrix_institution,
        form=institutions_helpers.matrix_amendment_form,
        ok=frozenset({303}),
        district=403,
    ),
    ("POST", "/admin/institutions/{uscc}/status"): Access(
        frozenset({"authority"}),
        params=institutions_helpers.matrix_institution,
        form=institutions_helpers.matrix_suspension,
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/statistics/industry"): Access(PUBLIC, query=_statistics_released),
    # --- typical cases of integrity publicity (Art. 32): the published ones are public;
    # officers of the credit authority draft, publish (never their own draft: the builders'
    # drafts are the second officer's) and withdraw. Flows: tests/test_typical_cases.py. ---
    ("GET", "/api/v1/typical-cases"): Access(PUBLIC),
    ("GET", "/api/v1/typical-cases/all"): Access(frozenset({"authority"})),
    ("GET", "/api/v1/typical-cases/{case_id}"): Access(
        PUBLIC, params=publicity_helpers.matrix_published
    ),
    ("POST", "/api/v1/typical-cases"): Access(
        frozenset({"authority"}),
        json=publicity_helpers.matrix_draft,
        ok=frozenset({201}),
        district=403,
    ),
    ("POST", "/api/v1/typical-cases/{case_id}/publish"): Access(
        frozenset({"authority"}), params=publicity_helpers.matrix_drafted, district=403
    ),
    ("POST", "/api/v1/typical-cases/{case_id}/withdraw"): Access(
        frozenset({"authority"}),
        params=publicity_helpers.matrix_published,
        json=publicity_helpers.matrix_reason,
        district=403,
    ),
    # The subject of a credit-repair case is asked, on the platform, for its consent to be
    # named (decision 0030): only the credit authority asks; only the company (the repaired
    # case's subject) answers or withdraws; every subject account lists its own requests.
    ("POST", "/api/v1/typical-cases/{case_id}/consent-request"): Access(
        frozenset({"authority"}), params=publicity_helpers.matrix_unasked_repair_case, district=403
    ),
    ("GET", "/api/v1/me/typical-case-consents"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/api/v1/me/typical-case-consents/{consent_id}"): Access(
        frozenset({"company"}),
        params=publicity_helpers.matrix_requested_consent,
        refused_other_subject=404,
    ),
    ("POST", "/api/v1/me/typical-case-consents/{consent_id}/answer"): Access(
        frozenset({"company"}),
        params=publicity_helpers.matrix_requested_consent,
        json=publicity_helpers.matrix_refusal,
        refused_other_subject=404,
    ),
    ("POST", "/api/v1/me/typical-case-consents/{consent_id}/withdraw"): Access(
        frozenset({"company"}),
        params=publicity_helpers.matrix_given_consent,
        refused_other_subject=404,
    ),
    ("GET", "/me/typical-cases"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/typical-cases/{consent_id}/answer"): Access(
        frozenset({"company"}),
        params=publicity_helpers.matrix_requested_consent,
        form=publicity_helpers.matrix_refusal_form,
        ok=frozenset({303}),
        refused_other_subject=404,
    ),
    ("POST", "/me/typical-cases/{consent_id}/withdraw"): Access(
        frozenset({"company"}),
        params=publicity_helpers.matrix_given_consent,
        ok=frozenset({303}),
        refused_other_subject=404,
    ),
    ("POST", "/admin/typical-cases/{case_id}/consent-request"): Access(
        frozenset({"authority"}),
        params=publicity_helpers.matrix_unasked_repair_case,
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/integrity"): Access(PUBLIC),
    ("GET", "/integrity/{case_id}"): Access(PUBLIC, params=publicity_helpers.matrix_published),
    ("GET", "/admin/typical-cases"): Access(frozenset({"authority"})),
    ("POST", "/admin/typical-cases"): Access(
        frozenset({"authority"}),
        form=publicity_helpers.matrix_draft_form,
        ok=frozenset({303}),
        district=403,
    ),
    ("POST", "/admin/typical-cases/{case_id}/publish"): Access(
        frozenset({"authority"}),
        params=publicity_helpers.matrix_drafted,
        ok=frozenset({303}),
        district=403,
    ),
    ("POST", "/admin/typical-cases/{case_id}/withdraw"): Access(
        frozenset({"authority"}),
        params=publicity_helpers.matrix_published,
        form=publicity_helpers.matrix_reason,
        ok=frozenset({303}),
        district=403,
    ),
    ("POST", "/supervision/follow-ups"): Access(
        frozenset({"authority"}),
        form=lambda w: {
            "organisation": w.organisations["regulator"].code,
            "kind": "warning",
            "reason": "查询事项外查询",
        },
        ok=frozenset({303}),
        district=403,
    ),
    # --- api/lists: red and black lists, measures, joint checks, grades (Art. 14-19). The
    # builders in tests/lists_helpers.py set up the entry a route needs (proposed by a
    # second case officer, so `caseofficer` may decide it). ---
    ("GET", "/api/v1/lists/{kind}"): Access(PUBLIC, params=lambda w: {"kind": "black"}),
    ("GET", "/api/v1/list-standards"): Access(PUBLIC),
    ("GET", "/api/v1/measures"): Access(PUBLIC),
    ("GET", "/api/v1/matters"): Access(PUBLIC),
    ("POST", "/api/v1/measures"): Access(
        frozenset({"authority"}), json=lists_helpers.matrix_new_measure, district=403
    ),
    ("POST", "/api/v1/measures/{code}/publish"): Access(
        frozenset({"authority"}), params=lists_helpers.matrix_measure_code, district=403
    ),
    ("POST", "/api/v1/measures/{code}/withdraw"): Access(
        frozenset({"authority"}), params=lists_helpers.matrix_measure_code, district=403
    ),
    ("POST", "/api/v1/list-entries"): Access(
        frozenset({"caseofficer"}), json=lists_helpers.matrix_proposal
    ),
    ("GET", "/api/v1/list-entries"): Access(frozenset({"caseofficer"})),
    # The entry in full (Art. 18 names in clear): the recognising agency, the credit
    # authority (its officer supervises, its objection handler decides objections to every
    # agency's entries), the subject itself.
    ("GET", "/api/v1/list-entries/{entry_id}"): Access(
        frozenset({"caseofficer", "authority", "objections", "company"}),
        params=lists_helpers.matrix_entry_noticed,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
        district=403,
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/approve"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_entry_closed,
        json=lists_helpers.matrix_reasons,
    ),
    ("POST", "/api/v1/list-entries/{entry_id}/reject"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_entry_closed,
        json=lists_helpers.matrix_reasons,
    ),
    # Proposes the removal (202): the recognising agency's officers; another decides it.
    ("POST", "/api/v1/list-entries/{entry_id}/remove"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_entry_published,
        json=lists_helpers.matrix_removal,
    ),
    ("GET", "/api/v1/list-removals"): Access(frozenset({"caseofficer"})),
    # An officer of the recognising agency other than the proposer (decision 0042).
    ("POST", "/api/v1/list-removals/{proposal_id}/approve"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_removal_proposal,
        json=lists_helpers.matrix_reasons_only,
    ),
    ("POST", "/api/v1/list-removals/{proposal_id}/refuse"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_removal_proposal,
        json=lists_helpers.matrix_reasons_only,
    ),
    # An officer of the recognising agency other than the proposer, or an objection handler
    # (the world's is the credit authority's, which decides every agency's).
    ("POST", "/api/v1/list-objections/{objection_id}/decide"): Access(
        frozenset({"caseofficer", "objections"}),
        params=undecided_objection,
        json=lists_helpers.matrix_decision,
        district=403,
    ),
    # What the caller decides: an objection handler's, or an approving officer's — those to
    # its agency's published entries, as its queue (/lists-queue) lists them.
    ("GET", "/api/v1/list-objections"): Access(
        frozenset({"caseofficer", "objections"}), params=lists_helpers.matrix_objection
    ),
    # Only the subject of the candidacy objects (the entry is about the company).
    ("POST", "/api/v1/me/list-entries/{entry_id}/objection"): Access(
        frozenset({"company"}),
        params=lists_helpers.matrix_entry_noticed,
        json=lists_helpers.matrix_objection_body,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    # --- api/early_removal (SAMR Order 44, decision 0027): only the listed subject applies;
    # the recognising agency's case officer proposes, another of its staff approves ---
    ("GET", "/api/v1/me/list-entries/{entry_id}/early-removal"): Access(
        frozenset({"company"}),
        params=lists_helpers.matrix_early_entry,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("POST", "/api/v1/me/list-entries/{entry_id}/early-removal"): Access(
        frozenset({"company"}),
        params=lists_helpers.matrix_early_entry,
        json=lists_helpers.matrix_early_application_body,
        # Applied once per entry: a second allowed call (there is none) would get 409.
        ok=frozenset({201, 409}),
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/api/v1/early-removals"): Access(frozenset({"caseofficer"})),
    # The application: its subject, the recognising agency, the credit authority's officer.
    ("GET", "/api/v1/early-removals/{application_id}"): Access(
        frozenset({"company", "caseofficer", "authority"}),
        params=lists_helpers.matrix_early_submitted,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
        district=403,
    ),
    ("POST", "/api/v1/early-removals/{application_id}/propose"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_early_submitted,
        json=lambda w: {"approve": False, "reasons": "罚款未缴清"},
    ),
    ("POST", "/api/v1/early-removals/{application_id}/decide"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_early_proposed,
        json=lambda w: {"confirm": True, "reasons": "同意驳回"},
    ),
    # The recognising court's staff who send its records or decide its entries (here the
    # regulator stands in for the court) confirm a defaulter's performance.
    ("POST", "/api/v1/list-entries/{entry_id}/performance"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=lists_helpers.matrix_court_entry,
        json=lists_helpers.matrix_performance,
    ),
    # --- api/name_objections (Art. 25; decision 0051): a person's registered name ---
    # A natural person's own account (an organisation's name follows its registration).
    ("POST", "/api/v1/me/name-objections"): Access(
        PERSON_ACCOUNTS, json=name_objection_helpers.matrix_fresh_body
    ),
    ("GET", "/api/v1/me/name-objections"): Access(PERSON_ACCOUNTS),
    # The city's credit authority's objection handler keeps the register of names.
    ("GET", "/api/v1/name-objections"): Access(frozenset({"objections"}), district=403),
    ("POST", "/api/v1/name-objections"): Access(
        frozenset({"objections"}), json=name_objection_helpers.matrix_on_behalf_body, district=403
    ),
    # The case and its evidence: the person and the handler; another subject is answered
    # as if it did not exist (ConcealedRefusal).
    ("GET", "/api/v1/name-objections/{objection_id}"): Access(
        frozenset({"citizen", "objections"}),
        params=name_objection_helpers.matrix_received,
        refused_other_subject=404,
        district=403,
    ),
    ("GET", "/api/v1/name-objections/{objection_id}/evidence"): Access(
        frozenset({"citizen", "objections"}),
        params=name_objection_helpers.matrix_received,
        refused_other_subject=404,
        district=403,
    ),
    ("POST", "/api/v1/name-objections/{objection_id}/decide"): Access(
        frozenset({"objections"}),
        params=name_objection_helpers.matrix_received,
        json=lambda w: {"outcome": "rejected", "reasons": "证件姓名与登记一致"},
        district=403,
    ),
    # --- api/objections (Art. 25): objections to credit records ---
    # Only the record's subject objects (the records are the company's).
    ("POST", "/api/v1/me/records/{record_id}/objections"): Access(
        frozenset({"company"}),
        params=objections_helpers.matrix_record,
        json=lambda w: {"ground": "error", "statement": "罚款金额有误"},
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/api/v1/me/objections"): Access(SUBJECT_ACCOUNTS),
    # The credit authority's objection handler; the sources see what is forwarded to them.
    ("GET", "/api/v1/record-objections"): Access(frozenset({"objections"})),
    ("GET", "/api/v1/record-objections/forwarded"): Access(
        frozenset({"objections", "reporter", "other_reporter"})
    ),
    # The case: its subject, the handler and the record's source (not another agency).
    ("GET", "/api/v1/record-objections/{objection_id}"): Access(
        frozenset({"company", "objections", "reporter"}),
        params=objections_helpers.matrix_received,
        district=403,
    ),
    ("POST", "/api/v1/record-objections/{objection_id}/forward"): Access(
        frozenset({"objections"}),
        params=objections_helpers.matrix_received,
        json=lambda w: {"note": "请来源单位核实"},
        district=403,
    ),
    # A received case: the handler decides; the source only once it is forwarded (403).
    ("POST", "/api/v1/record-objections/{objection_id}/decide"): Access(
        frozenset({"objections"}),
        params=objections_helpers.matrix_received,
        json=lambda w: {"outcome": "rejected", "reasons": "处罚决定书载明金额无误"},
        district=403,
    ),
    # Only the source's data reporter changes the record; handlers alter no data.
    ("POST", "/api/v1/record-objections/{objection_id}/correct"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded,
        json=objections_helpers.matrix_correction,
    ),
    ("POST", "/api/v1/record-objections/{objection_id}/withdraw"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded_withdrawal,
        json=lambda w: {"note": "不予公示"},
    ),
    ("POST", "/api/v1/record-objections/{objection_id}/stop-use"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded_duplicate,
        json=lambda w: {"note": "与另一条记录为同一处罚决定"},
    ),
    # --- api/collection: a source revokes its record (decision 0028) ---
    # Any unit's data reporters search their own unit's records.
    ("GET", "/api/v1/records"): Access(SUBMITTERS, query=lambda w: {"number": "榕市监罚"}),
    # One record: only the data reporters of the unit that submitted it (the regulator).
    ("GET", "/api/v1/records/{record_id}"): Access(frozenset({"reporter"}), params=_source_record),
    ("POST", "/api/v1/records/{record_id}/revoke"): Access(
        frozenset({"reporter"}), params=_source_record, json=lambda w: _REVOCATION
    ),
    ("POST", "/api/v1/records/{record_id}/reinstate"): Access(
        frozenset({"reporter"}), params=_revoked_record, json=lambda w: _REINSTATEMENT
    ),
    # --- api/repair (Art. 20-23): credit repair ---
    # Only the record's subject applies (the records are the company's).
    ("GET", "/api/v1/me/records/{record_id}/repair-checklist"): Access(
        frozenset({"company"}),
        params=repair_helpers.matrix_record,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("POST", "/api/v1/me/records/{record_id}/repairs"): Access(
        frozenset({"company"}),
        params=repair_helpers.matrix_record,
        json=repair_helpers.matrix_application,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/api/v1/me/repairs"): Access(SUBJECT_ACCOUNTS),
    # The credit authority sees every case: its objection handler and its officer.
    ("GET", "/api/v1/repair-cases"): Access(frozenset({"objections", "authority"})),
    # Any unit's case officers, reporters and handlers see their own unit's cases.
    ("GET", "/api/v1/repair-cases/source"): Access(
        frozenset({"objections", "reporter", "caseofficer", "other_reporter"})
    ),
    # The case: its subject, the credit authority and the record's source.
    ("GET", "/api/v1/repair-cases/{case_id}"): Access(
        frozenset({"company", "objections", "authority", "reporter", "caseofficer"}),
        params=repair_helpers.matrix_submitted,
        district=403,
    ),
    # Feedback (accept or not) is the platform's: the credit authority's objection handler.
    ("POST", "/api/v1/repair-cases/{case_id}/feedback"): Access(
        frozenset({"objections"}),
        params=repair_helpers.matrix_submitted,
        json=lambda w: {"accept": True},
        district=403,
    ),
    # The record's source decides an accepted case, and revokes an approved one (Art. 23).
    ("POST", "/api/v1/repair-cases/{case_id}/decide"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=repair_helpers.matrix_accepted,
        json=lambda w: {"approve": False, "reasons": "整改不到位"},
    ),
    ("POST", "/api/v1/repair-cases/{case_id}/fraud"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=repair_helpers.matrix_approved,
        json=lambda w: {"reasons": "整改材料系伪造"},
    ),
    # Anyone holding the query code: status and dates only.
    ("GET", "/api/v1/repair-progress/{query_code}"): Access(
        PUBLIC, params=repair_helpers.matrix_query_code
    ),
    # Public comment on red-list candidates needs no account.
    ("POST", "/api/v1/lists/red/candidates/{entry_id}/comments"): Access(
        PUBLIC,
        params=lists_helpers.matrix_red_candidate,
        json=lambda w: {"statement": lists_helpers.matrix_comment()},
    ),
    ("GET", "/api/v1/me/notices"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/api/v1/me/grade"): Access(SUBJECT_ACCOUNTS, params=lists_helpers.matrix_loaded),
    ("POST", "/api/v1/joint-checks"): Access(
        frozenset({"querier", "caseofficer"}), json=lists_helpers.matrix_joint_check
    ),
    ("POST", "/api/v1/measure-applications"): Access(
        frozenset({"caseofficer"}), json=lists_helpers.matrix_application
    ),
    # Art. 19: the subject, the credit authority (supervision); a bank only with a written
    # authorisation, which the matrix world does not have (tests/test_api_lists.py).
    ("GET", "/api/v1/subjects/{code}/credit-status"): Access(
        frozenset({"authority", *SUBJECT_ACCOUNTS}),
        object_level=True,
        params=lists_helpers.matrix_company,
    ),
    # --- api/disclosure: public records, the three lawful paths (Art. 13), reports, the
    # access log (Art. 24), authorisations, query items. Staff read through the regulator's
    # published query item (the analyst has no authorisation in the matrix world, so it is
    # refused); subject accounts ignore the item and read their own file only. Flows and
    # every refusal code: tests/test_api_disclosure.py. ---
    ("GET", "/api/v1/subjects/{code}/public"): Access(PUBLIC, params=company_code),
    ("GET", "/api/v1/subjects/{code}/file"): Access(
        frozenset({"querier", "caseofficer", *SUBJECT_ACCOUNTS}),
        object_level=True,
        params=company_code,
        query=disclosure_helpers.matrix_query,
    ),
    ("GET", "/api/v1/subjects/{code}/report"): Access(
        frozenset({"querier", "caseofficer", *SUBJECT_ACCOUNTS}),
        object_level=True,
        params=company_code,
        query=disclosure_helpers.matrix_query,
    ),
    # The caller's issued reports, and one of them opened again (tests/test_report_reopen.py):
    # 404 for everyone it was not issued to.
    ("GET", "/api/v1/reports"): Access(
        frozenset({"querier", "caseofficer", "analyst", *SUBJECT_ACCOUNTS})
    ),
    ("GET", "/api/v1/reports/{number}"): Access(
        frozenset({"querier", "caseofficer"}),
        params=disclosure_helpers.matrix_issued_report,
        refused=404,
    ),
    ("GET", "/api/v1/reports/{number}/verify"): Access(
        PUBLIC,
        params=disclosure_helpers.matrix_report_number,
        query=disclosure_helpers.matrix_report_code,
    ),
    ("GET", "/api/v1/me/access-log"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/api/v1/me/access-log/{event_id}/staff"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"event_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/api/v1/me/access-log/joint-checks/{check_id}/staff"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"check_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/api/v1/me/authorisations"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/api/v1/me/authorisations"): Access(
        SUBJECT_ACCOUNTS, json=disclosure_helpers.matrix_grant, ok=frozenset({201})
    ),
    ("POST", "/api/v1/me/authorisations/{authorisation_id}/revoke"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"authorisation_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/api/v1/query-items"): Access(PUBLIC),
    ("GET", "/api/v1/query-item-assignments"): Access(frozenset({"security"})),
    ("POST", "/api/v1/query-item-assignments"): Access(
        frozenset({"security"}), json=disclosure_helpers.matrix_assignment, ok=frozenset({201})
    ),
    ("POST", "/api/v1/query-item-assignments/{assignment_id}/withdraw"): Access(
        frozenset({"security"}), params=disclosure_helpers.matrix_held_assignment
    ),
    # The query items a staff member who queries holds (the world's are assigned to both).
    ("GET", "/api/v1/me/query-items"): Access(frozenset({"querier", "caseofficer"})),
    ("POST", "/api/v1/query-items"): Access(
        frozenset({"authority"}),
        json=disclosure_helpers.matrix_new_item,
        ok=frozenset({201}),
        district=403,
    ),
    # Agencies' query officers find any person; an institution only persons who authorised
    # it (the matrix world has no authorisation, so the analyst is refused).
    ("POST", "/api/v1/person-lookups"): Access(
        frozenset({"querier", "caseofficer"}),
        json=lambda w: {"citizen_id": subjects.reveal_citizen_id(w.subjects["person"])},
    ),
    ("POST", "/api/v1/query-items/{code}/publish"): Access(
        frozenset({"authority"}), params=disclosure_helpers.matrix_draft_item, district=403
    ),
    ("POST", "/api/v1/query-items/{code}/withdraw"): Access(
        frozenset({"authority"}), params=disclosure_helpers.matrix_live_item, district=403
    ),
    # --- api/collection (Art. 9–11): the world has the rule pack, as after `xinyong init`,
    # but no batches or records: a call about one is a 404 past the role check; flows:
    # tests/test_api_collection.py ---
    ("GET", "/api/v1/batches"): Access(BATCH_READERS),
    ("GET", "/api/v1/batches/{batch_id}"): Access(
        BATCH_READERS, params=lambda w: {"batch_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/api/v1/batches/{batch_id}/report.csv"): Access(
        BATCH_READERS, params=lambda w: {"batch_id": 999_999_999}, ok=frozenset({404})
    ),
    # Held rows and their review (decision 0050); flows: tests/test_held_rows_web.py.
    ("GET", "/api/v1/held-rows"): Access(HELD_ROW_REVIEWERS),
    ("GET", "/api/v1/held-rows/{row_id}"): Access(
        HELD_ROW_REVIEWERS, params=lambda w: {"row_id": 999_999_999}, ok=frozenset({404})
    ),
    ("POST", "/api/v1/held-rows/{row_id}/release"): Access(
        HELD_ROW_REVIEWERS,
        params=lambda w: {"row_id": 999_999_999},
        json=lambda w: {"reasons": "核实为同一主体"},
        ok=frozenset({404}),
    ),
    ("POST", "/api/v1/held-rows/{row_id}/reject"): Access(
        HELD_ROW_REVIEWERS,
        params=lambda w: {"row_id": 999_999_999},
        json=lambda w: {"reasons": "不是本主体"},
        ok=frozenset({404}),
    ),
    ("POST", "/api/v1/batches"): Access(
        SUBMITTERS,
        query=_penalty_sources,
        json=lambda w: [{"subject_name": "福州测试有限公司"}],
    ),
    ("GET", "/api/v1/catalog/record-types"): Access(PUBLIC),
    ("GET", "/api/v1/catalog/record-types/{code}"): Access(
        PUBLIC, params=lambda w: {"code": "administrative_penalty"}
    ),
    ("POST", "/api/v1/catalog/record-types"): Access(
        frozenset({"authority"}),
        json=lambda w: _matrix_record_type(),
        ok=frozenset({201}),
        district=403,
    ),
    ("PUT", "/api/v1/catalog/record-types/{code}"): Access(
        frozenset({"authority"}),
        params=lambda w: {"code": "administrative_penalty"},
        query=lambda w: {"note": "tighten"},
        json=lambda w: _matrix_record_type("administrative_penalty"),
        district=403,
    ),
    # The shipped rule pack's changes and the credit authority's answer (decision 0034);
    # flows: tests/test_rule_pack_upgrade.py, tests/test_pages_rule_pack.py.
    ("GET", "/api/v1/catalog/rule-pack"): Access(frozenset({"authority"})),
    ("POST", "/api/v1/catalog/rule-pack/{code}/reconcile"): Access(
        frozenset({"authority"}),
        params=lambda w: {"code": "utility_arrears"},
        json=_rule_pack_answer,
        ok=frozenset({201}),
        district=403,
    ),
    # The shipped lists rule pack's changes and the authority's answer (decision 0034
    # addendum); flows: tests/test_lists_rule_pack.py, tests/test_pages_lists_rule_pack.py.
    ("GET", "/api/v1/lists/rule-pack"): Access(frozenset({"authority"}), district=403),
    ("POST", "/api/v1/lists/rule-pack/{part}/{code}/reconcile"): Access(
        frozenset({"authority"}),
        params=lambda w: {"part": "matter", "code": "appointment"},
        json=_list_rule_pack_answer,
        district=403,
    ),
    ("GET", "/api/v1/sources"): Access(frozenset({"authority"})),
    ("POST", "/api/v1/sources"): Access(
        frozenset({"authority"}),
        json=lambda w: {
            "organisation": w.organisations["regulator"].code,
            "record_type": "administrative_penalty",
        },
        district=403,
    ),
    ("POST", "/api/v1/sources/revoke"): Access(
        frozenset({"authority"}),
        json=lambda w: {
            "organisation": _granted_penalty_source(w)["org"],
            "record_type": "administrative_penalty",
        },
        district=403,
    ),
    ("GET", "/api/v1/timeliness"): Access(frozenset({"authority"})),
    # A company has no consents to give or see (natural persons only, Art. 11 ¶1): 403.
    ("GET", "/api/v1/me/consents"): Access(PERSON_ACCOUNTS),
    ("POST", "/api/v1/me/consents"): Access(
        PERSON_ACCOUNTS,
        json=lambda w: {
            "grantee": w.organisations["bank"].code,
            "record_types": ["*"],
            "written": True,
        },
        ok=frozenset({201, 422}),
    ),
    ("POST", "/api/v1/me/consents/{consent_id}/revoke"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"consent_id": 999_999_999}, ok=frozenset({404})
    ),
    # A consent's signed form: the person whose consent it is, and the credit authority;
    # a consent without one, or not one's own, is missing. Flows: tests/test_consent.py.
    ("GET", "/api/v1/consents/{consent_id}/signed-form"): Access(
        SUBJECT_ACCOUNTS | {"authority"},
        params=lambda w: {"consent_id": 999_999_999},
        ok=frozenset({404}),
    ),
    # A written authorisation as signed: the person whose it is, and the credit authority
    # supervising the grantee (decision 0024, session 25). Flows: tests/test_grant_supervision.py.
    ("GET", "/api/v1/authorisations/{authorisation_id}/signed-form"): Access(
        SUBJECT_ACCOUNTS | {"authority"},
        params=lambda w: {"authorisation_id": 999_999_999},
        ok=frozenset({404}),
    ),
    ("POST", "/api/v1/consents"): Access(
        SUBMITTERS,
        json=lambda w: {
            "subject": _arrears_sources(w) or w.subjects["person"].reference,
            "grantee": "",
            "record_types": ["social_insurance_arrears"],
            "written": True,
            "evidence": "signed form",
        },
    ),
    # The page of POST /api/v1/consents: the person by ID number in the body, for the
    # recording staff's own organisation. Flows: tests/test_pages_consents.py.
    # An industry association's member register (Art. 10 ¶1; decision 0032): its own staff
    # who submit records; every other reporter is refused (not_an_association). Flows:
    # tests/test_members.py.
    ("GET", "/api/v1/members"): Access(frozenset({ASSOCIATION})),
    ("POST", "/api/v1/members"): Access(
        frozenset({ASSOCIATION}), json=lambda w: _membership(w), ok=frozenset({201})
    ),
    ("POST", "/api/v1/members/{membership_id}/end"): Access(
        frozenset({ASSOCIATION}),
        params=lambda w: {"membership_id": _membership_id(w)},
        json=lambda w: {"until": "2026-06-30"},
    ),
    # The persons answering for an organisation (Art. 18; decision 0036, session 12
    # addendum): the registration authority registers them, the credit authority reads them,
    # the public sees what the lists show (tests/test_responsible_register.py).
    ("GET", "/api/v1/subjects/{code}/responsible-persons"): Access(
        PUBLIC, params=_responsible_code
    ),
    ("POST", "/api/v1/subjects/{code}/responsible-persons"): Access(
        frozenset({"reporter"}),
        params=_responsible_code,
        json=_responsible_person,
        ok=frozenset({201}),
    ),
    ("POST", "/api/v1/subjects/{code}/responsible-persons/{registration_id}/end"): Access(
        frozenset({"reporter"}), params=_responsible_registration, json=_registration_end
    ),
    ("GET", "/responsible-persons"): Access(
        frozenset({"reporter", "authority"}), query=_responsible_code, district=403
    ),
    ("POST", "/responsible-persons"): Access(
        frozenset({"reporter"}),
        form=lambda w: {**_responsible_code(w), **_responsible_person(w)},
    ),
    ("POST", "/responsible-persons/{registration_id}/end"): Access(
        frozenset({"reporter"}),
        params=lambda w: {"registration_id": _responsible_registration(w)["registration_id"]},
        form=lambda w: {**_responsible_code(w), **_registration_end(w)},
    ),
    ("GET", "/members"): Access(frozenset({ASSOCIATION})),
    ("POST", "/members"): Access(frozenset({ASSOCIATION}), form=lambda w: _membership(w)),
    ("POST", "/members/{membership_id}/end"): Access(
        frozenset({ASSOCIATION}),
        params=lambda w: {"membership_id": _membership_id(w)},
        form=lambda w: {"until": "2026-06-30"},
    ),
    ("GET", "/consents"): Access(SUBMITTERS),
    ("POST", "/consents"): Access(SUBMITTERS, form=recorded_consent),
    ("POST", "/api/v1/me/declarations"): Access(
        SUBJECT_ACCOUNTS,
        json=lambda w: {"title": "经营情况", "content": "正常经营"},
    ),
    ("POST", "/api/v1/me/commitments"): Access(
        SUBJECT_ACCOUNTS,
        json=lambda w: {
            "commitment_type": "告知承诺",
            "reason": "行政许可",
            "text": "承诺所提交材料真实",
            "accepting_unit": w.organisations["regulator"].code,
        },
    ),
    ("GET", "/api/v1/commitments"): Access(SUBMITTERS),
    ("POST", "/api/v1/commitments/{record_id}/fulfilment"): Access(
        SUBMITTERS,
        params=lambda w: {"record_id": 999_999_999},
        json=lambda w: {"status": "fulfilled", "note": "已履约"},
        ok=frozenset({404}),
    ),
    # --- pages/lists (Art. 14–17): public lists and measures; officers' queue; joint check.
    # Calls about an entry the world does not have are 404 past the role check. ---
    ("GET", "/lists/{kind}"): Access(PUBLIC, params=lambda w: {"kind": "black"}),
    ("GET", "/measures"): Access(PUBLIC),
    ("GET", "/lists/red/candidates"): Access(PUBLIC, params=lists_helpers.matrix_loaded),
    ("POST", "/lists/red/candidates/{entry_id}/comment"): Access(
        PUBLIC,
        params=lists_helpers.matrix_red_candidate,
        form=lambda w: {"statement": lists_helpers.matrix_comment()},
    ),
    ("GET", "/lists-queue"): Access(frozenset({"caseofficer"})),
    ("POST", "/lists-queue/lookup"): Access(
        frozenset({"caseofficer"}), form=lambda w: {"subject": w.subjects["company"].uscc}
    ),
    ("POST", "/lists-queue/propose"): Access(
        frozenset({"caseofficer"}), form=lists_helpers.matrix_proposal_form
    ),
    ("POST", "/lists-queue/{entry_id}/decide"): Access(
        frozenset({"caseofficer"}),
        params=lambda w: {"entry_id": 999_999_999},
        form=lambda w: {"decision": "approve", "reasons": "符合标准"},
        ok=frozenset({404}),
    ),
    ("POST", "/lists-queue/{entry_id}/remove"): Access(
        frozenset({"caseofficer"}),
        params=lambda w: {"entry_id": 999_999_999},
        form=lambda w: {"reason": "exit_conditions_met", "detail": "已履行"},
        ok=frozenset({404}),
    ),
    ("GET", "/list-removals"): Access(frozenset({"caseofficer"})),
    ("POST", "/list-removals/{proposal_id}/decide"): Access(
        frozenset({"caseofficer"}),
        params=lambda w: {"proposal_id": 999_999_999},
        form=lambda w: {"decision": "approve", "reasons": "核实无误"},
        ok=frozenset({404}),
    ),
    ("POST", "/lists-queue/objections/{objection_id}"): Access(
        frozenset({"caseofficer"}),
        params=lambda w: {"objection_id": 999_999_999},
        form=lambda w: {"upheld": "no", "reasons": "理由不成立"},
        ok=frozenset({404}),
    ),
    # The objection handler's page: objections to list candidacies, decided with reasons.
    ("GET", "/list-objections"): Access(
        frozenset({"objections"}), params=lists_helpers.matrix_objection
    ),
    ("POST", "/list-objections/{objection_id}"): Access(
        frozenset({"objections"}),
        params=undecided_objection,
        form=lambda w: {"upheld": "no", "reasons": "异议理由不成立：处罚决定未履行"},
        district=403,
    ),
    # --- pages/early_removal (SAMR Order 44) ---
    ("POST", "/me/notices/{entry_id}/early-removal"): Access(
        frozenset({"company"}),
        params=lists_helpers.matrix_early_entry,
        form=lambda w: {
            "obligations_met": "罚款已缴清",
            "evidence": "缴款凭证",
            "commitment": "true",
        },
        ok=frozenset({303, 409}),
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/early-removals"): Access(frozenset({"caseofficer"})),
    ("GET", "/early-removals/{application_id}"): Access(
        frozenset({"company", "caseofficer", "authority"}),
        params=lists_helpers.matrix_early_submitted,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
        district=403,
    ),
    ("POST", "/early-removals/{application_id}/propose"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_early_submitted,
        form=lambda w: {"approve": "no", "reasons": "罚款未缴清"},
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
        owner="company",
    ),
    ("POST", "/early-removals/{application_id}/decide"): Access(
        frozenset({"caseofficer"}),
        params=lists_helpers.matrix_early_proposed,
        form=lambda w: {"confirm": "yes", "reasons": "同意驳回"},
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
        owner="company",
    ),
    ("GET", "/court-defaulters"): Access(
        frozenset({"reporter", "other_reporter", "caseofficer"}),
        params=lists_helpers.matrix_court_entry,
    ),
    ("POST", "/court-defaulters/{entry_id}/performance"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=lists_helpers.matrix_court_entry,
        form=lists_helpers.matrix_performance,
        ok=frozenset({303}),
    ),
    # --- pages/record_objections (Art. 25) ---
    # --- pages/source_records (decision 0028) ---
    ("GET", "/records"): Access(SUBMITTERS, query=lambda w: {"number": "榕市监罚"}),
    ("GET", "/records/{record_id}"): Access(frozenset({"reporter"}), params=_source_record),
    ("POST", "/records/{record_id}/revoke"): Access(
        frozenset({"reporter"}), params=_source_record, form=lambda w: _REVOCATION
    ),
    ("POST", "/records/{record_id}/reinstate"): Access(
        frozenset({"reporter"}), params=_revoked_record, form=lambda w: _REINSTATEMENT
    ),
    # --- pages/credit_repair (Art. 20-23) ---
    ("GET", "/me/repairs"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/repairs"): Access(
        frozenset({"company"}),
        form=repair_helpers.matrix_application_form,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/repair-cases"): Access(frozenset({"objections", "authority"})),
    ("GET", "/repair-cases/source"): Access(
        frozenset({"objections", "reporter", "caseofficer", "other_reporter"})
    ),
    ("GET", "/repair-cases/{case_id}"): Access(
        frozenset({"company", "objections", "authority", "reporter", "caseofficer"}),
        params=repair_helpers.matrix_submitted,
        district=403,
    ),
    ("POST", "/repair-cases/{case_id}/feedback"): Access(
        frozenset({"objections"}),
        params=repair_helpers.matrix_submitted,
        form=lambda w: {"accept": "yes", "reasons": ""},
        district=403,
    ),
    ("POST", "/repair-cases/{case_id}/decide"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=repair_helpers.matrix_accepted,
        form=lambda w: {"approve": "no", "reasons": "整改不到位"},
    ),
    ("POST", "/repair-cases/{case_id}/fraud"): Access(
        frozenset({"reporter", "caseofficer"}),
        params=repair_helpers.matrix_approved,
        form=lambda w: {"reasons": "整改材料系伪造"},
    ),
    ("GET", "/repair-progress"): Access(PUBLIC, query=repair_helpers.matrix_query_code_query),
    # --- pages/name_objections (Art. 25; decision 0051): a person's registered name ---
    ("GET", "/me/name"): Access(PERSON_ACCOUNTS),
    ("POST", "/me/name"): Access(
        PERSON_ACCOUNTS,
        form=name_objection_helpers.matrix_fresh_form,
        files=name_objection_helpers.matrix_files,
    ),
    ("GET", "/name-objections"): Access(frozenset({"objections"}), district=403),
    ("POST", "/name-objections"): Access(
        frozenset({"objections"}),
        form=name_objection_helpers.matrix_on_behalf_form,
        files=name_objection_helpers.matrix_files,
        district=403,
    ),
    ("GET", "/name-objections/{objection_id}"): Access(
        frozenset({"citizen", "objections"}),
        params=name_objection_helpers.matrix_received,
        refused_other_subject=404,
        district=403,
    ),
    ("GET", "/name-objections/{objection_id}/evidence"): Access(
        frozenset({"citizen", "objections"}),
        params=name_objection_helpers.matrix_received,
        refused_other_subject=404,
        district=403,
    ),
    ("POST", "/name-objections/{objection_id}/decide"): Access(
        frozenset({"objections"}),
        params=name_objection_helpers.matrix_received,
        form=lambda w: {"outcome": "rejected", "reasons": "证件姓名与登记一致"},
        district=403,
    ),
    ("GET", "/me/objections"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/objections"): Access(
        frozenset({"company"}),
        form=objections_helpers.matrix_record_form,
        # Another subject's id is answered as a missing one (ConcealedRefusal).
        refused_other_subject=404,
    ),
    ("GET", "/record-objections"): Access(frozenset({"objections"})),
    ("GET", "/record-objections/forwarded"): Access(
        frozenset({"objections", "reporter", "other_reporter"})
    ),
    ("GET", "/record-objections/{objection_id}"): Access(
        frozenset({"company", "objections", "reporter"}),
        params=objections_helpers.matrix_received,
        district=403,
    ),
    ("POST", "/record-objections/{objection_id}/forward"): Access(
        frozenset({"objections"}),
        params=objections_helpers.matrix_received,
        form=lambda w: {"note": "请来源单位核实"},
        district=403,
    ),
    ("POST", "/record-objections/{objection_id}/decide"): Access(
        frozenset({"objections"}),
        params=objections_helpers.matrix_received,
        form=lambda w: {"outcome": "rejected", "reasons": "处罚决定书载明金额无误"},
        district=403,
    ),
    ("POST", "/record-objections/{objection_id}/correct"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded,
        form=objections_helpers.matrix_correction_form,
    ),
    ("POST", "/record-objections/{objection_id}/withdraw"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded_withdrawal,
        form=lambda w: {"note": "不予公示"},
    ),
    ("POST", "/record-objections/{objection_id}/stop-use"): Access(
        frozenset({"reporter"}),
        params=objections_helpers.matrix_forwarded_duplicate,
        form=lambda w: {"note": "与另一条记录为同一处罚决定"},
    ),
    # --- pages/measures (Art. 15-18): the authority's measure catalog, applying a measure ---
    ("GET", "/admin/measures"): Access(frozenset({"authority"}), district=403),
    ("POST", "/admin/measures"): Access(
        frozenset({"authority"}), form=lists_helpers.matrix_new_measure, district=403
    ),
    ("POST", "/admin/measures/{code}/publish"): Access(
        frozenset({"authority"}), params=lists_helpers.matrix_measure_code, district=403
    ),
    ("POST", "/admin/measures/{code}/withdraw"): Access(
        frozenset({"authority"}), params=lists_helpers.matrix_measure_code, district=403
    ),
    ("GET", "/measure-applications"): Access(frozenset({"caseofficer"})),
    ("POST", "/measure-applications"): Access(
        frozenset({"caseofficer"}), form=lists_helpers.matrix_application
    ),
    ("GET", "/joint-check"): Access(frozenset({"querier", "caseofficer"})),
    ("POST", "/joint-check"): Access(
        frozenset({"querier", "caseofficer"}),
        form=lambda w: {"matter": "public_resource_trading", "codes": w.subjects["company"].uscc},
    ),
    ("GET", "/me/notices"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/notices/{entry_id}/objection"): Access(
        SUBJECT_ACCOUNTS,
        params=lambda w: {"entry_id": 999_999_999},
        form=lambda w: {"statement": "有异议"},
        ok=frozenset({404}),
    ),
    ("GET", "/me/grade"): Access(SUBJECT_ACCOUNTS),
    # --- api+pages/admin: only the platform administrator manages accounts ---
    ("GET", "/api/v1/admin/organisations"): Access(frozenset({"admin"})),
    ("POST", "/api/v1/admin/organisations"): Access(
        frozenset({"admin"}),
        json=lambda w: {"code": _new_uscc(), "name": "福州市测试中心", "kind": "state_organ"},
        ok=frozenset({201}),
    ),
    ("GET", "/api/v1/admin/users"): Access(frozenset({"admin"})),
    ("POST", "/api/v1/admin/users"): Access(
        frozenset({"admin"}),
        json=lambda w: {
            "username": "matrix.user",
            "role": "data_reporter",
            "organisation": w.organisations["regulator"].code,
        },
        ok=frozenset({201}),
    ),
    ("POST", "/api/v1/admin/users/{user_id}/deactivate"): Access(
        frozenset({"admin"}), params=lambda w: {"user_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/api/v1/admin/api-keys"): Access(frozenset({"admin"})),
    ("POST", "/api/v1/admin/api-keys"): Access(
        frozenset({"admin"}),
        json=lambda w: {
            "organisation": w.organisations["regulator"].code,
            "role": "data_reporter",
            "name": "reporting system",
        },
        ok=frozenset({201}),
    ),
    ("POST", "/api/v1/admin/api-keys/{key_id}/revoke"): Access(
        frozenset({"admin"}), params=lambda w: {"key_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/admin/users"): Access(frozenset({"admin"})),
    ("POST", "/admin/users"): Access(
        frozenset({"admin"}),
        form=lambda w: {
            "username": "matrix.user",
            "role": "data_reporter",
            "organisation": w.organisations["regulator"].code,
        },
        ok=frozenset({303}),
    ),
    # --- api+pages/subject_accounts: the credit authority's officer releases activation
    # codes; the administrator who creates the account may not (decision 0031 addendum) ---
    ("GET", "/api/v1/subject-accounts"): Access(frozenset({"authority"})),
    ("POST", "/api/v1/subject-accounts/{user_id}/activation-code"): Access(
        frozenset({"authority"}),
        params=_fresh_subject_account,
        ok=frozenset({201}),
    ),
    ("GET", "/subject-accounts"): Access(frozenset({"authority"})),
    ("POST", "/subject-accounts/{user_id}/activation-code"): Access(
        frozenset({"authority"}),
        params=_fresh_subject_account,
        ok=frozenset({200}),
    ),
    # --- api+pages/staff_accounts: the same counter for staff accounts; an administrator
    # lists the administrators' accounts, whose codes another administrator releases
    # (decision 0033) ---
    ("GET", "/api/v1/staff-accounts"): Access(frozenset({"authority", "admin"})),
    ("POST", "/api/v1/staff-accounts/{user_id}/activation-code"): Access(
        frozenset({"authority"}), params=_fresh_staff_account, ok=frozenset({201}), district=403
    ),
    ("GET", "/staff-accounts"): Access(frozenset({"authority", "admin"})),
    ("POST", "/staff-accounts/{user_id}/activation-code"): Access(
        frozenset({"authority"}), params=_fresh_staff_account, ok=frozenset({200}), district=403
    ),
    # --- api+pages/api_keys: an organisation's keys, released by its staff member of the
    # key's role (decision 0033) ---
    ("GET", "/api/v1/api-keys"): Access(STAFF - {"admin"}),
    ("POST", "/api/v1/api-keys/{key_id}/secret"): Access(
        frozenset({"reporter"}), params=_pending_key, ok=frozenset({201})
    ),
    ("GET", "/api-keys"): Access(STAFF - {"admin"}),
    ("POST", "/api-keys/{key_id}/secret"): Access(
        frozenset({"reporter"}), params=_pending_key, ok=frozenset({200})
    ),
    # --- api+pages/account: one's own account and its history (decision 0033) ---
    ("GET", "/api/v1/me/account"): Access(LOGGED_IN),
    ("GET", "/account"): Access(LOGGED_IN),
    ("POST", "/admin/users/{user_id}/deactivate"): Access(
        frozenset({"admin"}), params=lambda w: {"user_id": 999_999_999}, ok=frozenset({404})
    ),
    ("POST", "/admin/organisations"): Access(
        frozenset({"admin"}),
        form=lambda w: {"code": _new_uscc(), "name": "福州市测试中心", "kind": "state_organ"},
        ok=frozenset({303}),
    ),
    ("POST", "/admin/api-keys"): Access(
        frozenset({"admin"}),
        form=lambda w: {
            "organisation": w.organisations["regulator"].code,
            "role": "data_reporter",
            "name": "reporting system",
        },
        ok=frozenset({303}),
    ),
    ("POST", "/admin/api-keys/{key_id}/revoke"): Access(
        frozenset({"admin"}), params=lambda w: {"key_id": 999_999_999}, ok=frozenset({404})
    ),
    # --- pages/collection and pages/me (Art. 9–11, 24): uploads, declarations and
    # commitments; flows: tests/test_pages_collection.py ---
    ("GET", "/batches"): Access(BATCH_READERS),
    ("GET", "/batches/upload"): Access(SUBMITTERS),
    ("GET", "/held-rows"): Access(HELD_ROW_REVIEWERS),
    ("GET", "/held-rows/{row_id}"): Access(
        HELD_ROW_REVIEWERS, params=lambda w: {"row_id": 999_999_999}, ok=frozenset({404})
    ),
    ("POST", "/held-rows/{row_id}/release"): Access(
        HELD_ROW_REVIEWERS,
        params=lambda w: {"row_id": 999_999_999},
        form=lambda w: {"reasons": "核实为同一主体"},
        ok=frozenset({404}),
    ),
    ("POST", "/held-rows/{row_id}/reject"): Access(
        HELD_ROW_REVIEWERS,
        params=lambda w: {"row_id": 999_999_999},
        form=lambda w: {"reasons": "不是本主体"},
        ok=frozenset({404}),
    ),
    ("POST", "/batches/upload"): Access(
        SUBMITTERS,
        form=lambda w: {"record_type": _penalty_sources(w)["type"]},
        files=lambda w: {
            "file": ("penalties.csv", "行政相对人名称\n福州测试有限公司\n".encode(), "text/csv")
        },
        ok=frozenset({303}),
    ),
    ("GET", "/batches/{batch_id}"): Access(
        BATCH_READERS, params=lambda w: {"batch_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/batches/{batch_id}/report.csv"): Access(
        BATCH_READERS, params=lambda w: {"batch_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/supervision/timeliness"): Access(frozenset({"authority"})),
    ("GET", "/catalog"): Access(PUBLIC),
    ("GET", "/catalog/{code}"): Access(PUBLIC, params=lambda w: {"code": "administrative_penalty"}),
    # --- pages/catalog and pages/sources (Art. 9, 11, 35): the authority edits the catalog
    # and the responsibility list; flows: tests/test_pages_catalog.py ---
    ("GET", "/admin/catalog/new"): Access(frozenset({"authority"})),
    ("POST", "/admin/catalog/new"): Access(
        frozenset({"authority"}),
        form=lambda w: {"definition": json.dumps(_matrix_record_type()), "note": "matrix"},
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/admin/catalog/rule-pack"): Access(frozenset({"authority"})),
    ("GET", "/admin/lists/rule-pack"): Access(frozenset({"authority"}), district=403),
    ("GET", "/admin/lists/rule-pack/{part}/{code}"): Access(
        frozenset({"authority"}),
        params=lambda w: {"part": "matter", "code": "appointment"},
        district=403,
    ),
    ("POST", "/admin/lists/rule-pack/{part}/{code}"): Access(
        frozenset({"authority"}),
        params=lambda w: {"part": "matter", "code": "appointment"},
        form=_list_rule_pack_answer,
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/admin/catalog/rule-pack/{code}"): Access(
        frozenset({"authority"}), params=lambda w: {"code": "utility_arrears"}
    ),
    ("POST", "/admin/catalog/rule-pack/{code}"): Access(
        frozenset({"authority"}),
        params=lambda w: {"code": "utility_arrears"},
        form=lambda w: {
            **(answer := _rule_pack_answer(w)),
            "definition": json.dumps(answer["definition"]),
        },
        ok=frozenset({303}),
        district=403,
    ),
    ("GET", "/admin/catalog/{code}/revise"): Access(
        frozenset({"authority"}), params=lambda w: {"code": "administrative_penalty"}
    ),
    ("POST", "/admin/catalog/{code}/revise"): Access(
        frozenset({"authority"}),
        params=lambda w: {"code": "administrative_penalty"},
        form=lambda w: {
            "definition": json.dumps(_matrix_record_type("administrative_penalty")),
            "note": "tighten",
        },
        ok=frozenset({303}),
    ),
    ("GET", "/admin/sources"): Access(frozenset({"authority"})),
    ("POST", "/admin/sources"): Access(
        frozenset({"authority"}),
        form=lambda w: {
            "org": w.organisations["regulator"].code,
            "type": "administrative_penalty",
        },
        ok=frozenset({303}),
        district=403,
    ),
    ("POST", "/admin/sources/{org}/{record_type}/revoke"): Access(
        frozenset({"authority"}), params=_granted_penalty_source, ok=frozenset({303}), district=403
    ),
    ("GET", "/commitments"): Access(SUBMITTERS),
    ("GET", "/commitments/{record_id}/fulfilment"): Access(
        SUBMITTERS, params=lambda w: {"record_id": 999_999_999}, ok=frozenset({200, 404})
    ),
    ("POST", "/commitments/{record_id}/fulfilment"): Access(
        SUBMITTERS,
        params=lambda w: {"record_id": 999_999_999},
        form=lambda w: {"status": "fulfilled", "note": "已履约"},
        ok=frozenset({404}),
    ),
    ("GET", "/me"): Access(SUBJECT_ACCOUNTS),
    ("GET", "/me/consents"): Access(PERSON_ACCOUNTS),
    ("POST", "/me/consents"): Access(
        PERSON_ACCOUNTS,
        form=lambda w: {
            "grantee": w.organisations["bank"].code,
            "record_types": ["contract_performance"],
            "written": "true",
        },
        ok=frozenset({303}),
    ),
    ("GET", "/consents/{consent_id}/signed-form"): Access(
        SUBJECT_ACCOUNTS | {"authority"},
        params=lambda w: {"consent_id": 999_999_999},
        ok=frozenset({404}),
    ),
    ("GET", "/authorisations/{authorisation_id}/signed-form"): Access(
        SUBJECT_ACCOUNTS | {"authority"},
        params=lambda w: {"authorisation_id": 999_999_999},
        ok=frozenset({404}),
    ),
    ("POST", "/me/consents/{consent_id}/revoke"): Access(
        SUBJECT_ACCOUNTS, params=lambda w: {"consent_id": 999_999_999}, ok=frozenset({404})
    ),
    ("GET", "/me/declarations"): Access(SUBJECT_ACCOUNTS),
    ("POST", "/me/declarations"): Access(
        SUBJECT_ACCOUNTS,
        form=lambda w: {"title": "经营情况", "content": "正常经营"},
    ),
    ("POST", "/me/commitments"): Access(
        SUBJECT_ACCOUNTS,
        form=lambda w: {
            "commitment_type": "告知承诺",
            "reason": "行政许可",
            "text": "承诺所提交材料真实",
            "accepting_unit": w.organisations["regulator"].code,
        },
    ),
}


# --- the routes the app really has ----------------------------------------------------------


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route, with routers included however FastAPI nests
    them. HEAD is left out where GET is there: Starlette answers it with the GET endpoint."""
    keys: set[tuple[str, str]] = set()
    for path, methods, route in _flatten(app):
        if isinstance(route, Mount):
            continue  # /static: files, not endpoints
        assert path, f"route without a path: {route!r}"
        assert methods, f"route without methods: {route!r}"
        for method in methods:
            if method == "HEAD" and "GET" in methods:
                continue
            keys.add((method, path))
    return keys


def _flatten(app: FastAPI) -> Iterator[tuple[str, set[str], BaseRoute]]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.137 copied included routes into app.routes
        for route in app.routes:
            yield getattr(route, "path", ""), set(getattr(route, "methods", None) or ()), route
        return
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        yield (
            str(context.path_format or context.path or ""),
            set(context.methods or ()),
            original,
        )


def test_every_route_has_an_entry(app: FastAPI) -> None:
    routes = route_keys(app)
    # Never vacuous: a change in how FastAPI nests routers must not empty the enumeration.
    assert {("GET", "/api/v1/me"), ("POST", "/login"), ("GET", "/docs")} <= routes
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    problems = [f"no MATRIX entry for {method} {path}" for method, path in missing]
    problems += [
        f"MATRIX entry for a route that is gone: {method} {path}" for method, path in stale
    ]
    assert not problems, "\n".join(problems)


def test_entries_are_well_formed() -> None:
    known = set(ACCOUNTS) - {ANONYMOUS} | {ASSOCIATION}
    for (method, path), access in MATRIX.items():
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, (method, path)
        if not isinstance(access.allowed, _Public):
            assert access.allowed <= known, (path, sorted(access.allowed - known))
            assert ANONYMOUS not in access.allowed, "anonymous access is spelt PUBLIC"
        if access.object_level:
            assert f"{{{access.subject_param}}}" in path, (method, path)
            assert not isinstance(access.allowed, _Public), "a public route has no owner"
        # A citizen ID never goes into a URL; references do.
        assert "citizen_id" not in path


# --- calling a route as somebody ------------------------------------------------------------


@pytest.fixture
def world(world: World, db: Session) -> World:
    """The demo world, committed. The client shares the test's session, and a refused
    request rolls that session back to its last commit (in production, only the request's
    own work): without this commit a refusal would wipe the world."""
    with_association(world)
    with_district(world)
    db.commit()
    return world


def with_district(world: World) -> World:
    """The world with ``DISTRICT_ACCOUNTS``: an officer and an objection handler of
    福清市's credit authority."""
    from tests.factories import OrganisationFactory, UserFactory
    from xinyong.accounts.models import OrganisationKind, Role

    if "fuqing" not in world.users:
        organisation = OrganisationFactory(
            name="福清市发展和改革局", kind=OrganisationKind.CREDIT_AUTHORITY, jurisdiction=FUQING
        )
        world.organisations["fuqing"] = organisation
        for username, role in (
            ("fuqing", Role.CREDIT_AUTHORITY_OFFICER),
            ("fuqing_objections", Role.OBJECTION_HANDLER),
        ):
            world.users[username] = UserFactory(
                username=username, role=role, organisation=organisation
            )
        world.session.flush()
    return world


def with_association(world: World) -> World:
    """The world with ``ASSOCIATION``: a data reporter of an industry association."""
    import random

    from tests.factories import OrganisationFactory, UserFactory
    from xinyong.accounts.models import OrganisationKind, Role
    from xinyong.synthetic import make_uscc

    if ASSOCIATION not in world.users:
        organisation = OrganisationFactory(
            name="福州市餐饮行业协会",
            kind=OrganisationKind.INDUSTRY_ASSOCIATION,
            code=make_uscc(random.Random(513), prefix="51"),
        )
        world.organisations[ASSOCIATION] = organisation
        world.users[ASSOCIATION] = UserFactory(
            username=ASSOCIATION, role=Role.DATA_REPORTER, organisation=organisation
        )
        world.session.flush()
    return world


def is_page(path: str) -> bool:
    return not path.startswith("/api/")


def _session_middleware(app: FastAPI) -> dict[str, Any]:
    """The settings the app gave its session middleware (key, cookie name)."""
    (middleware,) = [m for m in app.user_middleware if m.cls is SessionMiddleware]
    return dict(middleware.kwargs)


def _session_signer(app: FastAPI) -> TimestampSigner:
    return TimestampSigner(str(_session_middleware(app)["secret_key"]))


def session_cookie_name(app: FastAPI) -> str:
    return str(_session_middleware(app)["session_cookie"])


def page_session(app: FastAPI, contents: dict[str, Any]) -> str:
    """A page session cookie as the app's session middleware writes one."""
    data = base64.b64encode(json.dumps(contents).encode())
    return _session_signer(app).sign(data).decode()


def session_contents(app: FastAPI, cookie: str) -> dict[str, Any]:
    data = _session_signer(app).unsign(cookie.encode())
    contents: dict[str, Any] = json.loads(base64.b64decode(data))
    return contents


def log_in(client: TestClient, world: World, account: str, *, page: bool) -> dict[str, str]:
    """Be the account, as logging in would make the caller: for a page, the session cookie
    ``POST /login`` sets (plus the form's CSRF token, which the returned mapping carries
    for the calls to send); for the API, the bearer header ``POST /api/v1/auth/token``
    gives. Minted with the app's own keys, because logging in thirteen times a route was
    most of the matrix's time; ``test_logging_in_gives_what_the_matrix_mints`` holds the
    two to each other, the routes themselves have entries, and tests/test_accounts.py
    checks the login."""
    uid = None if account == ANONYMOUS else inspect(world.users[account]).identity[0]  # type: ignore[index]
    # The version of the account's credentials, which a login puts in the session and the
    # token (decision 0031 addendum); read without refreshing the world's rows.
    cv = (
        None
        if uid is None
        else world.session.scalar(
            select(UserAccount.credentials_version).where(UserAccount.id == uid)
        )
    )
    app: FastAPI = client.app  # type: ignore[assignment]
    if page:
        csrf = secrets.token_urlsafe(16)
        # When the session began, by the app's clock, as a login puts it there.
        since = int(app.state.context.clock.now().timestamp())
        contents = (
            {"csrf": csrf} if uid is None else {"uid": uid, "cv": cv, "since": since, "csrf": csrf}
        )
        client.cookies.set(session_cookie_name(app), page_session(app, contents))
        return {"csrf_token": csrf}
    if uid is None:
        return {}
    token = app.state.context.signer.issue(SimpleNamespace(id=uid, credentials_version=cv))
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Call:
    """One request, built before any request is made (a refusal expires the world's rows)."""

    method: str
    url: str
    query: dict[str, Any] | None
    json: dict[str, Any] | None
    form: dict[str, Any] | None
    files: dict[str, tuple[str, bytes, str]] | None
    content: bytes | None
    headers: dict[str, str]


def build_call(
    world: World, method: str, path: str, access: Access, subject_key: str | None = None
) -> Call:
    params = {key: str(value) for key, value in access.params(world).items()}
    if subject_key is not None:
        params[access.subject_param] = world.subjects[subject_key].reference
    return Call(
        method=method,
        url=path.format(**params),
        query=access.query(world) if access.query else None,
        json=access.json(world) if access.json else None,
        form=access.form(world) if access.form else None,
        files=access.files(world) if access.files else None,
        content=access.content(world) if access.content else None,
        headers=dict(access.headers),
    )


def perform(
    client: TestClient, world: World, path: str, account: str, calls: list[Call]
) -> list[Response]:
    """Be the account the way a client of this route is (a page with its session cookie,
    the API with a bearer token), then make the calls."""
    # As a request would (a login used to do it): what the calls' builders made is
    # committed, since a refused call rolls the shared session back to its last commit and
    # every account must meet the same rows; and the world's rows are let go loaded, since
    # that rollback expires what the session holds.
    world.session.commit()
    world.session.close()
    client.cookies.clear()
    headers: dict[str, str] = {}
    form_token: dict[str, str] = {}
    if is_page(path):
        form_token = log_in(client, world, account, page=True)
    else:
        headers = log_in(client, world, account, page=False)
    responses = []
    for call in calls:
        form = call.form
        if is_page(path) and call.method != "GET":
            form = {**(form or {}), **form_token}
        responses.append(
            client.request(
                call.method,
                call.url,
                params=call.query,
                json=call.json,
                data=form,
                files=call.files,
                content=call.content,
                headers={**headers, **call.headers},
                follow_redirects=False,
            )
        )
    return responses


def assert_allowed(response: Response, access: Access, what: str) -> None:
    assert response.status_code not in (401, 403), f"{what} was refused: {response.text[:300]}"
    assert response.status_code < 500, f"{what} failed: {response.text[:300]}"
    assert response.status_code in access.ok, (
        f"{what} answered {response.status_code}; the entry's request may be invalid: "
        f"{response.text[:300]}"
    )


def assert_refused(response: Response, account: str, what: str, refused: int = 403) -> None:
    expected = 401 if account == ANONYMOUS else refused
    assert response.status_code == expected, (
        f"{what} should be refused with {expected}, got {response.status_code}: "
        f"{response.text[:300]}"
    )


# The world's own staff, whom a route's entry refuses by role: the PostgreSQL pass keeps
# the first of them per route (``on_postgresql``).
ROLE_ONLY = tuple(account for account in ALL_ACCOUNTS if account not in SUBJECT_ACCOUNTS)


def on_postgresql(accounts: tuple[str, ...], access: Access) -> tuple[str, ...]:
    """The accounts the PostgreSQL pass calls a route as: every allowed one, and every
    refusal that turns on data — anonymous, the subjects' own accounts (their subject or
    another's), another agency's staff, a district's — but, of the world's own staff whose
    role the route's entry refuses, only the first. Those are turned away by their role
    (``require``), the same check whatever the database; the SQLite pass calls every one of
    them, and on PostgreSQL the rest repeated it at twice the cost, a third of the matrix
    there (decision 0047 addendum, session 22)."""
    refused_by_role = [
        account for account in accounts if account in ROLE_ONLY and not access.permits(account)
    ]
    return tuple(account for account in accounts if account not in refused_by_role[1:])


def check(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    access: Access,
    account: str,
    built: dict[str | None, Call] | None = None,
) -> None:
    """``account`` calling the route; ``built`` keeps the requests built for it, by subject,
    for the next account to send again (safe methods only), or is None to build afresh."""

    def call_for(subject_key: str | None = None) -> Call:
        if built is None:
            return build_call(world, method, path, access, subject_key)
        if subject_key not in built:
            built[subject_key] = build_call(world, method, path, access, subject_key)
        return built[subject_key]

    what = f"{method} {path} as {account}"
    if access.object_level and account in SUBJECT_ACCOUNTS:
        own = call_for(OWN_SUBJECT[account])
        other = call_for(OTHER_SUBJECT[account])
        own_response, other_response = perform(client, world, path, account, [own, other])
        if access.permits(account):
            assert_allowed(own_response, access, f"{what} (own subject)")
        else:
            assert_refused(own_response, account, f"{what} (own subject)", access.refused)
        # Never another subject's: Art. 13 ¶1.
        assert_refused(other_response, account, f"{what} (another subject)", access.refused)
        return
    (response,) = perform(client, world, path, account, [call_for()])
    if account in DISTRICT_ACCOUNTS and access.district is not None:
        assert_refused(response, account, what, access.district)
        if access.district == 403 and not is_page(path):
            code = response.json()["error"]["code"]
            assert code == "outside_own_jurisdiction", f"{what}: {code}"
        return
    if account in DISTRICT_ACCOUNTS:
        account_allowed = access.permits(DISTRICT_ACCOUNTS[account])
    else:
        account_allowed = access.permits(account)
    if account_allowed:
        assert_allowed(response, access, what)
    else:
        assert_refused(response, account, what, access.refusal_for(account))


ROUTES = [pytest.param(method, path, id=f"{method} {path}") for (method, path) in sorted(MATRIX)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Every account logs in from the test client's one address within a test."""
    # The matrix revokes the company's repairs for fraud (Art. 23) again and again: the
    # exclusion period after one would refuse its next application.
    return Settings(
        data_dir=tmp_path, login_attempts_per_window=10_000, repair_fraud_exclusion_months=0
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_matrix(client: TestClient, world: World, method: str, path: str) -> None:
    """Every account against one route, in one world: building a world per (route, account)
    pair cost ~13 times as much for the same checks."""
    check_every_account(client, world, method, path, MATRIX[(method, path)])


def check_every_account(
    client: TestClient, world: World, method: str, path: str, access: Access
) -> None:
    """``check`` as every account, all failures reported together."""
    failures: list[str] = []
    named = not isinstance(access.allowed, _Public) and ASSOCIATION in access.allowed
    accounts = (*ACCOUNTS, ASSOCIATION) if named else ACCOUNTS
    # A district's staff where their city counterparts are let in (``DISTRICT_ACCOUNTS``).
    accounts += tuple(
        district
        for district, city in DISTRICT_ACCOUNTS.items()
        if not isinstance(access.allowed, _Public) and city in access.allowed
    )
    if os.environ.get("XINYONG_TEST_DATABASE_URL"):
        accounts = on_postgresql(accounts, access)
    # A GET changes nothing, so every account may send the one request built for the
    # route (or for each subject of an object-level route); building it again for each
    # account was a third of the matrix's time on PostgreSQL.
    built: dict[str | None, Call] | None = {} if method == "GET" else None
    for account in accounts:
        try:
            check(client, world, method, path, access, account, built)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def test_logging_in_gives_what_the_matrix_mints(client: TestClient, world: World) -> None:
    """The matrix does not log in (``log_in``); this is what it stands for. A login through
    the page keeps the user, its credentials version, when it logged in and the form's
    token in the session, nothing else; a token from the API is the signer's token for
    the user; both let the account in."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"username": "citizen", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.get("/me")  # a page renders a form, which puts a CSRF token in the session
    contents = session_contents(client.app, client.cookies[session_cookie_name(client.app)])  # type: ignore[arg-type]
    citizen_id = inspect(world.users["citizen"]).identity[0]  # type: ignore[index]
    assert set(contents) == {"uid", "cv", "since", "csrf"}
    assert contents["uid"] == citizen_id
    minted = log_in(client, world, "citizen", page=True)
    assert client.get("/me").status_code == 200
    assert set(minted) == {"csrf_token"}

    client.cookies.clear()
    signer = client.app.state.context.signer  # type: ignore[attr-defined]
    for headers in (auth_headers(client, "citizen"), log_in(client, world, "citizen", page=False)):
        assert set(headers) == {"Authorization"}
        claims = signer.claims(headers["Authorization"].removeprefix("Bearer "))
        assert claims.user_id == citizen_id
        assert claims.credentials_version == contents["cv"]
        assert client.get("/api/v1/me", headers=headers).json()["subject_id"] is not None


# --- the harness itself ---------------------------------------------------------------------
# No foundation route is object-level yet, so these prove the object-level branch and the
# refusal expectations on a route made for the purpose, before a real one relies on them.

_probe = APIRouter()


@_probe.get("/api/v1/_matrix_probe/{code}")
def _probe_own_file(code: str, actor: ActorDep, session: SessionDep) -> dict[str, str]:
    subject = subjects.by_reference(session, code)
    require_own_subject(actor, subject.id)
    return {"reference": subject.reference}


@_probe.post("/_matrix_probe/{code}")
def _probe_page_form(
    request: Request,
    code: str,
    actor: ActorDep,
    session: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
) -> dict[str, str]:
    check_csrf(request, csrf_token)
    subject = subjects.by_reference(session, code)
    require_own_subject(actor, subject.id)
    return {"reference": subject.reference}


PROBES: dict[tuple[str, str], Access] = {
    ("GET", "/api/v1/_matrix_probe/{code}"): Access(
        frozenset({"citizen", "company", "other_citizen"}),
        object_level=True,
        params=company_code,
    ),
    ("POST", "/_matrix_probe/{code}"): Access(
        frozenset({"citizen", "company", "other_citizen"}),
        object_level=True,
        params=company_code,
    ),
}


@pytest.mark.parametrize(
    ("method", "path"),
    [pytest.param(method, path, id=f"{method} {path}") for (method, path) in sorted(PROBES)],
)
@pytest.mark.own_app
def test_harness_checks_object_level_access(
    app: FastAPI, client: TestClient, world: World, method: str, path: str
) -> None:
    """Every account against the probe, in one app and world as ``test_matrix`` does: an
    app of its own per account cost a second each for the same checks."""
    app.include_router(_probe)
    check_every_account(client, world, method, path, PROBES[(method, path)])


@pytest.mark.own_app
def test_harness_notices_a_route_open_to_the_wrong_people(
    app: FastAPI, client: TestClient, world: World
) -> None:
    # A subject reading another subject's file must fail the check, not pass it.
    app.include_router(_probe)
    wrong = Access(PUBLIC, params=company_code)
    with pytest.raises(AssertionError, match="was refused"):
        check(client, world, "GET", "/api/v1/_matrix_probe/{code}", wrong, "citizen")
    too_open = Access(frozenset({"company"}), object_level=True, params=company_code)
    with pytest.raises(AssertionError, match="should be refused"):
        check(client, world, "GET", "/api/v1/_matrix_probe/{code}", too_open, "citizen")
