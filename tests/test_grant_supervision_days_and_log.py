"""The credit authority's list of consents (decision 0024, session 24 addendum): every
person a page shows is in its access log, not only the first; a grant's last valid day
is a day it is in force."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
)
from tests.factories import World
from tests.test_consent import consent_world, give_consent  # noqa: F401 - fixture
from tests.test_grant_supervision import _grants, _ids, _listed, supervised  # noqa: F401
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent


def test_a_page_showing_two_persons_logs_each_of_them_once(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    db: Session,
) -> None:
    world = consent_world
    _grants(world, client)  # the person's two consents, the other person's one
    before = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1)) or 0
    assert len(_ids(_listed(client, "authority"))) == 3
    db.expire_all()
    logged = db.scalars(
        select(AccessEvent.subject_id).where(
            AccessEvent.id > before, AccessEvent.what == access.GRANTS_LISTED
        )
    ).all()
    assert sorted(logged) == sorted(
        [world.subjects["person"].id, world.subjects["other_person"].id]
    )


def test_a_grant_is_in_force_on_its_last_valid_day_and_expired_the_day_after(
    consent_world: World,
    supervised: dict[str, Any],
    client: TestClient,
    clock: FixedClock,
) -> None:
    bank = consent_world.organisations["bank"].code
    last_day = clock.today() + dt.timedelta(days=1)
    made = give_consent(client, bank, ["contract_performance"], valid_until=last_day.isoformat())
    clock.advance(dt.timedelta(days=1))
    assert clock.today() == last_day

    def status(**params: Any) -> list[int]:
        return _ids(_listed(client, "authority", grantee=bank, **params))

    assert made["id"] in status(status="active")
    assert made["id"] not in status(status="expired")
    (item,) = [
        i
        for i in _listed(client, "authority", grantee=bank).json()["items"]
        if i["id"] == made["id"]
    ]
    assert (item["status"], item["end_reason"]) == ("active", None)

    clock.advance(dt.timedelta(days=1))
    assert made["id"] not in status(status="active")
    assert made["id"] in status(status="expired")
