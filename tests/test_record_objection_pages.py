"""The objection pages (Art. 25): the subject's, the handler's queue and case page, the
source's queue and correction form, in Chinese and English."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    access_events,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    witnessed,
)
from tests.factories import World, record_objection
from tests.page_helpers import csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.objections.models import Ground, ObjectionStatus, RecordObjection


def test_pages_from_objection_to_correction(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/objections")
    assert page.status_code == 200
    assert f'value="{record.id}"' in page.text
    # The record is named by its type's name, not its code.
    picker = page.text.split(f'value="{record.id}"', 1)[1].split("</option>", 1)[0]
    assert "行政处罚" in picker
    assert "administrative_penalty" not in picker
    empty = client.post(
        "/me/objections",
        data={
            "record": record.id,
            "ground": "error",
            "statement": " ",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert empty.status_code == 422
    assert 'data-code="required"' in empty.text
    raised = client.post(
        "/me/objections",
        data={
            "record": record.id,
            "ground": "error",
            "statement": "罚款金额有误",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert raised.status_code == 200
    assert 'data-status="received"' in raised.text
    objection = db.query(RecordObjection).one()
    credit = client.get("/me/credit")
    assert "异议处理中" in credit.text or "Under objection" in credit.text
    client.cookies.clear()

    log_in(client, "objections")
    queue = client.get("/record-objections")
    assert f'data-objection="{objection.id}"' in queue.text
    # The queue shows the subject's statement: a use in its access log, and audited.
    company = world.subjects["company"].id
    logged = [e.what for e in access_events(db, company) if e.what == "objection_case"]
    assert logged == ["objection_case"]
    # The event names the cases and witnesses the log entry (decision 0003), no content.
    details = db.scalar(
        select(AuditEvent.details).where(AuditEvent.action == "record_objection.queue_read")
    )
    assert details is not None
    assert witnessed(details)[0] == {"view": "handler", "cases": [objection.id]}
    case = client.get(f"/record-objections/{objection.id}")
    assert "罚款金额有误" in case.text
    assert "/forward" in case.text
    assert "/correct" not in case.text  # handlers alter no data
    forwarded = client.post(
        f"/record-objections/{objection.id}/forward",
        data={"note": "请核实", "csrf_token": csrf_from(case.text)},
    )
    assert forwarded.status_code == 200, forwarded.text
    client.cookies.clear()

    log_in(client, "reporter")
    mine = client.get("/record-objections/forwarded")
    assert f'data-objection="{objection.id}"' in mine.text
    case = client.get(f"/record-objections/{objection.id}")
    assert 'name="field.fine_amount"' in case.text
    form = {
        "field.fine_amount": "很多",
        "note": "更正金额",
        "csrf_token": csrf_from(case.text),
    }
    bad = client.post(f"/record-objections/{objection.id}/correct", data=form)
    assert bad.status_code == 422
    assert 'data-code="invalid_number"' in bad.text
    form["field.fine_amount"] = "1"
    done = client.post(f"/record-objections/{objection.id}/correct", data=form)
    assert done.status_code == 200
    assert 'data-done="corrected"' in done.text
    status = db.query(RecordObjection.status).filter_by(id=objection.id).scalar()
    assert status is ObjectionStatus.CORRECTED
    client.cookies.clear()

    log_in(client, "company")
    mine = client.get("/me/objections?lang=en")
    assert "Upheld: the record was corrected" in mine.text
    credit = client.get("/me/credit?lang=en")
    assert f"Corrected after objection {objection.id}" in credit.text
    # The handler's and the source's reads of the case are in the company's access log.
    log = client.get("/me/access-log?lang=en")
    assert "Your objection to a record, read to handle it" in log.text
    assert "deciding an objection (Art. 25)" in log.text


@pytest.mark.parametrize(
    ("statement", "code"),
    [("罚款金额\x00有误", "nul_character"), ("有误" * 2501, "too_long")],
)
def test_a_refused_statement_is_shown_beside_the_form_with_the_text_kept(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    disclosure_world: World,
    statement: str,
    code: str,
) -> None:
    record = company_penalty(db, clock, disclosure_world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/objections")
    refused = client.post(
        "/me/objections",
        data={
            "record": record.id,
            "ground": "error",
            "statement": statement,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert refused.status_code == 422
    assert f'data-code="{code}"' in refused.text
    assert 'id="statement"' in refused.text  # the form, not the error page
    assert statement.replace("\x00", "")[:8] in refused.text.split('id="statement"', 1)[1]
    assert db.scalar(select(RecordObjection.id)) is None


def test_the_public_page_shows_under_objection_and_an_unconfirmed_decision_shows_the_check(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id, ground="omission")
    objection_id = objection.id
    db.commit()
    public = client.get(f"/subjects/{world.subjects['company'].uscc}?lang=en")
    assert f'data-record="{record.id}"' in public.text
    assert 'data-status="under_objection"' in public.text

    log_in(client, "objections")
    case = client.get(f"/record-objections/{objection_id}")
    form = {"outcome": "unconfirmed", "reasons": "双方说法不一", "csrf_token": csrf_from(case.text)}
    missing = client.post(f"/record-objections/{objection_id}/decide", data=form)
    assert missing.status_code == 422
    assert 'data-code="required"' in missing.text
    assert "双方说法不一" in missing.text  # what was typed is kept
    form["check_made"] = "调阅执法档案，未见缴款凭证"
    decided = client.post(f"/record-objections/{objection_id}/decide", data=form)
    assert decided.status_code == 200
    client.cookies.clear()

    log_in(client, "company")
    mine = client.get("/me/objections?lang=en")
    assert "The facts could not be confirmed: the check and the objection are recorded" in mine.text
    assert "调阅执法档案，未见缴款凭证" in mine.text
    credit = client.get("/me/credit?lang=en")
    assert f"Objection {objection_id}: the facts could not be confirmed" in credit.text


def test_the_case_pages_say_the_basis_the_ground_and_the_fields_in_the_pages_language(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    db.commit()
    log_in(client, "company")
    mine = client.get("/me/objections").text
    # The deadlines' basis is a label, not the rule's stored text.
    assert "rules.md" not in mine
    assert "Shanghai" not in mine
    assert "《上海市社会信用条例》第三十六条" in mine
    english = client.get("/me/objections?lang=en").text
    assert "rules.md" not in english
    assert "Shanghai Municipal Social Credit Regulations, Art. 36" in english
    # The file's history says the objection and its ground in the page's language.
    credit = client.get("/me/credit?lang=zh_Hans").text
    assert f"objection {objection.id}: error" not in credit
    assert f"异议 {objection.id}，理由：记录有误" in credit
    client.cookies.clear()

    log_in(client, "objections")
    case = client.get(f"/record-objections/{objection.id}").text
    assert "rules.md" not in case
    history = case[case.index('class="record-history"') :]
    history = history[: history.index("</table>")]
    assert "decision_number=" not in history
    assert "authority=" not in history
    assert '<span data-field="decision_number">' in history
    assert "行政处罚决定书文号：" in history


def test_every_ground_is_offered_by_its_value_and_named_on_the_case(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """The form's grounds are the service's (``Ground``): a ground offered under another
    name would be refused as no choice, and a case on it would show no ground."""
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/objections?lang=en")
    offered = re.findall(r'<option value="([a-z_]+)"', page.text)
    assert [g for g in offered if g in {g.value for g in Ground}] == [g.value for g in Ground]
    raised = client.post(
        "/me/objections?lang=en",
        data={
            "record": record.id,
            "ground": Ground.DUPLICATE.value,
            "statement": "同一处罚公示了两次",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert raised.status_code == 200, raised.text
    assert "The record is published twice" in raised.text
    objection = db.query(RecordObjection).one()
    assert objection.ground is Ground.DUPLICATE
    client.cookies.clear()
    log_in(client, "objections")
    case = client.get(f"/record-objections/{objection.id}?lang=en")
    assert 'data-ground="duplicate_publication">The record is published twice<' in case.text


def test_the_sources_correction_form_labels_the_fields_in_the_pages_language(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    db.commit()
    log_in(client, "objections")
    case = client.get(f"/record-objections/{objection.id}")
    forwarded = client.post(
        f"/record-objections/{objection.id}/forward",
        data={"note": "请核实", "csrf_token": csrf_from(case.text)},
    )
    assert forwarded.status_code == 200, forwarded.text
    client.cookies.clear()

    log_in(client, "reporter")
    english = client.get(f"/record-objections/{objection.id}?lang=en").text
    form = english[english.index(f'action="/record-objections/{objection.id}/correct"') :]
    form = form[: form.index("</form>")]
    assert '<label for="field-fine_amount">Fine (10,000 yuan)' in form
    assert "罚款金额" not in form
    assert "法定代表人" not in form
    chinese = client.get(f"/record-objections/{objection.id}?lang=zh_Hans").text
    assert '<label for="field-fine_amount">罚款金额' in chinese


def test_the_case_history_says_a_choice_in_the_pages_language(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """A penalty's severity class is stored as an English word (``serious``): the case's
    content column says it as the subject's own file does (严重 / Serious), in every
    language, never the stored word (review r3, finding 1)."""
    world = disclosure_world
    record = company_penalty(db, clock, world, severity="serious", remarks="serious")
    objection = record_objection(db, clock, world, record.id)
    db.commit()
    for account in ("objections", "company"):
        log_in(client, account)
        for lang, shown in (("zh_Hans", "严重"), ("zh_Hant", "嚴重"), ("en", "Serious")):
            case = client.get(f"/record-objections/{objection.id}?lang={lang}").text
            history = case[case.index('class="record-history"') :]
            history = history[: history.index("</table>")]
            severity = re.findall(r'<span data-field="severity">([^<]*)</span>', history)
            assert severity, history
            assert all(text.endswith(shown) for text in severity), severity
            assert "serious" not in "".join(severity)
            # A free-text field keeps what the source wrote, even a word a choice also uses.
            remarks = re.findall(r'<span data-field="remarks">([^<]*)</span>', history)
            assert remarks, history
            assert all(text.endswith("serious") for text in remarks), remarks
        client.cookies.clear()
