"""The measure lists (Art. 15–17): matters, measures and their publication.

A measure is applied only after publication on the public measures page; the catalog
refuses a measure heavier than its target's tier allows (proportionality, Art. 15 ¶2).
Each measure names who implements it (Art. 15): the kinds of organisation and the named
organisations that implement it (``implementers``); a joint check offers it, and an
application applies it, only for such an organisation (decision 0045).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers, published_text
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists.models import (
    AdministrativeMatter,
    ListKind,
    ListStandard,
    Measure,
    MeasureKind,
    Tier,
)

RULEPACK = Path(__file__).parent / "rulepacks" / "fuzhou.toml"
HEADS = {MeasureKind.INCENTIVE: range(1, 8), MeasureKind.PUNISHMENT: range(1, 10)}
DEFAULT_PROPORTIONALITY = {Tier.RED: 5, Tier.BLACK: 3, Tier.SERIOUS: 5}


def read_rule_pack(path: Path = RULEPACK) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def proportionality(path: Path = RULEPACK) -> dict[Tier, int]:
    return dict(_proportionality(path))


@functools.lru_cache(maxsize=4)
def _proportionality(path: Path) -> tuple[tuple[Tier, int], ...]:
    # The pack ships with the release and does not change while it runs; parsing its TOML
    # for every measure checked was half the time of creating one.
    limits = read_rule_pack(path).get("proportionality", {})
    return tuple(
        (tier, int(limits.get(tier.value, default)))
        for tier, default in DEFAULT_PROPORTIONALITY.items()
    )


def matter(session: Session, code: str) -> AdministrativeMatter:
    found = session.get(AdministrativeMatter, code)
    if found is None:
        raise NotFound(f"no administrative matter {code!r}", code="unknown_matter", field="matter")
    return found


def matters(session: Session) -> list[AdministrativeMatter]:
    return list(session.scalars(select(AdministrativeMatter).order_by(AdministrativeMatter.code)))


def require_keeper(session: Session, actor: Actor) -> None:
    """Who writes the measure list: the city's credit authority. Measures carry no area —
    one list for the whole city, each measure naming the kinds and organisations that
    implement it — so a district's credit authority has no list of its own to keep here
    (Art. 6, 15; decision 0046)."""
    require(actor, Permission.MANAGE_MEASURES)
    area.require_city(session, actor, "the measure list", field="measure")


def create_measure(session: Session, clock: Clock, actor: Actor, data: dict[str, Any]) -> Measure:
    """Add a measure to the catalog (unpublished). Refuses what the regulation does not allow."""
    require_keeper(session, actor)
    values = checked(session, data, today=clock.today())
    if session.scalar(select(Measure.id).where(Measure.code == values["code"])):
        raise Conflict(f"measure {values['code']} exists already", code="duplicate", field="code")
    measure = Measure(**values, created_at=clock.now())
    session.add(measure)
    session.flush()
    audit.record(
        session, clock, actor.audit(), "measure.create", target_type="measure", target_id=measure.id
    )
    return measure


def checked(session: Session, data: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """A measure's attributes as stored, or the refusal the regulation grounds: what a new
    measure and the lists rule pack's text of one must both satisfy."""
    try:
        kind = MeasureKind(data["kind"])
        target = Tier(data["target"])
        head = int(data["head"])
        severity = int(data["severity"])
    except (KeyError, ValueError) as exc:
        raise InvalidInput(
            f"a measure needs kind, head, target and severity: {exc}",
            code="invalid",
            field="measure",
        ) from exc
    for field in ("code", "name", "means", "implementing_body", "legal_basis"):
        if not str(data.get(field, "")).strip():
            raise InvalidInput(
                f"a measure states its {field.replace('_', ' ')}",
                code="required",
                field=field,
                article="Art. 15",
            )
    if head not in HEADS[kind]:
        article = "Art. 16" if kind is MeasureKind.INCENTIVE else "Art. 17"
        raise InvalidInput(
            f"{article} has no item ({head})", code="invalid_head", field="head", article=article
        )
    if kind is MeasureKind.INCENTIVE and target is not Tier.RED:
        raise InvalidInput(
            "incentives are for red-list subjects",
            code="wrong_target",
            field="target",
            article="Art. 16",
        )
    if kind is MeasureKind.PUNISHMENT and target is Tier.RED:
        raise InvalidInput(
            "punishments are for black-list subjects",
            code="wrong_target",
            field="target",
            article="Art. 17",
        )
    if not 1 <= severity <= 5:
        raise InvalidInput("severity is 1–5", code="invalid", field="severity")
    limit = proportionality()[target]
    if severity > limit:
        raise InvalidInput(
            f"a measure of severity {severity} is heavier than the {target.value} tier allows (at most {limit}); "
            "measures must fit the nature, circumstances and impact of the conduct",
            code="disproportionate",
            field="severity",
            article="Art. 15 ¶2",
        )
    # Art. 18: a measure reaches an organisation's responsible persons only when its
    # definition says so, with the law that allows it; incentives never do.
    responsible = bool(data.get("applies_to_responsible_persons", False))
    responsible_basis = str(data.get("responsible_persons_basis") or "").strip()
    if responsible and kind is MeasureKind.INCENTIVE:
        raise InvalidInput(
            "incentives do not reach responsible persons",
            code="wrong_target",
            field="applies_to_responsible_persons",
            article="Art. 18",
        )
    if responsible and not responsible_basis:
        raise InvalidInput(
            "a measure that reaches responsible persons states the legal basis for it",
            code="required",
            field="responsible_persons_basis",
            article="Art. 18",
        )
    # The published measure lists show these as they are written (Art. 15).
    published_text.refuse_citizen_ids(
        {
            field: str(data.get(field) or "")
            for field in ("name", "means", "implementing_body", "legal_basis")
        }
        | {"responsible_persons_basis": responsible_basis},
        today=today,
    )
    codes = list(data.get("matter_codes") or [])
    if not codes:
        raise InvalidInput(
            "name the administrative matters it applies in", code="required", field="matter_codes"
        )
    for code in codes:
        matter(session, code)
    implementer_kinds, implementer_codes = _implementers(session, data)
    standard_codes = _standards(session, data, target)
    return {
        "code": str(data["code"]),
        "kind": kind,
        "head": head,
        "name": str(data["name"]),
        "matter_codes": codes,
        "target": target,
        "means": str(data["means"]),
        "implementing_body": str(data["implementing_body"]),
        "legal_basis": str(data["legal_basis"]),
        "severity": severity,
        "applies_to_responsible_persons": responsible,
        "responsible_persons_basis": responsible_basis if responsible else None,
        "implementer_kinds": implementer_kinds,
        "implementer_codes": implementer_codes,
        "standard_codes": standard_codes,
    }


STANDARDS_ARTICLE = "Art. 15 ¶2"


def _standards(session: Session, data: dict[str, Any], target: Tier) -> list[str]:
    """The recognition standards the measure is limited to, sorted and once: each known,
    and within the measure's target (a measure for the serious tier does not name a
    standard of the black list's general tier, nor an incentive a black-list standard).
    None: every standard of the target."""
    raw = data.get("standard_codes") or []
    if isinstance(raw, str):
        raise InvalidInput("the standards are a list", code="invalid", field="standard_codes")
    codes = sorted({str(code).strip() for code in raw if str(code).strip()})
    found = {
        std.code: std
        for std in session.scalars(select(ListStandard).where(ListStandard.code.in_(codes)))
    }
    for code in codes:
        std = found.get(code)
        if std is None:
            raise InvalidInput(
                f"no recognition standard {code!r}", code="unknown_standard", field="standard_codes"
            )
        if not in_target(target, kind=std.kind, tier=std.tier):
            raise InvalidInput(
                f"the standard {std.name} is not of the measure's target ({target.value})",
                code="wrong_target",
                field="standard_codes",
                article=STANDARDS_ARTICLE,
            )
    return codes


def in_target(target: Tier, *, kind: ListKind, tier: Tier) -> bool:
    """Whether a listing of this list and tier is within a measure's target: its tier, and
    every black-list listing for a black-list measure (a seriously dishonest subject is on
    the black list too)."""
    return tier is target or (target is Tier.BLACK and kind is ListKind.BLACK)


def reaches(measure: Measure, *, kind: ListKind, tier: Tier, standard_code: str) -> bool:
    """Whether the measure applies to a listing of this list, tier and recognition
    standard: within its target, and, when it names standards, under one of them — a
    measure goes no further than the conduct its legal basis covers (Art. 15 ¶2: 不得超越
    法定条件; Art. 17). The one rule of the joint checks and the applications."""
    return in_target(measure.target, kind=kind, tier=tier) and (
        not measure.standard_codes or standard_code in measure.standard_codes
    )


def standard_codes(session: Session) -> dict[int, str]:
    """Every recognition standard's code, by id: what ``reaches`` compares."""
    return dict(session.execute(select(ListStandard.id, ListStandard.code)).all())


def standard_names(session: Session, measures: list[Measure]) -> dict[str, str]:
    """The names of the standards these measures are limited to, by code."""
    codes = sorted({code for m in measures for code in (m.standard_codes or [])})
    if not codes:
        return {}
    return dict(
        session.execute(
            select(ListStandard.code, ListStandard.name).where(ListStandard.code.in_(codes))
        ).all()
    )


IMPLEMENTER_ARTICLE = "Art. 15"
# The kinds of organisation a measure may name as implementing it: any but the platform's
# own operator, which runs the platform and applies no measure.
IMPLEMENTING_KINDS = tuple(
    k for k in OrganisationKind if k is not OrganisationKind.PLATFORM_OPERATOR
)


def _implementers(session: Session, data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The kinds of organisation and the named organisations (their codes) that implement
    the measure, each sorted and once; at least one of either (Art. 15)."""
    raw_kinds = data.get("implementer_kinds") or []
    raw_codes = data.get("implementer_codes") or []
    if isinstance(raw_kinds, str) or isinstance(raw_codes, str):
        raise InvalidInput("the implementers are lists", code="invalid", field="implementer_kinds")
    kinds: set[str] = set()
    for kind in raw_kinds:
        if str(kind) not in IMPLEMENTING_KINDS:
            raise InvalidInput(
                "name kinds of organisation that implement measures",
                code="invalid_choice",
                field="implementer_kinds",
            )
        kinds.add(str(kind))
    codes: set[str] = set()
    for raw in raw_codes:
        checked_code = identifiers.check_uscc(str(raw))
        if checked_code.error is not None or checked_code.normalised is None:
            raise InvalidInput(
                "a named implementer is given by its unified social credit code",
                code="invalid_uscc",
                field="implementer_codes",
            )
        if (
            session.scalar(
                select(Organisation.id).where(Organisation.code == checked_code.normalised)
            )
            is None
        ):
            raise InvalidInput(
                f"no organisation with code {checked_code.normalised}",
                code="unknown_organisation",
                field="implementer_codes",
            )
        codes.add(checked_code.normalised)
    if not kinds and not codes:
        raise InvalidInput(
            "a measure names who implements it: kinds of organisation or named organisations",
            code="no_implementer",
            field="implementer_kinds",
            article=IMPLEMENTER_ARTICLE,
        )
    return sorted(kinds), sorted(codes)


def implements(measure: Measure, organisation: Organisation | None) -> bool:
    """Whether the organisation implements the measure: of a kind it names, or named."""
    if organisation is None:
        return False
    return organisation.kind.value in (measure.implementer_kinds or []) or organisation.code in (
        measure.implementer_codes or []
    )


def implementer_names(session: Session, measures: list[Measure]) -> dict[str, str]:
    """The names of the organisations the measures name as implementers, by code."""
    codes = sorted({code for m in measures for code in (m.implementer_codes or [])})
    if not codes:
        return {}
    return dict(
        session.execute(
            select(Organisation.code, Organisation.name).where(Organisation.code.in_(codes))
        ).all()
    )


def organisation_of(session: Session, actor: Actor) -> Organisation | None:
    return session.get(Organisation, actor.organisation_id) if actor.organisation_id else None


def require_implementer(session: Session, actor: Actor, measure: Measure) -> None:
    """Refuse to apply a measure the actor's organisation does not implement (Art. 15)."""
    if actor.kind == "system":
        return
    if not implements(measure, organisation_of(session, actor)):
        raise PermissionDenied(
            "your organisation is not among those that implement this measure",
            code="not_implementer",
            field="measure",
            article=IMPLEMENTER_ARTICLE,
        )


def by_code(session: Session, code: str) -> Measure:
    measure = session.scalar(select(Measure).where(Measure.code == code))
    if measure is None:
        raise NotFound(f"no measure {code}", code="unknown_measure", field="measure")
    return measure


def publish(session: Session, clock: Clock, actor: Actor, code: str) -> Measure:
    require_keeper(session, actor)
    measure = by_code(session, code)
    if not (measure.implementer_kinds or measure.implementer_codes):
        # Drafted before measures named their implementers (migration 0050): a published
        # measure states who implements it (Art. 15).
        raise Conflict(
            f"measure {code} does not name who implements it, so it cannot be published",
            code="no_implementer",
            field="measure",
            article=IMPLEMENTER_ARTICLE,
        )
    if measure.published_at is None or measure.withdrawn_at is not None:
        measure.published_at = clock.now()
        measure.withdrawn_at = None
        audit.record(
            session,
            clock,
            actor.audit(),
            "measure.publish",
            target_type="measure",
            target_id=measure.id,
        )
    return measure


def withdraw(session: Session, clock: Clock, actor: Actor, code: str) -> Measure:
    require_keeper(session, actor)
    measure = by_code(session, code)
    if measure.published_at is None:
        # As for query items: a draft never applied, so there is nothing to withdraw.
        raise Conflict(
            f"measure {code} was never published, so it was never applied",
            code="not_published",
            field="measure",
            article="Art. 15",
        )
    if measure.withdrawn_at is not None:
        return measure
    measure.withdrawn_at = clock.now()
    audit.record(
        session,
        clock,
        actor.audit(),
        "measure.withdraw",
        target_type="measure",
        target_id=measure.id,
    )
    return measure


def state(measure: Measure) -> str:
    """draft (never published), published, or withdrawn."""
    if measure.published_at is None:
        return "draft"
    return "withdrawn" if measure.withdrawn_at is not None else "published"


def is_published(measure: Measure) -> bool:
    return measure.published_at is not None and measure.withdrawn_at is None


def published_measures(
    session: Session,
    *,
    kind: MeasureKind | None = None,
    matter_code: str | None = None,
    implementer: Organisation | None = None,
) -> list[Measure]:
    """The published measures, of a kind, in a matter, implemented by an organisation (the
    ones it may apply, ``implements``), as asked."""
    query = select(Measure).where(Measure.published_at.is_not(None), Measure.withdrawn_at.is_(None))
    if kind is not None:
        query = query.where(Measure.kind == kind)
    measures = list(session.scalars(query.order_by(Measure.kind, Measure.head, Measure.code)))
    if matter_code is not None:
        measures = [m for m in measures if matter_code in m.matter_codes]
    if implementer is not None:
        measures = [m for m in measures if implements(m, implementer)]
    return measures


def all_measures(session: Session) -> list[Measure]:
    return list(session.scalars(select(Measure).order_by(Measure.kind, Measure.head, Measure.code)))


def load_rule_pack(session: Session, clock: Clock, path: Path = RULEPACK) -> int:
    """Matters, standards, measures and the grade model, and whatever a later release of the
    pack changed that nobody did (``lists.rule_packs``, decision 0034 addendum); a no-op
    where everything is as the pack has it. Returns how many parts were created."""
    from xinyong.lists import rule_packs  # it builds on this module

    planned = rule_packs.apply(session, clock, rule_packs.ListRulePack.read(path))
    return len(planned.having(rule_packs.PackStatus.NEW))
