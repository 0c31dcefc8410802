"""What ``xinyong init`` loads into a fresh database: the default (Fuzhou) rule pack and
the official working-day calendar. Each step is a no-op where it was done already."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import calendar_store
from xinyong.catalog import service as catalog
from xinyong.clock import Clock
from xinyong.lists import measures


def load_rule_pack(session: Session, clock: Clock) -> dict[str, int]:
    return {
        "record_types": catalog.load_rule_pack(session, clock),
        "calendar_years": calendar_store.load_official(session, clock),
        "lists_and_measures": measures.load_rule_pack(session, clock),
    }
