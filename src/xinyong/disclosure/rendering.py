"""Rendering an issued report as HTML and as PDF (WeasyPrint with Debian's Noto CJK font
embedded, so Chinese renders on any reader)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from xinyong.clock import CHINA

TEMPLATES = Path(__file__).parent / "templates"
# The subject's own columns: the report's basic information shows them once already.
FIELD_LABELS_HIDDEN = frozenset({"subject_name", "subject_category", "subject_uscc"})
STATUS_LABELS = {
    "active": "有效",
    "under_objection": "异议处理中",
    "corrected": "已更正",
    "repaired": "已信用修复",
    "revoked": "已撤销",
    "expired": "公示期满",
}
# The reasons the platform itself writes; others are shown as written.
REASON_LABELS = {
    "created by source": "来源单位报送",
    "updated by source": "来源单位更新",
    "publicity ended": "公示期满，停止公示",
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


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    environment.filters["css_string"] = css_string
    environment.filters["china_time"] = china_time
    environment.filters["china_date"] = china_date
    return environment


def report_html(content: dict[str, Any]) -> str:
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=content,
            hidden=FIELD_LABELS_HIDDEN,
            statuses=STATUS_LABELS,
            reasons=REASON_LABELS,
        )
    )


def report_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
