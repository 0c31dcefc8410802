"""Journey on an organisation's change of name (decision 0050, review r12 addendum): the
market regulator registers a company, then its change of name; the company, logged in, finds
on its credit file its new name, the former one, and the change with its day and source —
the regulator's registration record, by number and version."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import pipeline, readers, sources
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation


def _renamed_company(live_server: LiveServer) -> tuple[str, str, str, int, str]:
    """A company of the journey's own with an activated subject account, registered by the
    regulator under its old name and then, a batch later, under its new one. Returns
    (username, old name, new name, the registration record's id, the regulator's name)."""
    clock = live_server.clock
    tag = secrets.token_hex(3)
    username = f"nc{tag}"
    old, new = f"福州改名{tag}贸易有限公司", f"福州改名{tag}科技有限公司"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        regulator = accounts.organisation_by_code(session, REGULATOR)
        sources.grant(session, clock, SYSTEM_ACTOR, regulator, "registration")
        uscc = make_uscc(random.Random(tag), prefix="91")
        company = subjects.register_organisation(session, clock, SYSTEM_ACTOR, name=old, uscc=uscc)
        for step, name in enumerate((old, new)):
            row = {
                "subject_name": name,
                "subject_category": "法人及非法人组织",
                "subject_uscc": uscc,
                "entity_type": "有限责任公司",
                "established_on": "2018-03-01",
                "registered_address": f"福州市鼓楼区五四路{step + 1}号",
                "registration_authority": regulator.name,
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
                    regulator, "registration", "cli", content_hash=f"e2e-{tag}-{step}"
                ),
                source.headers,
                source,
            )
            assert report.batch.created + report.batch.updated == 1, report.problems
        record_id = session.scalars(
            select(CreditRecord.id).where(CreditRecord.subject_id == company.id)
        ).one()
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username=username, subject_id=company.id
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session, clock, username=username, code=issued.code, password=demo.DEMO_PASSWORD
        )
        regulator_name = regulator.name
    return username, old, new, record_id, regulator_name


def test_a_company_finds_its_change_of_name_with_its_source(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, old, new, record_id, regulator = _renamed_company(live_server)

    log_in(page, username)
    page.goto("/me/credit")
    expect(page.locator("dd[data-current-name]")).to_have_text(new)
    expect(page.locator("dd[data-former-names]")).to_contain_text(old)
    section = page.get_by_role("region", name=zh("Changes of our name"))
    change = section.locator("tr[data-name-change-on]")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(old)
    expect(change).to_contain_text(new)
    expect(change).to_contain_text(
        zh("Registered by %(unit)s: registration record no. %(record)s, version %(version)s")
        % {"unit": regulator, "record": record_id, "version": 2}
    )
