"""Free text officers write for the public: typical cases (Art. 32), list entries' criteria
and reasons (Art. 14, 15 ¶2) and the measure lists (Art. 15), shown on the public pages and
the public API as they were typed (decision 0026, session 12).

A citizen ID number is never shown in clear (rules.md: masked as 350102********1234; Art. 4
¶2: no infringement of personal privacy), so a text holding one is refused where it is
written (a typical case again when it is published), beside the form that keeps what was
typed. It is not masked silently instead: the public would read words no officer read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from xinyong import identifiers
from xinyong.errors import InvalidInput

CITIZEN_ID_IN_TEXT = "citizen_id_in_text"
ARTICLE = "Art. 4 ¶2"


def refuse_citizen_ids(texts: Mapping[str, str | None], *, today: dt.date) -> None:
    """Refuse the first of ``texts`` (field → text) that holds a number the platform reads
    as a citizen ID on ``today`` (``identifiers.holds_citizen_id``: as ``identifiers.check``
    reads one, typed as a person types one)."""
    for field, text in texts.items():
        if text and identifiers.holds_citizen_id(text, today=today):
            raise InvalidInput(
                "the text holds a citizen ID number, which is never published in clear: "
                "leave it out, or give it masked as the platform shows one (the first six "
                "and the last four digits, 350102********1234)",
                code="citizen_id_in_text",
                field=field,
                article="Art. 4 ¶2",
            )
