"""The credit authority supervising a consent's grantee ends a consent it finds was not
lawfully obtained, with its reasons (Art. 6, 11, 27 ¶2; decision 0024, session 25
addendum): a district's only for its own district's grantees; audited with the reasons,
in the person's access log, and the person's list says the credit authority revoked it."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
)
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_consent import consent_world  # noqa: F401 - fixture
from tests.test_grant_supervision import _grants, supervised  # noqa: F401 - fixture
from xinyong.audit.models import AuditEvent
from xinyong.collection.models import Consent, Revocation
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, LegalPath

REASONS = "信用评价报告服务以同意采集为条件(第二十七条第二款)"


def _revoke(client: TestClient, username: str, consent_id: int, reasons: str = REASONS) -> Any:
    return client.post(
        f"/api/v1/supervision/consents/{consent_id}/revoke",
        json={"reasons": reasons},
        headers=auth_headers(client, username),
    )


def test_a_district_authority_revokes_its_own_districts_grantees_consent_with_reasons(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    world = consent_world
    made = _grants(world, client)
    form_id, bank_id = made["with_form"]["id"], made["to_bank"]["id"]
    before = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1)) or 0
    # 福清市's authority: the institution is 鼓楼区's, so the consent is not found for it.
    assert _revoke(client, "fuqing", form_id).status_code == 404
    # 鼓楼区's: not the city bank's consent.
    assert _revoke(client, "gulou", bank_id).status_code == 404
    # Reasons are required.
    blank = _revoke(client, "gulou", form_id, reasons=" \u200b ")
    assert blank.status_code == 422, blank.text
    assert blank.json()["error"]["field"] == "reasons"
    db.expire_all()
    assert db.get(Consent, form_id).revoked_at is None  # type: ignore[union-attr]

    revoked = _revoke(client, "gulou", form_id)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["end_reason"]) == (
        "revoked",
        "revoked_by_credit_authority",
    )
    # Once: a second revocation is refused, the first's reasons stand.
    again = _revoke(client, "authority", form_id)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "consent_revoked_already")

    db.expire_all()
    consent = db.get(Consent, form_id)
    assert consent is not None
    assert consent.revocation == Revocation.CREDIT_AUTHORITY
    person = world.subjects["person"]
    (event,) = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "consent.revoke",
            AuditEvent.target_id == str(person.id),
        )
    ).all()
    assert event.details["consent_id"] == form_id
    assert event.details["revocation"] == "credit_authority"
    assert event.details["reasons"] == REASONS
    (entry,) = db.scalars(
        select(AccessEvent).where(
            AccessEvent.id > before, AccessEvent.what == access.CONSENT_REVOKED
        )
    ).all()
    assert (entry.subject_id, entry.legal_path, entry.purpose, entry.consent_id) == (
        person.id,
        LegalPath.OFFICIAL_DUTY,
        access.SUPERVISION_PURPOSE,
        form_id,
    )
    # The person reads who ended it.
    mine = client.get(
        "/api/v1/me/consents", params={"lang": "en"}, headers=auth_headers(client, "citizen")
    ).json()
    (shown,) = [item for item in mine["items"] if item["id"] == form_id]
    assert shown["end_reason"] == "revoked_by_credit_authority"


def test_only_the_credit_authority_revokes_a_persons_consent_for_it(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
) -> None:
    made = _grants(consent_world, client)
    form_id = made["with_form"]["id"]
    for username in ("citizen", "inst_clerk", "objections", "admin"):
        assert _revoke(client, username, form_id).status_code == 403, username
    # The person's own route stays the person's: the authority is not a subject.
    own_route = client.post(
        f"/api/v1/me/consents/{form_id}/revoke", headers=auth_headers(client, "authority")
    )
    assert own_route.status_code == 403


def test_the_authority_revokes_a_consent_from_its_row_on_the_supervision_page(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    made = _grants(consent_world, client)
    form_id, revoked_id = made["with_form"]["id"], made["revoked"]["id"]
    log_in(client, "authority")
    page = client.get("/supervision/consents?lang=en", headers=HTML)
    assert page.status_code == 200, page.text
    # A form on the rows in force only.
    assert f'data-revoke-consent="{form_id}"' in page.text
    assert f'data-revoke-consent="{revoked_id}"' not in page.text
    assert "Revoke this consent" in page.text
    token = csrf_from(page.text)
    # No token, no revocation.
    forged = client.post(
        f"/supervision/consents/{form_id}/revoke",
        data={"reasons": REASONS},
        headers=HTML,
        follow_redirects=False,
    )
    assert forged.status_code == 403
    done = client.post(
        f"/supervision/consents/{form_id}/revoke",
        data={"reasons": REASONS, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    listed = client.get(done.headers["location"] + "&lang=en", headers=HTML)
    assert 'data-end-reason="revoked_by_credit_authority"' in listed.text
    assert f'data-revoke-consent="{form_id}"' not in listed.text
    # Sent again (a double submit): refused with its code, not a crash.
    twice = client.post(
        f"/supervision/consents/{form_id}/revoke",
        data={"reasons": REASONS, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert twice.status_code == 409
    zh = client.get("/supervision/consents?lang=zh_Hans", headers=HTML)
    assert "撤回该同意" in zh.text
    assert "Revoke this consent" not in zh.text
