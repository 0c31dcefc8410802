"""The lists as an earlier release's lists rule pack gave them (decision 0034 addendum): a
standard, matter or measure with the earlier pack's values, stored and recorded as its
baseline, so that the shipped pack's change waits."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.clock import Clock
from xinyong.lists import rule_packs
from xinyong.lists.models import (
    AdministrativeMatter,
    ListKind,
    ListRulePackBaseline,
    ListStandard,
    Measure,
    MeasureKind,
    Tier,
)

PACK = "fuzhou.toml"
# What the earlier packs said: a standard without the Art. 22 case, a measure's older
# text, a matter's older English name.
HEALTH = "serious_health_safety"
EARLIER_STANDARD = {"repair_exclusion": None, "remedies": "认定前书面告知，可陈述申辩"}
MATTER = "appointment"
EARLIER_MATTER = {"name_en": "Appointments"}
EARLIER_MEANS = "旧版措施内容"

_MODELS: dict[str, Any] = {
    "standard": ListStandard,
    "matter": AdministrativeMatter,
    "measure": Measure,
}
_ENUMS: dict[str, type[enum.Enum]] = {"kind": ListKind, "tier": Tier, "target": Tier}


def shipped(part: str, code: str) -> dict[str, Any]:
    pack = rule_packs.ListRulePack.read()
    return next(d for p, d in pack.parts if p == part and d["code"] == code)


def first_measure() -> str:
    pack = rule_packs.ListRulePack.read()
    return next(d["code"] for p, d in pack.parts if p == "measure")


def load_earlier(session: Session, clock: Clock, part: str, code: str, **earlier: Any) -> None:
    """The part as the earlier pack gave it: ``earlier`` over the shipped definition, in the
    city's data and as its baseline."""
    model = _MODELS[part]
    row = session.scalar(select(model).where(model.code == code))
    for name, value in earlier.items():
        if name == "kind" and part == "measure":
            value = MeasureKind(value)
        elif name in _ENUMS and value is not None:
            value = _ENUMS[name](value)
        setattr(row, name, value)
    baseline = session.scalar(
        select(ListRulePackBaseline).where(
            ListRulePackBaseline.part == part, ListRulePackBaseline.code == code
        )
    )
    assert baseline is not None, f"{part} {code} has no baseline"
    baseline.definition = {**shipped(part, code), **earlier}
    baseline.rule_pack = PACK
    baseline.recorded_at = clock.now()
    session.flush()
