"""Journey on a person's registered name (Art. 25; decision 0051): a person registered under
a source's typo objects to the name through its own page, with its identity document; the
credit authority's objection handler opens the case from its queue and upholds it; the
person's credit file then shows the corrected name and the change with its reasons — the
wrong name as corrected, not as a name the person bore."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_citizen_id

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def _person_with_typo(live_server: LiveServer) -> tuple[str, str, str]:
    """A person of the journey's own, registered under a typo, with an activated subject
    account. Returns (username, the typo, the right name)."""
    clock = live_server.clock
    tag = secrets.token_hex(3)
    username = f"nf{tag}"
    # A tag of its own in each name: the journey's person is the only one bearing them.
    typo, right = f"张三丰{tag}", f"张山丰{tag}"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        person = subjects.register_natural_person(
            session,
            clock,
            SYSTEM_ACTOR,
            name=typo,
            citizen_id=make_citizen_id(random.Random(secrets.randbits(32))),
        )
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username=username, subject_id=person.id
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session, clock, username=username, code=issued.code, password=demo.DEMO_PASSWORD
        )
    return username, typo, right


def test_a_person_corrects_a_registered_name_through_an_objection(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, typo, right = _person_with_typo(live_server)

    # The person raises it from its own pages.
    log_in(page, username)
    page.goto("/me")
    page.get_by_role("link", name=zh("My registered name"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My registered name"))
    expect(page.locator("dd[data-current-name]")).to_have_text(typo)
    form = page.get_by_role("form", name=zh("Object to my registered name"))
    form.get_by_label(zh("My name as my identity document gives it")).fill(right)
    form.get_by_label(zh("Identity document (PDF, PNG or JPEG, at most 1.5 MB)")).set_input_files(
        files=[{"name": "id-card.png", "mimeType": "image/png", "buffer": PNG}]
    )
    form.get_by_role("button", name=zh("Object to my name")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh("Your objection is received. You are told the decision and its reasons here.")
    )
    case = page.locator("article[data-name-objection]")
    expect(case.locator("[data-stated-name]")).to_have_text(right)
    objection_id = case.get_attribute("data-name-objection")
    assert objection_id is not None

    # The credit authority's objection handler finds it in its queue and upholds it.
    page.context.clear_cookies()
    log_in(page, "objections")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Name objections"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Objections to persons' names"))
    title = zh("Objection no. %(number)s") % {"number": objection_id}
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.locator("[data-registered-name]")).to_have_text(typo)
    decide = page.get_by_role("form", name=zh("Decide"))
    decide.get_by_label(zh("Upheld: correct the name")).check()
    decide.get_by_label(zh("Reasons")).fill("与本人身份证核对，姓名应为张山丰。")
    decide.get_by_role("button", name=zh("Decide")).click()
    expect(page.locator("[data-done='decided']")).to_be_visible()
    expect(page.locator("[data-current-name]").first).to_have_text(right)

    # The person's file shows the corrected name and the change with its reasons; the wrong
    # name is no former name of the person (decision 0051, session 24 addendum).
    page.context.clear_cookies()
    log_in(page, username)
    page.goto("/me/credit")
    expect(page.locator("dd[data-current-name]")).to_have_text(right)
    expect(page.locator("dd[data-former-names]")).to_have_count(0)
    change = page.get_by_role("table").filter(has_text=zh("Before")).locator("tr[data-name-change]")
    expect(change).to_contain_text(typo)
    expect(change).to_contain_text(right)
    expect(change).to_contain_text("与本人身份证核对")
