"""Free text the public and subjects submit, screened where it is written (decision 0044,
session 19 addendum): a public comment on a red-list candidate and its contact details, a
subject's objection to a record (Art. 25) or to its list entry, a repair application's
correction, evidence and commitment (Art. 21), an early-removal application's statements, a
self-declaration and a credit commitment (Art. 10 ¶2), an authorisation's purpose (Art. 13).

Staff read these texts (the recognising agency, the objection handler, the source, a
grantee), and some reach the subject's file. What officers write is refused when it holds a
citizen ID number (``published_text``, Art. 4 ¶2), and what a batch says about a natural
person is refused when it names what Art. 11 ¶3 forbids collecting (decision 0005): a text
from outside the platform is held to both, refused beside the form that keeps it, never
masked silently (the writer would not have read back what is kept).

Whoever writes and about whomever: a comment on a company may name its legal
representative's illness, a company's objection may quote a person's number. And the
subject's own number too: the objection, the application or the declaration is filed on the
subject's own file, which already says who it is, so the number adds nothing a reader
needs, and staff never see a person's number in clear anywhere else (they see
350102********1234) — as an officer's reasons about a person may not quote the person's
number either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from xinyong import identifiers
from xinyong.catalog.definitions import text_category
from xinyong.errors import InvalidInput
from xinyong.subjects.names import simplified

CITIZEN_ID_ARTICLE = "Art. 4 ¶2"
PROHIBITED_ARTICLE = "Art. 11 ¶3"


def refuse_personal_data(texts: Mapping[str, str | None], *, today: dt.date) -> None:
    """Refuse the first of ``texts`` (field → text) that holds a citizen ID number, as
    ``published_text.refuse_citizen_ids`` reads one (``identifiers.holds_citizen_id`` on
    ``today``), or names content Art. 11 ¶3 forbids collecting, as a person's free text in
    a batch is screened (``catalog.definitions.text_category``, in the Simplified script)."""
    for field, text in texts.items():
        if not text:
            continue
        if identifiers.holds_citizen_id(text, today=today):
            raise InvalidInput(
                "the text holds a citizen ID number, which the platform neither keeps nor "
                "shows in clear: leave it out, or give it masked as the platform shows one "
                "(the first six and the last four digits, 350102********1234)",
                code="citizen_id_in_text",
                field=field,
                article=CITIZEN_ID_ARTICLE,
            )
        refuse_prohibited_content({field: text})


def refuse_prohibited_content(texts: Mapping[str, str | None]) -> None:
    """Refuse the first of ``texts`` (field → text) that names content Art. 11 ¶3 forbids
    collecting about a natural person, as a person's free text in a batch is screened
    (``catalog.definitions.text_category``, in the Simplified script): for an officer's
    words about a person too, which the citizen-ID check alone let through."""
    for field, text in texts.items():
        if not text:
            continue
        category = text_category(simplified(text))
        if category is not None:
            raise InvalidInput(
                f"the text names {category}, which may never be collected about a natural "
                "person: leave it out",
                code="prohibited_content",
                field=field,
                article=PROHIBITED_ARTICLE,
            )
