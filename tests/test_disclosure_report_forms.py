"""The report's canonical JSON is the standard library's text, whoever writes it; the
printed form (the PDF's HTML) lists every record of the report with its source."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.factories import World
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.disclosure import files, reports
from xinyong.disclosure.rendering import grouped_suggestions, report_html, select_key_fields
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole
from xinyong.synthetic import make_citizen_id

# What a report holds: text (any character a source may send), integers, booleans, null;
# never floats (amounts are decimal strings).
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=("Cs",))), children, max_size=4)
    ),
    max_leaves=20,
)


@given(content=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_the_canonical_form_is_the_standard_librarys(content: dict[str, Any]) -> None:
    expected = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert reports._canonical(content) == expected


@given(
    content=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6),
    items=st.lists(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4), max_size=4),
)
def test_a_report_spliced_from_encoded_items_is_the_standard_librarys_text(
    content: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    """Reports place each item's canonical JSON, made once, as a fragment: the whole is
    the standard library's text of the same content, byte for byte (what is hashed)."""
    whole = {**content, "sections": [{"key": "s", "items": items}]}
    spliced = {
        **content,
        "sections": [
            {"key": "s", "items": [orjson.Fragment(files.canonical_json(i)) for i in items]}
        ],
    }
    expected = json.dumps(whole, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert files.canonical_json(spliced) == expected.encode()


def _item(number: int, source: str, *, versions: int = 1) -> dict[str, Any]:
    return {
        "id": number,
        "type": "administrative_penalty",
        "type_name": "行政处罚",
        "self_declared": False,
        "source": {"code": f"CODE{source}", "name": f"来源单位{source}"},
        "decision_date": "2026-11-01",
        "status": "active",
        "public": True,
        "publicity": {"start": "2026-11-01", "end": "2027-11-01"},
        "content": {
            "subject_name": "某公司",
            "legal_representative": "陈某",
            "decision_number": f"榕市监罚〔2026〕{number}号",
            "violation_type": "虚假宣传",
            "violation_facts": "在店堂广告中作引人误解的宣传",
            "authority": f"来源单位{source}",
        },
        "history": [
            {
                "version": v,
                "at": "2026-11-02T02:00:00+00:00",
                "reason": "created by source" if v == 1 else "updated by source",
                "detail": None,
                "status": "active",
                "source": {"code": f"CODE{source}", "name": f"来源单位{source}"},
                "batch": 1,
            }
            for v in range(1, versions + 1)
        ],
    }


LABELS = [
    {"name": name, "zh": zh, "en": name}
    for name, zh in (
        ("subject_name", "主体名称"),
        ("legal_representative", "法定代表人"),
        ("decision_number", "行政处罚决定书文号"),
        ("violation_type", "违法行为类型"),
        ("violation_facts", "违法事实"),
        ("authority", "处罚机关"),
    )
]


def _report(items: list[dict[str, Any]], suggestions: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "number": "XY20261128ABCDEFGH",
        "verification_code": "ABCDEF123456",
        "content_sha256": "0" * 64,
        "issued_at": "2026-11-28T02:00:00+00:00",
        "as_of": "2026-11-28",
        "legal_path": "self",
        "requested_by": "信息主体本人 · company",
        "subject": {"name": "某公司", "kind": "legal_person", "code": "91350100M000100Y43"},
        "sections": [
            {"key": "basic", "title": "基本信息", "title_en": "Basic", "items": []},
            {"key": "licensing_penalties", "title": "行政处罚", "title_en": "P", "items": items},
        ],
        "field_labels": {"administrative_penalty": LABELS},
        "suggestions": suggestions,
        "free_reports": None,
    }


def test_the_printed_form_lists_every_record_with_its_source_and_latest_change() -> None:
    items = [_item(n, "甲" if n % 2 else "乙", versions=1 + (n == 3)) for n in range(1, 8)]
    html = report_html(_report(items, []), printed=True)
    rows = re.findall(r'<p class="row">(\d+\. .*?)</p>', html, flags=re.S)
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        assert item["content"]["decision_number"] in row
        assert "行政处罚决定书文号" in row  # labels, not field names
        assert item["source"]["name"] in row
        assert "违法事实" not in row  # the full content is the electronic report's
    assert "共2版，第2版" in rows[2]
    # The sources' codes, once each.
    assert "信息来源单位：来源单位甲（CODE甲）、来源单位乙（CODE乙）" in html
    # The screen form keeps every field.
    assert "违法事实：在店堂广告中作引人误解的宣传" in report_html(_report(items, []))


def test_both_forms_say_a_choice_stored_as_an_english_word_in_chinese() -> None:
    """A commitment's fulfilment status and a penalty's severity class are stored as English
    words; the report says them as the subject's pages do in Chinese, by field, so that a
    source's own words reading the same are left as written."""
    item = _item(1, "甲")
    item["content"] = {
        "fulfilment_status": "pending",
        "severity": "serious",
        "violation_type": "pending",
    }
    labels = [
        {"name": "fulfilment_status", "zh": "履约状态", "en": "Fulfilment status"},
        {"name": "severity", "zh": "失信严重程度", "en": "Severity class"},
        {"name": "violation_type", "zh": "违法行为类型", "en": "Violation type"},
    ]
    report = {**_report([item], []), "field_labels": {"administrative_penalty": labels}}
    for printed in (False, True):
        html = report_html(report, printed=printed)
        assert "履约状态：待确认" in html
        assert "失信严重程度：严重" in html
        if not printed:  # the printed row shows only the first two key fields
            assert "违法行为类型：pending" in html


def test_the_reports_choices_say_what_the_pages_say_in_chinese() -> None:
    from xinyong.disclosure.rendering import CHOICE_LABELS
    from xinyong.web.i18n import translations
    from xinyong.web.labels import CHOICE_LABELS as PAGE_CHOICES

    zh = translations("zh_Hans").gettext
    for table in CHOICE_LABELS.values():
        for value, chinese in table.items():
            assert zh(PAGE_CHOICES[value]) == chinese


def test_key_fields_skip_the_subject_and_the_source() -> None:
    item = _item(1, "甲")
    assert [label["name"] for label in select_key_fields(LABELS, item)] == [
        "decision_number",
        "violation_type",
    ]


def test_the_same_advice_is_printed_once_naming_its_records() -> None:
    advice = "主动纠正失信行为后可申请信用修复。"
    suggestions = [
        {"record": str(n), "zh": f"行政处罚（{n}号）：{advice}", "en": ""} for n in range(5)
    ]
    suggestions.append({"record": "", "zh": "请按承诺内容履约。", "en": ""})
    assert grouped_suggestions(suggestions) == [
        f"行政处罚（0号）、行政处罚（1号）、行政处罚（2号）等5条信息：{advice}",
        "请按承诺内容履约。",
    ]
    assert grouped_suggestions(suggestions[:2]) == [f"行政处罚（0号）、行政处罚（1号）：{advice}"]


def test_the_basic_information_names_former_names_and_responsible_persons_in_order(
    world: World, db: Session, clock: FixedClock
) -> None:
    company = world.subjects["company"]
    for role, name in (
        (ResponsibleRole.LEGAL_REPRESENTATIVE, "陈某"),
        (ResponsibleRole.DIRECTLY_RESPONSIBLE, "林某"),
    ):
        db.add(ResponsiblePerson(organisation_subject_id=company.id, role=role, name=name))
    db.flush()
    actor = accounts.actor_for_user(world.users["company"])
    issued = reports.issue(db, clock, actor, company)
    basic = json.loads(issued.body)["subject"]
    assert basic["former_names"] == ["福州晨光文具店"]
    assert basic["responsible_persons"] == [
        {"role": "legal_representative", "name": "陈某"},
        {"role": "directly_responsible", "name": "林某"},
    ]


def test_the_basic_information_leaves_out_a_replaced_legal_representative(
    world: World, db: Session, clock: FixedClock
) -> None:
    """The report says who answers for the organisation now (decision 0036)."""
    company = world.subjects["company"]
    for name, ended in (("陈某", clock.today()), ("郑某", None)):
        db.add(
            ResponsiblePerson(
                organisation_subject_id=company.id,
                role=ResponsibleRole.LEGAL_REPRESENTATIVE,
                name=name,
                valid_to=ended,
            )
        )
    db.flush()
    actor = accounts.actor_for_user(world.users["company"])
    basic = json.loads(reports.issue(db, clock, actor, company).body)["subject"]
    assert basic["responsible_persons"] == [{"role": "legal_representative", "name": "郑某"}]


def test_the_basic_information_is_as_it_stood_on_the_reports_day(
    world: World, db: Session, clock: FixedClock
) -> None:
    """A report as of a past day names the organisation as it was named then, its names
    left by then, and those answering for it then (review r1, finding 5): not today's."""
    company = world.subjects["company"]
    today = clock.today()
    rng = random.Random(52)
    for name, start in (
        ("陈某", today - dt.timedelta(days=400)),
        ("郑某", today - dt.timedelta(days=100)),
    ):
        subjects.add_responsible_person(
            db,
            clock,
            SYSTEM_ACTOR,
            company,
            role=ResponsibleRole.LEGAL_REPRESENTATIVE,
            name=name,
            citizen_id=make_citizen_id(rng),
            valid_from=start,
        )
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.DIRECTLY_RESPONSIBLE,
        name="林某",
        citizen_id=make_citizen_id(rng),
        valid_from=today - dt.timedelta(days=30),
    )
    subjects.rename(db, clock, SYSTEM_ACTOR, company, "福州晨光文具科技有限公司")
    actor = accounts.actor_for_user(world.users["company"])

    def basic(as_of: dt.date | None) -> dict[str, Any]:
        subject: dict[str, Any] = json.loads(
            reports.issue(db, clock, actor, company, as_of=as_of).body
        )["subject"]
        return subject

    then = basic(today - dt.timedelta(days=200))
    assert then["name"] == "福州晨光文具贸易有限公司"
    assert then["former_names"] == ["福州晨光文具店"]
    assert then["responsible_persons"] == [{"role": "legal_representative", "name": "陈某"}]
    yesterday = basic(today - dt.timedelta(days=1))
    assert yesterday["name"] == "福州晨光文具贸易有限公司"
    assert yesterday["responsible_persons"] == [
        {"role": "legal_representative", "name": "郑某"},
        {"role": "directly_responsible", "name": "林某"},
    ]
    now = basic(None)
    assert now["name"] == "福州晨光文具科技有限公司"
    assert sorted(now["former_names"]) == ["福州晨光文具店", "福州晨光文具贸易有限公司"]
    assert now["responsible_persons"] == yesterday["responsible_persons"]
