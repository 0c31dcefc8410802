"""Builders for a natural person's objection to its registered name (Art. 25; decision
0051): an identity document as evidence, and cases at each stage for the permission
matrix (each commits what it adds)."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select

from tests.factories import World
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.objections import names as name_objections
from xinyong.objections.models import NameObjection, NameObjectionStatus

# The first bytes of a PNG image and a little more: what the evidence check reads.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
EVIDENCE = base64.b64encode(PNG).decode()
CORRECT_NAME = "王某"  # the world's person is registered as 王某某


def raised(world: World, *, account: str = "citizen", name: str = CORRECT_NAME) -> NameObjection:
    """The subject account's objection to its name, through the service."""
    return name_objections.raise_objection(
        world.session,
        world.clock,
        accounts.actor_for_user(world.users[account]),
        name=name,
        statement="身份证上的姓名为王某",
        evidence=EVIDENCE,
    )


def matrix_received(world: World) -> dict[str, Any]:
    """The citizen's open objection to its name (made once, reused)."""
    session = world.session
    calendar_store.load_official(session, world.clock)
    person = world.subjects["person"]
    found = session.scalar(
        select(NameObjection).where(
            NameObjection.subject_id == person.id,
            NameObjection.status == NameObjectionStatus.RECEIVED,
        )
    )
    if found is None:
        found = raised(world)
    session.commit()
    return {"objection_id": found.id}


def matrix_body(world: World) -> dict[str, Any]:
    return {"name": "王某某某", "statement": "", "evidence": EVIDENCE}


def _none_open(world: World) -> None:
    """Every open objection to a name rejected, so that a new one may be raised."""
    session = world.session
    calendar_store.load_official(session, world.clock)
    handler = accounts.actor_for_user(world.users["objections"])
    for objection in session.scalars(
        select(NameObjection).where(NameObjection.status == NameObjectionStatus.RECEIVED)
    ).all():
        name_objections.decide(
            session, world.clock, handler, objection.id, outcome="rejected", reasons="再议"
        )
    session.commit()


def matrix_fresh_body(world: World) -> dict[str, Any]:
    """A valid objection of a person with none open (the API's JSON)."""
    _none_open(world)
    return matrix_body(world)


def matrix_on_behalf_body(world: World) -> dict[str, Any]:
    """The handler's record of the world's person's objection (the API's JSON)."""
    from tests.collection_helpers import citizen_id_of

    _none_open(world)
    return {**matrix_body(world), "citizen_id": citizen_id_of(world.subjects["person"])}


def matrix_fresh_form(world: World) -> dict[str, Any]:
    """The page's form fields of a new objection (the document goes in ``files``)."""
    _none_open(world)
    return {"name": "王某某某", "statement": ""}


def matrix_on_behalf_form(world: World) -> dict[str, Any]:
    from tests.collection_helpers import citizen_id_of

    _none_open(world)
    return {
        "name": "王某某某",
        "statement": "",
        "citizen_id": citizen_id_of(world.subjects["person"]),
    }


def matrix_files(world: World) -> dict[str, tuple[str, bytes, str]]:
    return {"evidence": ("id-card.png", PNG, "image/png")}
