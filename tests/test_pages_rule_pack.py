"""The credit authority's pages for the shipped rule pack's changes (decision 0034): the
catalog says how many wait, the list shows each with what changed, a record type's page
flags its own, and the answer form (prefilled with the proposal) saves the authority's
version; refusals are shown on the form with the text kept."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.page_helpers import HTML, csrf_from, log_in
from tests.rule_pack_helpers import PACK, current_definition, load_earlier
from xinyong.accounts import service as accounts
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.clock import FixedClock
from xinyong.web.i18n import translations

INSPECTION = "administrative_inspection"
CONTRACT = "contract_performance"
PAGE = "/admin/catalog/rule-pack"


def zh(text: str) -> str:
    return translations("zh_Hans").gettext(text)


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    """The inspection type as the earlier pack gave it (an upgrade waits) and the contract
    type revised by the credit authority since (a conflict waits); committed, as a refused
    request rolls the shared session back to its last commit."""
    load_earlier(db, clock, INSPECTION, CONTRACT)
    catalog.revise_record_type(
        db,
        clock,
        accounts.actor_for_user(world.users["authority"]),
        CONTRACT,
        {**current_definition(db, CONTRACT), "legal_basis": "合同履约（主管部门修订）"},
        note="主管部门修订",
    )
    db.commit()
    return world


def textarea(response: Any) -> str:
    match = re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert match, "no definition textarea"
    return html.unescape(match.group(1))


def row(text: str, attribute: str) -> str:
    return text.split(attribute, 1)[1].split("</tr>", 1)[0]


def test_the_authority_sees_what_waits(client: TestClient, world: World) -> None:
    log_in(client, "authority")
    listing = client.get("/catalog", headers=HTML).text
    assert 'href="/admin/catalog/rule-pack"' in listing
    assert 'data-pending="2"' in listing

    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200
    inspection = row(page.text, f'data-code="{INSPECTION}" data-status="upgrade"')
    assert "<code>disclosure.review_before_publicity</code>" in inspection
    contract = row(page.text, f'data-code="{CONTRACT}" data-status="conflict"')
    assert "<code>own_party_field</code>" in contract
    assert f'href="/admin/catalog/rule-pack/{CONTRACT}"' in contract
    assert zh("In conflict with the authority's revision") in html.unescape(contract)

    detail = client.get(f"/catalog/{CONTRACT}", headers=HTML).text
    assert 'data-rule-pack="conflict"' in detail
    # The public and other staff are not told.
    client.post("/logout", data={"csrf_token": csrf_from(detail)})
    assert 'data-rule-pack="' not in client.get(f"/catalog/{CONTRACT}", headers=HTML).text
    assert 'href="/admin/catalog/rule-pack"' not in client.get("/catalog", headers=HTML).text


def test_the_authority_answers_a_conflict_with_the_proposal(
    client: TestClient, world: World, db: Session
) -> None:
    log_in(client, "authority")
    form = client.get(f"{PAGE}/{CONTRACT}", headers=HTML)
    assert form.status_code == 200
    assert 'data-status="conflict"' in form.text
    change = row(form.text, 'data-path="own_party_field"')
    assert 'data-kind="untouched"' in change
    assert '"counterparty"' in html.unescape(change)
    proposal = json.loads(textarea(form))
    assert proposal["own_party_field"] == "counterparty"
    assert proposal["legal_basis"] == "合同履约（主管部门修订）"

    # Without a reason: refused on the form, the definition kept.
    digest = re.search(r'name="shipped_digest" value="([^"]+)"', form.text)
    assert digest
    data = {
        "definition": textarea(form),
        "note": "",
        "shipped_digest": digest.group(1),
        "csrf_token": csrf_from(form.text),
    }
    refused = client.post(f"{PAGE}/{CONTRACT}", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert 'data-code="note_required"' in refused.text
    assert json.loads(textarea(refused)) == proposal
    # An answer prepared against another pack.
    stale = client.post(
        f"{PAGE}/{CONTRACT}",
        data={**data, "note": "采纳", "shipped_digest": "0" * 16},
        follow_redirects=False,
    )
    assert stale.status_code == 409
    assert 'data-code="rule_pack_changed"' in stale.text

    saved = client.post(
        f"{PAGE}/{CONTRACT}", data={**data, "note": "采纳本方业务核对"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/catalog/{CONTRACT}?done=reconciled"
    shown = client.get(saved.headers["location"], headers=HTML).text
    assert 'class="result ok" role="status"' in shown
    assert 'data-rule-pack="' not in shown
    latest = catalog.history(db, CONTRACT)[-1]
    version_row = row(shown, f'data-version="350100-{latest.version_no}"')
    assert "采纳本方业务核对" in version_row
    assert zh("answers the rule pack %(pack)s") % {"pack": PACK} in html.unescape(version_row)
    assert catalog.effective_rule(db, CONTRACT).definition.own_party_field == "counterparty"
    after = client.get(f"{PAGE}/{CONTRACT}", headers=HTML).text
    assert 'data-status="revised"' in after
    assert '<textarea id="definition"' not in after


def test_the_history_names_what_an_upgrade_changed(
    client: TestClient, world: World, db: Session, clock: FixedClock
) -> None:
    rule_packs.apply(db, clock)
    db.commit()
    log_in(client, "authority")
    page = client.get(f"/catalog/{INSPECTION}", headers=HTML).text
    latest = catalog.history(db, INSPECTION)[-1]
    version_row = row(page, f'data-version="350100-{latest.version_no}"')
    assert zh("brought up to the shipped rule pack %(pack)s:") % {"pack": PACK} in html.unescape(
        version_row
    )
    assert "<code>disclosure.review_before_publicity</code>" in version_row
    assert 'data-rule-pack="' not in page
    listing = client.get(PAGE, headers=HTML).text
    assert f'data-code="{INSPECTION}"' not in listing
