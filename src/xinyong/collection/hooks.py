"""What other domains do when records of a type arrive, without collection knowing them:
e.g. the lists domain enters court judgment defaulters on the black list, and removes
them once they perform. Hooks run in the batch's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from xinyong.clock import Clock

AfterIngest = Callable[[Session, Clock, list[int]], None]
_after_ingest: dict[str, list[AfterIngest]] = {}


def register(record_type_code: str, hook: AfterIngest) -> None:
    hooks = _after_ingest.setdefault(record_type_code, [])
    if hook not in hooks:
        hooks.append(hook)


def wanted(record_type_code: str) -> bool:
    return bool(_after_ingest.get(record_type_code))


def run(session: Session, clock: Clock, record_type_code: str, record_ids: list[int]) -> None:
    for hook in _after_ingest.get(record_type_code, []):
        hook(session, clock, record_ids)
