"""``POST /api/v1/identifiers/check``: the identifier check with the code in a JSON body, so
that a client keeps a citizen ID number out of URLs — and so out of proxies' logs and
browsers' histories. It answers exactly what ``GET /api/v1/identifiers/{code}`` answers
(a fixed name, kept as it is). Neither writes the number in clear to any log the server
keeps: uvicorn's access log (the GET's URL is masked by the filter ``xinyong serve``
installs; the POST's URL holds none) nor what an unexpected error logs, the traceback
included — checked through a real server run with ``serve``'s logging configuration."""

from __future__ import annotations

import io
import logging
import logging.config
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.test_api_core import (
    INVALID_CODES,
    VALID_CITIZEN_ID,
    VALID_USCC,
    assert_error_format,
    audit_rows,
    server_log,
)
from xinyong import identifiers
from xinyong.cli.core import access_log_config

CHECK = "/api/v1/identifiers/check"
MASKED = "110105********002X"
BIRTH_DATE = VALID_CITIZEN_ID[6:14]


@pytest.mark.parametrize(
    "code",
    [
        VALID_USCC,
        VALID_CITIZEN_ID,
        VALID_CITIZEN_ID.lower(),
        "９１３５０１００ｍ０００１００ｙ４３",
        *[code for code, _kind, _error in INVALID_CODES],
    ],
)
def test_the_body_form_answers_what_the_path_form_answers(client: TestClient, code: str) -> None:
    by_path = client.get(f"/api/v1/identifiers/{code}")
    by_body = client.post(CHECK, json={"code": code})

    assert (by_path.status_code, by_body.status_code) == (200, 200)
    assert by_body.json() == by_path.json()


def test_a_citizen_id_in_the_body_is_answered_and_neither_logged_nor_audited(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    before = len(audit_rows(db))
    with caplog.at_level(logging.DEBUG):
        response = client.post(CHECK, json={"code": VALID_CITIZEN_ID.lower()})

    assert response.status_code == 200
    # As the GET answers it: the caller's own input, normalised, and masked.
    assert response.json() == {
        "valid": True,
        "kind": "citizen_id",
        "normalised": VALID_CITIZEN_ID,
        "masked": MASKED,
        "error": None,
    }
    assert VALID_CITIZEN_ID not in server_log(caplog)
    assert len(audit_rows(db)) == before, "a public check must not write the audit trail"


def test_an_empty_code_in_the_body_is_answered_as_empty(client: TestClient) -> None:
    """The path form cannot carry one (no route for a blank segment); the body form can."""
    response = client.post(CHECK, json={"code": " "})

    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert response.json()["error"]["code"] == "empty"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code"),
        ({"code": 350102199403157723}, "code"),  # a number, not a string: not echoed
        ({"code": VALID_CITIZEN_ID * 6}, "code"),
        ({"code": VALID_CITIZEN_ID[:9] + "\x00" + VALID_CITIZEN_ID[9:]}, "code"),
    ],
)
def test_a_body_it_cannot_check_is_refused_naming_the_field_without_echoing_it(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post(CHECK, json=body)

    error = assert_error_format(response, 422)
    assert error["field"] == field
    assert BIRTH_DATE not in response.text
    assert "19940315" not in response.text


def test_an_unexpected_error_logs_neither_the_number_nor_the_traceback_holding_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The exception's own text may hold what the request carried: the traceback the
    error handler logs is masked as the access log is."""
    monkeypatch.setattr(identifiers, "check", _explode)
    with caplog.at_level(logging.ERROR):
        response = client.post(CHECK, json={"code": VALID_CITIZEN_ID})

    assert_error_format(response, 500, "internal_error")
    assert VALID_CITIZEN_ID not in response.text
    logged = _formatted(caplog.records)
    assert "unexpected error on POST /api/v1/identifiers/check" in logged
    assert "RuntimeError: boom while checking 110105********002X" in logged
    assert VALID_CITIZEN_ID not in logged
    assert BIRTH_DATE not in logged


def _explode(raw: str, **_: Any) -> Any:
    raise RuntimeError(f"boom while checking {raw}")


def _formatted(records: list[logging.LogRecord]) -> str:
    """The records as a handler writes them: message and traceback."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(r) for r in records if not r.name.startswith("httpx"))


# --- a real server, logging as `xinyong serve` configures it ----------------------------------


@pytest.fixture
def served(app: FastAPI) -> Iterator[tuple[str, io.StringIO]]:
    """The app served by uvicorn on a free port with ``serve``'s logging configuration, its
    handlers writing to one buffer: the server's base URL and everything it logged."""
    import uvicorn

    written = io.StringIO()
    config = access_log_config()
    for handler in config["handlers"].values():
        handler["stream"] = written
    # Our own logger's records reach the same buffer, as under a process-wide handler.
    config.setdefault("loggers", {})["xinyong"] = {"handlers": ["default"], "level": "INFO"}
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "xinyong")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.filters[:]) for lg in loggers]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, log_config=config, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), written.getvalue()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        yield f"http://{host}:{port}", written
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        for logger, handlers, level, propagate, filters in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
            logger.filters[:] = filters


def test_the_server_logs_no_citizen_id_in_clear_for_either_form(
    served: tuple[str, io.StringIO], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, written = served
    # A connection each: the server closes one after an unexpected error, and a second
    # request on it would race that.
    close = {"Connection": "close"}
    with httpx.Client(base_url=base, timeout=30, headers=close) as http:
        by_path = http.get(f"/api/v1/identifiers/{VALID_CITIZEN_ID}")
        by_body = http.post(CHECK, json={"code": VALID_CITIZEN_ID})
        assert (by_path.status_code, by_body.status_code) == (200, 200)
        assert by_path.json() == by_body.json()
        # And when the check fails unexpectedly with the number in the exception's text:
        # our handler's log and the server's own "Exception in ASGI application".
        monkeypatch.setattr(identifiers, "check", _explode)
        failed = [
            http.get(f"/api/v1/identifiers/{VALID_CITIZEN_ID}"),
            http.post(CHECK, json={"code": VALID_CITIZEN_ID}),
        ]
        assert [r.status_code for r in failed] == [500, 500]

    log = written.getvalue()
    access = [line for line in log.splitlines() if '" 200' in line or '" 500' in line]
    assert len(access) == 4, log
    assert f'"GET /api/v1/identifiers/{MASKED} HTTP/1.1" 200' in access[0]
    assert '"POST /api/v1/identifiers/check HTTP/1.1" 200' in access[1]
    assert "Traceback" in log, "the failures were logged, with their tracebacks"
    assert "boom while checking" in log
    assert VALID_CITIZEN_ID not in log
    assert BIRTH_DATE not in log
