"""Builders for typical-case tests (Art. 32): a second officer of the credit authority, the
bases a case rests on, and the permission matrix's cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import UserFactory, World
from tests.lists_helpers import actor, published_entry
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role, UserAccount
from xinyong.accounts.permissions import Actor
from xinyong.lists.models import ListEntry
from xinyong.publicity import cases, consent
from xinyong.publicity.models import CaseKind, NamingConsent, TypicalCase
from xinyong.repair.models import RepairCase, RepairStatus

RED = "integrity_model"
SERIOUS = "serious_health_safety"


def second_officer(world: World) -> UserAccount:
    """``authority2``, the second officer of the credit authority, who publishes: found or
    made, without adding it to ``world.users`` (the API fuzz test's world is read afresh
    for every operation, and this account may be rolled back with one)."""
    found = world.session.scalar(select(UserAccount).where(UserAccount.username == "authority2"))
    if found is None:
        found = UserFactory(
            username="authority2",
            role=Role.CREDIT_AUTHORITY_OFFICER,
            organisation=world.organisations["authority"],
        )
        world.session.flush()
    return found


def add_second_officer(world: World) -> None:
    world.users["authority2"] = second_officer(world)


def red_entry(session: Session, world: World, subject: str = "other_company") -> ListEntry:
    return published_entry(session, world.clock, world, world.subjects[subject], RED)


def serious_entry(session: Session, world: World, subject: str = "company") -> ListEntry:
    return published_entry(session, world.clock, world, world.subjects[subject], SERIOUS)


def repaired_case(world: World) -> RepairCase:
    from tests.repair_helpers import _case

    return _case(world, RepairStatus.APPROVED)


def drafted(
    session: Session,
    world: World,
    kind: CaseKind = CaseKind.INTEGRITY_MODEL,
    *,
    by: str | Actor = "authority",
    **values: Any,
) -> TypicalCase:
    fields: dict[str, Any] = {
        "title": "诚信经营典型",
        "narrative": "该企业连续三年守法经营，获评诚信示范企业。",
    }
    fields.update(values)
    who = actor(world, by) if isinstance(by, str) else by
    return cases.draft(session, world.clock, who, kind=kind, **fields)


# --- the permission matrix --------------------------------------------------------------------


def _matrix_case(world: World, *, published: bool) -> TypicalCase:
    session = world.session
    second = accounts.actor_for_user(second_officer(world))
    # Drafted by the second officer, so that the matrix's ``authority`` may publish it.
    case = drafted(session, world, CaseKind.JOINT_PRACTICE, by=second, title="联合奖惩做法")
    if published:
        cases.publish(session, world.clock, actor(world, "authority"), case.id)
    session.commit()
    return case


def matrix_draft(world: World) -> dict[str, Any]:
    return {
        "kind": "joint_practice",
        "title": "本市联合奖惩做法",
        "narrative": "各部门在行政许可中查询使用红黑名单。",
    }


def matrix_draft_form(world: World) -> dict[str, Any]:
    return matrix_draft(world)


def matrix_published(world: World) -> dict[str, Any]:
    return {"case_id": _matrix_case(world, published=True).id}


def matrix_drafted(world: World) -> dict[str, Any]:
    return {"case_id": _matrix_case(world, published=False).id}


def matrix_reason(world: World) -> dict[str, Any]:
    return {"reason": "案例信息需要更新"}


# --- the subject's consent to be named (decision 0030) ----------------------------------------

ANONYMISED_REPAIR = {
    "title": "某文具企业主动整改完成信用修复",
    "narrative": "某文具企业受到行政处罚后主动整改，作出信用承诺，完成信用修复。",
}


def _matrix_repair_case(world: World, *, ask: bool) -> TypicalCase:
    """A fresh anonymised credit-repair case on the company's repaired case, drafted by the
    second officer, its subject asked for its consent to be named or not."""
    session = world.session
    second = accounts.actor_for_user(second_officer(world))
    case = drafted(
        session,
        world,
        CaseKind.CREDIT_REPAIR,
        by=second,
        repair_case_id=repaired_case(world).id,
        request_consent=ask,
        **ANONYMISED_REPAIR,
    )
    session.commit()
    return case


def matrix_unasked_repair_case(world: World) -> dict[str, Any]:
    return {"case_id": _matrix_repair_case(world, ask=False).id}


def _matrix_consent(world: World, *, given: bool) -> NamingConsent:
    session = world.session
    case = _matrix_repair_case(world, ask=True)
    found = cases.consent_of(session, case.id)
    assert found is not None
    if given:
        consent.answer(
            session,
            world.clock,
            actor(world, "company"),
            found.id,
            consent=True,
            consequences_acknowledged=True,
        )
        session.commit()
    return found


def matrix_requested_consent(world: World) -> dict[str, Any]:
    """A request to the company, awaiting its answer."""
    return {"consent_id": _matrix_consent(world, given=False).id}


def matrix_given_consent(world: World) -> dict[str, Any]:
    """A consent the company gave, there to be withdrawn."""
    return {"consent_id": _matrix_consent(world, given=True).id}


def matrix_refusal(world: World) -> dict[str, Any]:
    return {"consent": False}


def matrix_refusal_form(world: World) -> dict[str, Any]:
    return {"consent": "no"}
