"""The keys a database was set up with, and the check that the platform runs with them
(decision 0004, session 19 addendum).

Every citizen ID number stored is AES-GCM ciphertext under the encryption key and is found
by its HMAC blind index under the blind-index key. A platform started with other keys — a
data folder whose secrets.json was lost and made anew by ``xinyong init``, a stale
``XINYONG_BLIND_INDEX_KEY`` (the environment wins over the file), a new host pointed at the
production database — reads no stored number (a person's own pages fail) and, worse, finds
no person by their number: the next batch registers a second natural person of the same
number, whose records the first one's account never sees (Art. 24) nor objects to (Art. 25).

So the database keeps a check value of each key (``FieldCipher.key_checks``: a keyed hash of
a fixed label, which tells keys apart and gives nothing of them) in the audit chain, in the
``keys.record`` event written the first time the platform opens it; every command and the
web application compare their keys with it when they open the database and stop, naming
the key, when one differs. In the chain, not in a table of its own: the event is written
once, cannot be changed or deleted (the chain's triggers) and ``xinyong audit verify``
checks it with every other event; and a later change of keys is another event, the latest
one being compared (``xinyong keys rotate``, decision 0054, records all three keys').

A database set up before this check has no such event: it gets one at its next opening,
with the keys it is opened with — after they are checked against what it holds, where it
holds a citizen ID (decrypted with the encryption key, its blind index computed again with
the blind-index key and compared with the stored one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, inspect, select
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.crypto import FieldCipher
from xinyong.db import locks
from xinyong.subjects.models import Subject
from xinyong.subjects.service import CITIZEN_ID_CONTEXT

ACTION = "keys.record"
# The keys data is stored under; the session key only signs sessions and tokens, which a
# new key ends (everyone logs in again) without losing anything stored.
CHECKED = ("encryption_key", "blind_index_key")

Against = Literal["recorded", "stored"]


class KeysDoNotMatch(RuntimeError):
    """The platform's keys are not the keys the database was set up with."""

    def __init__(self, keys: tuple[str, ...], *, against: Against, recorded_on: dt.date | None):
        self.keys = keys
        self.against = against
        self.recorded_on = recorded_on
        which = " and the ".join(keys)
        were = "are not the keys" if len(keys) > 1 else "is not the key"
        if against == "recorded":
            basis = (
                "their check values differ from those"
                if len(keys) > 1
                else "its check value differs from the one"
            ) + (
                " the database recorded" + (f" on {recorded_on.isoformat()}" if recorded_on else "")
            )
        elif keys == ("encryption_key",):
            basis = "the citizen ID numbers it holds do not decrypt with it"
        else:
            basis = "the citizen ID numbers it holds have another blind index under it"
        super().__init__(
            f"the {which} {were} this database was set up with ({basis}): restore the "
            "secrets.json made with the database, or correct the key given in the "
            "environment; with other keys the platform reads none of the citizen ID numbers "
            "stored and finds none of its natural persons by their number"
        )


@dataclass(frozen=True)
class Verified:
    """What the check found: the keys match the check values recorded (``recorded`` False),
    or they were recorded now (``checked_against``: a stored citizen ID, or nothing stored
    to check them against)."""

    recorded: bool
    checked_against: Literal["recorded", "a stored citizen ID", "nothing stored"]


def verify(session: Session, clock: Clock, cipher: FieldCipher) -> Verified:
    """Compare ``cipher``'s keys with those the database was set up with, recording them
    where it has no record yet. Raises ``KeysDoNotMatch`` naming each key that differs."""
    # Two first starts at once (PostgreSQL) record one set of keys, the second then
    # compares with it; SQLite serialises them at BEGIN IMMEDIATE.
    locks.lock_names(session, [ACTION])
    mine = cipher.key_checks
    found = session.execute(
        select(AuditEvent.details, AuditEvent.occurred_at)
        .where(AuditEvent.action == ACTION)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    ).first()
    if found is not None:
        details, occurred_at = found
        wrong = tuple(name for name in CHECKED if details.get(name) != mine[name])
        if wrong:
            raise KeysDoNotMatch(
                wrong, against="recorded", recorded_on=occurred_at.astimezone(dt.UTC).date()
            )
        return Verified(recorded=False, checked_against="recorded")
    checked_against = _check_against_stored(session, cipher)
    audit.record(
        session,
        clock,
        audit.SYSTEM,
        ACTION,
        details={**{name: mine[name] for name in CHECKED}, "checked_against": checked_against},
    )
    audit.hold_key_checks(session, mine)
    return Verified(recorded=True, checked_against=checked_against)


def _check_against_stored(
    session: Session, cipher: FieldCipher
) -> Literal["a stored citizen ID", "nothing stored"]:
    stored = session.execute(
        select(Subject.citizen_id_ciphertext, Subject.citizen_id_index)
        .where(Subject.citizen_id_ciphertext.is_not(None))
        .order_by(Subject.id)
        .limit(1)
    ).first()
    if stored is None:
        return "nothing stored"
    ciphertext, index = stored
    assert ciphertext is not None
    try:
        number = cipher.decrypt(ciphertext, context=CITIZEN_ID_CONTEXT)
    except (InvalidTag, ValueError):
        # Without the number the blind-index key cannot be checked: the encryption key is
        # the one to restore first.
        raise KeysDoNotMatch(("encryption_key",), against="stored", recorded_on=None) from None
    if cipher.blind_index(number, context=CITIZEN_ID_CONTEXT) != index:
        raise KeysDoNotMatch(("blind_index_key",), against="stored", recorded_on=None)
    return "a stored citizen ID"


def database_in_use(connection: Connection) -> bool:
    """Whether the database has been used (any event in its audit chain): data in it may
    be under keys, and new keys must not be made for it."""
    if not inspect(connection).has_table(AuditEvent.__tablename__):
        return False
    return connection.execute(select(AuditEvent.sequence).limit(1)).first() is not None
