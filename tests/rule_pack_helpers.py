"""An earlier release's Fuzhou rule pack, for the tests of bringing the catalog up to the
pack shipped now (decision 0034).

The earlier pack is the shipped one without what later releases added to it: the field
naming the submitter's own side (``own_party_field``), members-only evaluations
(``members_only``), the dates that may not precede another (``not_before``), the shortest
extension of a defaulter's term (``min_extension_months``), the confidentiality review
of administrative inspections before publicity, and a defaulter dated by its publication
(``published_on``, required) rather than the case's filing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.clock import Clock

PACK = "fuzhou.toml"
# What the earlier pack lacks, type by type: the changes a database it set up is brought up to.
ADDED_SINCE: dict[str, list[str]] = {
    "administrative_penalty": [
        "fields.penalty_valid_until.not_before",
        "fields.publicity_deadline.not_before",
    ],
    "administrative_license": ["fields.valid_until.not_before"],
    "administrative_inspection": ["disclosure.review_before_publicity"],
    "abnormal_operation": ["fields.removed_on.not_before"],
    "court_judgment_defaulter": [
        "decision_date_field",
        "fields.published_on.required",
        "fields.published_on.not_before",
        "fields.performed_on.not_before",
        "fields.publicity_deadline.not_before",
        "disclosure.periods.serious.min_extension_months",
    ],
    "social_insurance_arrears": ["fields.paid_on.not_before"],
    "credit_evaluation": ["fields.valid_until.not_before"],
    "contract_performance": ["own_party_field", "fields.resolved_on.not_before"],
    "utility_arrears": ["fields.paid_on.not_before"],
    "association_evaluation": ["members_only"],
}


def earlier_definition(data: dict[str, Any]) -> dict[str, Any]:
    """A shipped definition as the earlier pack had it."""
    earlier = copy.deepcopy(data)
    earlier.pop("own_party_field", None)
    earlier.pop("members_only", None)
    for spec in earlier["fields"]:
        spec.pop("not_before", None)
    disclosure = earlier.get("disclosure", {})
    for period in disclosure.get("periods", {}).values():
        period.pop("min_extension_months", None)
    if earlier["code"] == "administrative_inspection":
        disclosure["review_before_publicity"] = False
    if earlier["code"] == "court_judgment_defaulter":
        # Dated by the case's filing, the publication optional (decision 0045).
        earlier["decision_date_field"] = "filed_on"
        published = next(spec for spec in earlier["fields"] if spec["name"] == "published_on")
        published.pop("required", None)
    return earlier


def as_stored_by_earlier_release(data: dict[str, Any]) -> dict[str, Any]:
    """An earlier definition as the earlier release stored it: its model had none of the
    later attributes, so the stored JSON lacks their keys altogether."""
    stored = catalog.parse_definition(earlier_definition(data)).model_dump(mode="json")
    stored.pop("own_party_field")
    stored.pop("members_only")
    for spec in stored["fields"]:
        spec.pop("not_before")
    for period in stored["disclosure"]["periods"].values():
        period.pop("min_extension_months")
    return stored


def earlier_pack(codes: Iterable[str] | None = None) -> rule_packs.RulePack:
    wanted = None if codes is None else set(codes)
    return rule_packs.RulePack.of(
        PACK,
        [
            earlier_definition(data)
            for data in catalog.read_rule_pack()
            if wanted is None or data["code"] in wanted
        ],
    )


def shipped_pack(**changes: dict[str, Any]) -> rule_packs.RulePack:
    """The shipped pack, with some types' top-level attributes changed (a later release)."""
    return rule_packs.RulePack.of(
        PACK,
        [{**data, **changes.get(data["code"], {})} for data in catalog.read_rule_pack()],
    )


def load_earlier(session: Session, clock: Clock, *codes: str) -> None:
    """The city's rule for these types (every type when none is named) as the earlier
    release's pack gave it, nobody having revised it since: what the pack shipped now
    finds in a database the earlier release set up."""
    rule_packs.apply(session, clock, earlier_pack(codes or None))
    session.flush()


def current_definition(session: Session, code: str) -> dict[str, Any]:
    return copy.deepcopy(catalog.effective_rule(session, code).definition.model_dump(mode="json"))
