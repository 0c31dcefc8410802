"""What ``xinyong init`` loads into a fresh database: the default (Fuzhou) rule pack and
the official working-day calendar. Each step is a no-op where it was done already; on a
database set up by an earlier release, the catalog is brought up to the shipped pack where
the credit authority has not revised a type (``catalog.rule_packs``, decision 0034), and
the lists' standards, matters and measures likewise (``lists.rule_packs``, its addendum)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from xinyong import calendar_store
from xinyong.catalog import rule_packs
from xinyong.clock import Clock
from xinyong.lists import rule_packs as list_rule_packs


@dataclass(frozen=True)
class Loaded:
    catalog: rule_packs.PackPlan  # what was done to the catalog, type by type
    calendar_years: int
    lists: list_rule_packs.ListPackPlan  # what was done to standards, matters, measures


def load_rule_pack(
    session: Session, clock: Clock, *, late_after_working_days: int | None = None
) -> Loaded:
    """``late_after_working_days``: the platform's, for the timeliness of records re-dated
    by a shipped rule (decision 0045)."""
    return Loaded(
        catalog=rule_packs.apply(session, clock, late_after_working_days=late_after_working_days),
        calendar_years=calendar_store.load_official(session, clock),
        lists=list_rule_packs.apply(session, clock),
    )
