"""The files the platform's keys are kept in while they are rotated (decision 0054):
``secrets.json`` and a rotation's side file, ``secrets.rotating.json``, which holds the new
keys from before the database is re-keyed until it replaces ``secrets.json``.

Whatever step a crash interrupts, the keys the database is under are in ``secrets.json``
(before the rotation's commit) or in the side file (after it): every opening of the
database promotes a side file whose keys are the database's keys of record
(``promote_pending``), and a rotation that ended in an error settles its own side file
where the database can say whether its commit went through (``settle_after_failure``).
"""

from __future__ import annotations

import base64
import grp
import json
import os
import pwd
import secrets
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from xinyong import keys_of_record
from xinyong.audit.models import AuditEvent
from xinyong.config import (
    SECRET_BYTES,
    SECRET_NAMES,
    SECRETS_FILE,
    InvalidSecret,
    Settings,
    StartRefused,
    decode_key,
    read_secrets_file,
)
from xinyong.crypto import FieldCipher, check_value
from xinyong.db import locks
from xinyong.db.session import make_session_factory, unit_of_work

PENDING_FILE = "secrets.rotating.json"


@dataclass(frozen=True)
class KeySet:
    """The three keys, decoded."""

    encryption_key: bytes
    blind_index_key: bytes
    session_key: bytes

    @classmethod
    def of(cls, settings: Settings) -> KeySet:
        return cls(**{name: settings.secret(name) for name in SECRET_NAMES})

    def get(self, name: str) -> bytes:
        value: bytes = getattr(self, name)
        return value

    def cipher(self) -> FieldCipher:
        return FieldCipher(self.encryption_key, self.blind_index_key)

    def checks(self) -> dict[str, str]:
        return {name: check_value(self.get(name), name) for name in SECRET_NAMES}

    def rotated(self, names: Sequence[str]) -> KeySet:
        """The same keys, those named made anew (random, as ``xinyong init`` makes them)."""
        fresh = {
            name: secrets.token_bytes(SECRET_BYTES) if name in names else self.get(name)
            for name in SECRET_NAMES
        }
        return KeySet(**fresh)


def pending_path(data_dir: Path) -> Path:
    return data_dir / PENDING_FILE


def _encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


class OwnerNotKept(RuntimeError):
    """secrets.json has an owner or group this account cannot give the new keys' file."""


def _name_of(uid: int, gid: int) -> tuple[str, str]:
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = str(uid)
    try:
        group = grp.getgrgid(gid).gr_name
    except KeyError:
        group = str(gid)
    return owner, group


def _not_kept(original: os.stat_result, secrets_file: Path) -> OwnerNotKept:
    owner, group = _name_of(original.st_uid, original.st_gid)
    me, _ = _name_of(os.geteuid(), os.getegid())
    return OwnerNotKept(
        f"{secrets_file} is {owner}:{group} {stat.S_IMODE(original.st_mode):04o}, which "
        f"the new keys' file must keep, and this account ({me}) cannot give a file that "
        f"owner and group: run `xinyong keys rotate` as root or as {owner}; nothing was "
        "changed"
    )


def refuse_a_layout_not_kept(settings: Settings) -> None:
    """Refused (``OwnerNotKept``) before anything is written where secrets.json has an
    owner or a group this account cannot give a file: only root gives another owner, and
    an owner only a group it is in."""
    secrets_file = settings.data_dir / SECRETS_FILE
    try:
        original = secrets_file.stat()
    except FileNotFoundError:
        return
    me = os.geteuid()
    if me == 0:
        return
    groups = {os.getegid(), *os.getgroups()}
    if original.st_uid != me or original.st_gid not in groups:
        raise _not_kept(original, secrets_file)


def _keep_layout(handle: int, original: os.stat_result | None, secrets_file: Path) -> None:
    """The side file given secrets.json's mode, owner and group, so that the file promoted
    keeps the layout the operator made (root:service 0640: the service reads it through its
    group) — before a key is written to it."""
    if original is None:
        return  # no secrets.json: owner-only, as ``xinyong init`` makes it
    made = os.fstat(handle)
    if (made.st_uid, made.st_gid) != (original.st_uid, original.st_gid):
        try:
            os.fchown(handle, original.st_uid, original.st_gid)
        except PermissionError:
            raise _not_kept(original, secrets_file) from None
    os.fchmod(handle, stat.S_IMODE(original.st_mode))


def write_pending(settings: Settings, new: KeySet, names: Sequence[str]) -> Path:
    """The new keys on disk before the database is under them: secrets.json as it is with
    the keys ``names`` replaced, with its mode, owner and group (``OwnerNotKept`` where they
    cannot be given; nothing is left then). A side file left by an earlier crash whose
    rotation was never committed is replaced."""
    values = dict(read_secrets_file(settings.data_dir))
    values.update({name: _encoded(new.get(name)) for name in names})
    secrets_file = settings.data_dir / SECRETS_FILE
    try:
        original: os.stat_result | None = secrets_file.stat()
    except FileNotFoundError:
        original = None
    path = pending_path(settings.data_dir)
    path.unlink(missing_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _keep_layout(handle, original, secrets_file)
    except BaseException:
        os.close(handle)
        path.unlink(missing_ok=True)
        raise
    with os.fdopen(handle, "w", encoding="utf-8") as written:
        json.dump(values, written)
        written.flush()
        os.fsync(written.fileno())
    _fsync_folder(settings.data_dir)
    return path


def promote(settings: Settings) -> None:
    """The side file becomes secrets.json (one rename: either file is whole)."""
    os.replace(pending_path(settings.data_dir), settings.data_dir / SECRETS_FILE)
    _fsync_folder(settings.data_dir)


def _pending_keys(settings: Settings) -> KeySet | None:
    path = pending_path(settings.data_dir)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    if not isinstance(values, dict):
        return None
    keys: dict[str, bytes] = {}
    for name in SECRET_NAMES:
        # The environment wins over the file once promoted, as over secrets.json.
        value = getattr(settings, name) or values.get(name)
        if not isinstance(value, str):
            return None
        try:
            keys[name] = decode_key(name, value, origin=str(path))
        except InvalidSecret:
            return None
    return KeySet(**keys)


def _recorded(session: Session) -> dict[str, Any] | None:
    found = session.scalar(
        select(AuditEvent.details)
        .where(AuditEvent.action == keys_of_record.ACTION)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    )
    return found if isinstance(found, dict) else None


def pending_is_of_record(session: Session, settings: Settings) -> bool:
    """Whether a side file is there and its keys are the database's keys of record: a
    rotation committed and not promoted. Only a rotation records all three keys, so a
    side file whose rotation was not committed never passes."""
    keys = _pending_keys(settings)
    if keys is None:
        return False
    recorded = _recorded(session)
    if recorded is None:
        return False
    return all(recorded.get(name) == value for name, value in keys.checks().items())


def promote_pending(settings: Settings, engine: Engine) -> bool:
    """At the opening of the database: a side file whose rotation was committed replaces
    secrets.json (True); any other side file is left as it is (the next rotation replaces
    it): removing it here could race a rotation still running."""
    if not pending_path(settings.data_dir).exists():
        return False
    with unit_of_work(make_session_factory(engine, keys_compared=False)) as session:
        if not pending_is_of_record(session, settings):
            return False
    try:
        promote(settings)
    except FileNotFoundError:
        return False  # promoted meanwhile by another process
    except OSError as exc:
        raise StartRefused(
            f"the database is under the keys in {pending_path(settings.data_dir)}, which "
            f"could not replace {SECRETS_FILE} ({exc.strerror}): move it there"
        ) from None
    return True


# What a rotation that ended in an error did with its side file (``settle_after_failure``).
Settled = Literal["promoted", "removed", "kept"]


def settled(settings: Settings, engine: Engine, old: KeySet) -> str:
    """``settle_after_failure``, said in one line for the operator."""
    left = f"{PENDING_FILE} was left in {settings.data_dir}"
    try:
        outcome = settle_after_failure(settings, engine, old)
    except Exception:
        return (
            f"the database could not be asked whether the rotation was committed: {left}, "
            "and the next command that opens the database settles it"
        )
    if outcome == "promoted":
        return "the rotation was committed after all; its keys are in secrets.json"
    if outcome == "removed":
        return "the rotation was not committed: the database is under its old keys"
    return (
        f"the database's keys of record are neither those of {SECRETS_FILE} nor those of "
        f"{PENDING_FILE}: {left}; `xinyong audit verify` names the key it refuses"
    )


def _record_of(recorded: Mapping[str, Any], keys: KeySet) -> bool:
    """Whether ``keys`` are the keys of record: every key the record names has ``keys``'
    check value (the first record names the two data keys, a rotation's all three)."""
    named = [name for name in SECRET_NAMES if name in recorded]
    checks = keys.checks()
    return set(keys_of_record.CHECKED) <= set(named) and all(
        recorded[name] == checks[name] for name in named
    )


def settle_after_failure(settings: Settings, engine: Engine, old: KeySet) -> Settled:
    """After a rotation from the keys ``old`` ended in an error: its side file promoted
    where the commit went through after all, removed where the database is positively under
    ``old``, kept otherwise — the database cannot be asked (the exception propagates), or
    its keys of record are neither: the next opening settles it.

    Asked on a new connection, never on one whose last exchange failed, and only once the
    rotation's transaction is over: a connection dropped while COMMIT was under way leaves
    the server finishing it, and a reading made before it lands would remove the only file
    holding the keys the database is then under. The rotation holds the keys-of-record lock
    (PostgreSQL) and SQLite's write lock to its end; this waits for both."""
    engine.dispose()
    with unit_of_work(make_session_factory(engine, keys_compared=False)) as session:
        locks.lock_names(session, [keys_of_record.ACTION])
        recorded = _recorded(session)
    if recorded is None:
        return "kept"
    side = _pending_keys(settings)
    if side is not None and all(
        recorded.get(name) == value for name, value in side.checks().items()
    ):
        promote(settings)
        return "promoted"
    if _record_of(recorded, old):
        pending_path(settings.data_dir).unlink(missing_ok=True)
        return "removed"
    return "kept"
