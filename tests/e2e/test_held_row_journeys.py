"""Journey on the held rows (decision 0050): a company changed its name, and the market
regulator's penalty under the new name was held because the platform knew it by the old
one. The regulator's data reporter opens the held rows, reads the row beside the names the
company bears, releases it with reasons, and finds the record among its own."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import pipeline, readers, sources
from xinyong.collection.models import QuarantinedRow
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation


def _held_penalty(live_server: LiveServer, number: str) -> tuple[int, str, str]:
    """A company of the journey's own, registered under its old name, and the regulator's
    penalty naming it by its new one: held (``name_mismatch``). Dated by the server's
    clock (``live_server.clock``), as every journey is. Returns (held row id, old name, new
    name)."""
    clock = live_server.clock
    tag = secrets.token_hex(3)
    old, new = f"福州更名{tag}贸易有限公司", f"福州更名{tag}科技有限公司"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        regulator = accounts.organisation_by_code(session, REGULATOR)
        sources.grant(session, clock, SYSTEM_ACTOR, regulator, "administrative_penalty")
        uscc = make_uscc(random.Random(tag), prefix="91")
        subjects.register_organisation(session, clock, SYSTEM_ACTOR, name=old, uscc=uscc)
        row = {
            "subject_name": new,
            "subject_category": "法人及非法人组织",
            "subject_uscc": uscc,
            "legal_representative": "陈某",
            "decision_number": number,
            "violation_type": "虚假宣传",
            "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
            "penalty_category": "罚款",
            "penalty_content": "罚款人民币壹万元",
            "fine_amount": "1",
            "decision_date": clock.today().isoformat(),
            "authority": regulator.name,
            "authority_uscc": regulator.code,
            "source_unit": regulator.name,
            "source_unit_uscc": regulator.code,
        }
        source = readers.rows_from_objects([row])
        report = pipeline.ingest(
            session,
            clock,
            SYSTEM_ACTOR,
            pipeline.Submission(
                regulator, "administrative_penalty", "cli", content_hash=f"e2e-{number}"
            ),
            source.headers,
            source,
        )
        assert report.batch.held == 1
        row_id = session.scalar(
            select(QuarantinedRow.id).where(QuarantinedRow.batch_id == report.batch.id)
        )
        assert row_id is not None
        return row_id, old, new


def test_reporter_releases_a_row_held_after_a_change_of_name(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    number = f"榕市监处罚〔2026〕H{secrets.token_hex(3)}号"
    row_id, old, new = _held_penalty(live_server, number)

    log_in(page, "reporter")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Held rows"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Held rows"))
    title = zh("Held row %(number)s") % {"number": row_id}
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("dd[data-name-given]")).to_have_text(new)
    expect(page.locator("dd[data-names-borne]")).to_contain_text(old)
    expect(page.get_by_role("table", name=zh("The row as submitted"))).to_contain_text(number)

    page.get_by_label(zh("Reasons for the release")).fill(
        "经核实，该公司已办理名称变更登记，统一社会信用代码一致。"
    )
    page.get_by_role("button", name=zh("Release"), exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh(
            "The row is released: it went through the checks of a submission and was "
            "recorded under the registered subject."
        )
    )
    expect(page.get_by_role("button", name=zh("Release"), exact=True)).to_have_count(0)

    # The record is the regulator's own now: its batch created it, and "Our records" finds
    # it by its decision number, under the company's registered code.
    page.locator("[data-resolution] a").click()
    counts = page.get_by_role("table", name=zh("Counts"))
    expect(counts.get_by_role("row", name=f"{zh('Created')} 1", exact=True)).to_be_visible()
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Our records")).click()
    page.get_by_label(zh("Decision number")).fill(number)
    page.get_by_role("button", name=zh("Find"), exact=True).click()
    expect(page.get_by_role("main")).to_contain_text(old)
