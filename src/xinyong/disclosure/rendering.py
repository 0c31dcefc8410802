"""Rendering an issued report as HTML and as PDF (WeasyPrint with Debian's Noto CJK font
embedded, so Chinese renders on any reader).

The HTML page shows every record in full. The PDF is the printed form: one line or two per
record (its type, first fields, date, source, state and latest change), because
WeasyPrint's time follows the lines and boxes it lays out — the full layout of a 200-record
report was 36 pages and over a second, the printed form is 7 pages and about a third of
that (docs/decisions/0010)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from xinyong.clock import CHINA

TEMPLATES = Path(__file__).parent / "templates"
# The subject's own columns: the report's basic information shows them once already.
FIELD_LABELS_HIDDEN = frozenset({"subject_name", "subject_category", "subject_uscc"})
# The source's own columns: shown only where they differ from the item's source unit,
# which its first line names already.
SOURCE_FIELDS = frozenset({"authority", "authority_uscc", "source_unit", "source_unit_uscc"})
# Who the subject is, not what the record says: not among a printed row's key fields.
SUBJECT_FIELDS = FIELD_LABELS_HIDDEN | {"legal_representative", "id_type", "id_number"}
KEY_FIELDS_PRINTED = 2
PRINTED_SUGGESTION_NAMES = 3
STATUS_LABELS = {
    "active": "有效",
    "under_objection": "异议处理中",
    "corrected": "已更正",
    "repaired": "已信用修复",
    "revoked": "已撤销",
    "expired": "公示期满",
}
# A version's severity class, where the history shows values since changed (decision 0025).
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}
# The rule pack's choices stored as English words, said as the pages say them in Chinese
# (``web.labels.CHOICE_LABELS``): by field, as the report's labels carry no field type, so
# that a source's own words reading the same are left as written.
CHOICE_LABELS = {
    "severity": SEVERITY_LABELS,
    "fulfilment_status": {"pending": "待确认", "fulfilled": "已履行", "breached": "未履行"},
}
# The reasons the platform itself writes; others are shown as written.
REASON_LABELS = {
    "created by source": "来源单位报送",
    "updated by source": "来源单位更新",
    "publicity ended": "公示期满，停止公示",
    "publicity ended on performance": "已履行生效法律文书确定的义务，停止公示",
}


def css_string(value: object) -> Markup:
    """Text safe inside a double-quoted CSS string in a <style> element (the page
    footer carries the requester's name, which may hold any character)."""
    text = str(value if value is not None else "")
    escaped = "".join(
        ch if ch.isalnum() or ch in " ·-_.:/()（）@" else f"\\{ord(ch):x} " for ch in text
    )
    return Markup(escaped)  # noqa: S704 - every character outside a safe set is escaped


def china_time(value: str) -> str:
    """An ISO timestamp as Beijing time, the way the report's reader dates things."""
    moment = dt.datetime.fromisoformat(value).astimezone(CHINA)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"


def china_date(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(CHINA).date().isoformat()


def select_key_fields(labels: list[dict[str, str]], item: dict[str, Any]) -> list[dict[str, str]]:
    """The labels of a record's first filled fields that say what it is: the rule packs
    list the document and its number (or the name and date) first, after the subject's
    own columns; the source's columns are on the row already."""
    content = item["content"]
    chosen: list[dict[str, str]] = []
    for label in labels:
        name = label["name"]
        if name in SUBJECT_FIELDS or name in SOURCE_FIELDS or content.get(name) in (None, ""):
            continue
        chosen.append(label)
        if len(chosen) == KEY_FIELDS_PRINTED:
            break
    return chosen


def sources_of(sections: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The source units of the report's records, once each, in order of appearance: the
    printed rows name them, this list gives their codes."""
    seen: dict[str, dict[str, str]] = {}
    for section in sections:
        for item in section["items"]:
            seen.setdefault(item["source"]["code"], item["source"])
    return list(seen.values())


def grouped_suggestions(suggestions: list[dict[str, str]]) -> list[str]:
    """The printed form's advice: records given the same advice share one line naming
    them (or how many there are), instead of the same sentence once per record."""
    groups: dict[str, list[str]] = {}
    for suggestion in suggestions:
        about, sep, advice = suggestion["zh"].partition("：")
        if not sep:
            about, advice = "", suggestion["zh"]
        groups.setdefault(advice, []).append(about)
    lines = []
    for advice, abouts in groups.items():
        named = [about for about in abouts if about]
        if not named:
            lines.append(advice)
        elif len(named) <= PRINTED_SUGGESTION_NAMES:
            lines.append(f"{'、'.join(named)}：{advice}")
        else:
            lines.append(
                f"{'、'.join(named[:PRINTED_SUGGESTION_NAMES])}等{len(named)}条信息：{advice}"
            )
    return lines


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    environment.filters["css_string"] = css_string
    environment.filters["china_time"] = china_time
    environment.filters["china_date"] = china_date
    environment.filters["select_key_fields"] = select_key_fields
    environment.filters["grouped_suggestions"] = grouped_suggestions
    environment.filters["sources_of"] = sources_of
    return environment


def stated_value(name: str, value: Any) -> Any:
    """A field's value as the report says it: a choice stored as an English word in Chinese
    (``CHOICE_LABELS``), anything else as stored."""
    return CHOICE_LABELS.get(name, {}).get(str(value), value)


def _stated_reason(reason: str) -> str:
    return REASON_LABELS.get(reason, reason)


def _stated_detail(detail: str | None) -> str:
    return detail or ""


@dataclass(frozen=True)
class PageWords:
    """What the HTML page says around the report, in the reader's language: the report
    itself is Chinese whatever the page's language (decision 0010, addendum of session 19).
    ``note``: that it is, said where the reader's language is another (None in Simplified
    Chinese). ``pdf_same`` takes the report's ``number``."""

    lang: str = "zh-Hans"
    note: str | None = None
    skip: str = "跳到正文"
    back: str = "返回已出具的信用报告"
    pdf: str = "下载本报告的 PDF"
    pdf_same: str = "（同一报告编号 %(number)s，不另出具新报告）"


def report_html(
    content: dict[str, Any],
    *,
    printed: bool = False,
    pdf_url: str | None = None,
    back_url: str | None = None,
    reason_text: Callable[[str], str] = _stated_reason,
    detail_text: Callable[[str | None], str] = _stated_detail,
    words: PageWords = PageWords(),
) -> str:
    """The report as an HTML page; ``printed``: the compact form the PDF is made from.
    ``pdf_url``: where the page offers the PDF of the same report, and ``back_url`` the list
    of reports issued to the reader (neither on the printed form). ``reason_text`` and
    ``detail_text`` put a version's reason and detail in the report's words (the web layer
    gives the pages' readers, in Chinese, so that the report says what the subject's pages
    say); by default the few reasons this module knows, the rest as stored. ``words``: what
    the page says around the report (not on the printed form), in the reader's language."""
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=content,
            printed=printed,
            words=words,
            pdf_url=None if printed else pdf_url,
            back_url=None if printed else back_url,
            hidden=FIELD_LABELS_HIDDEN,
            source_fields=SOURCE_FIELDS,
            statuses=STATUS_LABELS,
            reason_text=reason_text,
            detail_text=detail_text,
            severities=SEVERITY_LABELS,
            stated_value=stated_value,
        )
    )


@lru_cache(maxsize=1)
def _font_configuration() -> FontConfiguration:
    # One per process: it loads fontconfig's view of the system fonts, the same each time.
    return FontConfiguration()


def report_pdf(html: str) -> bytes:
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
        font_config=_font_configuration()
    )
    return pdf


def pdf(
    content: dict[str, Any],
    *,
    reason_text: Callable[[str], str] = _stated_reason,
    detail_text: Callable[[str | None], str] = _stated_detail,
) -> bytes:
    """The report as a PDF, from its printed form."""
    return report_pdf(
        report_html(content, printed=True, reason_text=reason_text, detail_text=detail_text)
    )
