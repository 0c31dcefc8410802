"""Two staff changing one register entry or account at once (review r2, session 17): the
second waits for the first's lock and is refused on what the first wrote — an institution's
status (Art. 26), the last platform administrator (decision 0033), an API key revoked or
an account deactivated twice — where it got a 500, left no administrator, or audited a
second revocation over the first.

Each step locks the row and reads it afresh. Reading afresh is seen on either database with
one session whose copy of the row is older than the row (``changed_meanwhile``); the lock
only with two transactions on PostgreSQL (``tests.concurrency_helpers``)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.disclosure_helpers import actor_of
from tests.factories import InstitutionFactory, UserFactory, World, auth_headers, bind
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Role, UserAccount
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import Conflict
from xinyong.institutions import register
from xinyong.institutions.models import CreditServiceInstitution, InstitutionStatus


def changed_meanwhile(db: Session, model: Any, row_id: int, **values: Any) -> None:
    """Another member of staff's change, committed after this session read the row: the
    row changes, the session's copy of it does not."""
    db.execute(
        update(model)
        .where(model.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _events(db: Session, action: str, target_id: object) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target_id == str(target_id))
        )
        or 0
    )


def _institution(db: Session, clock: FixedClock) -> CreditServiceInstitution:
    bind(db, clock)
    entry = InstitutionFactory()
    db.commit()
    return entry


def _key(db: Session, clock: FixedClock, world: World) -> ApiKey:
    key = api_keys.create_api_key(
        db,
        clock,
        actor_of(world, "admin"),
        organisation=world.organisations["regulator"],
        role=Role.QUERY_OFFICER,
        name="审批系统",
    )
    db.commit()
    return key


# --- one session, a change committed since it read the row (both databases) -----------------


def test_an_institution_deregistered_meanwhile_is_not_suspended(
    db: Session, clock: FixedClock, world: World
) -> None:
    entry = _institution(db, clock)
    changed_meanwhile(db, CreditServiceInstitution, entry.id, status=InstitutionStatus.DEREGISTERED)

    with pytest.raises(Conflict) as refused:
        register.change_status(
            db,
            clock,
            actor_of(world, "authority"),
            entry.uscc,
            status=InstitutionStatus.SUSPENDED,
            reason="投诉较多",
        )

    assert (refused.value.code, refused.value.article) == ("status_transition", "Art. 26")
    with pytest.raises(Conflict) as closed:
        register.amend(
            db,
            clock,
            actor_of(world, "authority"),
            entry.uscc,
            name=entry.name,
            business_scope="信用评价",
            services=["信用评价报告"],
            reason="工商变更登记",
        )
    assert closed.value.code == "deregistered"


def test_revoking_a_key_twice_is_refused_and_keeps_the_first_time(
    db: Session, clock: FixedClock, world: World
) -> None:
    key = _key(db, clock, world)
    admin = actor_of(world, "admin")
    api_keys.revoke_api_key(db, clock, admin, key.id)
    first = key.revoked_at
    clock.advance(dt.timedelta(minutes=5))

    with pytest.raises(Conflict) as refused:
        api_keys.revoke_api_key(db, clock, admin, key.id)

    assert (refused.value.code, refused.value.field) == ("key_revoked", "key")
    assert key.revoked_at == first
    assert _events(db, "api_key.revoke", key.id) == 1


def test_a_key_revoked_meanwhile_is_not_revoked_again(
    db: Session, clock: FixedClock, world: World
) -> None:
    key = _key(db, clock, world)
    changed_meanwhile(db, ApiKey, key.id, revoked_at=clock.now())

    with pytest.raises(Conflict) as refused:
        api_keys.revoke_api_key(db, clock, actor_of(world, "admin"), key.id)

    assert refused.value.code == "key_revoked"


def test_an_account_deactivated_meanwhile_is_not_deactivated_again(
    db: Session, clock: FixedClock, world: World
) -> None:
    reporter = world.users["reporter"]
    version = reporter.credentials_version
    changed_meanwhile(db, UserAccount, reporter.id, active=False)

    with pytest.raises(Conflict) as refused:
        accounts.deactivate_user(db, clock, actor_of(world, "admin"), reporter.id)

    assert (refused.value.code, refused.value.field) == ("already_inactive", "user")
    assert reporter.credentials_version == version
    assert _events(db, "user.deactivate", reporter.id) == 0


# --- two transactions at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.test_database
def test_two_officers_changing_an_institutions_status_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """One officer deregisters the institution while another suspends it: the second waits
    for the first and is refused the transition out of deregistration, where it collided on
    the version number (a 500)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        entry = _institution(session, clock)

    def deregister(session: Session) -> Any:
        return register.change_status(
            session,
            clock,
            staff(session, "authority"),
            entry.uscc,
            status=InstitutionStatus.DEREGISTERED,
            reason="备案被撤销",
        )

    def suspend(session: Session) -> Any:
        return register.change_status(
            session,
            clock,
            staff(session, "authority"),
            entry.uscc,
            status=InstitutionStatus.SUSPENDED,
            reason="投诉较多",
        )

    second = at_once(engine, deregister, suspend)

    assert second.refused is not None, "the second officer changed a deregistered entry"
    assert (second.refused.code, second.refused.article) == ("status_transition", "Art. 26")
    with Session(engine) as session:
        now = session.get(CreditServiceInstitution, entry.id)
        assert now is not None
        assert (now.status, now.current_version_no) == (InstitutionStatus.DEREGISTERED, 2)


@pytest.mark.test_database
def test_two_officers_amending_and_deregistering_an_institution_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        entry = _institution(session, clock)

    def deregister(session: Session) -> Any:
        return register.change_status(
            session,
            clock,
            staff(session, "authority"),
            entry.uscc,
            status=InstitutionStatus.DEREGISTERED,
            reason="备案被撤销",
        )

    def amend(session: Session) -> Any:
        return register.amend(
            session,
            clock,
            staff(session, "authority"),
            entry.uscc,
            name=entry.name,
            business_scope="信用评价",
            services=["信用评价报告"],
            reason="工商变更登记",
        )

    second = at_once(engine, deregister, amend)

    assert second.refused is not None, "a deregistered entry was amended"
    assert second.refused.code == "deregistered"


@pytest.mark.test_database
def test_two_administrators_deactivating_each_other_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """Each would count the other still active and leave no administrator: the second
    waits for the first and is refused as the last one."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        bind(session, clock)
        # Only these two are active administrators.
        session.execute(
            update(UserAccount).where(UserAccount.role == Role.PLATFORM_ADMIN).values(active=False)
        )
        operator = in_session(built, session).organisations["operator"]
        first_admin = UserFactory(
            username="admin_a", role=Role.PLATFORM_ADMIN, organisation=operator
        )
        second_admin = UserFactory(
            username="admin_b", role=Role.PLATFORM_ADMIN, organisation=operator
        )
        session.commit()

    def a_deactivates_b(session: Session) -> Any:
        return accounts.deactivate_user(session, clock, staff(session, "admin_a"), second_admin.id)

    def b_deactivates_a(session: Session) -> Any:
        return accounts.deactivate_user(session, clock, staff(session, "admin_b"), first_admin.id)

    second = at_once(engine, a_deactivates_b, b_deactivates_a)

    assert second.refused is not None, "both administrators were deactivated"
    assert (second.refused.code, second.refused.field) == ("last_administrator", "user")
    with Session(engine) as session:
        active = session.scalars(
            select(UserAccount.username).where(
                UserAccount.role == Role.PLATFORM_ADMIN, UserAccount.active.is_(True)
            )
        ).all()
        assert active == ["admin_a"]


@pytest.mark.test_database
def test_two_administrators_revoking_a_key_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        key = _key(session, clock, in_session(built, session))

    def revoke(session: Session) -> Any:
        return api_keys.revoke_api_key(session, clock, staff(session, "admin"), key.id)

    second = at_once(engine, revoke, revoke)

    assert second.refused is not None, "the key was revoked twice"
    assert second.refused.code == "key_revoked"
    with Session(engine) as session:
        assert _events(session, "api_key.revoke", key.id) == 1


@pytest.mark.test_database
def test_two_administrators_deactivating_one_account_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        bind(session, clock)
        target = UserFactory(
            username="leaving_reporter",
            role=Role.DATA_REPORTER,
            organisation=in_session(built, session).organisations["regulator"],
        )
        session.commit()
        version = target.credentials_version

    def deactivate(session: Session) -> Any:
        return accounts.deactivate_user(session, clock, staff(session, "admin"), target.id)

    second = at_once(engine, deactivate, deactivate)

    assert second.refused is not None, "the account was deactivated twice"
    assert second.refused.code == "already_inactive"
    with Session(engine) as session:
        after = session.get(UserAccount, target.id)
        assert after is not None
        assert after.credentials_version == version + 1
        assert _events(session, "user.deactivate", target.id) == 1


# --- the API and the page ----------------------------------------------------------------------


def test_the_api_and_the_page_refuse_revoking_a_key_twice(
    client: TestClient, db: Session, clock: FixedClock, world: World, monkeypatch: Any
) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    key, other = _key(db, clock, world), _key(db, clock, world)
    headers = auth_headers(client, "admin")
    url = f"/api/v1/admin/api-keys/{key.id}/revoke"
    assert client.post(url, headers=headers).status_code == 200
    again = client.post(url, headers=headers)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "key_revoked"

    log_in(client, "admin")
    form = {"csrf_token": csrf_from(client.get("/admin/users", headers=HTML).text)}
    page_url = f"/admin/api-keys/{other.id}/revoke"
    first = client.post(page_url, data=form, headers=HTML, follow_redirects=False)
    assert first.status_code == 303, first.text
    second = client.post(page_url, data=form, headers=HTML, follow_redirects=False)
    assert second.status_code == 409, second.text
    assert "该 API 密钥已被撤销" in second.text
    assert _events(db, "api_key.revoke", other.id) == 1
