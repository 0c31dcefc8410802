"""The grantee's page for a written consent it holds on paper (Art. 11), as
``POST /api/v1/consents``: staff who submit records, for their own organisation; the person
named by ID number in the form body (never in a URL, never shown back, the lookup audited);
the refusals shown on the form with what was typed kept."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of, grant
from tests.factories import World
from tests.lists_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from tests.test_pages_disclosure import error_code, token
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.collection import consent as consent_module
from xinyong.collection.models import Consent

PAGE = "/consents"
EVIDENCE = "书面同意书编号 2026-017，原件存档于本局档案室"

# A signed consent form, as a scan saved to PDF (its first bytes are what is checked).
SIGNED_FORM = b"%PDF-1.7\n% signed consent form\n"


@pytest.fixture(autouse=True)
def regulator_responsibilities(lists_world: World, db: Session, clock: Clock) -> None:
    """The regulator submits administrative compulsion and major tax violations too: a
    grantee records consent only to types on its responsibility list."""
    grant(
        db,
        clock,
        lists_world.organisations["regulator"],
        "administrative_compulsion",
        "major_tax_violation",
    )
    db.commit()


def person_actor(world: World) -> Actor:
    return accounts.actor_for_user(world.users["citizen"])


def consent_form(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "citizen_id": citizen_id_of(world.subjects["person"]),
        "name": world.subjects["person"].name,
        "record_types": ["administrative_compulsion"],
        "written": "true",
        "evidence": EVIDENCE,
        "csrf_token": token(client, PAGE),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_the_reporter_records_a_written_consent_by_the_persons_id_number(
    lists_world: World, client: TestClient, db: Session
) -> None:
    world = lists_world
    person = world.subjects["person"]
    log_in(client, "reporter")
    assert f'href="{PAGE}"' in client.get("/", headers=HTML).text  # the menu

    response = client.post(
        PAGE, data=consent_form(client, world), headers=HTML, follow_redirects=False
    )

    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"{PAGE}?done=recorded"
    assert citizen_id_of(person) not in response.headers["location"]
    db.expire_all()
    (stored,) = db.scalars(select(Consent).where(Consent.subject_id == person.id)).all()
    assert stored.grantee_organisation_id == world.organisations["regulator"].id
    assert (stored.written, stored.evidence, stored.record_type_codes) == (
        True,
        EVIDENCE,
        ["administrative_compulsion"],
    )
    lookup = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "subject.lookup_person",
            AuditEvent.target_id == str(person.id),
        )
    )
    assert lookup is not None
    # The person sees it among their consents, given to the regulator.
    log_in(client, "citizen")
    mine = client.get("/me/consents", headers=HTML)
    assert f'data-consent="{stored.id}"' in mine.text


def test_the_page_in_english_and_after_recording(lists_world: World, client: TestClient) -> None:
    log_in(client, "reporter")
    client.get("/", params={"lang": "en"})
    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200
    assert "Record a written consent" in page.text
    assert 'name="evidence"' in page.text
    done = client.get(PAGE, params={"done": "recorded"}, headers=HTML)
    assert "Consent recorded." in done.text


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"evidence": ""}, 422, "evidence_required"),
        ({"written": None}, 422, "evidence_required"),
        ({"record_types": None}, 422, "required"),
        ({"record_types": ["major_tax_violation"]}, 422, "adverse_consequences_notice_required"),
        ({"citizen_id": ""}, 422, "required"),
        # The name on the form, whether or not the person is on the platform (Art. 11 ¶1):
        # the answer does not say which.
        ({"citizen_id": "11010519491231002X", "name": None}, 422, "name_required"),
        ({"name": None}, 422, "name_required"),
        # The person's, under another name (the registered one is not shown).
        ({"name": "钱某某"}, 422, "name_mismatch"),
        ({"citizen_id": "110105194912310021"}, 422, "check_character"),
        ({"valid_until": "2020-01-01"}, 422, "expired"),
        # Not on the regulator's responsibility list, or every type (Art. 11).
        ({"record_types": ["contract_performance"]}, 422, "consent_outside_responsibility"),
        ({"record_types": ["*"]}, 422, "consent_outside_responsibility"),
    ],
)
def test_refusals_are_shown_on_the_form_and_nothing_is_recorded(
    lists_world: World,
    client: TestClient,
    db: Session,
    overrides: dict[str, Any],
    status: int,
    code: str,
) -> None:
    world = lists_world
    log_in(client, "reporter")
    form = consent_form(client, world, **overrides)

    response = client.post(PAGE, data=form, headers=HTML)

    assert response.status_code == status
    assert error_code(response) == code
    # What was typed is kept, the ID number is not shown back.
    assert citizen_id_of(world.subjects["person"]) not in response.text
    if form.get("name") and form["name"] != world.subjects["person"].name:
        assert world.subjects["person"].name not in response.text
    if form.get("evidence"):
        assert EVIDENCE in response.text
    db.expire_all()
    assert db.scalars(select(Consent)).all() == []


def test_the_form_offers_no_organisation_as_the_subject(
    lists_world: World, client: TestClient, db: Session
) -> None:
    """Only a natural person consents to collection (Art. 11 ¶1): the form asks for an ID
    number and nothing else, and a USCC sent anyway names no one."""
    world = lists_world
    log_in(client, "reporter")
    client.get("/", params={"lang": "en"})
    page = client.get(PAGE, headers=HTML).text
    assert 'name="citizen_id"' in page
    for gone in ('name="uscc"', 'name="subject_kind"', "unified social credit code"):
        assert gone not in page
    form = consent_form(
        client,
        world,
        citizen_id=None,
        subject_kind="organisation",
        uscc=world.subjects["company"].uscc,
    )
    response = client.post(PAGE, data=form, headers=HTML)
    assert response.status_code == 422
    assert error_code(response) == "required"
    db.expire_all()
    assert db.scalars(select(Consent)).all() == []


@pytest.mark.parametrize("who", ["analyst", "querier", "citizen", "authority"])
def test_only_staff_who_submit_records_may_use_the_page(
    lists_world: World, client: TestClient, who: str
) -> None:
    log_in(client, who)
    assert client.get(PAGE, headers=HTML).status_code == 403


def test_the_form_sent_again_records_no_second_consent(
    lists_world: World, client: TestClient, db: Session
) -> None:
    world = lists_world
    log_in(client, "reporter")
    page = client.get(PAGE, headers=HTML).text
    assert 'value="contract_performance"' not in page  # not on the list: not offered
    for _ in range(3):
        response = client.post(
            PAGE, data=consent_form(client, world), headers=HTML, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:500]
    db.expire_all()
    assert len(db.scalars(select(Consent)).all()) == 1


NEW_ID = "11010519491231002X"  # valid, and nobody on the platform


def test_a_person_new_to_the_platform_is_registered_with_the_name_on_the_form(
    lists_world: World, client: TestClient, db: Session
) -> None:
    from xinyong.disclosure.models import AccessEvent, LegalPath
    from xinyong.subjects import service as subjects

    log_in(client, "reporter")
    client.get("/", params={"lang": "en"})
    page = client.get(PAGE, headers=HTML).text
    assert 'name="name"' in page
    assert "Required: a person not yet on the platform" in page
    # Refused terms register nobody; the ID number is not typed back, the name is.
    refused = client.post(
        PAGE,
        data=consent_form(client, lists_world, citizen_id=NEW_ID, name="赵某某", evidence=""),
        headers=HTML,
    )
    assert (refused.status_code, error_code(refused)) == (422, "evidence_required")
    assert NEW_ID not in refused.text
    assert 'value="赵某某"' in _name_input(refused.text)
    assert subjects.by_citizen_id(db, NEW_ID) is None

    response = client.post(
        PAGE,
        data=consent_form(client, lists_world, citizen_id=NEW_ID, name="赵某某"),
        headers=HTML,
        follow_redirects=False,
    )

    assert response.status_code == 303, response.text[:500]
    db.expire_all()
    person = subjects.by_citizen_id(db, NEW_ID)
    assert person is not None
    assert person.name == "赵某某"
    (stored,) = db.scalars(select(Consent).where(Consent.subject_id == person.id)).all()
    (event,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id)).all()
    assert (event.legal_path, event.consent_id) == (LegalPath.CONSENT, stored.id)
    assert event.organisation_id == lists_world.organisations["regulator"].id


def test_the_name_is_asked_for_a_new_person_in_chinese(
    lists_world: World, client: TestClient
) -> None:
    log_in(client, "reporter")
    response = client.post(
        PAGE, data=consent_form(client, lists_world, citizen_id=NEW_ID, name=None), headers=HTML
    )
    assert (response.status_code, error_code(response)) == (422, "name_required")
    assert "第十一条" in response.text or "Art. 11" in response.text


def test_an_institution_names_its_service_and_confirms_it_is_unbundled(
    lists_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """A credit service institution's consent carries the terms of Art. 27 ¶2, as an
    authorisation to one does; other organisations' forms do not ask for them."""
    from tests.collection_helpers import add_reporter
    from tests.factories import InstitutionFactory, OrganisationFactory
    from xinyong.accounts.models import OrganisationKind

    log_in(client, "reporter")
    assert 'name="service_not_conditional"' not in client.get(PAGE, headers=HTML).text
    entry = InstitutionFactory(name="福州守信评估有限公司")
    organisation = OrganisationFactory(
        name=entry.name, kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=entry.uscc
    )
    grant(db, clock, organisation, "contract_performance")
    add_reporter(db, organisation, "inst_clerk")
    db.commit()
    log_in(client, "inst_clerk")
    page = client.get(PAGE, headers=HTML).text
    assert 'name="service_not_conditional"' in page
    form = consent_form(client, lists_world, record_types=["contract_performance"])
    bundled = client.post(PAGE, data={**form, "service": "信用评价报告"}, headers=HTML)
    assert (bundled.status_code, error_code(bundled)) == (422, "service_bundled")
    assert "信用评价报告" in bundled.text  # what was typed is kept
    assert db.scalars(select(Consent)).all() == []
    assert 'enctype="multipart/form-data"' in page
    unbundled = {**form, "service": "信用评价报告", "service_not_conditional": "true"}
    # The institution's own checkbox and a line of text are not the person's confirmation:
    # the signed form is uploaded (Art. 27 ¶2; review, session 23).
    without = client.post(PAGE, data=unbundled, headers=HTML)
    assert (without.status_code, error_code(without)) == (422, "evidence_document_required")
    field = without.text.split('id="evidence_document"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in field
    not_a_document = client.post(
        PAGE,
        data=unbundled,
        files={"evidence_document": ("form.pdf", b"ok", "application/pdf")},
        headers=HTML,
    )
    assert (not_a_document.status_code, error_code(not_a_document)) == (
        422,
        "evidence_type_unsupported",
    )
    assert db.scalars(select(Consent)).all() == []
    ok = client.post(
        PAGE,
        data=unbundled,
        files={"evidence_document": ("form.pdf", SIGNED_FORM, "application/pdf")},
        headers=HTML,
        follow_redirects=False,
    )
    assert ok.status_code == 303, ok.text[:500]
    db.expire_all()
    (stored,) = db.scalars(select(Consent)).all()
    assert (stored.service, stored.service_not_conditional) == ("信用评价报告", True)
    # Kept encrypted with its consent, and linked from the person's list.
    assert consent_module.signed_form(db, clock, person_actor(lists_world), stored.id).content == (
        SIGNED_FORM
    )
    # The person sees the service beside the consent, and gives one to the institution on
    # the same terms.
    log_in(client, "citizen")
    mine = client.get("/me/consents", headers=HTML).text
    assert "data-service" in mine
    assert f'href="/consents/{stored.id}/signed-form"' in mine
    linked = client.get(f"/consents/{stored.id}/signed-form")
    assert (linked.status_code, linked.content) == (200, SIGNED_FORM)
    given = client.post(
        "/me/consents",
        data={
            "grantee": entry.uscc,
            "record_types": ["contract_performance"],
            "written": "true",
            "service": "信用管理咨询",
            "csrf_token": token(client, "/me/consents"),
        },
        headers=HTML,
    )
    assert (given.status_code, error_code(given)) == (422, "service_bundled")


def test_the_uploaded_form_is_refused_under_the_article_it_is_for() -> None:
    """A signed consent form that is not a PDF, PNG or JPEG is refused under Art. 27 ¶2, what
    the form is for, not under an authorisation's Art. 13 ¶3 (review, session 23)."""
    import io

    from fastapi import UploadFile

    from xinyong.errors import InvalidInput
    from xinyong.web.pages.consents import _uploaded_form

    for content in (b"ok", b""):
        upload = UploadFile(io.BytesIO(content), filename="form.pdf")
        with pytest.raises(InvalidInput) as refused:
            _uploaded_form(upload)
        assert (refused.value.field, refused.value.article) == ("evidence_document", "Art. 27 ¶2")


def _name_input(page: str) -> str:
    return page.split('id="name"', 1)[1].split(">", 1)[0]


def test_a_refused_consent_keeps_the_name_typed_but_never_the_id_number(
    lists_world: World, client: TestClient, db: Session
) -> None:
    world = lists_world
    typed = citizen_id_of(world.subjects["person"])
    wrong_check = typed[:-1] + ("0" if typed[-1] != "0" else "1")
    log_in(client, "reporter")
    refused = client.post(
        PAGE,
        data=consent_form(client, world, citizen_id=wrong_check, name="王某某"),
        headers=HTML,
    )
    assert refused.status_code == 422
    marked = refused.text.split('id="citizen_id"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in marked
    assert 'value="王某某"' in _name_input(refused.text)
    assert wrong_check not in refused.text
    assert db.scalars(select(Consent)).all() == []


def test_a_nul_in_the_form_is_refused_beside_it_with_what_was_typed(
    lists_world: World, client: TestClient, db: Session
) -> None:
    log_in(client, "reporter")
    refused = client.post(
        PAGE,
        data=consent_form(client, lists_world, name="王某\x00某", evidence=EVIDENCE + "\x00"),
        headers=HTML,
    )
    assert (refused.status_code, error_code(refused)) == (422, "nul_character")
    assert 'value="王某某"' in _name_input(refused.text)
    assert EVIDENCE in refused.text
    assert db.scalars(select(Consent)).all() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"record_types": ["nonexistent_type"], "name": "张三"},
        {"record_types": ["contract_performance"], "name": "张三"},
        {"evidence": "", "name": "张三"},
        {"name": None},
    ],
)
def test_the_form_tells_no_one_whether_an_id_number_is_registered(
    lists_world: World, client: TestClient, db: Session, overrides: dict[str, Any]
) -> None:
    """As ``POST /api/v1/consents``: every term is checked before the ID number is looked
    up, the name is asked for either way, and nothing is looked up for a refused term."""
    world = lists_world
    log_in(client, "reporter")
    lookups = select(AuditEvent).where(AuditEvent.action == "subject.lookup_person")
    answers = set()
    for number in (citizen_id_of(world.subjects["person"]), NEW_ID):
        response = client.post(
            PAGE, data=consent_form(client, world, citizen_id=number, **overrides), headers=HTML
        )
        answers.add((response.status_code, error_code(response)))
    assert len(answers) == 1, answers
    db.expire_all()
    assert db.scalars(lookups).all() == []


def test_a_name_refused_on_the_form_leaves_the_lookup_in_the_persons_access_log(
    lists_world: World, client: TestClient, db: Session
) -> None:
    from xinyong.disclosure.models import AccessEvent, LegalPath

    person = lists_world.subjects["person"]
    log_in(client, "reporter")
    refused = client.post(PAGE, data=consent_form(client, lists_world, name="钱某某"), headers=HTML)
    assert (refused.status_code, error_code(refused)) == (422, "name_mismatch")
    db.expire_all()
    (event,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id)).all()
    assert (event.legal_path, event.what, event.consent_id, event.organisation_id) == (
        LegalPath.CONSENT,
        "person_lookup",
        None,
        lists_world.organisations["regulator"].id,
    )


def test_an_organisation_submitting_no_type_that_needs_consent_sees_only_the_hint(
    lists_world: World, client: TestClient
) -> None:
    """Review r13: the page said the organisation submits no type needing consent and still
    showed the whole form, which could only be refused ``required``."""
    log_in(client, "other_reporter")
    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200
    assert "data-no-consent-types" in page.text
    assert '<form method="post" action="/consents"' not in page.text
    assert 'name="citizen_id"' not in page.text
    log_in(client, "reporter")
    offered = client.get(PAGE, headers=HTML).text
    assert "data-no-consent-types" not in offered
    assert '<form method="post" action="/consents"' in offered
