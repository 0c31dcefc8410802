"""Domain errors: each carries a machine-readable code, and the article it rests on.

The web layer maps the classes to HTTP status codes in one place
(``xinyong.web.errors``); the CLI prints them. Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xinyong import identifiers


class DomainError(Exception):
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        article: str | None = None,
        field: str | None = None,
        details: dict[str, object] | None = None,
        aftermath: Callable[[Any], None] | None = None,
        record_refusal: Callable[[Any, dict[str, Any]], None] | None = None,
    ) -> None:
        # A message may echo what was typed — a code, a name, a line — and a citizen ID
        # number typed into the wrong field with it: never in clear in a message, whichever
        # refusal it is (rules.md; a batch's problems are masked alike, ``Problem``).
        message = identifiers.redact_citizen_ids(message)
        super().__init__(message)
        # Work that must outlive the refused transaction (e.g. the audit of a failed lookup
        # by ID number): the boundary runs it with the session after rolling back, then
        # commits it alone.
        self.aftermath = aftermath
        # A refusal that writes its own audit event (``access.refused``) after the rollback,
        # given the details the boundary has (route, method): a refused read of a subject's
        # information, whose one event witnesses the subject's access-log entry it writes
        # with it (decision 0003, session 13 addendum). The boundary calls it in place of
        # writing the event itself, before the aftermath.
        self.record_refusal = record_refusal
        self.message = message
        if code is not None:
            self.code = code
        self.article = article
        self.field = field
        self.details = details or {}

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "article": self.article,
            "field": self.field,
        }
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class ConcealedRefusal(NotFound):
    """Something exists but is not the caller's (another organisation's batch, another
    subject's consent): answered as missing, since its existence is not the caller's to
    learn, but audited as the refused access it is (rules.md: every refused access)."""


class Conflict(DomainError):
    code = "conflict"


class Gone(DomainError):
    """What was asked for existed and was deleted on purpose (a retention period ended):
    not an unknown name, and asking again will not bring it back."""

    code = "gone"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class PermissionDenied(DomainError):
    code = "permission_denied"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: int, reported_before: bool = False, **kwargs: object
    ) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after
        # A refusal of the same key was already audited in this window: this one is answered
        # alike and not audited again (``ratelimit``).
        self.reported_before = reported_before


class KeysChanged(DomainError):
    """The process's keys are not the database's keys of record any more: a rotation
    committed after the process read them (decision 0054 addendum, session 24). Nothing
    was written; the next attempt reads the keys again."""

    code = "keys_changed"
