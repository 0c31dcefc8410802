"""An id in a URL that no database integer can hold is the caller's mistake: every route
answers it with a 4xx naming the parameter (or refuses the caller first), never a 500 from
an overflow inside the driver."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import World, auth_headers
from tests.test_permission_matrix import route_keys
from xinyong.config import Settings

ABSURD = str(10**20)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, login_attempts_per_window=10_000)


def _routes_with_ids(app: FastAPI) -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in route_keys(app) if re.search(r"\{\w+_id\}", p))


def test_no_route_fails_on_an_absurd_id(app: FastAPI, client: TestClient, world: World) -> None:
    routes = _routes_with_ids(app)
    assert len(routes) > 20
    callers = {"anonymous": {}, "caseofficer": auth_headers(client, "caseofficer")}
    for method, path in routes:
        url = re.sub(r"\{(\w+_id)\}", ABSURD, re.sub(r"\{(?!\w+_id\})\w+\}", "x", path))
        for who, headers in callers.items():
            response = client.request(method, url, headers=headers, json={})
            assert response.status_code < 500, (who, method, path, response.text[:200])
            if response.status_code == 422:
                assert "_id" in response.text, (method, path, response.text[:200])
