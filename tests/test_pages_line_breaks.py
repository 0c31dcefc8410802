"""A browser counts a textarea's line break as one character against ``maxlength`` and sends
it as two (CR LF). Every page's text field reads line breaks as one, so a text the form
accepted is not refused as too long; what is too long is refused in the page's language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.page_helpers import csrf_from, log_in
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.web.pages.forms import _line_breaks_as_one

HTML = {"Accept": "text/html"}
LIMIT = 5000


def _declare(client: TestClient, content: str) -> str:
    form = client.get("/me/declarations", headers=HTML)
    response = client.post(
        "/me/declarations",
        data={"csrf_token": csrf_from(form.text), "title": "志愿服务", "content": content},
        headers=HTML,
    )
    return f"{response.status_code} {response.text}"


def test_a_declaration_as_long_as_the_form_allows_is_accepted_with_its_line_breaks(
    client: TestClient, db: Session, world: World
) -> None:
    """20 lines of 249 characters and 19 line breaks: 5,000 as the browser counts, 5,019
    as sent."""
    log_in(client, "citizen")
    lines = ["志" * 249] * 20
    sent = "\r\n".join(lines) + "\r\n"
    assert len(sent.replace("\r\n", "\n")) == LIMIT
    answered = _declare(client, sent)
    assert answered.startswith("200 "), answered[:300]
    record = db.scalars(select(CreditRecord).where(CreditRecord.self_declared)).one()
    version = db.scalars(select(RecordVersion).where(RecordVersion.record_id == record.id)).one()
    assert "\r" not in str(version.payload)


def test_a_declaration_longer_than_the_form_allows_is_refused_in_chinese(
    client: TestClient, world: World
) -> None:
    log_in(client, "citizen")
    answered = _declare(client, "志" * (LIMIT + 1))
    assert answered.startswith("422 ")
    assert re.search(r"content：最多 5000 个字符", answered)
    assert "String should have" not in answered


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a", "志", "\r\n", "\n", "\r", " "]), max_size=50).map("".join))
def test_line_breaks_as_one_changes_nothing_but_cr_lf(text: str) -> None:
    read = _line_breaks_as_one(text)
    assert read == text.replace("\r\n", "\n")
    assert len(read) == len(text) - text.count("\r\n")
