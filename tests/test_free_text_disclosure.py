"""A record's own free text on disclosure (decision 0037; decision 0007, session 13 addendum
2): a citizen ID number the source wrote into a record's text — the facts of a violation, a
remark, a driving licence's number (which is its holder's citizen ID), a court's account
of a defaulter's conduct — is kept as submitted and shown so to the subject and to readers
on a lawful path to its non-public data, and masked (350102********1234) everywhere else:
the public pages and API, a query item stating no statutory exception (which also shows no
change history, as the public file does), and the public version of a credit report, its
PDF included. One rendering in the domain (``files.as_public``), so every outlet agrees."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_citizen_id,
)
from tests.disclosure_helpers import (
    ARREARS,
    ARREARS_EXCEPTION,
    CONTRACT,
    FULL_CITIZEN_ID,
    ITEM,
    MATTER_CODE,
    Tokens,
    actor_of,
    attempt,
    authorise,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    person_penalty,
)
from tests.factories import OrganisationFactory, UserFactory, World
from tests.lists_helpers import COURT, court_row
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_identifiers import (
    ID_LAYOUTS,
    PROPERTY,
    STYLES,
    _grouped,
    typed_as,
    valid_citizen_ids,
)
from tests.test_identifiers import TODAY as ID_TODAY
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.catalog.definitions import FieldType, RecordTypeDefinition
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.disclosure import access, files
from xinyong.identifiers import holds_citizen_id, mask_citizen_id, mask_citizen_ids
from xinyong.lists.models import ListEntry
from xinyong.lists.publicity import mask_name
from xinyong.subjects import service as subjects

API = "/api/v1"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# The numbers the source wrote into the record's text, each typed another way.
FACTS_ID, REMARKS_ID, LICENCE_ID, TYPE_ID, COURT_ID = (new_citizen_id() for _ in range(5))
IDS = (FACTS_ID, REMARKS_ID, LICENCE_ID, TYPE_ID, COURT_ID)
TEXTS = {
    # 违法事实: the number as the source's system wrote it.
    "violation_facts": f"当事人雇用的驾驶员张某（公民身份号码{FACTS_ID}）驾驶未经检验的车辆从事营运",
    # 备注: in full-width digits, as a Chinese input method types them.
    "remarks": f"经办人李某，身份证号{REMARKS_ID.translate(FULL_WIDTH)}，已到场",
    # 暂扣或吊销证照: a driving licence's number is its holder's citizen ID, grouped.
    "licence_suspended": (
        f"机动车驾驶证（证号 {LICENCE_ID[:6]} {LICENCE_ID[6:14]} {LICENCE_ID[14:]}）暂扣六个月"
    ),
    # 违法行为类型: among the two fields the report's printed form shows of a penalty.
    "violation_type": f"无证营运（驾驶员{TYPE_ID}）",
}
CONDUCT = f"被执行人与案外人王某（身份证号{COURT_ID}）恶意串通转移财产，规避执行"


def masked(number: str) -> str:
    return mask_citizen_id(number)


def masked_texts(today: dt.date) -> dict[str, str]:
    return {name: mask_citizen_ids(text, today=today) for name, text in TEXTS.items()}


def in_clear(text: str) -> list[str]:
    """The numbers of ``IDS`` that ``text`` shows, however typed (folded, separators
    dropped: the way a reader reads them)."""
    compact = re.sub(r"[\s\-\u3000]", "", unicodedata.normalize("NFKC", text))
    return [number for number in IDS if number in compact]


def penalty_with_ids(db: Session, clock: FixedClock, world: World, subject: str) -> CreditRecord:
    if subject == "company":
        return company_penalty(db, clock, world, **TEXTS)
    return person_penalty(db, clock, world, subject, **TEXTS)


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


@pytest.fixture
def court_world(disclosure_world: World, db: Session, clock: FixedClock) -> World:
    """The disclosure world and a court that reports judgment defaulters (each record puts
    its subject on the black list, its dishonest conduct the entry's reasons)."""
    world = disclosure_world
    court = OrganisationFactory(name="福州市中级人民法院", kind=OrganisationKind.JUDICIAL_ORGAN)
    world.organisations["court"] = court
    world.users["court_reporter"] = UserFactory(
        username="court_reporter", role=Role.DATA_REPORTER, organisation=court
    )
    grant(db, clock, court, COURT)
    db.commit()
    return world


def court_defaulter(db: Session, clock: FixedClock, world: World) -> ListEntry:
    company = world.subjects["company"]
    report = ingest(
        db,
        clock,
        world.organisations["court"],
        [court_row(world, company, dishonest_conduct=CONDUCT)],
        record_type=COURT,
        actor=actor_of(world, "court_reporter"),
    )
    assert report.batch.created == 1, report
    entry = db.scalar(select(ListEntry).where(ListEntry.subject_id == company.id))
    assert entry is not None
    assert entry.reasons == CONDUCT
    return entry


def content_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [item["content"] for item in body["items"]]


# --- ingestion: the source's record as submitted -----------------------------------------------


def test_the_record_keeps_the_text_as_the_source_submitted_it(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The source's record is evidence: nothing is refused or changed on the way in."""
    record = penalty_with_ids(db, clock, disclosure_world, "company")
    version = db.scalar(
        select(RecordVersion).where(
            RecordVersion.record_id == record.id,
            RecordVersion.version_no == record.current_version_no,
        )
    )
    assert version is not None
    for name, text in TEXTS.items():
        assert version.payload[name] == text


# --- the public file: pages and API ------------------------------------------------------------


@pytest.mark.parametrize("subject", ["company", "person"])
def test_the_public_api_masks_citizen_ids_in_a_records_text_and_shows_no_history(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, subject: str
) -> None:
    world = disclosure_world
    penalty_with_ids(db, clock, world, subject)
    db.commit()
    target = world.subjects[subject]

    response = client.get(f"{API}/subjects/{target.reference}/public")

    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    for name, text in masked_texts(clock.today()).items():
        assert item["content"][name] == text
    assert masked(FACTS_ID) in item["content"]["violation_facts"]
    assert in_clear(response.text) == []
    assert "history" not in item
    if subject == "person":  # shown by the masked ID number, never the name
        assert "subject_name" not in item["content"]
        assert target.name not in response.text


def test_the_public_page_masks_citizen_ids_in_a_records_text(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    penalty_with_ids(db, clock, world, "person")
    db.commit()

    page = client.get(f"/subjects/{world.subjects['person'].reference}", headers=HTML)

    assert page.status_code == 200
    assert in_clear(page.text) == []
    for number in (FACTS_ID, REMARKS_ID, LICENCE_ID, TYPE_ID):
        assert masked(number) in page.text
    assert "record-history" not in page.text


def _page_fields(page: str) -> dict[str, str]:
    """The fields a public page shows of its one record, label to value."""
    table = page.split('class="record-content"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table))


@pytest.mark.parametrize("subject", ["company", "person"])
def test_the_public_page_and_api_show_no_id_number_field_and_agree(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, subject: str
) -> None:
    """A legal representative's ID number on a company's record, a person's own on theirs:
    left out of every public outlet alike, not even masked (``files.public_content``)."""
    world = disclosure_world
    number = new_citizen_id()
    if subject == "company":
        company_penalty(
            db, clock, world, legal_representative="林某某", id_type="身份证", id_number=number
        )
        number_shown = number
    else:
        person_penalty(db, clock, world)
        number_shown = citizen_id_of(world.subjects["person"])
    db.commit()
    target = world.subjects[subject]

    (item,) = client.get(f"{API}/subjects/{target.reference}/public").json()["items"]
    page = client.get(f"/subjects/{target.reference}", headers={**HTML, "Accept-Language": "en"})

    assert "id_number" not in item["content"]
    assert item["content"]["id_type"] == "身份证"
    assert masked(number_shown) not in json.dumps(item)
    # The page's record shows the API's fields, by their English labels (a person's page
    # names the person by the masked number, in its heading, not in the record).
    shown = _page_fields(page.text)
    assert masked(number_shown) not in str(shown)
    assert shown["ID document type"] == "身份证"
    assert "ID number" not in shown
    if subject == "company":
        assert masked(number_shown) not in page.text
        assert shown["Legal representative"] == item["content"]["legal_representative"]


# --- the subject and readers on a lawful path to non-public data -------------------------------


def test_the_subject_reads_its_records_text_as_stored_with_its_history(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    penalty_with_ids(db, clock, world, "company")
    db.commit()

    response = client.get(
        f"{API}/subjects/{world.subjects['company'].reference}/file", headers=tokens("company")
    )

    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    for name, text in TEXTS.items():
        assert item["content"][name] == text
    assert [version["version"] for version in item["history"]] == [1]


@pytest.mark.parametrize(("authorised", "as_stored"), [((PENALTY,), True), ((CONTRACT,), False)])
def test_a_reader_on_the_subjects_written_authorisation_reads_the_types_it_names_as_stored(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    authorised: tuple[str, ...],
    as_stored: bool,
) -> None:
    """The person's public penalty read by the bank it authorised (Art. 13 ¶3): as stored,
    history and all, when the authorisation names penalties; when it names another type,
    the penalty is there only because it is public, and is shown as the public file shows
    it — no history, no name, the ID numbers in its text masked (review r1, finding 3)."""
    world = disclosure_world
    record = penalty_with_ids(db, clock, world, "person")
    authorise(db, clock, world, record_types=authorised)
    db.commit()

    granted = attempt(db, clock, actor_of(world, "analyst"), world.subjects["person"])

    assert isinstance(granted, access.Access), granted
    (view,) = [view for view in granted.file(db, clock) if view.id == record.id]
    if as_stored:
        assert view.payload["violation_facts"] == TEXTS["violation_facts"]
        assert view.history is not None
        assert len(view.history) == 1
    else:
        assert view.history is None
        assert "history" not in view.as_dict()
        assert view.definition.subject_name_field not in view.payload
        assert not FULL_CITIZEN_ID.search(json.dumps(view.payload, ensure_ascii=False))


def test_a_query_item_stating_its_exception_shows_other_public_records_as_the_public_file(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    """An item with a statutory exception opens its own types as stored; a public record of
    another type comes with the read only because it is public, so as the public file shows
    it (review r1, finding 3: the same shape as the authorisation's)."""
    world = disclosure_world
    record = penalty_with_ids(db, clock, world, "person")
    make_query_item(db, clock, world)  # arrears, with the statute that opens them
    db.commit()

    body = file_by_item(client, tokens, world, "person")

    (item,) = [item for item in body["items"] if item["id"] == record.id]
    assert body["record_types"] == [ARREARS]
    assert "history" not in item
    assert not FULL_CITIZEN_ID.search(json.dumps(item["content"], ensure_ascii=False))
    assert world.subjects["person"].name not in json.dumps(item, ensure_ascii=False)


# --- a query item -------------------------------------------------------------------------------


def file_by_item(client: TestClient, tokens: Tokens, world: World, subject: str) -> dict[str, Any]:
    response = client.get(
        f"{API}/subjects/{world.subjects[subject].reference}/file",
        params={"query_item": ITEM, "matter": MATTER_CODE},
        headers=tokens("querier"),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("subject", ["company", "person"])
def test_an_item_without_an_exception_shows_the_records_as_the_public_file_does(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    subject: str,
) -> None:
    """No change history (the versions name who changed the record), a person without the
    name, citizen IDs in the text masked: the public API's rendering of the same records."""
    world = disclosure_world
    penalty_with_ids(db, clock, world, subject)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()

    body = file_by_item(client, tokens, world, subject)
    public = client.get(f"{API}/subjects/{world.subjects[subject].reference}/public").json()

    assert content_of(body) == content_of(public)
    assert [{k: v for k, v in i.items() if k != "labels"} for i in body["items"]] == [
        {k: v for k, v in i.items() if k != "labels"} for i in public["items"]
    ]
    (item,) = body["items"]
    assert "history" not in item
    assert item["content"]["remarks"] == masked_texts(clock.today())["remarks"]
    assert in_clear(json.dumps(body, ensure_ascii=False)) == []


def test_an_item_with_an_exception_shows_the_records_as_stored(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    penalty_with_ids(db, clock, world, "person")
    make_query_item(
        db, clock, world, record_types=(PENALTY, ARREARS), statutory_exception=ARREARS_EXCEPTION
    )
    db.commit()

    (item,) = file_by_item(client, tokens, world, "person")["items"]

    for name, text in TEXTS.items():
        assert item["content"][name] == text
    assert [version["version"] for version in item["history"]] == [1]


def test_the_query_page_shows_an_items_records_as_the_public_file_does(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    penalty_with_ids(db, clock, world, "person")
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()
    log_in(client, "querier")

    response = client.post(
        "/query",
        data={
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "subject_kind": "person",
            "citizen_id": citizen_id_of(world.subjects["person"]),
            "csrf_token": csrf_from(client.get("/query", headers=HTML).text),
        },
        headers=HTML,
    )

    assert response.status_code == 200, response.text[:500]
    result = response.text.split('class="query-result"', 1)[1]
    assert in_clear(result) == []
    assert masked(FACTS_ID) in result
    # The person as the public sees them, as in the public version of a report.
    person = world.subjects["person"]
    assert person.name not in result
    assert mask_name(person.name) in result
    assert "record-history" not in result
    assert "data-public-version" in result
    assert "变动记录" in result.split("data-public-version", 1)[1].split("</span>", 1)[0]


# --- credit reports -----------------------------------------------------------------------------


def _pdf_text(tmp_path: Path, pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is not installed: it comes with poppler-utils")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([tool, str(path), "-"], capture_output=True, check=True, timeout=60)
    return "".join(done.stdout.decode().split())


def report(
    client: TestClient, tokens: Tokens, user: str, reference: str, **params: str
) -> tuple[dict[str, Any], bytes]:
    """A report issued to ``user`` as JSON, and one issued the same way as a PDF."""
    url = f"{API}/subjects/{reference}/report"
    response = client.get(url, params=params, headers=tokens(user))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    pdf = client.get(url, params={**params, "format": "pdf"}, headers=tokens(user))
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.content.startswith(b"%PDF")
    return body, pdf.content


def test_the_public_version_of_a_report_masks_the_text_and_gives_no_history(
    court_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    """On a query item stating no exception: the report's items, the list entry's reasons
    (the court's account of the conduct) and the printed form alike."""
    world = court_world
    penalty_with_ids(db, clock, world, "company")
    court_defaulter(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY, COURT), statutory_exception=None)
    db.commit()
    reference = world.subjects["company"].reference

    body, pdf = report(client, tokens, "querier", reference, query_item=ITEM, matter=MATTER_CODE)

    assert body["public_version"] is True
    items = [item for section in body["sections"] for item in section["items"]]
    assert sorted(item["type"] for item in items) == sorted([PENALTY, COURT])
    assert all("history" not in item for item in items)
    (penalty,) = [item for item in items if item["type"] == PENALTY]
    assert penalty["content"]["violation_type"] == masked_texts(clock.today())["violation_type"]
    (entry,) = body["list_entries"]
    assert entry["reasons"] == mask_citizen_ids(CONDUCT, today=clock.today())
    assert in_clear(json.dumps(body, ensure_ascii=False)) == []

    printed = _pdf_text(tmp_path, pdf)
    assert in_clear(printed) == []
    assert masked(TYPE_ID) in printed  # the printed row's second key field
    assert masked(COURT_ID) in printed  # the entry's reasons
    assert "本报告为公开版" in printed
    assert "第1版" not in printed
    assert "完整变动记录" not in printed


def test_the_public_version_of_a_persons_report_names_the_person_as_the_public_sees_them(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    """A natural person's basic information in the public version: the name masked as the
    public lists and the report's verification show it, the masked ID number, no former
    names — the JSON, the page (HTML) and the printed form alike; the subject's own report
    names the person in full, and the public version still verifies."""
    world = disclosure_world
    person = world.subjects["person"]
    penalty_with_ids(db, clock, world, "person")
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    # A name corrected (decision 0051): a former name in the person's own report.
    wrong = person.name
    subjects.rename(db, clock, actor_of(world, "authority"), person, "王某甲", correcting=True)
    db.commit()
    shown = mask_name(person.name)

    params = {"query_item": ITEM, "matter": MATTER_CODE}
    body, pdf = report(client, tokens, "querier", person.reference, **params)

    assert body["public_version"] is True
    assert body["subject"]["name"] == shown
    assert body["subject"]["code"] == masked(citizen_id_of(person))
    assert body["subject"]["former_names"] == []
    assert "name_corrections" not in body["subject"]
    assert person.name not in json.dumps(body, ensure_ascii=False)
    assert wrong not in json.dumps(body, ensure_ascii=False)
    page = client.get(
        f"{API}/subjects/{person.reference}/report",
        params={**params, "format": "html"},
        headers=tokens("querier"),
    )
    assert page.status_code == 200, page.text[:300]
    assert person.name not in page.text
    assert shown in page.text
    printed = _pdf_text(tmp_path, pdf)
    assert person.name not in printed
    assert wrong not in printed
    assert shown in printed
    verified = client.get(
        f"{API}/reports/{body['number']}/verify",
        params={"code": body["verification_code"], "sha256": body["content_sha256"]},
    ).json()
    assert verified["genuine"] is True
    assert verified["content_matches"] is True
    assert verified["subject"] == shown

    own, _pdf = report(client, tokens, "citizen", person.reference)
    assert own["public_version"] is False
    assert own["subject"]["name"] == person.name
    assert own["subject"]["former_names"] == [wrong]


def test_the_subjects_own_report_gives_the_text_as_stored(
    court_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    world = court_world
    penalty_with_ids(db, clock, world, "company")
    court_defaulter(db, clock, world)
    db.commit()

    body, pdf = report(client, tokens, "company", world.subjects["company"].reference)

    assert body["public_version"] is False
    items = [item for section in body["sections"] for item in section["items"]]
    (penalty,) = [item for item in items if item["type"] == PENALTY]
    assert penalty["content"]["violation_facts"] == TEXTS["violation_facts"]
    assert [version["version"] for version in penalty["history"]] == [1]
    (entry,) = body["list_entries"]
    assert entry["reasons"] == CONDUCT
    printed = _pdf_text(tmp_path, pdf)
    assert TYPE_ID in printed
    assert "本报告为公开版" not in printed
    assert "第1版" in printed


# --- the masking itself (hypothesis) ------------------------------------------------------------

CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=12)
BEFORE = st.sampled_from(["", "（身份证号", "公民身份号码：", "证号 ", "驾驶证"])
AFTER = st.sampled_from(["", "）", "。", " 已整改", "，罚款2000元"])
# Text around and between numbers: Chinese, digits of both widths, the separators people
# type, an X, and the invisible characters copying leaves.
MIXED = st.text(
    st.sampled_from(
        [
            *"0123456789",
            *"０１２３４５６７８９",
            *"XＸ",
            *" -\u3000\u2013\u200b",
            *"当事人身份证号码驾驶员，。（）",
        ]
    ),
    max_size=60,
)


@PROPERTY
@given(valid_citizen_ids(), st.sampled_from(STYLES), CHINESE, BEFORE, AFTER, CHINESE)
def test_a_citizen_id_typed_into_chinese_text_is_masked_and_the_rest_kept(
    number: str, style: str, head: str, before: str, after: str, tail: str
) -> None:
    text = f"{head}{before}{typed_as(number, style)}{after}{tail}"

    shown = mask_citizen_ids(text, today=ID_TODAY)

    assert shown == f"{head}{before}{mask_citizen_id(number.upper())}{after}{tail}"
    assert not holds_citizen_id(shown, today=ID_TODAY)


@PROPERTY
@given(
    valid_citizen_ids(),
    st.sampled_from(sorted(ID_LAYOUTS)),
    st.lists(st.sampled_from([" ", "-", " - ", "\u3000", "\u2013", "\u00a0", "- "]), min_size=17),
    st.booleans(),
    CHINESE,
)
def test_a_citizen_id_typed_in_groups_in_either_width_is_masked(
    number: str, layout: tuple[int, ...], separators: list[str], full_width: bool, words: str
) -> None:
    typed = _grouped(number, layout, separators)
    if full_width:
        typed = typed.translate(FULL_WIDTH)
    text = f"{words}驾驶证号{typed}，{words}"

    shown = mask_citizen_ids(text, today=ID_TODAY)

    assert shown == f"{words}驾驶证号{mask_citizen_id(number)}，{words}"


@PROPERTY
@given(MIXED, st.lists(valid_citizen_ids(), max_size=3), MIXED)
def test_masked_text_holds_no_citizen_id_and_masking_again_changes_nothing(
    head: str, numbers: list[str], tail: str
) -> None:
    text = head + "，".join(numbers) + tail

    shown = mask_citizen_ids(text, today=ID_TODAY)

    assert not holds_citizen_id(shown, today=ID_TODAY)
    assert mask_citizen_ids(shown, today=ID_TODAY) == shown
    if not holds_citizen_id(text, today=ID_TODAY):
        assert shown == text


@PROPERTY
@given(valid_citizen_ids(), st.sampled_from(STYLES), CHINESE)
def test_the_public_rendering_masks_every_free_text_field_and_nothing_typed(
    catalog_penalty: RecordTypeDefinition, number: str, style: str, words: str
) -> None:
    definition = catalog_penalty
    typed = typed_as(number, style)
    content = {
        spec.name: f"{words}{typed}" if spec.type is FieldType.TEXT else "2026-01-05"
        for spec in definition.fields
    }
    content["field_of_an_older_version"] = f"旧字段{typed}"

    for organisation in (True, False):
        shown = files.public_content(definition, content, organisation=organisation, today=ID_TODAY)
        for name, value in shown.items():
            assert not holds_citizen_id(value, today=ID_TODAY), name
        typed_fields = {
            s.name
            for s in definition.fields
            if s.type not in (FieldType.TEXT, FieldType.CITIZEN_ID)
        }
        assert {name: shown[name] for name in typed_fields} == {
            name: content[name] for name in typed_fields
        }
        # No ID number field on a public outlet, not even masked.
        assert not {s.name for s in definition.fields if s.type is FieldType.CITIZEN_ID} & set(
            shown
        )
        assert (definition.subject_name_field in shown) is organisation


@pytest.fixture(scope="module")
def catalog_penalty() -> RecordTypeDefinition:
    """The Fuzhou rule pack's penalty type, as shipped (no database needed)."""
    from xinyong.catalog.rule_packs import RulePack

    (data,) = [d for d in RulePack.read().definitions if d["code"] == PENALTY]
    return RecordTypeDefinition.model_validate(data)
