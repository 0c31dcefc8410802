"""What other domains do when records arrive, without collection knowing them: e.g. the
lists domain enters court judgment defaulters on the black list, and removes them once they
perform (by record type); and it ends the red-list entries of subjects that a public negative
record of any type leaves short of their standard (decision 0041). Hooks run in the batch's
transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from xinyong.clock import Clock

AfterIngest = Callable[[Session, Clock, list[int]], None]
_after_ingest: dict[str, list[AfterIngest]] = {}
# Given the record type and the moment the batch wrote its records (their ``updated_at``),
# not their ids: a batch of a million penalties collects nothing for it.
AfterNegative = Callable[[Session, Clock, int, dt.datetime], None]
_after_negative: list[AfterNegative] = []


def register(record_type_code: str, hook: AfterIngest) -> None:
    hooks = _after_ingest.setdefault(record_type_code, [])
    if hook not in hooks:
        hooks.append(hook)


def wanted(record_type_code: str) -> bool:
    return bool(_after_ingest.get(record_type_code))


def run(session: Session, clock: Clock, record_type_code: str, record_ids: list[int]) -> None:
    for hook in _after_ingest.get(record_type_code, []):
        hook(session, clock, record_ids)


def register_negative(hook: AfterNegative) -> None:
    """``hook`` runs after every batch that created or changed public negative records."""
    if hook not in _after_negative:
        _after_negative.append(hook)


def run_negative(
    session: Session, clock: Clock, record_type_id: int, written_at: dt.datetime
) -> None:
    for hook in _after_negative:
        hook(session, clock, record_type_id, written_at)
