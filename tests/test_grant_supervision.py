"""The credit authority's list of the consents and written authorisations given to the
organisations it supervises (Art. 6, 11, 13 ¶3, 27 ¶2, 33), and why a person's grant ended
(Art. 24): the person, the credit authority, the system when the institution was registered
again, or its end date."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    add_reporter,
    catalog_loaded,
    collection_world,
    grant,
)
from tests.factories import World, auth_headers, district_authority
from tests.page_helpers import HTML, log_in
from tests.test_consent import consent_world, give_consent  # noqa: F401 - fixture
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.catalog.models import RecordType
from xinyong.clock import FixedClock
from xinyong.collection import consent as consent_rules
from xinyong.collection.models import Consent, ConsentRecordType, Revocation
from xinyong.crypto import default_cipher
from xinyong.disclosure import access, authorisations, grant_supervision
from xinyong.disclosure.models import (
    AccessEvent,
    Authorisation,
    AuthorisationForm,
    AuthorisationRecordType,
    LegalPath,
)
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.web.labels import GRANT_END_LABELS, GRANT_END_LABELS_SUPERVISED

LIST = "/api/v1/supervision/consents"
GULOU = "350102"
SIGNED_FORM = b"%PDF-1.7\n% signed consent form\n"
SERVICE = "信用评价报告"


@pytest.fixture
def supervised(consent_world: World, db: Session, clock: FixedClock) -> dict[str, Any]:
    """A credit service institution of 鼓楼区 holding a consent with its signed form from
    the person; the person's consent to the bank (city), revoked by the other person's to
    the bank for all types; and a district authority of 鼓楼区 and one of 福清市."""
    from tests.factories import InstitutionFactory, OrganisationFactory

    entry = InstitutionFactory(name="福州鼓楼守信评估有限公司")
    institution = OrganisationFactory(
        name=entry.name,
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        code=entry.uscc,
        jurisdiction=GULOU,
    )
    grant(db, clock, institution, "contract_performance")
    add_reporter(db, institution, "inst_clerk")
    district_authority(GULOU, username="gulou")
    district_authority("350181", username="fuqing")
    db.commit()
    return {"institution": institution, "entry": entry}


def _record_with_form(client: TestClient, world: World) -> dict[str, Any]:
    person = world.subjects["person"]
    response = client.post(
        "/api/v1/consents",
        json={
            "subject": person.reference,
            "record_types": ["contract_performance"],
            "written": True,
            "evidence": "书面同意书 2026-031",
            "service": SERVICE,
            "service_not_conditional": True,
            "evidence_document": base64.b64encode(SIGNED_FORM).decode(),
        },
        headers=auth_headers(client, "inst_clerk"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _grants(
    consent_world: World,
    client: TestClient,
) -> dict[str, Any]:
    """The three consents: with a form (institution), to the bank, to the bank revoked."""
    world = consent_world
    bank = world.organisations["bank"].code
    with_form = _record_with_form(client, world)
    to_bank = give_consent(client, bank, ["contract_performance"])
    other = client.post(
        "/api/v1/me/consents",
        json={"grantee": bank, "record_types": ["*"]},
        headers=auth_headers(client, "other_citizen"),
    )
    assert other.status_code == 201, other.text
    revoked = client.post(
        f"/api/v1/me/consents/{other.json()['id']}/revoke",
        headers=auth_headers(client, "other_citizen"),
    )
    assert revoked.status_code == 200, revoked.text
    return {"with_form": with_form, "to_bank": to_bank, "revoked": revoked.json()}


def _listed(client: TestClient, username: str, **params: Any) -> Any:
    return client.get(LIST, params=params, headers=auth_headers(client, username))


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_the_city_authority_lists_filters_and_pages_the_consents(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    world = consent_world
    made = _grants(world, client)
    form_id, bank_id, revoked_id = (made[k]["id"] for k in ("with_form", "to_bank", "revoked"))
    everything = _listed(client, "authority")
    # Newest first.
    assert _ids(everything) == [revoked_id, bank_id, form_id]
    body = everything.json()
    assert (body["total"], body["offset"], body["next_offset"]) == (3, 0, None)
    by_id = {item["id"]: item for item in body["items"]}
    person = world.subjects["person"]
    shown = by_id[form_id]
    # The person named, the ID number masked, never in clear.
    assert shown["subject"]["name"] == person.name
    assert shown["subject"]["citizen_id_masked"] == person.citizen_id_masked
    assert re.fullmatch(r"\d{6}\*{8}[\dX]{4}", shown["subject"]["citizen_id_masked"])
    assert shown["grantee"]["code"] == supervised["institution"].code
    assert shown["signed_form"] == f"/api/v1/consents/{form_id}/signed-form"
    assert shown["service"] == SERVICE
    assert by_id[bank_id]["signed_form"] is None
    assert (by_id[revoked_id]["status"], by_id[revoked_id]["end_reason"]) == (
        "revoked",
        "revoked_by_subject",
    )
    # The signed form it links to opens for the authority.
    opened = client.get(shown["signed_form"], headers=auth_headers(client, "authority"))
    assert (opened.status_code, opened.content) == (200, SIGNED_FORM)

    # Filters.
    assert _ids(_listed(client, "authority", signed_form=True)) == [form_id]
    assert _ids(_listed(client, "authority", signed_form=False)) == [revoked_id, bank_id]
    bank = world.organisations["bank"].code
    assert _ids(_listed(client, "authority", grantee=bank.lower())) == [revoked_id, bank_id]
    assert _ids(_listed(client, "authority", status="revoked")) == [revoked_id]
    assert _ids(_listed(client, "authority", status="active")) == [bank_id, form_id]
    assert _ids(_listed(client, "authority", status="expired")) == []
    # A consent to all types covers the type asked for.
    assert _ids(_listed(client, "authority", scope="contract_performance")) == [
        revoked_id,
        bank_id,
        form_id,
    ]
    assert _ids(_listed(client, "authority", scope="social_insurance_arrears")) == [revoked_id]
    today = world.clock.today()
    assert len(_ids(_listed(client, "authority", since=today, until=today))) == 3
    tomorrow = today + dt.timedelta(days=1)
    assert _ids(_listed(client, "authority", since=tomorrow)) == []
    # The ends of the calendar are days like any other, not a crash.
    assert len(_ids(_listed(client, "authority", since="0001-01-01", until="9999-12-31"))) == 3
    assert _ids(_listed(client, "authority", kind="authorisation")) == []
    # Pages.
    first = _listed(client, "authority", limit=2)
    assert _ids(first) == [revoked_id, bank_id]
    assert (first.json()["total"], first.json()["next_offset"]) == (3, 2)
    assert _ids(_listed(client, "authority", limit=2, offset=2)) == [form_id]


def test_listing_consents_is_in_each_persons_access_log_and_audited_without_their_data(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    world = consent_world
    made = _grants(world, client)
    before = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1)) or 0
    assert _listed(client, "authority", signed_form=True).status_code == 200
    db.expire_all()
    entries = db.scalars(
        select(AccessEvent).where(AccessEvent.id > before, AccessEvent.what == access.GRANTS_LISTED)
    ).all()
    # Only the person shown on the page.
    assert [(e.subject_id, e.legal_path, e.purpose) for e in entries] == [
        (world.subjects["person"].id, LegalPath.OFFICIAL_DUTY, access.SUPERVISION_PURPOSE)
    ]
    (event,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.supervision_list")
    ).all()
    assert event.details["shown"] == [made["with_form"]["id"]]
    assert event.details["filters"]["signed_form"] is True
    assert event.details["total"] == 1
    text = str(event.details)
    assert world.subjects["person"].name not in text
    # A page showing nobody logs nobody, and is still audited.
    assert _ids(_listed(client, "authority", status="expired")) == []
    db.expire_all()
    assert (
        len(
            db.scalars(
                select(AuditEvent).where(AuditEvent.action == "consent.supervision_list")
            ).all()
        )
        == 2
    )
    assert (
        len(
            db.scalars(
                select(AccessEvent).where(
                    AccessEvent.id > before, AccessEvent.what == access.GRANTS_LISTED
                )
            ).all()
        )
        == 1
    )


def test_a_district_authority_lists_its_own_districts_grantees_only(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
) -> None:
    made = _grants(consent_world, client)
    form_id = made["with_form"]["id"]
    # 鼓楼区's authority: the institution of its district, not the city's bank.
    assert _ids(_listed(client, "gulou")) == [form_id]
    bank = consent_world.organisations["bank"].code
    # Filtered, not refused (decision 0046).
    assert _ids(_listed(client, "gulou", grantee=bank)) == []
    opened = client.get(
        f"/api/v1/consents/{form_id}/signed-form", headers=auth_headers(client, "gulou")
    )
    assert opened.status_code == 200
    # 福清市's sees none of them, and the form is not found for it.
    assert _ids(_listed(client, "fuqing")) == []
    refused = client.get(
        f"/api/v1/consents/{form_id}/signed-form", headers=auth_headers(client, "fuqing")
    )
    assert refused.status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"status": "lapsed"}, 422, "invalid_choice", "status"),
        ({"kind": "contract"}, 422, "invalid_choice", "kind"),
        ({"scope": "no_such_type"}, 404, "unknown_record_type", "scope"),
        ({"limit": 0}, 422, "out_of_range", "limit"),
        ({"offset": -1}, 422, "out_of_range", "offset"),
        ({"since": "2026-12-02", "until": "2026-12-01"}, 422, "invalid_period", "since"),
        ({"since": "yesterday"}, 422, None, None),
    ],
)
def test_bad_filters_are_refused_with_their_field(
    consent_world: World,
    client: TestClient,
    params: dict[str, Any],
    status: int,
    code: str | None,
    field: str | None,
) -> None:
    refused = _listed(client, "authority", **params)
    assert refused.status_code == status, refused.text
    if code is not None:
        error = refused.json()["error"]
        assert (error["code"], error.get("field")) == (code, field)


@pytest.mark.parametrize("username", ["citizen", "reporter", "querier", "admin", "objections"])
def test_only_the_credit_authority_lists_consents(
    consent_world: World,
    client: TestClient,
    username: str,
) -> None:
    assert _listed(client, username).status_code == 403


def test_the_authority_finds_a_consent_on_its_page_and_the_link_to_its_form(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
) -> None:
    made = _grants(consent_world, client)
    form_id = made["with_form"]["id"]
    log_in(client, "authority")
    home = client.get("/supervision", headers=HTML)
    assert 'href="/supervision/consents"' in home.text
    page = client.get("/supervision/consents?signed_form=yes&lang=en", headers=HTML)
    assert page.status_code == 200, page.text
    assert f'data-consent="{form_id}"' in page.text
    assert f'href="/consents/{form_id}/signed-form"' in page.text
    assert consent_world.subjects["person"].citizen_id_masked in page.text
    assert f'data-consent="{made["to_bank"]["id"]}"' not in page.text
    revoked = client.get("/supervision/consents?status=revoked&lang=en", headers=HTML)
    assert 'data-end-reason="revoked_by_subject"' in revoked.text
    assert "Revoked by the person" in revoked.text
    # A bad filter is a refusal page, not a crash.
    assert client.get("/supervision/consents?status=lapsed", headers=HTML).status_code == 422


def test_a_record_type_finds_the_grants_naming_that_exact_code_only(
    consent_world: World,
    db: Session,
    clock: FixedClock,
) -> None:
    """The scope is matched by the code itself: a code that is a prefix, a suffix, a part of
    another or the same letters in another case finds nothing (the JSON list matched as
    text let SQLite's case-blind LIKE find ``Administrative_Penalty``)."""
    world = consent_world
    near = [
        "penalty",
        "administrative",
        "istrative_pen",
        "Administrative_Penalty",
        "administrative_penalt_",
    ]
    for code in near:
        db.add(RecordType(code=code, active=True, created_at=clock.now()))
    grant = {
        "subject_id": world.subjects["person"].id,
        "grantee_organisation_id": world.organisations["bank"].id,
        "record_type_codes": ["administrative_penalty"],
        "granted_at": clock.now(),
    }
    consent = Consent(**grant, written=True, valid_from=clock.today())
    authorisation = Authorisation(
        **grant,
        purpose="x",
        valid_until=clock.today(),
        evidence_kind="signed_in_page",
        evidence_sha256="0" * 64,
    )
    db.add_all([consent, authorisation])
    db.flush()
    authority = accounts.actor_for_user(world.users["authority"])

    def found(kind: str, scope: str) -> list[int]:
        filters = grant_supervision.Filters(kind=kind, scope=scope)
        page = grant_supervision.supervised_grants(db, clock, authority, filters)
        return [item.id for item in page.items]

    for kind, grant_id in (("consent", consent.id), ("authorisation", authorisation.id)):
        assert found(kind, "administrative_penalty") == [grant_id]
        for code in near:
            assert found(kind, code) == [], (kind, code)


def test_a_grants_named_types_are_written_with_it_by_every_path(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    """The rows the filter reads say what the grant's list says, for each way a grant is
    made (the person's consent, the institution's with its form, an authorisation)."""
    _grants(consent_world, client)
    _authorised(client, supervised["entry"].uscc, consent_world.clock)
    db.expire_all()
    for model, rows, key in (
        (Consent, ConsentRecordType, "consent_id"),
        (Authorisation, AuthorisationRecordType, "authorisation_id"),
    ):
        grants = db.scalars(select(model)).all()
        assert grants
        for item in grants:
            named = db.scalars(
                select(rows.record_type_code).where(getattr(rows, key) == item.id)
            ).all()
            assert sorted(named) == sorted(set(item.record_type_codes))


# --- an authorisation as signed (Art. 13 ¶3, 33) -----------------------------------------------

SIGNED_AUTHORISATION = b"%PDF-1.7\n% signed written authorisation\n"


def _authorised(
    client: TestClient,
    grantee: str,
    clock: FixedClock,
    *,
    upload: bool = False,
) -> dict[str, Any]:
    evidence: dict[str, Any] = (
        {"evidence_kind": "upload", "evidence": base64.b64encode(SIGNED_AUTHORISATION).decode()}
        if upload
        else {"evidence_kind": "signed_in_page", "evidence": "本人同意查询本人合同履约信息。"}
    )
    given = client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": grantee,
            "record_types": ["contract_performance"],
            "purpose": "信用评价",
            "valid_until": (clock.today() + dt.timedelta(days=60 if upload else 30)).isoformat(),
            "service": SERVICE,
            "service_not_conditional": True,
            **evidence,
        },
        headers=auth_headers(client, "citizen"),
    )
    assert given.status_code == 201, given.text
    body: dict[str, Any] = given.json()
    return body


def test_the_authority_reads_an_authorisation_as_signed_logged_for_the_person(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
    clock: FixedClock,
) -> None:
    uscc = supervised["entry"].uscc
    signed = _authorised(client, uscc, clock)
    uploaded = _authorised(client, uscc, clock, upload=True)
    listed = _listed(client, "authority", kind="authorisation").json()["items"]
    links = {item["id"]: item["signed_form"] for item in listed}
    assert links == {
        signed["id"]: f"/api/v1/authorisations/{signed['id']}/signed-form",
        uploaded["id"]: f"/api/v1/authorisations/{uploaded['id']}/signed-form",
    }
    before = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1)) or 0
    text = client.get(links[signed["id"]], headers=auth_headers(client, "authority"))
    assert text.status_code == 200, text.text
    assert text.headers["content-type"].startswith("text/plain")
    assert text.content.decode() == "本人同意查询本人合同履约信息。"
    document = client.get(links[uploaded["id"]], headers=auth_headers(client, "authority"))
    assert (document.status_code, document.content) == (200, SIGNED_AUTHORISATION)
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["cache-control"] == "no-store"
    db.expire_all()
    entries = db.scalars(
        select(AccessEvent).where(
            AccessEvent.id > before, AccessEvent.what == access.AUTHORISATION_FORM
        )
    ).all()
    person = consent_world.subjects["person"]
    assert sorted((e.subject_id, e.authorisation_id, e.legal_path, e.purpose) for e in entries) == [
        (person.id, signed["id"], LegalPath.OFFICIAL_DUTY, access.SUPERVISION_PURPOSE),
        (person.id, uploaded["id"], LegalPath.OFFICIAL_DUTY, access.SUPERVISION_PURPOSE),
    ]
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "authorisation.form_read")
    ).all()
    assert sorted((e.details["authorisation_id"], e.details["own"]) for e in events) == [
        (signed["id"], False),
        (uploaded["id"], False),
    ]
    # The person reads it too, unlogged in its own access log.
    own = client.get(links[signed["id"]], headers=auth_headers(client, "citizen"))
    assert own.status_code == 200
    db.expire_all()
    assert (
        db.scalar(
            select(func.count())
            .select_from(AccessEvent)
            .where(AccessEvent.id > before, AccessEvent.what == access.AUTHORISATION_FORM)
        )
        == 2
    )


def test_an_authorisations_evidence_is_kept_encrypted_and_no_list_loads_it(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    engine: Engine,
    db: Session,
    clock: FixedClock,
) -> None:
    """The evidence (an upload, a text signed in the page: the person's name and signature)
    is kept in ``authorisation_form`` encrypted under its authorisation's context, not on the
    authorisation's row; the lists that show authorisations — the authority's supervision
    list (API and page), the person's own (API and page) — never select it, and still link
    the signed form (migration 0074, session 25)."""
    uscc = supervised["entry"].uscc
    signed = _authorised(client, uscc, clock)
    uploaded = _authorised(client, uscc, clock, upload=True)
    columns = {c.name for c in Authorisation.__table__.columns}
    assert "evidence" not in columns
    kept = {
        row.authorisation_id: row.ciphertext
        for row in db.execute(
            select(AuthorisationForm.authorisation_id, AuthorisationForm.ciphertext)
        )
    }
    assert set(kept) == {signed["id"], uploaded["id"]}
    assert "本人同意" not in kept[signed["id"]]
    assert base64.b64encode(SIGNED_AUTHORISATION).decode() not in kept[uploaded["id"]]
    assert authorisations.evidence_of(db, signed["id"]) == "本人同意查询本人合同履约信息。"
    # Under its own authorisation's context only.
    with pytest.raises(InvalidTag):
        default_cipher().decrypt(kept[signed["id"]], context=authorisations.form_context(0))
    # No statement that builds a list reads the evidence, whichever way it is asked for.
    assert "authorisation_form.ciphertext" not in str(select(Authorisation))
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = _listed(client, "authority", kind="authorisation")
        own = client.get("/api/v1/me/authorisations", headers=auth_headers(client, "citizen"))
        log_in(client, "authority")
        page = client.get("/supervision/consents?kind=authorisation&lang=en", headers=HTML)
        log_in(client, "citizen")
        own_page = client.get("/me/authorisations", headers=HTML)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert listed.status_code == own.status_code == page.status_code == own_page.status_code == 200
    assert {item["id"] for item in own.json()["items"]} == {signed["id"], uploaded["id"]}
    assert all(item["signed_form"] for item in listed.json()["items"])
    for grant_id in (signed["id"], uploaded["id"]):
        assert f'href="/authorisations/{grant_id}/signed-form"' in page.text
        assert f'href="/authorisations/{grant_id}/signed-form"' in own_page.text
    evidence = re.compile(r"authorisation_form\.ciphertext|authorisation\.evidence\b")
    reading = [s for s in statements if evidence.search(s)]
    assert reading == []
    assert any("authorisation_form" in s for s in statements)  # the links: which keep one


def test_an_authorisation_as_signed_is_the_person_and_the_areas_authority_only(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    clock: FixedClock,
) -> None:
    signed = _authorised(client, supervised["entry"].uscc, clock)
    path = f"/api/v1/authorisations/{signed['id']}/signed-form"
    # 鼓楼区's authority supervises the institution; 福清市's does not: not found for it, as
    # for another person, and as for an authorisation that does not exist.
    assert client.get(path, headers=auth_headers(client, "gulou")).status_code == 200
    for username in ("fuqing", "other_citizen"):
        refused = client.get(path, headers=auth_headers(client, username))
        assert refused.status_code == 404, username
        assert refused.json()["error"]["code"] == "not_found"
    missing = "/api/v1/authorisations/999999999/signed-form"
    assert client.get(missing, headers=auth_headers(client, "authority")).status_code == 404
    # Staff without supervision are refused outright.
    for username in ("reporter", "querier", "admin", "inst_clerk"):
        assert client.get(path, headers=auth_headers(client, username)).status_code == 403


def test_the_authority_opens_an_authorisation_from_its_page(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    clock: FixedClock,
) -> None:
    signed = _authorised(client, supervised["entry"].uscc, clock)
    log_in(client, "authority")
    page = client.get("/supervision/consents?kind=authorisation&lang=en", headers=HTML)
    assert page.status_code == 200, page.text
    link = f'href="/authorisations/{signed["id"]}/signed-form"'
    assert link in page.text
    opened = client.get(f"/authorisations/{signed['id']}/signed-form", headers=HTML)
    assert opened.status_code == 200
    assert opened.content.decode() == "本人同意查询本人合同履约信息。"


def test_the_person_opens_their_authorisation_as_signed_from_their_page(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
    clock: FixedClock,
) -> None:
    signed = _authorised(client, supervised["entry"].uscc, clock)
    log_in(client, "citizen")
    page = client.get("/me/authorisations", headers=HTML)
    assert f'href="/authorisations/{signed["id"]}/signed-form"' in page.text
    before = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1)) or 0
    opened = client.get(f"/authorisations/{signed['id']}/signed-form", headers=HTML)
    assert opened.status_code == 200
    assert opened.content.decode() == "本人同意查询本人合同履约信息。"
    # The person's own read is audited, and not a use of their data by another.
    db.expire_all()
    assert db.scalar(select(AccessEvent.id).where(AccessEvent.id > before)) is None
    (event,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "authorisation.form_read")
    ).all()
    assert event.details == {"authorisation_id": signed["id"], "own": True}


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("signed_form=maybe", 422, "invalid_request", "signed_form"),
        ("signed_form=true", 422, "invalid_request", "signed_form"),
        ("since=yesterday", 422, "invalid_request", "since"),
        ("until=2026-13-01", 422, "invalid_request", "until"),
        ("status=lapsed", 422, "invalid_choice", "status"),
        ("kind=contract", 422, "invalid_choice", "kind"),
        ("scope=no_such_type", 404, "unknown_record_type", "scope"),
        ("since=2026-12-02&until=2026-12-01", 422, "invalid_period", "since"),
        ("offset=-1", 422, "out_of_range", "offset"),
    ],
)
def test_a_bad_filter_is_refused_on_the_page_as_the_api_refuses_it(
    consent_world: World,
    client: TestClient,
    query: str,
    status: int,
    code: str,
    field: str,
) -> None:
    """Never ignored: the page answers with the API's status and code, beside its filter
    form, in the page's language; and the API refuses the same value the same way."""
    log_in(client, "authority")
    page = client.get(f"/supervision/consents?{query}&lang=zh_Hans", headers=HTML)
    assert page.status_code == status, page.text
    assert f'data-code="{code}"' in page.text
    assert f"<dd>{field}</dd>" in page.text
    assert 'id="filter-heading"' in page.text
    assert 'id="grants-heading"' not in page.text
    api_query = query.replace("signed_form=maybe", "signed_form=maybe")
    if "signed_form=true" not in query:
        refused = client.get(f"{LIST}?{api_query}", headers=auth_headers(client, "authority"))
        assert refused.status_code == status, refused.text
        assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (code, field)


def test_a_refused_filter_is_said_in_the_pages_language(
    consent_world: World,
    client: TestClient,
) -> None:
    log_in(client, "authority")
    page = client.get("/supervision/consents?signed_form=maybe&lang=zh_Hans", headers=HTML)
    assert "请从所列选项中选择" in page.text
    page = client.get("/supervision/consents?since=yesterday&lang=zh_Hans", headers=HTML)
    assert "不是有效日期：请使用 YYYY-MM-DD 格式" in page.text


# --- why a person's grant ended (Art. 24) ----------------------------------------------------


def test_a_person_sees_why_each_grant_ended_in_three_languages(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
    clock: FixedClock,
) -> None:
    """Revoked by the person; revoked by the system when the institution's entry was
    deregistered and its code registered again; expired — in the API (codes and words in
    the language asked for) and on the page."""
    world = consent_world
    bank = world.organisations["bank"].code
    made = _grants(world, client)
    entry = supervised["entry"]
    short = give_consent(
        client,
        bank,
        ["contract_performance"],
        valid_until=(clock.today() + dt.timedelta(days=1)).isoformat(),
    )
    own = give_consent(client, bank, ["social_insurance_arrears"])
    assert (
        client.post(
            f"/api/v1/me/consents/{own['id']}/revoke", headers=auth_headers(client, "citizen")
        ).status_code
        == 200
    )
    register.change_status(
        db, clock, SYSTEM_ACTOR, entry.uscc, status=InstitutionStatus.DEREGISTERED, reason="注销"
    )
    register.register(
        db,
        clock,
        SYSTEM_ACTOR,
        uscc=entry.uscc,
        name=entry.name,
        filing_number="闽信备〔2026〕9901号",
        filing_date=dt.date(2026, 3, 1),
        business_scope="信用评价",
        services=[SERVICE],
    )
    db.commit()
    clock.advance(dt.timedelta(days=2))
    headers = auth_headers(client, "citizen")
    expected = {
        made["with_form"]["id"]: ("revoked", "revoked_grantee_registered_again"),
        short["id"]: ("expired", "expired"),
        own["id"]: ("revoked", "revoked_by_subject"),
        made["to_bank"]["id"]: ("active", None),
    }
    english = client.get("/api/v1/me/consents", params={"lang": "en"}, headers=headers).json()
    by_id = {item["id"]: item for item in english["items"]}
    assert {i: (by_id[i]["status"], by_id[i]["end_reason"]) for i in expected} == expected
    assert by_id[made["with_form"]["id"]]["end_reason_text"].startswith("Revoked by the system")
    assert by_id[made["to_bank"]["id"]]["end_reason_text"] is None
    chinese = client.get(
        "/api/v1/me/consents", headers={**headers, "Accept-Language": "zh-CN"}
    ).json()
    said = {item["id"]: item["end_reason_text"] for item in chinese["items"]}
    assert "系统" in said[made["with_form"]["id"]]
    assert "撤回" in said[own["id"]]
    assert "到期" in said[short["id"]]
    traditional = client.get(
        "/api/v1/me/consents", params={"lang": "zh_Hant"}, headers=headers
    ).json()
    # Generated from the simplified text (scripts/i18n.py): 系統, not 系统.
    assert (
        "系統"
        in {i["id"]: i["end_reason_text"] for i in traditional["items"]}[made["with_form"]["id"]]
    )
    log_in(client, "citizen")
    page = client.get("/me/consents?lang=en", headers=HTML)
    for consent_id, (_status, reason) in expected.items():
        row = re.search(rf'<tr data-consent="{consent_id}".*?</tr>', page.text, re.S)
        assert row, page.text
        if reason is None:
            assert "data-end-reason" not in row.group(0)
        else:
            assert f'data-end-reason="{reason}"' in row.group(0)
    assert "its code was registered again as a new entry" in page.text


def test_an_authorisation_ended_by_the_system_says_so_on_the_persons_page(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
    clock: FixedClock,
) -> None:
    entry = supervised["entry"]
    given = client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": entry.uscc,
            "record_types": ["contract_performance"],
            "purpose": "信用评价",
            "valid_until": (clock.today() + dt.timedelta(days=30)).isoformat(),
            "evidence": "本人同意查询本人合同履约信息。",
            "service": SERVICE,
            "service_not_conditional": True,
        },
        headers=auth_headers(client, "citizen"),
    )
    assert given.status_code == 201, given.text
    register.change_status(
        db, clock, SYSTEM_ACTOR, entry.uscc, status=InstitutionStatus.DEREGISTERED, reason="注销"
    )
    register.register(
        db,
        clock,
        SYSTEM_ACTOR,
        uscc=entry.uscc,
        name=entry.name,
        filing_number="闽信备〔2026〕9902号",
        filing_date=dt.date(2026, 3, 1),
        business_scope="信用评价",
        services=[SERVICE],
    )
    db.commit()
    listed = client.get(
        "/api/v1/me/authorisations", params={"lang": "en"}, headers=auth_headers(client, "citizen")
    ).json()["items"]
    assert [(a["status"], a["end_reason"]) for a in listed] == [
        ("revoked", "revoked_grantee_registered_again")
    ]
    # The authority lists it among the authorisations, with the same reason.
    supervised_list = _listed(client, "authority", kind="authorisation")
    assert [
        (a["id"], a["end_reason"], a["signed_form"]) for a in supervised_list.json()["items"]
    ] == [
        (
            given.json()["id"],
            "revoked_grantee_registered_again",
            f"/api/v1/authorisations/{given.json()['id']}/signed-form",
        )
    ]
    # Every authorisation keeps its signed writing (its evidence).
    assert _ids(_listed(client, "authority", kind="authorisation", signed_form=True)) == [
        given.json()["id"]
    ]
    assert _ids(_listed(client, "authority", kind="authorisation", signed_form=False)) == []
    log_in(client, "citizen")
    page = client.get("/me/authorisations", headers=HTML)
    assert 'data-end-reason="revoked_grantee_registered_again"' in page.text


# --- the rule itself --------------------------------------------------------------------------


@dataclass
class _Grant:
    revoked_at: dt.datetime | None
    revocation: str | None
    valid_until: dt.date | None


@given(
    revoked=st.booleans(),
    revocation=st.sampled_from([None, *(r.value for r in Revocation)]),
    days_left=st.one_of(st.none(), st.integers(min_value=-800, max_value=800)),
)
def test_a_grant_has_a_reason_exactly_when_it_is_no_longer_in_force(
    revoked: bool, revocation: str | None, days_left: int | None
) -> None:
    """Revoked wins over expired (a revoked grant past its end says who revoked it); a
    revocation with no reason kept says so; in force, no reason."""
    today = dt.date(2026, 12, 2)
    item = _Grant(
        revoked_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC) if revoked else None,
        revocation=revocation if revoked else None,
        valid_until=None if days_left is None else today + dt.timedelta(days=days_left),
    )
    status = consent_rules.status_of(item, today)
    reason = consent_rules.end_reason(item, today)
    assert (status == consent_rules.ACTIVE) == (reason is None)
    if revoked:
        assert status == consent_rules.REVOKED
        assert reason == consent_rules.END_REASONS.get(
            revocation or "", consent_rules.REVOKED_REASON_NOT_RECORDED
        )
    elif days_left is not None and days_left < 0:
        assert (status, reason) == (consent_rules.EXPIRED, consent_rules.EXPIRED)
    # Every reason has its words for the person and for the authority.
    if reason is not None:
        assert reason in GRANT_END_LABELS
        assert reason in GRANT_END_LABELS_SUPERVISED
