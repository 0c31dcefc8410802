"""Journey: check a unified social credit code or a citizen ID number, by mouse and by
keyboard alone. An invalid number shows its machine-readable error code, never the number."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import DEMO_PERSON

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

USCC = "91350100MG59YK161P"
CITIZEN_ID = DEMO_PERSON[1]
WRONG_CHECK_CHARACTER = CITIZEN_ID[:17] + ("0" if CITIZEN_ID[17] != "0" else "1")
NO_SUCH_BIRTH_DATE = CITIZEN_ID[:6] + "19940230" + CITIZEN_ID[14:]  # 30 February


def _check(page: Page, zh: Callable[[str], str], code: str) -> None:
    page.goto("/check-code")
    page.get_by_label(zh("Code"), exact=True).fill(code)
    page.get_by_role("button", name=zh("Check"), exact=True).click()


def test_a_valid_uscc_is_valid(page: Page, zh: Callable[[str], str]) -> None:
    _check(page, zh, USCC.lower())  # typed in lower case: normalised, still valid
    result = page.get_by_role("status")
    expect(result.get_by_role("heading")).to_have_text(zh("Valid"))
    expect(result.get_by_role("term")).to_have_text([zh("Kind"), zh("Code")])
    expect(result.get_by_role("definition")).to_have_text([zh("Unified social credit code"), USCC])


@pytest.mark.parametrize(
    ("code", "error_code"),
    [(WRONG_CHECK_CHARACTER, "check_character"), (NO_SUCH_BIRTH_DATE, "birth_date")],
    ids=["wrong-check-character", "no-such-birth-date"],
)
def test_an_invalid_citizen_id_shows_its_error_code(
    page: Page, zh: Callable[[str], str], code: str, error_code: str
) -> None:
    _check(page, zh, code)
    result = page.get_by_role("status")
    expect(result.get_by_role("heading")).to_have_text(zh("Not valid"))
    expect(result.get_by_text(error_code, exact=True)).to_be_visible()
    field = page.get_by_label(zh("Code"), exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    # The field points at the result, so a screen reader announces the reason with it.
    expect(field).to_have_accessible_description(
        re.compile(rf"^{zh('Not valid')} {error_code} — \S")
    )
    # The number someone mistyped is most likely a real person's: it is not echoed back.
    expect(page.locator("body")).not_to_contain_text(code[6:14])
    expect(field).to_have_value("")


def test_check_a_code_with_the_keyboard_only(page: Page, zh: Callable[[str], str]) -> None:
    page.goto("/check-code")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=zh("Skip to content"))).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    field = page.get_by_label(zh("Code"), exact=True)
    expect(field).to_be_focused()
    page.keyboard.type(USCC)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").get_by_role("heading")).to_have_text(zh("Valid"))
