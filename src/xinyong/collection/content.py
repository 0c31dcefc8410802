"""New content from a record's source, and the confidentiality review it waits for
(Art. 4, Art. 12(3)).

Every path that writes content the source supplied — a row ingested new or changed, a
correction after an objection (Art. 25) — makes a version whose reason says so
(``carries_source_content``), and the record waits for the review when its type asks for
one and the content is to be published (``waits_for_review``). A reinstatement
(``collection.revocation``) writes no content of its own but publishes what the source
wrote while the record was revoked, so it asks the same questions. Other versions —
status changes, a withdrawal, a repair, the review's own — change no content. One rule
here, so that no path publishes new text unreviewed and a file as of a past day
(``disclosure.files``) reads the same versions as content.
"""

from __future__ import annotations

from xinyong.catalog.definitions import RecordTypeDefinition, Severity

REASON_CREATED = "created by source"
REASON_UPDATED = "updated by source"
CORRECTED_PREFIX = "corrected after objection "


def reason_corrected(objection_id: int) -> str:
    return f"{CORRECTED_PREFIX}{objection_id}"


def carries_source_content(reason: str) -> bool:
    """Whether a version with this reason holds content the source wrote (not a status
    change, a withdrawal, a repair or the review's own version)."""
    return reason in (REASON_CREATED, REASON_UPDATED) or reason.startswith(CORRECTED_PREFIX)


def waits_for_review(definition: RecordTypeDefinition, severity: Severity) -> bool:
    """Whether new content of this type and severity waits for the source's security
    officer before it is public: the type asks for the review and the severity is
    published (content never published has nothing to review)."""
    disclosure = definition.disclosure
    return bool(disclosure.review_before_publicity and disclosure.period(severity).published)
