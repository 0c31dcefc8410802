"""Property-based fuzzing of every API operation from the app's own OpenAPI description.

Schemathesis reads ``/openapi.json`` of the app in-process (no server, no network) and
generates requests for each operation: valid ones (positive), invalid ones (negative), and
the permission matrix's valid request with one field of its body or query changed. Each is
sent, as several accounts (the matrix's allowed callers, one refused caller, and a bearer
token that is not one), against the test database with the lists world (catalog, calendar,
lists rule pack, the demo organisations and accounts), on SQLite or on PostgreSQL as the
rest of the suite (XINYONG_TEST_DATABASE_URL). For every response:

* no 5xx, and no exception out of the app;
* the status code is documented for the operation, and the body matches the documented
  schema and content type (so ``/docs`` tells a client the truth);
* an error body is the platform's shape, ``{"error": {"code", "message", "article",
  "field"}}``, with a non-empty machine-readable code;
* a refused request (4xx) leaves no rows behind: only the audit trail and the subject's
  access log may record the refusal.

Fast by default (``FUZZ_EXAMPLES`` examples per operation, derandomized, so a CI run is
reproducible); run it harder locally with e.g. ``XINYONG_FUZZ_EXAMPLES=300
XINYONG_FUZZ_RANDOM=1`` (new examples on each run), on both databases. A failure prints
the request as a curl command.
"""

from __future__ import annotations

import os
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW, _SharedSession
from tests.factories import World
from tests.lists_helpers import extend_to_lists_world, load_rule_packs
from tests.test_permission_matrix import ANONYMOUS, MATRIX, PUBLIC, Access, with_association
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.db.base import Base

# Half as many on the PostgreSQL pass, which reruns the SQLite pass's operations to find
# what only PostgreSQL refuses (a NUL in text, an integer past its column's range, a string
# past its length): those come from the negative strategies' first examples, and each
# example there costs twice as much (decision 0047 addendum, session 22).
FUZZ_EXAMPLES = int(
    os.environ.get(
        "XINYONG_FUZZ_EXAMPLES", "10" if os.environ.get("XINYONG_TEST_DATABASE_URL") else "20"
    )
)
# Derandomized unless asked (the same examples on every run, so CI is reproducible);
# XINYONG_FUZZ_RANDOM=1 explores new ones on each run.
FUZZ_RANDOM = os.environ.get("XINYONG_FUZZ_RANDOM") == "1"

# Rows a refusal may leave: the audit trail records every refusal, a refused read of a
# subject's file goes into that subject's access log (Art. 24), and a failed login or
# activation is counted against its address and username (decision 0031, session 24
# addendum) — in the worker's schema on PostgreSQL, in a file of its own on SQLite.
REFUSAL_RECORDS = frozenset({"audit_event", "audit_head", "access_event", "limited_attempt"})


def _openapi() -> dict[str, Any]:
    """The app's OpenAPI description; it does not depend on the database."""
    from xinyong.web.app import create_app

    app = create_app(
        Settings(data_dir=Path(tempfile.gettempdir())), engine=create_engine("sqlite://")
    )
    return app.openapi()


SCHEMA = schemathesis.openapi.from_dict(_openapi())
OPERATIONS = {
    (op.method.upper(), op.path): op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
}


@dataclass
class Fuzzed:
    """One world for the whole module: building it per operation cost more than fuzzing
    the operation. Requests share its session as in the other API tests (a refused one
    rolls back to the last commit, an accepted one releases a savepoint); each operation
    runs inside a savepoint of its own, rolled back after it (``world``)."""

    app: FastAPI
    world: World
    session: Session
    connection: Connection


@pytest.fixture(scope="module")
def fuzzed(
    engine: Engine, _attempts_database: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    from xinyong.web.app import create_app

    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    clock = FixedClock(TEST_NOW)
    # Limits out of the way: the fuzzer is after bad input, not after the rate limits
    # (tests/test_api_*.py check those).
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz"),
        login_attempts_per_window=100_000,
        reads_per_account_per_hour=100_000,
        reads_per_organisation_per_hour=100_000,
        public_comments_per_address_per_hour=100_000,
    )
    try:
        world = World.build(session, clock)
        load_rule_packs(session, clock)
        extend_to_lists_world(world, session, clock)
        with_association(world)  # the member register's callers (Art. 10 ¶1)
        app = create_app(
            settings,
            clock=clock,
            engine=engine,
            session_factory=_SharedSession(session),  # type: ignore[arg-type]
            attempts_engine=_attempts_database,
        )
        session.commit()
        yield Fuzzed(app, world, session, connection)
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def world(fuzzed: Fuzzed) -> Iterator[World]:
    """The module's world as it was built, for one operation: what the operation's
    requests and the matrix's builders add is rolled back after it."""
    session, world = fuzzed.session, fuzzed.world
    session.close()
    # The matrix's builders remember what they made in the session's info.
    session.info.clear()
    savepoint = fuzzed.connection.begin_nested()
    # Requests close the session, detaching the world's rows: read them afresh.
    for objects in (world.organisations, world.users, world.subjects):
        for key, obj in objects.items():
            identity = inspect(obj).identity
            assert identity is not None
            objects[key] = session.get(type(obj), identity[0])  # type: ignore[assignment]
    try:
        yield world
    finally:
        session.close()
        savepoint.rollback()


# --- who calls -------------------------------------------------------------------------------

SOME_LOGGED_IN = ("citizen", "querier", "authority")
# A bearer token that is not one: refused wherever the caller is read, even on public routes.
BAD_TOKEN = "bad_token"


def callers(access: Access) -> list[str]:
    """The allowed callers (they get past the refusals to the input handling), and one
    caller who is refused, whose refusal must have the same shape whatever the input."""
    if access.allowed is PUBLIC:
        return [ANONYMOUS, *SOME_LOGGED_IN, BAD_TOKEN]
    allowed = sorted(access.allowed)  # type: ignore[arg-type]
    refused = next(a for a in ("citizen", "admin", "analyst", ANONYMOUS) if a not in allowed)
    return [*allowed, refused, BAD_TOKEN]


# --- what the matrix knows is valid ------------------------------------------------------------


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.text(alphabet=string.printable + "\x00\ud7ff\ufffe", max_size=300)
    | st.sampled_from(["", " ", "\x00", "x" * 5000, "2026-02-30", "-1", "0", "1e309", "*"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The valid request with one member replaced, removed, or one added."""
    keys = sorted(valid)
    replace = st.builds(
        lambda key, value: {**valid, key: value}, st.sampled_from(keys), JSON_VALUES
    )
    drop = st.sampled_from(keys).map(lambda key: {k: v for k, v in valid.items() if k != key})
    extra = st.builds(lambda key, value: {**valid, key: value}, st.text(max_size=10), JSON_VALUES)
    return replace | drop | extra


# --- checks ----------------------------------------------------------------------------------


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """A refusal answers ``{"error": {"code", "message", "article", "field"}}``."""
    if response.status_code < 400:
        return None
    assert "application/json" in response.headers.get("content-type", [""])[0], (
        f"an error answered {response.headers.get('content-type')}, not JSON"
    )
    body = response.json()
    assert isinstance(body, dict), f"not the error shape: {body}"
    assert set(body) == {"error"}, f"not the error shape: {body}"
    error = body["error"]
    assert {"code", "message", "article", "field"} <= set(error), f"missing members: {error}"
    assert isinstance(error["code"], str), f"no code: {error}"
    assert error["code"], f"no code: {error}"
    assert isinstance(error["message"], str), f"no message: {error}"
    assert error["message"], f"no message: {error}"
    assert error["article"] is None or isinstance(error["article"], str), error
    assert error["field"] is None or isinstance(error["field"], str), error
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_shape,
]


def row_counts(session: Session) -> dict[str, int]:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in REFUSAL_RECORDS]
    query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t.name})" for t in tables)
    values = session.execute(text(query)).one()
    return dict(zip((t.name for t in tables), values, strict=True))


# --- the test --------------------------------------------------------------------------------


def _token(app: FastAPI, world: World, account: str) -> dict[str, str]:
    if account == ANONYMOUS:
        return {}
    if account == BAD_TOKEN:
        return {"Authorization": "Bearer not-a-token"}
    from xinyong.accounts.models import UserAccount

    user = world.session.get(UserAccount, world.users[account].id)
    assert user is not None
    return {"Authorization": f"Bearer {app.state.context.signer.issue(user)}"}


@pytest.mark.parametrize(
    ("method", "path"), [pytest.param(m, p, id=f"{m} {p}") for (m, p) in sorted(OPERATIONS)]
)
def test_operation(fuzzed: Fuzzed, world: World, method: str, path: str) -> None:
    app, session = fuzzed.app, fuzzed.session
    operation = OPERATIONS[(method, path)]
    access = MATRIX[(method, path)]
    params = {k: str(v) for k, v in access.params(world).items()}
    valid_query = access.query(world) if access.query else None
    valid_json = access.json(world) if access.json else None
    session.commit()
    headers_by_account = {account: _token(app, world, account) for account in callers(access)}

    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if params:
        # The objects the matrix set up, so that the body and query are fuzzed past a 404.
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=params))
    known: dict[str, Any] = {"path_parameters": params or None, "query": valid_query}
    if isinstance(valid_json, dict) and valid_json:
        strategies.append(
            mutated(valid_json).map(
                lambda body: operation.Case(**known, body=body, media_type="application/json")
            )
        )
    if valid_query:
        extra = {"body": valid_json, "media_type": "application/json"} if valid_json else {}
        strategies.append(
            mutated(valid_query).map(
                lambda query: operation.Case(**{**known, "query": query}, **extra)
            )
        )

    # The counts after a refusal are the counts before it (asserted), so the next example
    # starts from them: counting every table twice an example was a fifth of the fuzzing
    # on PostgreSQL. Only an accepted request, which may write, has them counted again.
    counted: list[dict[str, int]] = []

    @run_settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=not FUZZ_RANDOM,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=st.one_of(strategies), account=st.sampled_from(sorted(headers_by_account)))
    def fuzz(case: Any, account: str) -> None:
        before = counted.pop() if counted else row_counts(session)
        response = case.call(app=app, headers=headers_by_account[account])
        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            after = row_counts(session)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"a refused request ({response.status_code}) wrote {changed}"
            counted.append(after)

    fuzz()
