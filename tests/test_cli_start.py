"""What the platform refuses, or warns of, when it starts (review of session 23, decision 0053
and decision 0004's session 23 addendum): keys that are no usable keys, settings that are no
settings, the demo loaded into a database in use or served as production, cookies that are
not Secure beyond this host, and the proxies whose forwarded addresses are believed.

Every test runs the real commands against a SQLite file in its own data folder, as
tests/test_cli.py does; ``uvicorn.run`` is replaced so that ``serve`` returns what it would
have served.
"""

# ruff: noqa: F811

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.test_cli import (  # noqa: F401 - fixtures
    ORG_CODE,
    cli_engine,
    data_dir,
    initialised,
    initialised_once,
    output_of,
    run,
)
from xinyong.accounts.models import UserAccount
from xinyong.audit.models import AuditEvent
from xinyong.config import StartRefused, reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.demo import DEMO_PASSWORD, SEED_ACTION
from xinyong.errors import NotAuthenticated


def _reread() -> None:
    reset_settings()
    reset_default_cipher()


def _said(result: Any) -> str:
    return " ".join(output_of(result).split())


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``serve`` handed uvicorn: the app and its options; the server is not started."""
    import uvicorn

    captured: dict[str, Any] = {}

    def fake_run(app: object, **kwargs: Any) -> None:
        captured.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return captured


def _key(length: int) -> str:
    return base64.urlsafe_b64encode(b"k" * length).decode()


# --- finding 1: the session key ---------------------------------------------------------------


def test_an_empty_session_key_setting_is_not_taken_as_the_key(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    """`XINYONG_SESSION_KEY=` won over secrets.json: the key was b"", and a token signed with
    the empty key was a platform administrator's (review finding 1)."""
    monkeypatch.setenv("XINYONG_SESSION_KEY", "")
    _reread()

    result = run("serve")

    assert result.exit_code == 0, output_of(result)
    settings = served["app"].state.context.settings
    stored = json.loads((initialised / "secrets.json").read_text())["session_key"]
    assert settings.secret("session_key") == base64.urlsafe_b64decode(stored)
    forged = URLSafeTimedSerializer(b"", salt="xinyong.bearer").dumps({"uid": 1, "cv": 2})
    with pytest.raises(NotAuthenticated):
        served["app"].state.context.signer.claims(forged)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "XINYONG_SESSION_KEY",
            _key(16),
            "session_key from XINYONG_SESSION_KEY must be at least 32",
        ),
        ("XINYONG_SESSION_KEY", "zq~zq", "session_key from XINYONG_SESSION_KEY is not base64"),
        ("XINYONG_ENCRYPTION_KEY", _key(16), "must be 32 bytes (AES-256), not 16"),
        ("XINYONG_ENCRYPTION_KEY", "not base64!", "is not base64"),
        ("XINYONG_BLIND_INDEX_KEY", "zqx", "blind_index_key from XINYONG_BLIND_INDEX_KEY"),
        ("XINYONG_DATABASE_URL", "foo", "XINYONG_DATABASE_URL must be a database URL"),
    ],
)
@pytest.mark.parametrize("command", [("serve",), ("orgs", "list"), ("init",)], ids=" ".join)
def test_a_setting_that_is_no_key_or_url_is_refused_in_one_line(
    initialised: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: dict[str, Any],
    variable: str,
    value: str,
    said: str,
    command: tuple[str, ...],
) -> None:
    """ "Error: Incorrect padding", a ValueError from the cipher or SQLAlchemy's ArgumentError,
    each in a traceback (review finding 4)."""
    monkeypatch.setenv(variable, value)
    _reread()

    result = run(*command)

    assert result.exit_code == 2, output_of(result)
    assert f"refused setting {variable}" in _said(result)
    assert said in _said(result)
    assert "Traceback" not in output_of(result)
    if variable != "XINYONG_DATABASE_URL":
        assert value not in output_of(result), "a refused key is not repeated"
    assert "app" not in served


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"encryption_key": "', "is not the JSON `xinyong init` writes"),
        ("[]", "does not hold the keys"),
        (None, "session_key from"),  # a short session key in the file
    ],
)
def test_a_secrets_file_that_cannot_be_used_is_refused_in_one_line(
    initialised: Path, served: dict[str, Any], content: str | None, said: str
) -> None:
    path = initialised / "secrets.json"
    if content is None:
        keys = json.loads(path.read_text())
        path.write_text(json.dumps({**keys, "session_key": _key(8)}))
    else:
        path.write_text(content)
    _reread()

    result = run("serve")

    assert result.exit_code == 2, output_of(result)
    assert said in _said(result)
    assert "Traceback" not in output_of(result)
    assert "app" not in served


def test_a_secrets_file_readable_by_others_is_made_owner_only(
    initialised: Path, served: dict[str, Any]
) -> None:
    """The database file was reset to 0600, secrets.json stayed 0644 (review finding 4)."""
    path = initialised / "secrets.json"
    path.chmod(0o644)
    _reread()

    result = run("orgs", "list")

    assert result.exit_code == 0, output_of(result)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_secrets_file_of_another_owner_readable_by_its_group_is_used_as_it_is(
    initialised: Path, served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """root:service 0640, the service in the group: a hardened layout, not this process's file
    to chmod — which raised PermissionError (start-up refused), and `chmod 600` by root would
    have locked the service out (review, session 23)."""
    import xinyong.config

    path = initialised / "secrets.json"
    path.chmod(0o640)
    owner = path.stat().st_uid
    monkeypatch.setattr(xinyong.config.os, "geteuid", lambda: owner + 1)
    _reread()

    result = run("orgs", "list")

    assert result.exit_code == 0, output_of(result)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_secrets_file_of_another_owner_readable_by_everyone_is_refused(
    initialised: Path, served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import xinyong.config

    path = initialised / "secrets.json"
    path.chmod(0o644)
    owner = path.stat().st_uid
    monkeypatch.setattr(xinyong.config.os, "geteuid", lambda: owner + 1)
    _reread()

    result = run("serve")

    assert result.exit_code == 2, output_of(result)
    assert "may be read by every account on this host" in _said(result)
    assert "Traceback" not in output_of(result)
    assert "app" not in served
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# --- finding 2: the demo data ----------------------------------------------------------------


def test_init_demo_refuses_a_database_in_use_and_writes_nothing(
    initialised: Path, cli_engine: Engine
) -> None:
    """The only guard was an account named "admin": the demo's accounts, with the password
    the README publishes, went into a database in use (review finding 2)."""
    added = run(
        "orgs", "add", "--code", ORG_CODE, "--name", "福州市测试局", "--kind", "state_organ"
    )
    assert added.exit_code == 0, output_of(added)
    with Session(cli_engine) as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))

    result = run("init", "--demo")

    assert result.exit_code == 2, output_of(result)
    assert "refused: this database holds organisations, accounts or subjects" in _said(result)
    assert "Traceback" not in output_of(result)
    with Session(cli_engine) as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_init_demo_is_audited_and_refused_when_declared_production(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    monkeypatch.setenv("XINYONG_ENVIRONMENT", "production")
    _reread()
    refused = run("init", "--demo")
    assert refused.exit_code == 2, output_of(refused)
    assert "declared production" in _said(refused)
    assert not (data_dir / "secrets.json").exists(), "nothing was written"

    monkeypatch.delenv("XINYONG_ENVIRONMENT")
    _reread()
    loaded = run("init", "--demo")
    assert loaded.exit_code == 0, output_of(loaded)
    assert "demo data loaded" in _said(loaded)
    again = run("init", "--demo")
    assert again.exit_code == 0, output_of(again)
    assert "demo data already loaded: nothing changed" in _said(again)
    from xinyong.db.engine import make_engine

    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session:
            seeded = session.scalars(
                select(AuditEvent.actor_kind).where(AuditEvent.action == SEED_ACTION)
            ).all()
    finally:
        engine.dispose()
    assert seeded == ["system"]

    # Served on this host, the demo is what it is; beyond it, a loud warning; declared
    # production, refused (``create_app`` itself, so ``uvicorn --factory`` too).
    here = run("serve")
    assert here.exit_code == 0, output_of(here)
    assert "warning" not in _said(here)
    beyond = run("serve", "--host", "0.0.0.0")  # noqa: S104 - the address under test
    assert beyond.exit_code == 0, output_of(beyond)
    assert "the demo account 'admin' whose password the README publishes" in _said(beyond)
    monkeypatch.setenv("XINYONG_ENVIRONMENT", "production")
    _reread()
    served.clear()
    production = run("serve")
    assert production.exit_code == 2, output_of(production)
    assert "declared production (XINYONG_ENVIRONMENT)" in _said(production)
    assert "Traceback" not in output_of(production)
    assert not served

    from xinyong.config import Settings
    from xinyong.web.app import create_app

    with pytest.raises(StartRefused, match="demo account 'admin'"):
        create_app(Settings(data_dir=data_dir))


def test_a_production_database_with_its_own_admin_serves(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    """An account named like a demo account, with its own password, is no demo account."""
    assert (
        run(
            "orgs", "add", "--code", ORG_CODE, "--name", "测试", "--kind", "platform_operator"
        ).exit_code
        == 0
    )
    made = run(
        "users", "create", "admin", "--role", "platform_admin", "--org", ORG_CODE,
        "--password", "-", input="a password of its own\n",
    )  # fmt: skip
    assert made.exit_code == 0, output_of(made)
    monkeypatch.setenv("XINYONG_ENVIRONMENT", "production")
    _reread()

    result = run("serve")

    assert result.exit_code == 0, output_of(result)
    assert served["app"] is not None
    assert DEMO_PASSWORD not in output_of(result)


# --- finding 3: Secure cookies ---------------------------------------------------------------


def test_serve_marks_cookies_secure_by_default_and_the_demo_does_not(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    """The setting's comment said cookies were Secure but for the localhost demo; they were
    Secure nowhere unless set (review finding 3)."""
    monkeypatch.delenv("XINYONG_SECURE_COOKIES", raising=False)
    _reread()

    assert run("serve").exit_code == 0
    assert served["app"].state.context.settings.secure_cookies is True

    served.clear()
    assert run("demo").exit_code == 0
    assert served["app"].state.context.settings.secure_cookies is False

    # Told otherwise, the demo keeps what it is told.
    monkeypatch.setenv("XINYONG_SECURE_COOKIES", "true")
    _reread()
    served.clear()
    assert run("demo").exit_code == 0
    assert served["app"].state.context.settings.secure_cookies is True


def test_the_default_app_sends_secure_cookies_and_hsts(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.delenv("XINYONG_SECURE_COOKIES", raising=False)
    _reread()
    assert run("serve").exit_code == 0

    (session,) = [m for m in served["app"].user_middleware if m.cls.__name__ == "SessionMiddleware"]
    assert session.kwargs["https_only"] is True
    with TestClient(served["app"], base_url="https://testserver") as client:
        answer = client.get("/login")
    assert answer.headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("localhost", False), ("::1", False), ("0.0.0.0", True)],  # noqa: S104
)
def test_serve_beyond_this_host_without_secure_cookies_warns(
    initialised: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: dict[str, Any],
    host: str,
    warned: bool,
) -> None:
    monkeypatch.setenv("XINYONG_SECURE_COOKIES", "false")
    _reread()

    result = run("serve", "--host", host)

    assert result.exit_code == 0, output_of(result)
    assert ("with XINYONG_SECURE_COOKIES false" in _said(result)) is warned


# --- finding 4: the schema, for uvicorn --factory --------------------------------------------


def test_the_web_app_refuses_a_database_a_release_behind(
    initialised: Path, cli_engine: Engine
) -> None:
    """``serve`` refused it; ``uvicorn --factory xinyong.web.app:create_app`` started, and
    every request was a 500 (review finding 4)."""
    from xinyong.config import Settings
    from xinyong.web.app import create_app

    with cli_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0050'")
    url = f"sqlite:///{initialised / 'xinyong.sqlite3'}"

    with pytest.raises(StartRefused, match="not migrated to this release"):
        create_app(Settings(data_dir=initialised, database_url=url))


# --- finding 5 (the review's 4): the trusted proxies -------------------------------------------


def test_serve_tells_uvicorn_which_proxies_to_believe(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, served: dict[str, Any]
) -> None:
    """No trusted-proxy setting: behind a load balancer every client had its address, and
    the per-address login limit locked out whole offices (review finding 4)."""
    assert run("serve").exit_code == 0
    assert served["proxy_headers"] is True
    assert served["forwarded_allow_ips"] == "127.0.0.1"

    monkeypatch.setenv("XINYONG_TRUSTED_PROXIES", "10.0.0.0/8")
    _reread()
    served.clear()
    assert run("serve").exit_code == 0
    assert served["forwarded_allow_ips"] == "10.0.0.0/8"

    served.clear()
    assert run("serve", "--trusted-proxies", "192.0.2.7,192.0.2.8").exit_code == 0
    assert served["forwarded_allow_ips"] == "192.0.2.7,192.0.2.8"
