""" "Who looked at my file" (Art. 24): the subject's own reads are listed on request, so that
the organisations' reads are not pushed out of sight by every visit to "my credit"."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from xinyong.disclosure.models import AccessEvent, LegalPath


def test_own_reads_are_counted_and_shown_on_request(
    world: World, client: TestClient, db: Session
) -> None:
    log_in(client, "citizen")
    for _ in range(3):
        assert client.get("/me/credit", headers=HTML).status_code == 200
    own = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == world.subjects["person"].id,
            AccessEvent.legal_path == LegalPath.SELF,
        )
    ).all()
    assert len(own) == 3

    hidden = client.get("/me/access-log", headers=HTML).text
    assert 'data-own-reads="3"' in hidden
    assert 'data-legal-path="self"' not in hidden
    assert 'href="/me/access-log?own=true"' in hidden

    shown = client.get("/me/access-log", params={"own": "true"}, headers=HTML).text
    assert shown.count('data-legal-path="self"') == 3
    assert 'href="/me/access-log"' in shown
    # The API gives the whole log, own reads included.
    api = client.get("/api/v1/me/access-log", headers=auth_headers(client, "citizen")).json()
    assert sum(1 for entry in api["items"] if entry["legal_path"] == "self") == 3
