"""Held rows on the API, the pages and the command line (decision 0050): the source's data
reporter and the credit authority list the held rows, read one, and release or reject it;
refusals carry their codes; the zh pages translate them."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import (
    REPRESENTATIVE_ID,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    held_person_row,
    held_row_log,
    ingest,
    penalty_row,
)
from tests.conftest import TEST_NOW
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong import identifiers
from xinyong.accounts import service as accounts
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import held_rows
from xinyong.collection.models import QuarantinedRow
from xinyong.synthetic import make_uscc

NEW_NAME = "福州晨光文具科技有限公司"


def held_row_id(world: World, db: Session, clock: FixedClock, **overrides: str) -> int:
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, subject_name=NEW_NAME, **overrides)],
        actor=accounts.actor_for_user(world.users["reporter"]),
    )
    assert report.batch.held == 1
    db.commit()
    row_id = db.scalar(select(QuarantinedRow.id).where(QuarantinedRow.batch_id == report.batch.id))
    assert row_id is not None
    return row_id


def test_the_api_lists_reads_and_releases_a_held_row(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    row_id = held_row_id(collection_world, db, clock)
    headers = auth_headers(client, "reporter")
    listed = client.get("/api/v1/held-rows", headers=headers)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert (item["id"], item["decision"], item["content_kept"]) == (row_id, None, True)
    assert item["problems"][0]["article"] == "Art. 4 ¶2"
    assert "values" not in item

    shown = client.get(f"/api/v1/held-rows/{row_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["name_given"] == NEW_NAME
    assert body["registered_subject"]["names"][0] == collection_world.subjects["company"].name
    assert body["values"]["subject_name"] == NEW_NAME

    # Another agency's reporter: as if the row did not exist.
    other = client.get(
        f"/api/v1/held-rows/{row_id}", headers=auth_headers(client, "other_reporter")
    )
    assert other.status_code == 404

    blank = client.post(
        f"/api/v1/held-rows/{row_id}/release", json={"reasons": " \u3000"}, headers=headers
    )
    assert (blank.status_code, blank.json()["error"]["code"]) == (422, "required")
    released = client.post(
        f"/api/v1/held-rows/{row_id}/release",
        json={"reasons": "名称变更，代码一致"},
        headers=headers,
    )
    assert released.status_code == 200, released.text
    answer = released.json()
    assert answer["decision"]["resolution"] == "released"
    assert answer["batch"]["created"] == 1
    assert answer["batch"]["record_type"] == "administrative_penalty"
    again = client.post(
        f"/api/v1/held-rows/{row_id}/reject", json={"reasons": "重复"}, headers=headers
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "held_row_decided")
    assert client.get("/api/v1/held-rows", headers=headers).json()["items"] == []
    decided = client.get("/api/v1/held-rows?decided=true", headers=headers).json()["items"]
    assert [d["id"] for d in decided] == [row_id]
    # The credit authority sees the source's decided row too.
    authority = client.get(
        "/api/v1/held-rows?decided=true", headers=auth_headers(client, "authority")
    )
    assert [d["id"] for d in authority.json()["items"]] == [row_id]


def test_the_pages_show_a_held_row_and_reject_it(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    row_id = held_row_id(collection_world, db, clock)
    log_in(client, "reporter")
    queue = client.get("/held-rows", headers=HTML)
    assert queue.status_code == 200, queue.text
    assert f'href="/held-rows/{row_id}"' in queue.text
    assert 'data-code="name_mismatch"' in queue.text
    page = client.get(f"/held-rows/{row_id}", headers=HTML)
    assert page.status_code == 200, page.text
    assert NEW_NAME in page.text
    assert f'action="/held-rows/{row_id}/release"' in page.text
    token = csrf_from(page.text)
    refused = client.post(
        f"/held-rows/{row_id}/reject", data={"reasons": "", "csrf_token": token}, headers=HTML
    )
    assert refused.status_code == 422
    assert 'data-code="required"' in refused.text
    done = client.post(
        f"/held-rows/{row_id}/reject",
        data={"reasons": "不是本主体的处罚", "csrf_token": token},
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    assert 'data-done="rejected"' in done.text
    assert 'data-resolution="rejected"' in done.text
    assert f'action="/held-rows/{row_id}/reject"' not in done.text
    # In Chinese, the decision is named in the page's words.
    assert "不是本主体的处罚" in done.text
    # Every read of the row is audited.
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "held_row.read")).all()
    assert len(reads) >= 2


def test_a_citizen_id_in_free_text_is_masked_on_the_api_and_the_page(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    """Review r7, finding 1: 违法事实 holding an ID number showed it in clear."""
    row_id = held_row_id(
        collection_world, db, clock, violation_facts=f"当事人陈某（身份证号{REPRESENTATIVE_ID}）"
    )
    masked = identifiers.mask_citizen_id(REPRESENTATIVE_ID)
    shown = client.get(f"/api/v1/held-rows/{row_id}", headers=auth_headers(client, "authority"))
    assert shown.status_code == 200, shown.text
    assert REPRESENTATIVE_ID not in shown.text
    assert shown.json()["values"]["violation_facts"] == f"当事人陈某（身份证号{masked}）"
    log_in(client, "reporter")
    page = client.get(f"/held-rows/{row_id}", headers=HTML)
    assert page.status_code == 200, page.text
    assert REPRESENTATIVE_ID not in page.text
    assert masked in page.text


def test_a_refused_read_of_a_persons_held_row_reaches_the_persons_log(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    """Review r8, finding 6, through the API's boundary (rolled back, then recorded)."""
    world = collection_world
    person = world.subjects["person"]
    row_id = held_person_row(db, clock, world).id
    other = client.get(
        f"/api/v1/held-rows/{row_id}", headers=auth_headers(client, "other_reporter")
    )
    assert (other.status_code, other.json()["error"]["code"]) == (404, "not_found")
    (entry,) = held_row_log(db, person)
    assert (entry.granted, entry.refusal_code) == (False, "not_held_row_reviewer")
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert (event.target_type, event.target_id) == ("subject", str(person.id))
    assert event.details["held_row"] == row_id
    assert event.details["route"] == "/api/v1/held-rows/{row_id}"
    # The person reads the attempt in its own access log, explained.
    log_in(client, "citizen")
    page = client.get("/me/access-log", headers=HTML)
    assert page.status_code == 200, page.text
    assert "not_held_row_reviewer" in page.text


@pytest.mark.parametrize("prefix", ["release:", "content:"])
def test_a_client_key_in_the_platforms_namespace_is_refused_and_the_release_goes_through(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World, prefix: str
) -> None:
    """Review r7, finding 3: a client batch sent with `Idempotency-Key: release:N` made the
    later release of held row N fail 409 `idempotency_key_reused`."""
    world = collection_world
    row_id = held_row_id(world, db, clock)
    headers = auth_headers(client, "reporter")
    key = f"release:{row_id}" if prefix == "release:" else "content:administrative_penalty:0"
    sent = client.post(
        "/api/v1/batches?type=administrative_penalty",
        content=json.dumps([penalty_row(world)], ensure_ascii=False).encode(),
        headers={**headers, "Content-Type": "application/json", "Idempotency-Key": key},
    )
    assert sent.status_code == 422, sent.text
    error = sent.json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_reserved", "Idempotency-Key")
    released = client.post(
        f"/api/v1/held-rows/{row_id}/release",
        json={"reasons": "名称变更，代码一致"},
        headers=auth_headers(client, "authority"),
    )
    assert released.status_code == 200, released.text
    assert released.json()["batch"]["created"] == 1


def test_the_api_and_the_page_say_how_many_held_rows_are_not_listed(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    collection_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review r7, finding 5: the queue was cut at 200 without a word."""
    first = held_row_id(collection_world, db, clock)
    held_row_id(collection_world, db, clock)
    monkeypatch.setattr(held_rows, "MAX_LISTED", 1)
    listed = client.get("/api/v1/held-rows", headers=auth_headers(client, "reporter")).json()
    assert [item["id"] for item in listed["items"]] == [first]
    assert (listed["total"], listed["limit"]) == (2, 1)
    log_in(client, "reporter")
    page = client.get("/held-rows", headers=HTML)
    assert 'data-more="1"' in page.text
    assert "最早的 1 行" in page.text


def test_the_batch_report_links_to_its_held_rows(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    row_id = held_row_id(collection_world, db, clock)
    batch_id = db.scalar(select(QuarantinedRow.batch_id).where(QuarantinedRow.id == row_id))
    log_in(client, "reporter")
    report = client.get(f"/batches/{batch_id}", headers=HTML)
    assert f'href="/held-rows?batch={batch_id}"' in report.text
    queue = client.get(f"/held-rows?batch={batch_id}", headers=HTML)
    assert f'href="/held-rows/{row_id}"' in queue.text
    # The security officer reads the batch, but reviews no held row.
    log_in(client, "security")
    report = client.get(f"/batches/{batch_id}", headers=HTML)
    assert report.status_code == 200
    assert "/held-rows?batch=" not in report.text


def test_the_command_line_lists_and_releases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> None:
    """The real commands against their own database, as the operator runs them."""
    from xinyong.accounts.models import OrganisationKind
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.cli import app as cli_app
    from xinyong.collection import sources
    from xinyong.config import reset_settings
    from xinyong.db.engine import make_engine
    from xinyong.subjects import service as subjects

    database = tmp_path / "held.sqlite3"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{database}")
    reset_settings()
    try:
        assert CliRunner().invoke(cli_app, ["init"]).exit_code == 0
        engine = make_engine(f"sqlite:///{database}")
        clock = FixedClock(TEST_NOW)
        with Session(engine, expire_on_commit=False) as session:
            agency = accounts.create_organisation(
                session,
                clock,
                SYSTEM_ACTOR,
                code="11350100MUCQWD187J",
                name="福州市市场监督管理局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            sources.grant(session, clock, SYSTEM_ACTOR, agency, "administrative_penalty")
            company = subjects.register_organisation(
                session,
                clock,
                SYSTEM_ACTOR,
                name="福州晨光文具贸易有限公司",
                uscc=make_uscc(random.Random(7), prefix="91"),
            )
            # Another source's held row, older: listed first when all are, and not
            # pushing the agency's out of a list of one source's rows.
            other = accounts.create_organisation(
                session,
                clock,
                SYSTEM_ACTOR,
                code=make_uscc(random.Random(8), prefix="11"),
                name="福州市生态环境局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            sources.grant(session, clock, SYSTEM_ACTOR, other, "administrative_penalty")
            elsewhere = SimpleNamespace(
                organisations={"regulator": other}, subjects={"company": company}
            )
            assert (
                ingest(
                    session,
                    clock,
                    other,
                    [penalty_row(elsewhere, subject_name=NEW_NAME)],  # type: ignore[arg-type]
                ).batch.held
                == 1
            )
            world = SimpleNamespace(
                organisations={"regulator": agency}, subjects={"company": company}
            )
            report = ingest(
                session,
                clock,
                agency,
                [penalty_row(world, subject_name=NEW_NAME)],  # type: ignore[arg-type]
            )
            assert report.batch.held == 1
            session.commit()
        runner = CliRunner()
        monkeypatch.setattr(held_rows, "MAX_LISTED", 1)
        everyone = runner.invoke(cli_app, ["held", "list"])
        assert everyone.exit_code == 0, everyone.output
        assert "2 held rows awaiting a decision" in everyone.output
        assert "showing the oldest 1: 1 more not listed" in everyone.output
        listed = runner.invoke(cli_app, ["held", "list", "--source", "11350100MUCQWD187J"])
        assert listed.exit_code == 0, listed.output
        assert "name_mismatch" in listed.output
        assert "1 held rows awaiting a decision" in listed.output
        assert "more not listed" not in listed.output
        row_id = listed.output.split("│")[1].strip() if "│" in listed.output else "2"
        refused = runner.invoke(cli_app, ["held", "release", row_id, "--reasons", " "])
        assert refused.exit_code == 2
        assert "required" in refused.output
        released = runner.invoke(
            cli_app, ["held", "release", row_id, "--reasons", "核实为同一主体"]
        )
        assert released.exit_code == 0, released.output
        assert "created 1" in released.output
        assert "1 held rows awaiting" in runner.invoke(cli_app, ["held", "list"]).output
        engine.dispose()
    finally:
        monkeypatch.delenv("XINYONG_DATABASE_URL")
        monkeypatch.delenv("XINYONG_DATA_DIR")
        reset_settings()


def test_a_held_row_waiting_longer_than_a_submission_may_take_is_overdue(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    """Art. 4 (及时): a held row is a submission not yet made. The queue (API, page) says how
    many working days each has waited, overdue past the late-submission term; the credit
    authority's timeliness view counts each source's awaiting and overdue rows."""
    import datetime as dt

    world = collection_world
    row_id = held_row_id(world, db, clock)
    regulator = world.organisations["regulator"].code
    reporter = auth_headers(client, "reporter")
    (fresh,) = client.get("/api/v1/held-rows", headers=reporter).json()["items"]
    assert fresh["waiting"] == {"working_days": 0, "overdue": False}

    clock.advance(dt.timedelta(days=14))  # 10 working days: past the 7 a submission may take
    (item,) = client.get("/api/v1/held-rows", headers=reporter).json()["items"]
    assert item["id"] == row_id
    assert item["waiting"] == {"working_days": 10, "overdue": True}
    log_in(client, "reporter")
    page = client.get("/held-rows", headers=HTML)
    assert 'data-waiting="10" data-overdue="true"' in page.text
    authority = auth_headers(client, "authority")
    timely = client.get("/api/v1/timeliness", headers=authority).json()
    assert timely["late_after_working_days"] == 7
    (source,) = [i for i in timely["items"] if i["organisation"] == regulator]
    assert (source["held_awaiting"], source["held_overdue"]) == (1, 1)
    assert source["held_longest_working_days"] == 10
    log_in(client, "authority")
    supervision = client.get("/supervision/timeliness", headers=HTML)
    assert f'data-organisation="{regulator}"' in supervision.text
    assert '<td data-value="held_overdue"><strong>1</strong></td>' in supervision.text

    # Decided, it waits no more: the queue of decided rows gives no wait.
    decided = client.post(
        f"/api/v1/held-rows/{row_id}/reject", headers=reporter, json={"reasons": "非本单位数据"}
    )
    assert decided.status_code == 200, decided.text
    (done,) = client.get("/api/v1/held-rows?decided=true", headers=reporter).json()["items"]
    assert done["waiting"] is None
    # The source has no record and no row awaiting: it is not listed at all.
    listed = client.get("/api/v1/timeliness", headers=authority).json()["items"]
    assert regulator not in {i["organisation"] for i in listed}


def test_a_batch_number_past_the_databases_integers_is_refused_not_a_500(
    client: TestClient, collection_world: World
) -> None:
    """Review r18: the held rows' `batch` filter had no upper bound, and PostgreSQL's bigint
    overflowed inside the driver (500) on the API and the page."""
    too_big = {"batch": str(2**63)}
    api = client.get("/api/v1/held-rows", params=too_big, headers=auth_headers(client, "reporter"))
    assert api.status_code == 422, api.text
    assert api.json()["error"]["field"] == "batch"
    log_in(client, "reporter")
    page = client.get("/held-rows", params=too_big)
    assert page.status_code == 422, page.text[:300]
