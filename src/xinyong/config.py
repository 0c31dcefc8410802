"""Settings, read lazily from ``XINYONG_*`` environment variables and ``.env``.

Secrets are never defaulted: ``xinyong init`` writes them to ``<data dir>/secrets.json``
(mode 0600) and they are read from there, or from the environment in tests.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SECRETS_FILE = "secrets.json"
# rules.md: natural persons get at least this many free reports a year.
FREE_REPORTS_MINIMUM = 2
SECRET_NAMES = ("encryption_key", "blind_index_key", "session_key")
# Bytes a key must have (decision 0004, session 23 addendum): AES-256 takes exactly 32; the
# HMAC keys — the blind index's, and the session key that signs every session cookie and
# bearer token — at least as many, since a shorter one (an empty one!) lets anyone sign.
SECRET_BYTES = 32


class StartRefused(RuntimeError):
    """The platform does not start; the message says why and what to do (``xinyong serve``
    prints it as one line, exit 2)."""


class SecretRefused(StartRefused):
    """A secret the platform cannot start with: missing, or not a usable key."""


class MissingSecrets(SecretRefused):
    """Raised when the platform starts before ``xinyong init`` has generated its secrets."""


class InvalidSecret(SecretRefused):
    """A secret given (in the environment or secrets.json) that is not a usable key, or a
    secrets.json that cannot be read: the platform does not start with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="XINYONG_",
        env_file=".env",
        extra="ignore",
        # A refused key is not repeated in the refusal, nor in a log's traceback.
        hide_input_in_errors=True,
    )

    data_dir: Path = Path("./var")
    database_url: str | None = None
    # Keys as urlsafe base64; None means "read them from the data folder".
    encryption_key: str | None = None
    blind_index_key: str | None = None
    session_key: str | None = None
    default_locale: str = "zh_Hans"
    # Cookies are marked Secure (sent over HTTPS only) and every answer carries HSTS, unless
    # set false; `xinyong demo`, serving plain HTTP on localhost, turns it off unless told
    # otherwise (decision 0053).
    secure_cookies: bool = True
    # Declared "production": `init --demo` is refused, and so is serving a database that
    # holds the demo's accounts with their published password (decision 0053).
    environment: Literal["development", "production"] = "development"
    # The addresses of the reverse proxies or load balancers whose X-Forwarded-For and
    # X-Forwarded-Proto `xinyong serve` believes (uvicorn's ``forwarded_allow_ips``):
    # comma-separated addresses or networks, "*" for any. Others' headers are ignored, and
    # a client is known by the address it connects from (decision 0053).
    trusted_proxies: str = "127.0.0.1"
    # Art. 4 (及时): a submission this many working days after the decision date is late.
    late_submission_working_days: int = Field(default=7, ge=1)
    # Failed logins (and activations) per client address and per username in the window,
    # counted in the database across every server process (decision 0031, session 24).
    login_attempts_per_window: int = Field(default=10, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    token_lifetime_seconds: int = Field(default=8 * 3600, ge=60)
    # Days a subject account's activation code stays valid (decision 0031).
    activation_days: int = Field(default=30, ge=1, le=365)
    # Anyone may comment on a red-list candidate without an account; this bounds how many
    # comments one address can send in an hour, so the agency's queue cannot be flooded;
    # counted in each server process (a flood guard, not a guess at a secret).
    public_comments_per_address_per_hour: int = Field(default=20, ge=1)
    # Days an issued report's content is kept so that its requester can open the same
    # report again; then the daily job deletes it and only the query record stays
    # (decision 0018; ``disclosure.retention.REPORT_CONTENT_DAYS``).
    report_content_days: int = Field(default=90, ge=1, le=3650)
    # Objections to records (Art. 25; rules.md, Shanghai regulation Art. 36): the credit
    # authority forwards within / decides within, the source decides within, in working
    # days; market credit information within calendar days (征信业管理条例 Art. 25).
    objection_forward_working_days: int = Field(default=2, ge=1, le=60)
    objection_decision_working_days: int = Field(default=5, ge=1, le=60)
    objection_source_working_days: int = Field(default=5, ge=1, le=60)
    objection_market_days: int = Field(default=20, ge=1, le=180)
    # Credit repair (Art. 20–23; rules.md, 国办发〔2025〕22号): the platform accepts or
    # refuses within, the source decides within, in working days; after a case ended for
    # fraud (Art. 23) the subject may not apply again for these months.
    repair_feedback_working_days: int = Field(default=10, ge=1, le=60)
    repair_decision_working_days: int = Field(default=3, ge=1, le=60)
    repair_fraud_exclusion_months: int = Field(default=12, ge=0, le=120)
    # Whether a seriously dishonest subject (black list, serious tier, in force) is excluded
    # from repair (the Zhejiang model of rules.md); off by default.
    repair_excludes_serious_list: bool = False
    # Early removal from the black list on the subject's application (SAMR Order 44,
    # decision 0027): the months an entry must have been listed before the subject may
    # apply (a standard may set its own), and the working days the recognising agency has
    # to decide.
    early_removal_min_months: int = Field(default=12, ge=0, le=120)
    early_removal_decision_working_days: int = Field(default=10, ge=1, le=60)
    # Court judgment defaulters leave the black list within these working days of performing
    # the judgment (rules.md); the court's confirmation says whether its removal came in time.
    court_performance_working_days: int = Field(default=3, ge=1, le=30)
    # The green channel and 容缺受理 of Art. 16(1) for "applicants with no bad credit record
    # for three consecutive years": the years, which the subject must also have been known
    # for (decision 0011, session 11).
    green_channel_clean_years: int = Field(default=3, ge=1, le=10)
    # Days the content of a batch's rejected and held rows is kept, encrypted, for the
    # source to correct them; then the daily job erases it and only each row's number and
    # problems stay (decision 0021; ``collection.quarantine.QUARANTINE_CONTENT_DAYS``).
    quarantine_content_days: int = Field(default=30, ge=1, le=3650)
    # Days a decided objection to a person's name keeps the identity document given as its
    # evidence, past the time its decision can be challenged (reconsideration 60 days,
    # litigation 6 months); then the daily job erases it and the case keeps the rest
    # (decision 0051 addendum; ``objections.names.EVIDENCE_KEEP_DAYS``).
    name_objection_document_days: int = Field(default=210, ge=1, le=3650)
    # Art. 28 industry statistics: a count under this is withheld ("*"), and so are more
    # cells, marked the same, so that it cannot be worked out from the totals (decision 0024).
    statistics_min_cell: int = Field(default=5, ge=2, le=1000)
    # Free credit reports a natural person gets a year: at least 2 (rules.md; Shanghai
    # Art. 34, 征信业管理条例 Art. 17), so a city may give more, never fewer.
    free_reports_per_year: int = FREE_REPORTS_MINIMUM
    # Bulk reads of credit files (Art. 12, 34).
    reads_per_account_per_hour: int = Field(default=300, ge=1)
    reads_per_organisation_per_hour: int = Field(default=3000, ge=1)

    @field_validator("free_reports_per_year", mode="before")
    @classmethod
    def _at_least_the_minimum_free_reports(cls, value: object) -> int:
        # Refused here, when the platform starts, naming the variable an operator sets: a
        # lower number would take from natural persons a right the rules give them.
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit():
            raise ValueError(f"XINYONG_FREE_REPORTS_PER_YEAR must be a whole number, not {value!r}")
        if int(text) < FREE_REPORTS_MINIMUM:
            raise ValueError(
                f"XINYONG_FREE_REPORTS_PER_YEAR must be at least {FREE_REPORTS_MINIMUM} "
                "(natural persons get at least 2 free reports a year: Shanghai Art. 34, "
                f"征信业管理条例 Art. 17), not {text}"
            )
        return int(text)

    @field_validator("encryption_key", "blind_index_key", "session_key", mode="before")
    @classmethod
    def _a_usable_key_or_none(cls, value: object, info: ValidationInfo) -> str | None:
        # An empty setting (``XINYONG_SESSION_KEY=`` left in a unit file) is not set: the
        # key is read from secrets.json, never taken as the empty key, with which anyone
        # could sign a platform administrator's token.
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        name = str(info.field_name)
        try:
            decode_key(name, str(value), origin=f"XINYONG_{name.upper()}")
        except InvalidSecret as exc:
            raise ValueError(str(exc)) from None
        return str(value).strip()

    @field_validator("database_url", mode="before")
    @classmethod
    def _a_database_url_or_none(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            make_url(str(value).strip())
        except ArgumentError:
            raise ValueError(
                "XINYONG_DATABASE_URL must be a database URL, e.g. "
                f"postgresql+psycopg://user@host:5432/xinyong, not {value!r}"
            ) from None
        return str(value).strip()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'xinyong.sqlite3').resolve()}"

    def secret_origin(self, name: str) -> str:
        """Where a secret is read from, as an operator finds it: the variable that gives
        it, which wins, or the data folder's secrets.json."""
        if getattr(self, name) is not None:
            return f"XINYONG_{name.upper()}"
        return str(self.data_dir / SECRETS_FILE)

    def has_secret(self, name: str) -> bool:
        return getattr(self, name) is not None or bool(
            _read_secrets_file(self.data_dir).get(name, "").strip()
        )

    def secret(self, name: str) -> bytes:
        """The key, decoded; ``MissingSecrets`` where it is given nowhere, ``InvalidSecret``
        (naming where it was read) where it is not a usable key."""
        value = getattr(self, name)
        if value is None:
            value = _read_secrets_file(self.data_dir).get(name)
        if value is None or not value.strip():
            raise MissingSecrets(
                f"secret {name!r} is not configured: run `xinyong init` to generate it "
                f"in {self.data_dir}/{SECRETS_FILE}"
            )
        return decode_key(name, value, origin=self.secret_origin(name))

    def check_secrets(self) -> None:
        """Every secret given, in the environment or secrets.json, checked: ``InvalidSecret``
        for the first that is not a usable key. A missing one is left to what needs it
        (``xinyong init`` generates them)."""
        for name in SECRET_NAMES:
            if self.has_secret(name):
                self.secret(name)


def decode_key(name: str, value: str, *, origin: str) -> bytes:
    """``value`` decoded from base64 (URL-safe or standard), of the length the key must
    have; ``InvalidSecret`` naming ``origin`` otherwise."""
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        raise InvalidSecret(
            f"{name} from {origin} is not base64 (as `xinyong init` writes it)"
        ) from None
    if name == "encryption_key" and len(key) != SECRET_BYTES:
        raise InvalidSecret(
            f"{name} from {origin} must be {SECRET_BYTES} bytes (AES-256), not {len(key)}"
        )
    if len(key) < SECRET_BYTES:
        raise InvalidSecret(
            f"{name} from {origin} must be at least {SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


def read_secrets_file(data_dir: Path) -> dict[str, str]:
    """secrets.json as written (base64 values by name); empty where there is none."""
    return _read_secrets_file(data_dir)


def _read_secrets_file(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    try:
        status = path.stat()
    except FileNotFoundError:
        return {}
    mode = stat.S_IMODE(status.st_mode)
    # Readable by a group other than this account's own, and by no one else (root:service
    # 0640 read by root, who rotates the keys): a layout made on purpose, kept as it is.
    group_layout = not mode & 0o007 and status.st_gid != os.getegid()
    if mode & 0o077 and status.st_uid == os.geteuid() and not group_layout:
        # Made owner-only again, as the database files are (``db.engine.keep_owner_only``):
        # one restored from a backup, or copied in by hand, at 0644 gives every account on
        # the host the keys to every citizen ID number stored.
        try:
            path.chmod(0o600)
        except PermissionError:
            raise InvalidSecret(
                f"{path} may be read by other accounts and cannot be made owner-only by "
                "this one: `chmod 600` it"
            ) from None
    elif mode & 0o007:
        # Owned by another account (root): not this process's to change, and `chmod 600` by
        # root would lock the service out. Readable by its group is the hardened layout
        # (root:service 0640); readable by every account on the host is refused.
        raise InvalidSecret(f"{path} may be read by every account on this host: `chmod o-rwx` it")
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidSecret(
            f"{path} is not the JSON `xinyong init` writes: restore it from the backup made "
            "with the database"
        ) from None
    if not isinstance(loaded, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in loaded.items()
    ):
        raise InvalidSecret(f"{path} does not hold the keys as `xinyong init` writes them")
    return loaded


def make_data_dir(data_dir: Path) -> bool:
    """The data folder, made readable by its owner only (0700): it holds the SQLite
    database and secrets.json. False when it exists and others may enter it (one an
    earlier release made 0755): its mode is left as the operator has it, for other uses
    of the folder (a backup account's group), and ``xinyong init`` says so; the database
    files in it are kept 0600 whatever the folder (``db.engine.keep_owner_only``)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return not stat.S_IMODE(data_dir.stat().st_mode) & 0o077


def generate_secrets(data_dir: Path) -> bool:
    """Write fresh secrets unless they exist; True when written.

    Regenerating would make every encrypted citizen ID unreadable, so an existing file
    is never overwritten.
    """
    make_data_dir(data_dir)
    path = data_dir / SECRETS_FILE
    if path.exists():
        return False
    values = {
        name: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() for name in SECRET_NAMES
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
