"""/me/repairs tells the truth about a record under objection (review r3, session 19): the
subject whose only negative record was under objection read "There is no negative record in
your file to repair", with the checklist of that very record shown above it. The page now
names the record, says that it may be repaired once the objection is decided (Art. 25), and
offers no application for it; the file offers none either."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    disclosure_world,  # noqa: F401 - fixture
    person_penalty,
)
from tests.factories import World, record_objection
from tests.page_helpers import log_in
from tests.repair_helpers import old_decision
from xinyong.clock import FixedClock
from xinyong.repair import cases
from xinyong.web.i18n import translations

NONE_TO_REPAIR = "There is no negative record in your file to repair."
WAITING = "under objection: you may apply to repair it once the objection is decided (Art. 25)."


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_record_under_objection_is_named_not_denied(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World, locale: str
) -> None:
    world = disclosure_world
    record = person_penalty(db, clock, world, decision_date=old_decision(clock))
    citizen = actor_of(world, "citizen")
    (listed,) = cases.repairable_records(db, citizen)
    assert (listed.record.id, listed.under_objection, listed.offered) == (record.id, False, True)
    record_objection(db, clock, world, record.id, account="citizen")
    db.commit()
    (listed,) = cases.repairable_records(db, citizen)
    assert (listed.record.id, listed.under_objection, listed.offered) == (record.id, True, False)

    gettext = translations(locale).gettext
    lang = {"en": "en", "zh_Hans": "zh-Hans"}[locale]
    log_in(client, "citizen")
    for asked in ("/me/repairs", f"/me/repairs?record={record.id}"):
        page = client.get(asked, params={"lang": lang})
        assert page.status_code == 200
        assert gettext(NONE_TO_REPAIR) not in page.text, asked
        assert f'<li data-record="{record.id}">' in page.text
        assert gettext(WAITING) in page.text
        assert f'<option value="{record.id}"' not in page.text
    credit = client.get("/me/credit")
    assert f'href="/me/repairs?record={record.id}"' not in credit.text
