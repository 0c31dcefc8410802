"""Texts without the characters nobody sees (``xinyong.texts``): a decision's reasons made of
zero-width spaces or joiners state no reasons (Art. 15 ¶2), and a bidirectional override
would reverse the text around it in a PDF report."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    red_candidate,
)
from xinyong import texts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput
from xinyong.lists import entries, removal_proposals
from xinyong.lists.models import RemovalReason

INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u00ad"])


@given(st.lists(INVISIBLE | st.sampled_from([" ", "\u3000", "\n", "\t"]), max_size=8))
def test_nothing_but_invisible_characters_and_spaces_is_blank(chars: list[str]) -> None:
    assert texts.is_blank("".join(chars))
    assert texts.visible("".join(chars)) == ""


@given(st.text(min_size=1), st.lists(INVISIBLE, max_size=4))
def test_what_shows_is_kept_and_nothing_invisible_remains(text: str, inserted: list[str]) -> None:
    mixed = "".join(inserted) + text + "".join(inserted)
    shown = texts.visible(mixed)
    assert not any(unicodedata.category(ch) == "Cf" for ch in shown)
    assert shown == texts.visible(text)
    assert shown == "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def test_a_removal_stated_in_zero_width_characters_is_refused(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    with pytest.raises(InvalidInput) as refused:
        removal_proposals.propose(
            db,
            clock,
            actor(world, "caseofficer"),
            entry.id,
            reason=RemovalReason.OTHER,
            detail="\u200b",
        )
    assert (refused.value.code, refused.value.field) == ("required", "detail")
    proposal = removal_proposals.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        entry.id,
        reason=RemovalReason.OTHER,
        detail="\u202e已履行\u200b义务",
    )
    # Kept as it shows: no override to reverse it in a report.
    assert proposal.detail == "已履行义务"
    with pytest.raises(InvalidInput) as refused:
        removal_proposals.refuse(
            db, clock, actor(world, "caseofficer2"), proposal.id, reasons="\u200d\u2060"
        )
    assert (refused.value.code, refused.value.field) == ("required", "reasons")


def test_a_comment_and_an_objection_decision_in_zero_width_characters_are_refused(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    candidate = red_candidate(db, clock, world)
    with pytest.raises(InvalidInput) as refused:
        entries.comment_on(db, clock, SYSTEM_ACTOR, candidate.id, "\u200b\u200b\u200b")
    assert refused.value.code == "required"
    comment = entries.comment_on(db, clock, SYSTEM_ACTOR, candidate.id, "该企业\u200b曾拖欠工资")
    assert comment.statement == "该企业曾拖欠工资"
    with pytest.raises(InvalidInput) as refused:
        entries.decide_objection(
            db, clock, actor(world, "objections"), comment.id, upheld=False, reasons="\u200b"
        )
    assert (refused.value.code, refused.value.field) == ("required", "reasons")
