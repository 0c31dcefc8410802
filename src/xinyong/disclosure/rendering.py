"""Rendering an issued report as HTML and as PDF (WeasyPrint with Debian's Noto CJK font
embedded, so Chinese renders on any reader)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
FIELD_LABELS_HIDDEN = frozenset({"subject_name", "subject_category", "subject_uscc"})


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def report_html(content: dict[str, Any]) -> str:
    return (
        _environment()
        .get_template("report.html")
        .render(report=content, hidden=FIELD_LABELS_HIDDEN)
    )


def report_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
