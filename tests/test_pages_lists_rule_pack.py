"""The credit authority's API and pages for the shipped lists rule pack's changes (decision
0034 addendum): the measure catalog says how many wait, the list shows each, the answer
publishes a published measure's new text anew or keeps the city's; refusals are shown on the
form with their code."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.lists_rule_pack_helpers import (
    EARLIER_MATTER,
    EARLIER_MEANS,
    EARLIER_STANDARD,
    HEALTH,
    MATTER,
    PACK,
    first_measure,
    load_earlier,
    shipped,
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.lists import measures
from xinyong.web.i18n import translations

PAGE = "/admin/lists/rule-pack"
DRAFT = (
    "This measure has been published, and the shipped rule pack %(pack)s changed its text. A "
    "published measure list is a legal act (Art. 17, Art. 19): the published measure stays as "
    "it is until you publish the new text or keep the published one."
)


def zh(text: str) -> str:
    return translations("zh_Hans").gettext(text)


API = "/api/v1/lists/rule-pack"


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    """A standard and a matter as an earlier pack gave them (upgrades wait) and a published
    measure whose text the pack changed since (a draft waits); committed, as a refused
    request rolls the shared session back to its last commit."""
    load_earlier(db, clock, "standard", HEALTH, **EARLIER_STANDARD)
    load_earlier(db, clock, "matter", MATTER, **EARLIER_MATTER)
    load_earlier(db, clock, "measure", first_measure(), means=EARLIER_MEANS)
    db.commit()
    return world


def row(text: str, attribute: str) -> str:
    return text.split(attribute, 1)[1].split("</tr>", 1)[0]


def test_the_api_lists_what_waits_and_takes_an_answer(
    client: TestClient, world: World, db: Session
) -> None:
    headers = auth_headers(client, "authority")
    listing = client.get(API, headers=headers)
    assert listing.status_code == 200
    items = {(i["part"], i["code"]): i for i in listing.json()["items"]}
    measure = first_measure()
    draft = items[("measure", measure)]
    assert draft["status"] == "draft"
    assert draft["measure_state"] == "published"
    assert draft["changes"] == [
        {
            "path": "means",
            "kind": "untouched",
            "loaded": EARLIER_MEANS,
            "shipped": shipped("measure", measure)["means"],
            "city": EARLIER_MEANS,
        }
    ]
    assert items[("standard", HEALTH)]["status"] == "upgrade"

    url = f"{API}/measure/{measure}/reconcile"
    answer = {"answer": "take", "note": "采纳", "shipped_digest": draft["shipped_digest"]}
    stale = client.post(url, json={**answer, "shipped_digest": "0" * 16}, headers=headers)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "rule_pack_changed"
    wrong = client.post(url, json={**answer, "answer": "maybe"}, headers=headers)
    assert wrong.status_code == 422
    unknown = client.post(f"{API}/measure/nonsense/reconcile", json=answer, headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_in_rule_pack"

    taken = client.post(url, json=answer, headers=headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "current"
    assert measures.by_code(db, measure).means == shipped("measure", measure)["means"]
    again = client.post(url, json=answer, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_rule_pack_change"

    officer = auth_headers(client, "caseofficer")
    assert client.get(API, headers=officer).status_code == 403


def test_the_authority_answers_on_the_pages(client: TestClient, world: World, db: Session) -> None:
    log_in(client, "authority")
    catalog = client.get("/admin/measures", headers=HTML).text
    assert 'data-pack-pending="3"' in catalog
    assert f'href="{PAGE}"' in catalog

    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200
    measure = first_measure()
    draft = row(page.text, f'data-code="{measure}" data-status="draft"')
    assert "<code>means</code>" in draft
    standard = row(page.text, f'data-code="{HEALTH}" data-status="upgrade"')
    assert "<code>repair_exclusion</code>" in standard

    form = client.get(f"{PAGE}/measure/{measure}", headers=HTML)
    assert form.status_code == 200
    assert 'data-status="draft"' in form.text
    assert zh(DRAFT) % {"pack": PACK} in html.unescape(form.text)
    digest = re.search(r'name="shipped_digest" value="([^"]+)"', form.text)
    assert digest
    data = {
        "answer": "keep",
        "note": "",
        "shipped_digest": digest.group(1),
        "csrf_token": csrf_from(form.text),
    }
    refused = client.post(f"{PAGE}/measure/{measure}", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert 'data-code="note_required"' in refused.text

    kept = client.post(
        f"{PAGE}/measure/{measure}",
        data={**data, "note": "沿用已公布文本"},
        follow_redirects=False,
    )
    assert kept.status_code == 303, kept.text
    assert kept.headers["location"] == f"{PAGE}?done=keep"
    after = client.get(kept.headers["location"], headers=HTML).text
    assert 'role="status"' in after
    assert f'data-code="{measure}"' not in after
    assert measures.by_code(db, measure).means == EARLIER_MEANS
    assert 'data-status="revised"' in client.get(f"{PAGE}/measure/{measure}", headers=HTML).text


def test_other_staff_do_not_see_it(client: TestClient, world: World) -> None:
    log_in(client, "caseofficer")
    assert client.get(PAGE, headers=HTML).status_code == 403
