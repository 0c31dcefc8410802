"""Registration records (登记注册基本信息) feed the register of the persons answering for an
organisation (Art. 18; decisions 0036, 0038).

A registration record names the organisation's legal representative and his ID number
(``legal_representative``, ``id_type``, ``id_number`` of the subject block). When the
registration authority's record about an organisation is accepted with new content — a
first version, or a later one, through the one ingestion pipeline (API, command line, upload
page) or corrected by its source after an objection — and it names a legal representative
with a citizen ID number, the register follows it in the same transaction: the person is
found by blind index or registered as a natural person (the number encrypted, as everywhere
else) and registered as the legal representative unless he is already; the one registered
before him ends that day (``subjects.add_responsible_persons``, by the rules of
``add_responsible_person``: Civil Code Art. 61, one person represents the legal person). An unchanged row changes nothing, so a replay, or the
same file sent again, leaves the register as it is — and as the registration authority may
have changed it since on its page.

The day the registration starts (``start_of``): the record's own date (for this type the
day the organisation was established) when the register holds no legal representative of
the organisation on or after it; otherwise the day the platform received the record. The
record states the registration as it stands, not the day the office changed hands, and a
change cannot have happened later than the day the source reported it.

A row naming as legal representative an ID number the platform knows under another name is
held for review, as a row naming a code under another name is (``pipeline._check_names``): a
mistyped number must not make a stranger answer for the organisation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.collection.validation import CITIZEN_ID_DOCUMENT_TYPES, Problem, ValidRow
from xinyong.errors import InvalidInput
from xinyong.subjects import names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject

RECORD_TYPE = "registration"
NAME_FIELD = "legal_representative"
ID_TYPE_FIELD = "id_type"
ID_FIELD = "id_number"
ROLE = ResponsibleRole.LEGAL_REPRESENTATIVE
ARTICLE = "Art. 18"
MISMATCH = "legal_representative_mismatch"
_LOOKUP_SLICE = 500

Period = tuple[dt.date | None, dt.date | None]  # (valid_from, valid_to) of a registration
# A registration as ``Feed.follow`` weighs it: (who, valid_from, valid_to), who a person's
# subject id or the blind index of one the chunk registers on the platform.
_Held = tuple[int | str | None, dt.date | None, dt.date | None]


def feeds_register(record_type_code: str) -> bool:
    return record_type_code == RECORD_TYPE


def start_of(stated: dt.date, periods: Iterable[Period], today: dt.date) -> dt.date:
    """The day a legal representative named by a record starts, given the organisation's
    legal-representative registrations (``periods``): the record's date ``stated``, unless
    the register already holds one on or after it — a holder who started on or after that
    day, or a registration that ended after it — then ``today``, the day the platform
    learns of the change. So registrations never overlap and follow one another."""
    for valid_from, valid_to in periods:
        if valid_to is None:
            if valid_from is not None and stated <= valid_from:
                return today
        elif stated < valid_to:
            return today
    return stated


@dataclass(frozen=True)
class Named:
    """The legal representative a row names: his name as the row gives it ("" when none),
    his ID number normalised (in clear, in memory only) and its blind index."""

    name: str
    citizen_id: str
    index: str


@dataclass(frozen=True)
class Written:
    """A row the pipeline wrote as a record's new version."""

    row: ValidRow
    organisation_id: int
    record_id: int
    version_no: int


def named_in(row: ValidRow, index: Callable[[str], str]) -> Named | None:
    """The legal representative the row names with a citizen ID number, if any: the number
    is valid (the field is a citizen ID, refused otherwise), and the document type, when
    given, is a citizen ID card (another document's number is not a citizen's)."""
    citizen_id = row.sensitive.get(ID_FIELD)
    if not citizen_id:
        return None
    if row.payload.get(ID_TYPE_FIELD, "").lower() not in CITIZEN_ID_DOCUMENT_TYPES:
        return None
    return Named(row.payload.get(NAME_FIELD, "").strip(), citizen_id, index(citizen_id))


def _mismatch() -> Problem:
    return Problem(
        MISMATCH,
        "the legal representative's ID number is registered on the platform under another "
        "name; the row is held for review",
        NAME_FIELD,
        ARTICLE,
    )


class Feed:
    """The register fed from the registration rows of one batch (or one correction), in
    its transaction: ``check`` before the records are written (one lookup per chunk),
    ``follow`` after, with the rows written as new versions."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        actor: Actor,
        *,
        source_organisation_id: int,
        source: Callable[[Written], dict[str, Any]],
        basis: Callable[[Written], str],
        take_turn: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.actor = actor
        self.source_organisation_id = source_organisation_id
        self._source = source
        self._basis = basis
        # The batch's turn to register subjects (``pipeline._BatchRun._take_turn``): taken
        # before a person new to the platform is decided on; True if taken just now.
        self._take_turn = take_turn
        self._index = subjects.citizen_id_index
        # Per chunk: the rows' named representatives, and the persons known by index.
        self._named: dict[int, Named] = {}
        self._people: dict[str, tuple[int, str]] = {}
        # Every person registered before that a lookup found, over the batch
        # (``pipeline.BatchReport.persons_found``).
        self.found: set[int] = set()
        # Per chunk: the rows ``check`` held or refused → the known person each names, for
        # that person's access log (``pipeline.BatchReport.persons_refused``).
        self.refused_known: dict[int, int] = {}

    def check(
        self, rows: list[tuple[ValidRow, int]]
    ) -> tuple[list[tuple[ValidRow, int]], list[tuple[ValidRow, Problem]]]:
        """The rows that go on, and those held (a known ID under another name) or refused
        (a new person's name nobody could read), each with its problem."""
        self._named = {}
        self._people = {}
        self.refused_known = {}
        for row, _sid in rows:
            named = named_in(row, self._index)
            if named is not None:
                self._named[row.number] = named
        if not self._named:
            return rows, []
        indexes = list({named.index for named in self._named.values()})
        self._look_up(indexes)
        new = [index for index in indexes if index not in self._people]
        if new and self._take_turn is not None and self._take_turn():
            # Having waited for the batches registering subjects then: one of them may
            # have registered him.
            self._look_up(new)
        accepted: list[tuple[ValidRow, int]] = []
        refused: list[tuple[ValidRow, Problem]] = []
        # A person new to the platform, by the name the first row naming him gives: a later
        # row of the chunk naming his number under another name is held as if he were known.
        first_named: dict[str, str] = {}
        for row, sid in rows:
            named = self._named.get(row.number)
            if named is None:
                accepted.append((row, sid))
                continue
            feeds, problem = self._judge(named)
            if problem is None and feeds and named.index not in self._people:
                normalised = names.normalise_name(named.name)
                if first_named.setdefault(named.index, normalised) != normalised:
                    feeds, problem = False, _mismatch()
            if not feeds:
                del self._named[row.number]
            if problem is None:
                accepted.append((row, sid))
            else:
                refused.append((row, problem))
                known = self._people.get(named.index)
                if known is not None:
                    self.refused_known[row.number] = known[0]
        return accepted, refused

    def known_named(self, row_number: int) -> int | None:
        """The known person an accepted row of this chunk names (between ``check`` and
        ``follow``), if any: for a row then refused all the same (a duplicate key)."""
        named = self._named.get(row_number)
        known = self._people.get(named.index) if named is not None else None
        return known[0] if known is not None else None

    def _look_up(self, indexes: list[str]) -> None:
        """The persons known by these indexes, into ``_people``."""
        for start in range(0, len(indexes), _LOOKUP_SLICE):
            for sid, index, name in self.session.execute(
                select(Subject.id, Subject.citizen_id_index, Subject.name).where(
                    Subject.citizen_id_index.in_(indexes[start : start + _LOOKUP_SLICE])
                )
            ):
                self._people[str(index)] = (sid, name)
                self.found.add(sid)

    def _judge(self, named: Named) -> tuple[bool, Problem | None]:
        """Whether the row feeds the register, and the problem that stops the row."""
        known = self._people.get(named.index)
        if known is None:
            if not named.name:
                # New to the platform, and no name to register him with: the record is
                # kept, the register is not fed (nobody to name).
                return False, None
            try:
                subjects.require_person_name(named.name)
            except InvalidInput as refusal:
                return False, Problem(refusal.code, refusal.message, NAME_FIELD, ARTICLE)
            return True, None
        sid, registered = known
        if not named.name or names.normalise_name(named.name) == names.normalise_name(registered):
            return True, None
        person = self.session.get(Subject, sid)
        assert person is not None
        if subjects.bears_name(person, named.name):
            return True, None
        return False, _mismatch()

    def require(self, row: ValidRow, organisation_id: int) -> None:
        """``check`` for one row, its problem refused as ``InvalidInput``: a correction
        naming a known ID under another name is refused, as the pipeline would hold it."""
        _accepted, refused = self.check([(row, organisation_id)])
        if refused:
            problem = refused[0][1]
            raise InvalidInput(
                problem.message, code=problem.code, field=problem.field, article=problem.article
            )

    def follow(self, written: Sequence[Written]) -> int:
        """The register brought in line with the rows written: each names its legal
        representative unless he is registered as such already. A statement per kind of
        write for the whole chunk (``subjects.add_responsible_persons``). Returns how many
        persons it registered on the platform."""
        items = [(w, self._named[w.row.number]) for w in written if w.row.number in self._named]
        self._named = {}
        people, self._people = self._people, {}
        if not items:
            return 0
        items.sort(key=lambda item: item[0].row.number)
        periods = self._periods({w.organisation_id for w, _named in items})
        today = self.clock.today()
        # Each organisation's registrations as (who, from, to), brought up to date as the
        # chunk's changes are decided: who is a person's id, or the index of one new to
        # the platform (registered below, before the registrations are written).
        changes: list[tuple[Written, Named, dt.date, bool]] = []
        new_people: dict[str, Named] = {}
        for w, named in items:
            known = people.get(named.index)
            who: int | str = known[0] if known is not None else named.index
            held = periods.setdefault(w.organisation_id, [])
            if any(valid_to is None and earlier == who for earlier, _from, valid_to in held):
                continue  # registered as such already: nothing changes
            start = start_of(
                w.row.decision_date,
                [(valid_from, valid_to) for _who, valid_from, valid_to in held],
                today,
            )
            # The one before ends on the new one's start (``subjects.add_responsible_persons``).
            periods[w.organisation_id] = [
                (earlier, valid_from, start if valid_to is None else valid_to)
                for earlier, valid_from, valid_to in held
            ] + [(who, start, None)]
            first = known is None and named.index not in new_people
            if first:
                new_people[named.index] = named
            changes.append((w, named, start, first))
        if not changes:
            return 0
        created = subjects.register_people(
            self.session, self.clock, [(n.name, n.citizen_id) for n in new_people.values()]
        )
        for index, sid in zip(new_people, created, strict=True):
            people[index] = (sid, new_people[index].name)
        links = subjects.add_responsible_persons(
            self.session,
            self.clock,
            self.actor,
            [
                subjects.NewRegistration(
                    organisation_id=w.organisation_id,
                    person_id=people[named.index][0],
                    role=ROLE,
                    name=named.name or people[named.index][1],
                    valid_from=start,
                    basis=self._basis(w),
                    # A person registered on the platform by this registration says so.
                    source={**self._source(w), **({"new_person": True} if first else {})},
                )
                for w, named, start, first in changes
            ],
        )
        self._log([link.person_subject_id for link in links if link.person_subject_id is not None])
        return len(created)

    def _periods(self, organisation_ids: set[int]) -> dict[int, list[_Held]]:
        """(person id, from, to) of each legal-representative registration of these
        organisations, current and ended."""
        ids = list(organisation_ids)
        found: dict[int, list[_Held]] = {}
        for start in range(0, len(ids), _LOOKUP_SLICE):
            for organisation, person, valid_from, valid_to in self.session.execute(
                select(
                    ResponsiblePerson.organisation_subject_id,
                    ResponsiblePerson.person_subject_id,
                    ResponsiblePerson.valid_from,
                    ResponsiblePerson.valid_to,
                )
                .where(
                    ResponsiblePerson.organisation_subject_id.in_(
                        ids[start : start + _LOOKUP_SLICE]
                    ),
                    ResponsiblePerson.role == ROLE,
                )
                .order_by(ResponsiblePerson.id)
            ):
                found.setdefault(organisation, []).append((person, valid_from, valid_to))
        return found

    def _log(self, person_ids: list[int]) -> None:
        """Each person registered sees it in his access log (Art. 24), as one registered on
        the register's page does: on the registration authority's official duty. The
        operator's import for a source (``xinyong import --source``) is logged as the
        source's, whose records they are."""
        from xinyong.disclosure import access
        from xinyong.disclosure.models import LegalPath

        on_behalf = self.actor
        if on_behalf.organisation_id is None:
            on_behalf = dataclasses.replace(on_behalf, organisation_id=self.source_organisation_id)
        logged = access.log_uses(
            self.session,
            self.clock,
            on_behalf,
            [access.Use(person_id) for person_id in sorted(set(person_ids))],
            path=LegalPath.OFFICIAL_DUTY,
            what=access.RESPONSIBLE_PERSON_REGISTERED,
            purpose=access.RESPONSIBLE_PERSON_PURPOSE,
            chained=False,
        )
        access.chain(self.session, self.clock, self.actor, logged)


def for_correction(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    source_organisation_id: int,
    objection_id: int,
) -> Feed:
    """The feed of a registration record its source corrects after an objection (Art. 25):
    new content from the source like a new version it submits, so the register follows it
    the same way (``Feed.require`` before the version is written, ``Feed.follow`` after)."""
    return Feed(
        session,
        clock,
        actor,
        source_organisation_id=source_organisation_id,
        source=lambda w: {
            "record": w.record_id,
            "version": w.version_no,
            "objection": objection_id,
        },
        basis=lambda w: (
            f"registration record {w.record_id} version {w.version_no}, corrected after "
            f"objection {objection_id}"
        ),
    )
