"""An issued credit report as a response: the HTML page or the PDF, for the pages and the
API alike, so that a report reads the same whichever way it was asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.responses import HTMLResponse, Response, StreamingResponse

from xinyong.disclosure import rendering
from xinyong.web.i18n import translations
from xinyong.web.labels import (
    N_,
    ROLE_LABELS,
    VERSION_REASON_LABELS,
    version_detail,
    version_reason,
)
from xinyong.web.security_headers import allow_inline

# How reports.issue names a subject asking for its own report, and the page's words for it.
SUBJECT_ITSELF_ZH = "信息主体本人"
SUBJECT_ITSELF = "The subject itself"


def requester_in_words(requested_by: str, locale: str = "zh_Hans") -> str:
    """The report's requester (organisation · role · name, or the subject itself · name)
    in words: by default the report's (the printed form is Chinese, whatever the page's
    language), on a page in the page's ``locale``. The issued content keeps the role's
    code, as the API returns it."""
    gettext = translations(locale).gettext
    parts = requested_by.split(" · ")
    if len(parts) == 3 and parts[1] in ROLE_LABELS:
        parts[1] = gettext(ROLE_LABELS[parts[1]])
    elif len(parts) == 2 and parts[0] == SUBJECT_ITSELF_ZH:
        parts[0] = gettext(SUBJECT_ITSELF)
    return " · ".join(parts)


# The report is Chinese whatever the page's language (decision 0010): a version's reason
# and detail read as the subject's pages read them, through the same labels.
_REPORT_GETTEXT = translations("zh_Hans").gettext


def _reason(reason: str) -> str:
    return version_reason(reason, VERSION_REASON_LABELS, _REPORT_GETTEXT)


def _detail(detail: str | None) -> str:
    return version_detail(detail, _REPORT_GETTEXT)


# The language note above the report on a page in another language than the report's
# (decision 0010, addendum of session 19).
LANGUAGE_NOTE = N_(
    "This credit report is an official document issued in Simplified Chinese, and is shown in "
    "it whatever language you chose: its number and verification code verify this text, which "
    "the PDF prints too."
)
_TAGS = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


def page_words(locale: str) -> rendering.PageWords:
    """What the report's page says around it, in the page's ``locale``."""
    gettext = translations(locale).gettext
    return rendering.PageWords(
        lang=_TAGS.get(locale, "zh-Hans"),
        note=None if locale == "zh_Hans" else gettext(LANGUAGE_NOTE),
        skip=gettext("Skip to content"),
        back=gettext("Back to the reports issued"),
        pdf=gettext("Download this report as a PDF"),
        pdf_same=gettext(" (the same report, number %(number)s: no new report is issued)"),
    )


def report_response(
    content: dict[str, Any],
    fmt: str,
    *,
    pdf_url: str | None = None,
    back_url: str | None = None,
    locale: str = "zh_Hans",
) -> Response:
    """An issued report as the HTML page or the PDF (embedded CJK font), by its number.
    The HTML page links to ``pdf_url``, the PDF of the same report opened again, and back
    to ``back_url``, the reports issued to the reader, in the page's ``locale``; the report
    is Chinese whatever the locale, and the page says so (decision 0010 addendum).

    The PDF is rendered while the response is sent, after the request's transaction has
    committed: rendering takes a good part of a second, and must not hold the database (SQLite
    takes its write lock at the start of every transaction)."""
    number = content["number"]
    content = {**content, "requested_by": requester_in_words(str(content["requested_by"]))}
    if fmt == "pdf":

        def pdf() -> Iterator[bytes]:
            yield rendering.pdf(content, reason_text=_reason, detail_text=_detail)

        return StreamingResponse(
            pdf(),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="credit-report-{number}.pdf"'},
        )
    # Its styles are inline (one file, printable and saved whole): allowed by their hash.
    return allow_inline(
        HTMLResponse(
            rendering.report_html(
                content,
                pdf_url=pdf_url,
                back_url=back_url,
                reason_text=_reason,
                detail_text=_detail,
                words=page_words(locale),
            ),
            headers={"Content-Disposition": f'inline; filename="credit-report-{number}.html"'},
        )
    )
