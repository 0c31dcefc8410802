"""Of several registration records in force, the most recently written states the
organisation's name (decision 0050, session 22 addendum): revoking the latest gives the
name of the next latest, not of the oldest."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    REGISTRATION,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    registering,  # noqa: F401 - fixture
)
from tests.factories import OrganisationFactory, World, auth_headers
from tests.test_registration_name_revocation import COURT, name_of, registered
from xinyong.accounts.models import OrganisationKind
from xinyong.clock import FixedClock
from xinyong.collection import registration_names
from xinyong.collection.models import CreditRecord

OLDEST = "福州晨光文具店"
NEWER = "福州晨光文具科技有限公司"
NEWEST = "福州晨光文具集团有限公司"


def test_revoking_the_latest_of_three_registrations_leaves_the_next_latests_name(
    client: TestClient, db: Session, clock: FixedClock, registering: World
) -> None:
    world = registering
    company = world.subjects["company"]
    other = world.organisations["other_agency"]
    third = OrganisationFactory(name="福州市行政审批局", kind=OrganisationKind.STATE_ORGAN)
    grant(db, clock, other, REGISTRATION)
    grant(db, clock, third, REGISTRATION)
    db.commit()
    registered(db, clock, world, OLDEST, other)
    db.commit()
    clock.advance(dt.timedelta(days=1))
    registered(db, clock, world, NEWER, third)
    db.commit()
    # Two in force from two sources: the newer statement stands.
    assert name_of(db, company) == NEWER
    statement = registration_names.stated(db, company.id)
    assert statement is not None
    assert statement.name == NEWER
    clock.advance(dt.timedelta(days=1))
    registered(db, clock, world, NEWEST, world.organisations["regulator"])
    db.commit()
    assert name_of(db, company) == NEWEST
    latest = db.scalars(
        select(CreditRecord).where(
            CreditRecord.subject_id == company.id,
            CreditRecord.source_organisation_id == world.organisations["regulator"].id,
        )
    ).one()
    clock.advance(dt.timedelta(days=1))
    revoked = client.post(
        f"/api/v1/records/{latest.id}/revoke", json=COURT, headers=auth_headers(client, "reporter")
    )
    assert revoked.status_code == 200, revoked.text
    assert name_of(db, company) == NEWER
