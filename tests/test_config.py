"""Settings: read lazily from XINYONG_* variables; secrets only from `init` or the environment."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from xinyong.config import (
    SECRET_NAMES,
    InvalidSecret,
    MissingSecrets,
    Settings,
    generate_secrets,
    get_settings,
    reset_settings,
)

KEY_VARIABLES = ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No XINYONG_* variables (the test conftest sets the keys) and no .env in the way."""
    for name in (
        *KEY_VARIABLES,
        "XINYONG_DATA_DIR",
        "XINYONG_DATABASE_URL",
        "XINYONG_SECURE_COOKIES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    reset_settings()
    yield monkeypatch
    reset_settings()


def test_settings_are_read_from_the_environment_when_first_asked(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("XINYONG_DATA_DIR", str(tmp_path / "one"))
    clean_env.setenv("XINYONG_LOGIN_ATTEMPTS_PER_WINDOW", "3")
    clean_env.setenv("XINYONG_SECURE_COOKIES", "true")
    settings = get_settings()
    assert settings.data_dir == tmp_path / "one"
    assert settings.login_attempts_per_window == 3
    assert settings.secure_cookies is True
    # Cached: a later change of the environment is seen only after reset_settings().
    clean_env.setenv("XINYONG_DATA_DIR", str(tmp_path / "two"))
    assert get_settings() is settings
    reset_settings()
    assert get_settings().data_dir == tmp_path / "two"


def test_importing_the_package_reads_no_settings() -> None:
    # Importing must not freeze the environment: the web app and the CLI are importable
    # before the data folder or the secrets exist.
    import subprocess
    import sys

    code = (
        "import os; os.environ.pop('XINYONG_SESSION_KEY', None);"
        "os.environ['XINYONG_DATA_DIR'] = '/nonexistent/xinyong';"
        "import xinyong.web.app, xinyong.cli, xinyong.config as c;"
        "print(c.get_settings.cache_info().currsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0"


def test_dotenv_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"XINYONG_DATA_DIR={tmp_path / 'from-dotenv'}\n")
    assert Settings().data_dir == tmp_path / "from-dotenv"
    # The environment wins over the file.
    clean_env.setenv("XINYONG_DATA_DIR", str(tmp_path / "from-env"))
    assert Settings().data_dir == tmp_path / "from-env"


def test_invalid_numbers_are_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("XINYONG_LOGIN_ATTEMPTS_PER_WINDOW", "0")
    with pytest.raises(ValidationError):
        Settings()
    with pytest.raises(ValidationError):
        Settings(token_lifetime_seconds=5)


def test_secret_without_init_raises_missing_secrets(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    for name in SECRET_NAMES:
        with pytest.raises(MissingSecrets, match="xinyong init"):
            settings.secret(name)


def test_web_app_refuses_to_start_without_secrets(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from xinyong.web.app import create_app

    with pytest.raises(MissingSecrets):
        create_app(Settings(data_dir=tmp_path))


def test_generated_secrets(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert generate_secrets(tmp_path / "data") is True
    path = tmp_path / "data" / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored) == set(SECRET_NAMES)
    settings = Settings(data_dir=tmp_path / "data")
    keys = {name: settings.secret(name) for name in SECRET_NAMES}
    assert all(len(key) == 32 for key in keys.values())
    assert len(set(keys.values())) == len(SECRET_NAMES), "each secret is its own"
    # Never regenerated: that would make every encrypted ID unreadable.
    assert generate_secrets(tmp_path / "data") is False
    assert json.loads(path.read_text()) == stored


def test_secret_from_the_environment_wins(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generate_secrets(tmp_path)
    key = b"k" * 32
    clean_env.setenv("XINYONG_SESSION_KEY", base64.urlsafe_b64encode(key).decode())
    settings = Settings(data_dir=tmp_path)
    assert settings.secret("session_key") == key
    assert settings.secret("encryption_key") != key


def test_database_defaults_to_sqlite_in_the_data_folder(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url is None
    assert settings.resolved_database_url == (
        f"sqlite:///{(tmp_path / 'data' / 'xinyong.sqlite3').resolve()}"
    )
    # The default folder is ./var, made absolute so a later chdir does not move it.
    default = Settings()
    assert default.data_dir == Path("var")
    assert (
        default.resolved_database_url == f"sqlite:///{(tmp_path / 'var').resolve()}/xinyong.sqlite3"
    )


def test_database_url_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("XINYONG_DATABASE_URL", "postgresql://xinyong@db/xinyong")
    assert Settings().resolved_database_url == "postgresql://xinyong@db/xinyong"


def test_defaults() -> None:
    settings = Settings(_env_file=None)
    assert settings.default_locale == "zh_Hans"
    assert settings.login_attempts_per_window >= 1


def test_free_reports_per_year_is_configuration_of_at_least_two(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """rules.md: natural persons get at least 2 free reports a year; a city may give more.
    A value below 2, or not a whole number, stops the platform at start, naming the
    variable the operator set."""
    assert Settings(_env_file=None).free_reports_per_year == 2
    clean_env.setenv("XINYONG_FREE_REPORTS_PER_YEAR", " 4 ")
    assert Settings(_env_file=None).free_reports_per_year == 4
    for wrong in ("1", "0", "-3", "2.5", "two", "", "true", "２"):
        clean_env.setenv("XINYONG_FREE_REPORTS_PER_YEAR", wrong)
        with pytest.raises(ValidationError, match="XINYONG_FREE_REPORTS_PER_YEAR must be"):
            Settings(_env_file=None)
    with pytest.raises(ValidationError, match="at least 2"):
        Settings(_env_file=None, free_reports_per_year=1)


# --- keys that are no keys (decision 0004, session 23 addendum) -------------------------------


def test_an_empty_key_setting_is_not_set(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`XINYONG_SESSION_KEY=` was the empty key, and won over secrets.json: anyone could sign
    a platform administrator's bearer token with b"" (review of session 23, finding 1)."""
    generate_secrets(tmp_path)
    stored = json.loads((tmp_path / "secrets.json").read_text())
    for empty in ("", "  "):
        clean_env.setenv("XINYONG_SESSION_KEY", empty)
        settings = Settings(data_dir=tmp_path, _env_file=None)
        assert settings.session_key is None
        assert settings.secret("session_key") == base64.urlsafe_b64decode(stored["session_key"])
        assert settings.secret_origin("session_key") == str(tmp_path / "secrets.json")
    with pytest.raises(MissingSecrets):
        Settings(data_dir=tmp_path / "none", session_key="").secret("session_key")


@pytest.mark.parametrize("name", SECRET_NAMES)
@pytest.mark.parametrize("length", [0, 16, 31])
def test_a_key_under_32_bytes_is_refused(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, name: str, length: int
) -> None:
    short = base64.urlsafe_b64encode(b"k" * length).decode()
    clean_env.setenv(f"XINYONG_{name.upper()}", short)
    if length == 0:
        assert getattr(Settings(_env_file=None), name) is None
    else:
        with pytest.raises(ValidationError, match=f"{name} from XINYONG_{name.upper()} must be"):
            Settings(_env_file=None)
    clean_env.delenv(f"XINYONG_{name.upper()}")
    generate_secrets(tmp_path)
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), name: short}))
    settings = Settings(data_dir=tmp_path, _env_file=None)
    error = MissingSecrets if length == 0 else InvalidSecret
    with pytest.raises(error, match=name):
        settings.secret(name)


def test_the_web_app_refuses_a_short_session_key(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from xinyong.web.app import create_app

    generate_secrets(tmp_path)
    path = tmp_path / "secrets.json"
    short = base64.urlsafe_b64encode(b"k" * 16).decode()
    path.write_text(json.dumps({**json.loads(path.read_text()), "session_key": short}))
    with pytest.raises(InvalidSecret, match=r"session_key from .*must be at least 32 bytes"):
        create_app(Settings(data_dir=tmp_path, _env_file=None))


def test_keys_in_standard_or_url_safe_base64_are_read(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = bytes(range(200, 232))  # both alphabets' last two symbols among its characters
    for encoded in (base64.urlsafe_b64encode(key), base64.b64encode(key)):
        clean_env.setenv("XINYONG_SESSION_KEY", f" {encoded.decode()}\n")
        assert Settings(_env_file=None).secret("session_key") == key


def test_a_database_url_that_is_none_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("XINYONG_DATABASE_URL", "foo")
    with pytest.raises(ValidationError, match="XINYONG_DATABASE_URL must be a database URL"):
        Settings(_env_file=None)
    clean_env.setenv("XINYONG_DATABASE_URL", "")
    assert Settings(_env_file=None).database_url is None


def test_cookies_are_secure_unless_set_otherwise(clean_env: pytest.MonkeyPatch) -> None:
    """The comment said so; the code made them Secure nowhere (review finding 3)."""
    assert Settings(_env_file=None).secure_cookies is True
    clean_env.setenv("XINYONG_SECURE_COOKIES", "false")
    assert Settings(_env_file=None).secure_cookies is False
