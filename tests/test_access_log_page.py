""" "Who looked at my file" (Art. 24): the subject's own reads are listed on request, so that
the organisations' reads are not pushed out of sight by every visit to "my credit"."""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import xinyong
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from xinyong.disclosure.models import AccessEvent, LegalPath
from xinyong.repair import rules as repair_rules
from xinyong.web.pages.disclosure import PURPOSE_LABELS


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


def _purposes_the_services_log() -> set[str]:
    """The purposes the services write into the access log in words of their own: the
    module constants named ``*PURPOSE*`` and the literals passed as ``purpose=`` (outside
    the web layer and the demo data, whose purposes are a query item's matter or an
    authorisation's, shown as written)."""
    root = Path(xinyong.__file__).parent
    found: set[str] = set()
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "web") or path.name == "demo.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and any(isinstance(t, ast.Name) and "PURPOSE" in t.id for t in node.targets)
            ):
                found.add(node.value.value)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call):
                for keyword in call.keywords:
                    value = keyword.value
                    if (
                        keyword.arg == "purpose"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.add(value.value)
    return found


def test_every_purpose_the_services_log_has_a_label() -> None:
    purposes = _purposes_the_services_log()
    assert {"own file", repair_rules.CASE_PURPOSE} <= purposes
    assert sorted(purposes - set(PURPOSE_LABELS)) == []
