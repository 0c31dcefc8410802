"""The disclosure API: the three lawful query paths (Art. 13) and nothing else, bulk-read
limits, the subject's access log (Art. 24) compared with every read a test made, the
staff name on request, and object-level authorisation (OWASP API1) on every route that
takes a subject code.

A refused request rolls the shared test session back to its last commit and closes it,
so set-up is committed first and the world's values a test needs are read up front.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    TODAY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.conftest import _SharedSession
from tests.disclosure_helpers import (
    ARREARS,
    CONTRACT,
    FULL_CITIZEN_ID,
    ITEM,
    MATTER,
    MATTER_CODE,
    Entry,
    Tokens,
    arrears,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    make_query_item,
    person_penalty,
)
from tests.factories import World
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.config import Settings
from xinyong.disclosure.models import AccessEvent, Authorisation

API = "/api/v1"


@dataclass(frozen=True)
class Case:
    """What a test needs of the world, read before any request can detach it."""

    refs: dict[str, str]  # subject key → reference used in URLs
    records: dict[str, int]  # record kind → id
    orgs: dict[str, tuple[str, str]]  # organisation key → (code, name)
    citizen_ids: tuple[str, ...]
    users: dict[str, int]  # username → user id


@pytest.fixture
def case(disclosure_world: World, db: Session, clock: FixedClock) -> Case:
    world = disclosure_world
    records = {
        "penalty": person_penalty(db, clock, world).id,
        "arrears": arrears(db, clock, world, "person").id,
        "contract": contract_breach(db, clock, world).id,
        "other_penalty": person_penalty(db, clock, world, "other_person").id,
        "other_contract": contract_breach(db, clock, world, "other_person").id,
        "company_penalty": company_penalty(db, clock, world).id,
        "company_arrears": arrears(db, clock, world, "company").id,
        "other_company_penalty": company_penalty(db, clock, world, "other_company").id,
    }
    built = Case(
        refs={key: subject.reference for key, subject in world.subjects.items()},
        records=records,
        orgs={key: (org.code, org.name) for key, org in world.organisations.items()},
        citizen_ids=tuple(citizen_id_of(world.subjects[k]) for k in ("person", "other_person")),
        users={name: user.id for name, user in world.users.items()},
    )
    db.commit()
    return built


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=CHINA)


def get(
    client: TestClient,
    tokens: Tokens,
    user: str | None,
    path: str,
    **params: Any,
) -> Any:
    return client.get(f"{API}{path}", params=params or None, headers=tokens(user))


def file_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def report_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for s in response.json()["sections"] for item in s["items"]}


def create_item_via_api(
    client: TestClient, tokens: Tokens, case: Case, *, code: str = ITEM, org: str = "regulator"
) -> None:
    response = client.post(
        f"{API}/query-items",
        json={
            "code": code,
            "organisation": case.orgs[org][0],
            "matter": MATTER,
            "matter_code": MATTER_CODE,
            "record_types": [ARREARS],
            "legal_basis": "《社会保险法》第八十四条",
            # Arrears are not public by law about persons (Art. 13 ¶3).
            "statutory_exception": {
                "rank": "law",
                "title": "《中华人民共和国社会保险法》",
                "article": "第六十三条",
            },
        },
        headers=tokens("authority"),
    )
    assert response.status_code == 201, response.text


def publish_via_api(client: TestClient, tokens: Tokens, code: str = ITEM) -> None:
    response = client.post(f"{API}/query-items/{code}/publish", headers=tokens("authority"))
    assert response.status_code == 200, response.text


def assign_via_api(client: TestClient, tokens: Tokens, code: str, *usernames: str) -> None:
    """The item assigned to these staff by the regulator's security officer (Art. 12(2))."""
    for username in usernames:
        response = client.post(
            f"{API}/query-item-assignments",
            json={"username": username, "query_item": code},
            headers=tokens("security"),
        )
        assert response.status_code == 201, response.text


def grant_via_api(
    client: TestClient,
    tokens: Tokens,
    case: Case,
    *,
    valid_until: dt.date,
    account: str = "citizen",
    purpose: str = "个人住房贷款审批",
) -> int:
    response = client.post(
        f"{API}/me/authorisations",
        json={
            "grantee": case.orgs["bank"][0],
            "record_types": [CONTRACT],
            "purpose": purpose,
            "valid_until": valid_until.isoformat(),
            "evidence_kind": "signed_in_page",
            "evidence": "本人同意福州测试银行查询本人合同履约信息。",
        },
        headers=tokens(account),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# --- the three paths --------------------------------------------------------------------------


def test_self_reads_the_whole_file_and_report(
    case: Case, client: TestClient, tokens: Tokens
) -> None:
    person = case.refs["person"]
    own = {case.records[k] for k in ("penalty", "arrears", "contract")}
    response = get(client, tokens, "citizen", f"/subjects/{person}/file")
    assert file_ids(response) == own
    body = response.json()
    assert (body["legal_path"], body["record_types"]) == ("self", None)
    # Every item carries the labels of its fields, in the definition's order.
    penalty = next(i for i in body["items"] if i["type"] == "administrative_penalty")
    assert [label["name"] for label in penalty["labels"]] == [
        name
        for name in (
            "subject_name",
            "subject_category",
            "subject_uscc",
            "legal_representative",
            "id_type",
            "id_number",
            "decision_number",
            "violation_type",
            "violation_facts",
            "legal_basis",
            "penalty_category",
            "penalty_content",
            "fine_amount",
            "confiscated_amount",
            "licence_suspended",
            "decision_date",
            "penalty_valid_until",
            "publicity_deadline",
            "severity",
            "authority",
            "authority_uscc",
            "source_unit",
            "source_unit_uscc",
            "remarks",
        )
        if name in penalty["content"]
    ]
    assert {
        "name": "decision_number",
        "zh": "行政处罚决定书文号",
        "en": "Decision number",
    } in penalty["labels"]
    assert report_ids(get(client, tokens, "citizen", f"/subjects/{person}/report")) == own
    company = case.refs["company"]
    company_own = {case.records["company_penalty"], case.records["company_arrears"]}
    assert file_ids(get(client, tokens, "company", f"/subjects/{company}/file")) == company_own


def test_query_item_path(case: Case, client: TestClient, tokens: Tokens, db: Session) -> None:
    person = case.refs["person"]
    path = f"/subjects/{person}/file"
    create_item_via_api(client, tokens, case)
    # Created but not published: it may not be used, and the public page does not list it.
    assert get(client, tokens, None, "/query-items").json()["items"] == []
    response = get(client, tokens, "querier", path, query_item=ITEM, matter=MATTER_CODE)
    assert error_of(response) == (403, "query_item_unpublished", "Art. 13 ¶2")
    publish_via_api(client, tokens)
    assign_via_api(client, tokens, ITEM, "querier", "caseofficer")
    listed = get(client, tokens, None, "/query-items").json()["items"]
    assert [(i["code"], i["organisation"], i["record_types"]) for i in listed] == [
        (ITEM, case.orgs["regulator"][1], [ARREARS])
    ]
    expected = {case.records["penalty"], case.records["arrears"]}  # its types + public
    for matter in (MATTER_CODE, MATTER):
        response = get(client, tokens, "querier", path, query_item=ITEM, matter=matter)
        assert file_ids(response) == expected
        body = response.json()
        assert (body["legal_path"], body["record_types"], body["purpose"]) == (
            "query_item",
            [ARREARS],
            MATTER,
        )
    report = get(
        client, tokens, "caseofficer", f"/subjects/{person}/report", query_item=ITEM, matter=MATTER
    )
    assert report_ids(report) == expected
    assert (report.json()["legal_path"], report.json()["query_item"]) == ("query_item", ITEM)
    for matter in ("其他事项", None):
        response = get(
            client,
            tokens,
            "querier",
            path,
            **({"query_item": ITEM} | ({"matter": matter} if matter else {})),
        )
        assert error_of(response) == (403, "matter_mismatch", "Art. 13 ¶2")
        assert MATTER_CODE in response.json()["error"]["message"]
    # Another organisation's item, even published, opens nothing for the regulator.
    create_item_via_api(client, tokens, case, code="QI-HB-01", org="other_agency")
    publish_via_api(client, tokens, "QI-HB-01")
    response = get(client, tokens, "querier", path, query_item="QI-HB-01", matter=MATTER_CODE)
    assert error_of(response) == (403, "not_our_query_item", "Art. 13")
    # The bank's analyst has no query-item permission at all.
    response = get(client, tokens, "analyst", path, query_item=ITEM, matter=MATTER_CODE)
    assert error_of(response) == (403, "no_query_permission", "Art. 12")
    # Withdrawn: unusable again.
    withdrawn = client.post(f"{API}/query-items/{ITEM}/withdraw", headers=tokens("authority"))
    assert withdrawn.status_code == 200, withdrawn.text
    response = get(client, tokens, "querier", path, query_item=ITEM, matter=MATTER_CODE)
    assert error_of(response) == (403, "query_item_unpublished", "Art. 13 ¶2")
    # Published again: usable again.
    publish_via_api(client, tokens, ITEM)
    response = get(client, tokens, "querier", path, query_item=ITEM, matter=MATTER_CODE)
    assert response.status_code == 200, response.text


def test_a_draft_query_item_cannot_be_withdrawn(
    case: Case, client: TestClient, tokens: Tokens
) -> None:
    create_item_via_api(client, tokens, case, code="QI-DRAFT-01")
    response = client.post(f"{API}/query-items/QI-DRAFT-01/withdraw", headers=tokens("authority"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_published"


def test_written_authorisation_path(
    case: Case, client: TestClient, tokens: Tokens, db: Session, clock: FixedClock
) -> None:
    person = case.refs["person"]
    path = f"/subjects/{person}/file"
    response = get(client, tokens, "analyst", path)
    assert error_of(response) == (403, "no_lawful_path", "Art. 13 ¶3")
    assert "written authorisation" in response.json()["error"]["message"]
    # Staff cannot grant on a subject's behalf.
    refused = client.post(
        f"{API}/me/authorisations",
        json={
            "grantee": case.orgs["bank"][0],
            "record_types": [CONTRACT],
            "purpose": "x",
            "valid_until": TODAY.isoformat(),
            "evidence": "x",
        },
        headers=tokens("analyst"),
    )
    assert refused.status_code == 403
    first = grant_via_api(client, tokens, case, valid_until=TODAY + dt.timedelta(days=30))
    stored = db.get(Authorisation, first)
    assert stored is not None
    assert (stored.record_type_codes, stored.revoked_at) == ([CONTRACT], None)
    assert len(stored.evidence_sha256) == 64
    mine = get(client, tokens, "citizen", "/me/authorisations").json()["items"]
    assert [a["id"] for a in mine] == [first]
    assert get(client, tokens, "other_citizen", "/me/authorisations").json()["items"] == []
    response = get(client, tokens, "analyst", path)
    assert file_ids(response) == {case.records["penalty"], case.records["contract"]}
    assert (response.json()["legal_path"], response.json()["record_types"]) == (
        "authorisation",
        [CONTRACT],
    )
    report = get(client, tokens, "analyst", f"/subjects/{person}/report")
    assert report_ids(report) == {case.records["penalty"], case.records["contract"]}
    # Another subject cannot revoke it; the subject can, and the next request is refused.
    other = client.post(f"{API}/me/authorisations/{first}/revoke", headers=tokens("other_citizen"))
    assert other.status_code == 404
    revoked = client.post(f"{API}/me/authorisations/{first}/revoke", headers=tokens("citizen"))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    response = get(client, tokens, "analyst", path)
    assert error_of(response) == (403, "no_lawful_path", "Art. 13 ¶3")
    # A second one, expiring: readable on its last day, refused the day after.
    until = TODAY + dt.timedelta(days=5)
    grant_via_api(client, tokens, case, valid_until=until)
    clock.set(at(until))
    assert file_ids(get(client, tokens, "analyst", path)) == {
        case.records["penalty"],
        case.records["contract"],
    }
    clock.set(at(until + dt.timedelta(days=1)))
    response = get(client, tokens, "analyst", path)
    assert error_of(response) == (403, "no_lawful_path", "Art. 13 ¶3")


@pytest.mark.parametrize("route", ["file", "report"])
def test_every_other_caller_is_refused(
    case: Case, client: TestClient, tokens: Tokens, route: str
) -> None:
    path = f"/subjects/{case.refs['person']}/{route}"
    assert error_of(get(client, tokens, "other_citizen", path)) == (
        403,
        "not_own_subject",
        "Art. 13",
    )
    assert error_of(get(client, tokens, "company", path)) == (403, "not_own_subject", "Art. 13")
    anonymous = get(client, tokens, None, path)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    # The administrator manages accounts and reads no credit data (separation of duties).
    assert error_of(get(client, tokens, "admin", path)) == (403, "no_query_permission", "Art. 12")
    assert error_of(get(client, tokens, "authority", path)) == (
        403,
        "no_query_permission",
        "Art. 12",
    )
    assert get(client, tokens, "citizen", f"/subjects/NOSUCHREFERENCE/{route}").status_code == 404


@pytest.fixture
def limited_client(
    tmp_path: Path, clock: FixedClock, engine: Engine, db: Session, attempts_engine: Engine
) -> Iterator[TestClient]:
    """The app with low bulk-read limits: 3 reads per account, 4 per organisation, an hour."""
    from xinyong.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, reads_per_account_per_hour=3, reads_per_organisation_per_hour=4
    )
    app = create_app(
        settings,
        clock=clock,
        engine=engine,
        session_factory=_SharedSession(db),  # type: ignore[arg-type]
        attempts_engine=attempts_engine,
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_bulk_reads_are_rate_limited(
    case: Case, limited_client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    client, tokens = limited_client, Tokens(limited_client)
    make_query_item(db, clock, disclosure_world)
    db.commit()
    params = {"query_item": ITEM, "matter": MATTER_CODE}
    subjects = [case.refs["person"], case.refs["other_person"], case.refs["company"]]
    for ref in subjects:  # three reads of three subjects: a bulk read in the making
        assert get(client, tokens, "querier", f"/subjects/{ref}/file", **params).status_code == 200
    response = get(client, tokens, "querier", f"/subjects/{subjects[0]}/report", **params)
    assert error_of(response) == (429, "bulk_read_limit", "Art. 12")
    message = response.json()["error"]["message"]
    assert "bulk reads are limited" in message
    assert "this account made 3 reads" in message
    assert response.headers["retry-after"] == "3600"
    # The organisation's limit counts its other staff too.
    ok = get(client, tokens, "caseofficer", f"/subjects/{subjects[0]}/file", **params)
    assert ok.status_code == 200
    response = get(client, tokens, "caseofficer", f"/subjects/{subjects[1]}/file", **params)
    assert error_of(response) == (429, "bulk_read_limit", "Art. 12")
    assert "your organisation made 4 reads" in response.json()["error"]["message"]
    # Refusals are logged for the subject as well.
    refused = db.scalars(
        select(AccessEvent.refusal_code).where(AccessEvent.granted.is_(False))
    ).all()
    assert refused == ["bulk_read_limit", "bulk_read_limit"]
    clock.advance(dt.timedelta(minutes=61))
    assert (
        get(client, tokens, "querier", f"/subjects/{subjects[0]}/file", **params).status_code == 200
    )
    # A subject reading its own file is never throttled by staff limits.
    for _ in range(5):
        assert get(client, tokens, "citizen", f"/subjects/{subjects[0]}/file").status_code == 200


# --- the access log (Art. 24) ----------------------------------------------------------------


def test_the_access_log_is_complete(
    case: Case, client: TestClient, tokens: Tokens, db: Session, clock: FixedClock
) -> None:
    """A scripted sequence of reads by several actors: the person's log is exactly what
    happened to the person's file, granted and refused, and nothing else."""
    person, other = case.refs["person"], case.refs["other_person"]
    regulator, bank, operator = (case.orgs[k][1] for k in ("regulator", "bank", "operator"))
    create_item_via_api(client, tokens, case)
    publish_via_api(client, tokens)
    assign_via_api(client, tokens, ITEM, "querier", "caseofficer")
    item = {"query_item": ITEM, "matter": MATTER_CODE}
    expected: list[Entry] = []

    def step(
        user: str | None, route: str, entry: Entry | None, status: int = 200, **params: Any
    ) -> Any:
        response = get(client, tokens, user, f"/subjects/{person}/{route}", **params)
        assert response.status_code == status, response.text
        if entry is not None:
            if route == "report" and status == 200:
                entry = Entry(**{**entry.__dict__, "report_number": response.json()["number"]})
            expected.append(entry)
        clock.advance(dt.timedelta(minutes=7))
        return response

    self_file = Entry(None, "subject", "self", purpose="own file")
    step("citizen", "file", self_file)
    step("citizen", "report", Entry(**{**self_file.__dict__, "what": "report"}))
    by_item = Entry(regulator, "query_officer", "query_item", ITEM, MATTER, None, (ARREARS,))
    step("querier", "file", by_item, **item)
    step("querier", "report", Entry(**{**by_item.__dict__, "what": "report"}), **item)
    step(
        "querier",
        "file",
        Entry(
            regulator, "query_officer", "none", ITEM, granted=False, refusal_code="matter_mismatch"
        ),
        403,
        query_item=ITEM,
        matter="另一事项",
    )
    no_path = Entry(
        bank, "institution_analyst", "none", granted=False, refusal_code="no_lawful_path"
    )
    step("analyst", "file", no_path, 403)
    grant = grant_via_api(
        client, tokens, case, valid_until=TODAY + dt.timedelta(days=20), purpose="贷款审批"
    )
    by_grant = Entry(
        bank, "institution_analyst", "authorisation", None, "贷款审批", grant, (CONTRACT,)
    )
    step("analyst", "file", by_grant)
    step("analyst", "report", Entry(**{**by_grant.__dict__, "what": "report"}))
    step(
        "admin",
        "file",
        Entry(
            operator, "platform_admin", "none", granted=False, refusal_code="no_query_permission"
        ),
        403,
    )
    step(
        "other_citizen",
        "report",
        Entry(
            None, "subject", "none", what="report", granted=False, refusal_code="not_own_subject"
        ),
        403,
    )
    step(None, "file", None, 401)  # anonymous: refused before anyone is identified
    step("citizen", "report", None, 422, as_of="2099-01-01")  # invalid request: no read
    assert (
        client.post(
            f"{API}/me/authorisations/{grant}/revoke", headers=tokens("citizen")
        ).status_code
        == 200
    )
    step("analyst", "report", Entry(**{**no_path.__dict__, "what": "report"}), 403)
    # Reads of other files, the public view, and the log itself are not in this log.
    assert get(client, tokens, "querier", f"/subjects/{other}/file", **item).status_code == 200
    assert get(client, tokens, "other_citizen", f"/subjects/{other}/file").status_code == 200
    assert get(client, tokens, None, f"/subjects/{person}/public").status_code == 200

    response = get(client, tokens, "citizen", "/me/access-log")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [Entry.of(i) for i in reversed(items)] == expected
    # Newest first, and every entry dated by the clock of its read.
    times = [i["at"] for i in items]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == len(times)
    # The log names record types, never their content.
    text = response.text
    for forbidden in (
        "content",
        "payload",
        "逾期未还款",
        "榕社保欠",
        "FZB-",
        *case.citizen_ids,
    ):
        assert forbidden not in text, forbidden
    assert not FULL_CITIZEN_ID.search(text)
    assert set(items[0]) == {
        "id",
        "at",
        "organisation",
        "role",
        "legal_path",
        "query_item",
        "purpose",
        "authorisation_id",
        "record_types",
        "what",
        "granted",
        "refusal_code",
        "report_number",
        "joint_check",  # null but for a joint check's entry
        "consent_id",  # null but for a person registered on a consent held on paper
    }
    assert items[0]["joint_check"] is None
    # The stored events are the same, one per read, and the staff name is not in them.
    stored = db.scalars(
        select(AccessEvent).where(AccessEvent.id.in_([i["id"] for i in items]))
    ).all()
    assert len(stored) == len(expected)
    # The other person's log holds the other reads.
    other_log = get(client, tokens, "other_citizen", "/me/access-log").json()["items"]
    assert [(i["legal_path"], i["organisation"]) for i in reversed(other_log)] == [
        ("query_item", regulator),
        ("self", None),
    ]
    # Staff cannot read a subject's log.
    assert error_of(get(client, tokens, "querier", "/me/access-log")) == (
        403,
        "not_subject",
        "Art. 24",
    )
    assert get(client, tokens, None, "/me/access-log").status_code == 401


def test_the_staff_name_is_shown_on_request_and_the_request_is_audited(
    case: Case, client: TestClient, tokens: Tokens, db: Session, clock: FixedClock
) -> None:
    person = case.refs["person"]
    create_item_via_api(client, tokens, case)
    publish_via_api(client, tokens)
    assign_via_api(client, tokens, ITEM, "querier", "caseofficer")
    read = get(
        client, tokens, "querier", f"/subjects/{person}/file", query_item=ITEM, matter=MATTER
    )
    assert read.status_code == 200
    (entry,) = get(client, tokens, "citizen", "/me/access-log").json()["items"]
    assert (entry["organisation"], entry["role"]) == (case.orgs["regulator"][1], "query_officer")
    assert "querier" not in str(entry)  # role and organisation only, until asked

    def reveals() -> list[AuditEvent]:
        return list(
            db.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "access_log.reveal_staff")
                .execution_options(populate_existing=True)
            )
        )

    staff = f"/me/access-log/{entry['id']}/staff"
    for user, status in (("other_citizen", 404), ("company", 404), ("querier", 403), (None, 401)):
        assert get(client, tokens, user, staff).status_code == status, user
    assert get(client, tokens, "citizen", "/me/access-log/999999999/staff").status_code == 404
    assert reveals() == []
    response = get(client, tokens, "citizen", staff)
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "querier"}
    (audit,) = reveals()
    assert (audit.target_type, audit.target_id, audit.outcome) == (
        "access_event",
        str(entry["id"]),
        "ok",
    )
    assert (audit.actor_id, audit.actor_role) == (f"user:{case.users['citizen']}", "subject")


# --- OWASP API1: object-level authorisation on every route that takes a subject code ---------

# (caller, the subject asked about, what the caller may see: None for a refusal)
OWN, OTHER = "own", "other"


@pytest.fixture
def lawful_world(case: Case, db: Session, clock: FixedClock, disclosure_world: World) -> Case:
    """Query items for the regulator and the other agency; the person authorises the bank."""
    world = disclosure_world
    make_query_item(db, clock, world)
    make_query_item(db, clock, world, code="QI-HB-01", organisation="other_agency")
    from tests.disclosure_helpers import authorise

    authorise(db, clock, world)
    db.commit()
    return case


OBJECT_CASES: list[tuple[str, str, dict[str, str], str | None]] = [
    # Subject accounts: their own file, never another subject's.
    ("citizen", "person", {}, "person:all"),
    ("citizen", "other_person", {}, None),
    ("citizen", "company", {}, None),
    ("company", "company", {}, "company:all"),
    ("company", "other_company", {}, None),
    ("company", "person", {}, None),
    ("other_citizen", "other_person", {}, "other_person:all"),
    ("other_citizen", "person", {}, None),
    # Agency staff: their organisation's item, for any subject, only its types;
    # another organisation's item never.
    ("querier", "person", {"query_item": ITEM, "matter": MATTER_CODE}, "person:item"),
    ("querier", "company", {"query_item": ITEM, "matter": MATTER_CODE}, "company:item"),
    ("querier", "person", {"query_item": "QI-HB-01", "matter": MATTER_CODE}, None),
    ("other_reporter", "person", {"query_item": ITEM, "matter": MATTER_CODE}, None),
    ("reporter", "person", {"query_item": ITEM, "matter": MATTER_CODE}, None),
    # The bank: the subject that authorised it, nobody else; nobody else through it.
    ("analyst", "person", {}, "person:granted"),
    ("analyst", "other_person", {}, None),
    ("analyst", "company", {}, None),
    ("querier", "person", {}, None),
    ("admin", "person", {}, None),
    (None, "person", {}, None),
]


def _visible(case: Case, expectation: str) -> set[int]:
    r = case.records
    return {
        "person:all": {r["penalty"], r["arrears"], r["contract"]},
        "person:item": {r["penalty"], r["arrears"]},
        "person:granted": {r["penalty"], r["contract"]},
        "other_person:all": {r["other_penalty"], r["other_contract"]},
        "company:all": {r["company_penalty"], r["company_arrears"]},
        "company:item": {r["company_penalty"], r["company_arrears"]},
    }[expectation]


def _public(case: Case, subject: str) -> set[int]:
    r = case.records
    return {
        "person": {r["penalty"]},
        "other_person": {r["other_penalty"]},
        "company": {r["company_penalty"], r["company_arrears"]},
        "other_company": {r["other_company_penalty"]},
    }[subject]


@pytest.mark.parametrize(
    ("user", "subject", "params", "expectation"),
    OBJECT_CASES,
    ids=[
        f"{u or 'anonymous'}->{s}{'+' + p['query_item'] if p else ''}"
        for u, s, p, _ in OBJECT_CASES
    ],
)
def test_object_level_authorisation(
    lawful_world: Case,
    client: TestClient,
    tokens: Tokens,
    user: str | None,
    subject: str,
    params: dict[str, str],
    expectation: str | None,
) -> None:
    case = lawful_world
    ref = case.refs[subject]
    file = get(client, tokens, user, f"/subjects/{ref}/file", **params)
    report = get(client, tokens, user, f"/subjects/{ref}/report", **params)
    if expectation is None:
        expected_status = 401 if user is None else 403
        assert (file.status_code, report.status_code) == (expected_status, expected_status)
        for response in (file, report):
            assert "items" not in response.json()
            assert "sections" not in response.json()
            assert not FULL_CITIZEN_ID.search(response.text)
    else:
        visible = _visible(case, expectation)
        assert file_ids(file) == visible
        assert report_ids(report) == visible
    # The public view is the same for every caller, the subject itself included, and
    # never holds more than the public records.
    public = get(client, tokens, user, f"/subjects/{ref}/public")
    assert public.status_code == 200
    assert {i["id"] for i in public.json()["items"]} == _public(case, subject)
    assert not FULL_CITIZEN_ID.search(public.text)
