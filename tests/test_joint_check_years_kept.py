"""A past joint check is explained with the clean years its green channel was answered on
(Art. 16(1), ``XINYONG_GREEN_CHANNEL_CLEAN_YEARS`` as it was then), kept once with the
check's packed access-log row, not with today's setting: in the subject's access log (API
and page) and in the check's own answer. A check from before the years were kept says that
their number was not recorded (decision 0011 addendum, session 12)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
)
from tests.page_helpers import HTML, log_in
from xinyong.clock import FixedClock
from xinyong.disclosure import joint_check_uses
from xinyong.disclosure.models import JointCheckUse
from xinyong.lists import joint_checks
from xinyong.web.i18n import translations
from xinyong.web.labels import (
    GREEN_CHANNEL_LABELS_YEARS_NOT_RECORDED,
    green_channel_reason,
)

# The years configured when the check ran; the app's setting is the default 3 now.
THEN = 5


def _checked_then(lists_world: World, db: Session, clock: FixedClock) -> int:
    """The company, on record for four years, checked when five clean years were asked for:
    too recent then, though four years would be enough today."""
    company = lists_world.subjects["company"]
    on_record_since(db, clock, lists_world, company, years=4)
    db.commit()
    result = joint_checks.check(
        db,
        clock,
        actor(lists_world, "querier"),
        "administrative_licensing",
        [company.uscc or ""],
        clean_years=THEN,
    )
    db.commit()
    (answer,) = result.answers()
    assert answer["green_channel_reason"] == joint_checks.TOO_RECENT
    return int(db.query(JointCheckUse.id).order_by(JointCheckUse.id.desc()).limit(1).scalar() or 0)


def _logged(client: TestClient, check_id: int) -> dict[str, Any]:
    response = client.get("/api/v1/me/access-log", headers=headers(client, "company"))
    assert response.status_code == 200, response.text
    (entry,) = [
        item["joint_check"]
        for item in response.json()["items"]
        if item["joint_check"] and item["joint_check"]["id"] == check_id
    ]
    return dict(entry)


def _row(page: str, check_id: int) -> str:
    row = page[page.index(f'data-joint-check="{check_id}"') :]
    return row[: row.index("</tr>")]


def test_the_access_log_explains_a_past_check_with_the_years_it_was_answered_on(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    check_id = _checked_then(lists_world, db, clock)

    logged = _logged(client, check_id)
    log_in(client, "company")
    english = _row(client.get("/me/access-log?lang=en", headers=HTML).text, check_id)
    chinese = _row(client.get("/me/access-log?lang=zh_Hans", headers=HTML).text, check_id)

    assert (logged["green_channel_reason"], logged["clean_years"]) == ("too_recent", THEN)
    assert "on record for less than 5 years: no 5 consecutive years to show (Art. 16(1))" in english
    assert "less than 3 years" not in english
    zh = translations("zh_Hans").gettext
    assert green_channel_reason(joint_checks.TOO_RECENT, zh, THEN) in chinese


def test_a_check_from_before_the_years_were_kept_says_they_were_not_recorded(
    lists_world: World,
    client: TestClient,
    db: Session,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Logged as a check was before the years were kept (migration 0043): written without
    # them, since the row cannot be changed after (append-only, migration 0047).
    record = joint_check_uses.record
    monkeypatch.setattr(
        joint_check_uses,
        "record",
        lambda *args, **kwargs: record(*args, **{**kwargs, "clean_years": None}),
    )
    check_id = _checked_then(lists_world, db, clock)

    logged = _logged(client, check_id)
    log_in(client, "company")
    english = _row(client.get("/me/access-log?lang=en", headers=HTML).text, check_id)

    assert logged["clean_years"] is None
    assert joint_checks.YEARS_NOT_RECORDED[joint_checks.TOO_RECENT] in english
    assert "3 years" not in english


def test_the_check_answers_with_the_years_it_asked_for(
    lists_world: World, client: TestClient, db: Session
) -> None:
    company = lists_world.subjects["company"]
    response = client.post(
        "/api/v1/joint-checks",
        json={"matter": "administrative_licensing", "subjects": [company.uscc]},
        headers=headers(client, "querier"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["clean_years"] == 3
    kept = db.query(JointCheckUse.clean_years).order_by(JointCheckUse.id.desc()).limit(1)
    assert kept.scalar() == 3


def test_every_reason_counting_years_is_said_when_they_were_not_recorded() -> None:
    english, chinese = (translations(locale).gettext for locale in ("en", "zh_Hans"))
    assert set(GREEN_CHANNEL_LABELS_YEARS_NOT_RECORDED) == set(joint_checks.YEARS_NOT_RECORDED)
    for code, words in joint_checks.YEARS_NOT_RECORDED.items():
        assert green_channel_reason(code, english, None) == words
        assert green_channel_reason(code, chinese, None) != words
    # A reason that counts no years reads as it always did.
    assert green_channel_reason(joint_checks.ON_BLACK, english, None) == "on the black list"
