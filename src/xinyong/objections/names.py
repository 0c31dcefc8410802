"""A natural person's objection to the name it is registered under (Art. 25; decision 0051).

No registration authority states a person's name: the platform registers a person under the
name of the first row or consent that named it by ID number, typo and all, and the name
check then holds every later row naming the person correctly (Art. 4 ¶2). An organisation's
name follows its registration record in force (decision 0050); a person's is corrected
here. The person objects through its own account, stating the correct name with an
identity document as evidence, or the credit authority's objection handler records the
objection on its behalf at the counter. The handler decides within the working days an
objection is decided in (no source to forward to: the register of subjects is the credit
authority's own). Upheld, the platform applies the name the person stated — the handler
enters no name of its own, so it alters no data (rules.md "Access control") — and the wrong
name is kept, ended and dated as corrected (Art. 24: never changed silently), no longer a
name the person bears: a row still sent under it is held like any other. Rows
held ``name_mismatch`` are not released by it: the person's own rule holds them, and a
person decides each (decision 0050); their review page says the subject bears the name now.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong import evidence_files, published_text, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.permissions import (
    SYSTEM_ACTOR,
    Actor,
    Permission,
    require,
    require_subject_account,
)
from xinyong.audit import service as audit
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import CHINA, Clock
from xinyong.crypto import default_cipher
from xinyong.disclosure import access, person_lookup
from xinyong.disclosure.models import LegalPath
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from xinyong.objections.models import NameObjection, NameObjectionStatus
from xinyong.objections.rules import (
    ARTICLE,
    CASE_PURPOSE,
    MAX_REASONS,
    MAX_STATEMENT,
    Deadline,
    Terms,
    statement_too_long,
    too_long,
    working_deadline,
)
from xinyong.objections.service import is_handler, require_handler
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectName

EVIDENCE_CONTEXT = "name_objection.evidence"
# A scan or photo of an identity document: as a written authorisation's upload, 1.5 MB.
MAX_EVIDENCE_BYTES = 1_500_000
# Days a decided case keeps its identity document (decision 0051 addendum): the decision
# can be challenged by administrative reconsideration within 60 days and in court within
# 6 months of the person's knowing it; the document is its evidence until then, and a
# month more covers a challenge filed on the last day reaching the authority. After it
# the case keeps the document's kind and hash, the decision and its reasons.
EVIDENCE_KEEP_DAYS = 210
# Cases one call erases the documents of at most; the CLI calls again while there is more.
EVIDENCE_ERASED_PER_CALL = 200
# The register of subjects is kept for the whole city: a district's handler does not
# decide a person's name (decision 0046).
REGISTER = "the register of subjects' names"
DECISIONS = ("upheld", "rejected")
# The transitions: only a received objection is decided, once.
TRANSITIONS = {
    (NameObjectionStatus.RECEIVED, "upheld"): NameObjectionStatus.UPHELD,
    (NameObjectionStatus.RECEIVED, "rejected"): NameObjectionStatus.REJECTED,
}


def reason_corrected(objection_id: int) -> str:
    return f"name corrected after objection {objection_id}"


def next_status(status: NameObjectionStatus, outcome: str) -> NameObjectionStatus:
    """The status after deciding ``outcome``, or the refusal (pure, for the property test)."""
    if outcome not in DECISIONS:
        raise InvalidInput(
            "decide one of: upheld, rejected", code="invalid_choice", field="outcome"
        )
    found = TRANSITIONS.get((status, outcome))
    if found is None:
        raise Conflict(
            f"this objection is closed ({status.value})",
            code="objection_closed",
            field="objection",
            article=ARTICLE,
        )
    return found


def check_stated_name(subject: Subject, stated: str) -> str:
    """The stated name, stripped, or the refusal on field ``name``: required, at most the
    register's length, readable (``subjects.require_person_name``), and not the name the
    person bears now, exactly as written (another script of it is a correction too: the
    register shows it)."""
    name = stated.strip()
    subjects.require_person_name(name)
    if name == subject.name:
        raise InvalidInput(
            "this is the name you are registered under already",
            code="name_unchanged",
            field="name",
            article=ARTICLE,
        )
    return name


def _evidence(evidence: str) -> tuple[str, bytes]:
    """The document's kind and content (``evidence_files``: PDF, PNG or JPEG, by content)."""
    kind = evidence_files.check_base64(evidence, field="evidence", article=ARTICLE)
    content = base64.b64decode(evidence.strip(), validate=True)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            "the file is larger than 1.5 MB", code="too_large", field="evidence", article=ARTICLE
        )
    return kind, content


def _open_of(session: Session, subject_id: int) -> NameObjection | None:
    return session.scalar(
        select(NameObjection).where(
            NameObjection.subject_id == subject_id,
            NameObjection.status == NameObjectionStatus.RECEIVED,
        )
    )


def _raise(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    name: str,
    statement: str,
    evidence: str,
    terms: Terms | None,
    on_behalf: bool,
) -> NameObjection:
    # Locked and read afresh: a second objection raised, or one decided, at the same moment
    # is taken one after the other, and this one finds the name and the open case it left.
    session.get(Subject, subject.id, with_for_update=True, populate_existing=True)
    stated = check_stated_name(subject, name)
    if statement_too_long(statement):
        raise InvalidInput(
            f"at most {MAX_STATEMENT} characters", code="too_long", field="statement"
        )
    text = texts.visible(statement) or None
    # Read by the credit authority's handler (decision 0044, session 19 addendum).
    submitted_text.refuse_personal_data({"statement": text}, today=clock.today())
    if texts.is_blank(evidence):
        raise InvalidInput(
            "the objection needs the identity document stating the name, as evidence",
            code="evidence_required",
            field="evidence",
            article=ARTICLE,
        )
    kind, content = _evidence(evidence)
    pending = _open_of(session, subject.id)
    if pending is not None:
        raise Conflict(
            f"the objection {pending.id} to this name is still being decided; object again "
            "once it is decided",
            code="name_objection_pending",
            field="name",
            article=ARTICLE,
        )
    objection = NameObjection(
        subject_id=subject.id,
        registered_name=subject.name,
        stated_name=stated,
        statement=text,
        evidence_kind=kind,
        evidence_ciphertext=default_cipher().encrypt(
            base64.b64encode(content).decode(), context=EVIDENCE_CONTEXT
        ),
        evidence_sha256=hashlib.sha256(content).hexdigest(),
        terms=(terms or Terms()).as_dict(),
        status=NameObjectionStatus.RECEIVED,
        on_behalf=on_behalf,
        raised_by=actor.audit().id or "",
        raised_at=clock.now(),
        received_on=clock.today(),
    )
    session.add(objection)
    session.flush()
    # The names stay in the case: the event says which subject and who recorded it.
    audit.record(
        session,
        clock,
        actor.audit(),
        "name_objection.raise",
        target_type="name_objection",
        target_id=objection.id,
        details={"subject": subject.id, "on_behalf": on_behalf},
    )
    return objection


def _require_person(subject: Subject) -> None:
    if subject.is_organisation:
        raise PermissionDenied(
            "an organisation's name follows the registration authority's record in force; "
            "only a natural person objects to its registered name here",
            code="not_natural_person",
            field="subject",
            article=ARTICLE,
        )


def raise_objection(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    name: str,
    statement: str,
    evidence: str,
    terms: Terms | None = None,
) -> NameObjection:
    """The person objects to the name it is registered under, through its own account."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only the person objects to its name through its account", article=ARTICLE
    )
    subject = session.get(Subject, subject_id)
    assert subject is not None
    _require_person(subject)
    return _raise(
        session,
        clock,
        actor,
        subject,
        name=name,
        statement=statement,
        evidence=evidence,
        terms=terms,
        on_behalf=False,
    )


def record_on_behalf(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    citizen_id: str,
    name: str,
    statement: str,
    evidence: str,
    terms: Terms | None = None,
) -> NameObjection:
    """The credit authority's handler records a person's objection at the counter, the
    person found by the ID number on the document it showed. The lookup is audited and in
    the person's access log, found or not and even when the objection is then refused
    (``name_unchanged`` would tell the name an ID number is registered under): a refusal
    must not make this form a way to test numbers and names unseen (Art. 24)."""
    require_handler(actor)
    area.require_city(session, actor, REGISTER, field="citizen_id")
    subject = subjects.person_by_typed_citizen_id(session, clock, citizen_id)
    try:
        if subject is None:
            raise NotFound(
                "no person is registered with this ID number",
                code="unknown_subject",
                field="citizen_id",
                article=ARTICLE,
            )
        objection = _raise(
            session,
            clock,
            actor,
            subject,
            name=name,
            statement=statement,
            evidence=evidence,
            terms=terms,
            on_behalf=True,
        )
    except DomainError as refusal:
        person_lookup.keep_lookup_audited(
            refusal,
            clock,
            actor,
            citizen_id,
            path=LegalPath.OFFICIAL_DUTY,
            purpose=CASE_PURPOSE,
        )
        raise
    person_lookup.record_lookup(
        session, clock, actor, subject, path=LegalPath.OFFICIAL_DUTY, purpose=CASE_PURPOSE
    )
    return objection


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    objection: NameObjection
    subject: Subject
    deadlines: list[Deadline]

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)


def deadlines(session: Session, clock: Clock, objection: NameObjection) -> list[Deadline]:
    """Decided within the working days an objection is decided in (``Terms.decide``)."""
    if objection.status is not NameObjectionStatus.RECEIVED:
        return []
    terms = Terms.from_dict(objection.terms)
    return [
        working_deadline(
            working_day_calendar(session),
            objection.received_on,
            terms.decide,
            "decide",
            clock.today(),
        )
    ]


def _log_handler_read(
    session: Session, clock: Clock, actor: Actor, subject: Subject, objection_id: int
) -> None:
    """The handler's use of the person's case, in the person's access log (Art. 24) once per
    transaction: a read and then the decision in one request is one use."""
    reads = session.info.setdefault(_HANDLER_READS, {})
    key = (actor.audit().id, objection_id)
    transaction = session.get_transaction()
    if transaction is not None and reads.get(key) is transaction:
        return
    access.log_use(
        session,
        clock,
        actor,
        subject,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.NAME_OBJECTION,
        purpose=CASE_PURPOSE,
    )
    reads[key] = session.get_transaction()


# session.info: the handler reads of cases logged, by (actor, objection), with the
# transaction they were logged in (a rolled-back log is no log).
_HANDLER_READS = "name_objection_handler_reads"


def case_of(session: Session, clock: Clock, objection: NameObjection) -> Case:
    """The case of an objection the caller has just raised or decided (no read to log)."""
    (found,) = _cases(session, clock, [objection])
    return found


def _cases(session: Session, clock: Clock, found: list[NameObjection]) -> list[Case]:
    out = []
    for objection in found:
        subject = session.get(Subject, objection.subject_id)
        assert subject is not None
        out.append(Case(objection, subject, deadlines(session, clock, objection)))
    return out


def of_subject(session: Session, clock: Clock, actor: Actor) -> list[Case]:
    """The person's own objections to its name, newest first."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account has objections", article=ARTICLE
    )
    subject = session.get(Subject, subject_id)
    assert subject is not None
    _require_person(subject)
    return _cases(
        session,
        clock,
        list(
            session.scalars(
                select(NameObjection)
                .where(NameObjection.subject_id == subject_id)
                .order_by(NameObjection.id.desc())
            )
        ),
    )


MAX_LISTED = 500


def queue(
    session: Session, clock: Clock, actor: Actor, *, closed: bool = False, limit: int = 500
) -> list[Case]:
    """The handler's queue: open objections (overdue first, then oldest), or the most
    recently decided ones; each person shown is in its access log, as the queue of
    objections to records logs them (decision 0022)."""
    require_handler(actor)
    area.require_city(session, actor, REGISTER)
    statuses = (
        (NameObjectionStatus.RECEIVED,)
        if not closed
        else (NameObjectionStatus.UPHELD, NameObjectionStatus.REJECTED)
    )
    found = list(
        session.scalars(
            select(NameObjection)
            .where(NameObjection.status.in_(statuses))
            .order_by(NameObjection.id.desc() if closed else NameObjection.id)
            .limit(min(limit, MAX_LISTED))
        )
    )
    shown = _cases(session, clock, found)
    if not closed:
        shown.sort(key=lambda c: (not c.overdue, c.objection.id))
    access.log_case_queue(
        session,
        clock,
        actor,
        [(c.objection.id, c.subject.id) for c in shown],
        case_type="name_objection",
        view="handler_closed" if closed else "handler",
        what=access.NAME_OBJECTION,
        purpose=CASE_PURPOSE,
    )
    return shown


def _party(session: Session, actor: Actor, objection: NameObjection) -> None:
    """The person itself, or the city's credit authority's objection handler; another
    person is answered as if the case did not exist (Art. 13)."""
    if actor.subject_id is not None:
        if actor.subject_id != objection.subject_id:
            raise ConcealedRefusal(
                "no such objection", code="not_found", field="objection", article="Art. 13"
            )
        return
    require_handler(actor)
    area.require_city(session, actor, REGISTER, field="objection")


def case(session: Session, clock: Clock, actor: Actor, objection_id: int) -> Case:
    """One case: for the person, or the handler — whose read is in the person's log."""
    objection = session.get(NameObjection, objection_id)
    if objection is None:
        raise NotFound("no such objection", code="not_found", field="objection")
    _party(session, actor, objection)
    (found,) = _cases(session, clock, [objection])
    if actor.subject_id is None:
        _log_handler_read(session, clock, actor, found.subject, objection.id)
    return found


def evidence(
    session: Session, clock: Clock, actor: Actor, objection_id: int
) -> evidence_files.StoredFile:
    """The identity document, decrypted: for the person and the handler (``case`` logs
    the handler's read in the person's log)."""
    found = case(session, clock, actor, objection_id)
    objection = found.objection
    if objection.evidence_ciphertext is None:
        erased_on = objection.evidence_erased_at
        raise Gone(
            "the identity document of this decided objection was erased after its period",
            code="name_objection_evidence_erased",
            field="objection",
            article="Art. 4",
            details={"erased_on": erased_on.astimezone(CHINA).date().isoformat()}
            if erased_on is not None
            else None,
        )
    text = default_cipher().decrypt(objection.evidence_ciphertext, context=EVIDENCE_CONTEXT)
    return evidence_files.StoredFile(objection.evidence_kind, base64.b64decode(text))


# --- the document's retention -----------------------------------------------------------------


def evidence_kept_until(decided_at: dt.datetime, keep_days: int) -> dt.date:
    """The last day (in China) a case decided at ``decided_at`` keeps its document."""
    return decided_at.astimezone(CHINA).date() + dt.timedelta(days=keep_days)


@dataclass(frozen=True)
class ErasedEvidence:
    """What one call of ``erase_decided_evidence`` did."""

    cases: int
    more: bool


def erase_decided_evidence(
    session: Session,
    clock: Clock,
    *,
    keep_days: int = EVIDENCE_KEEP_DAYS,
    limit: int = EVIDENCE_ERASED_PER_CALL,
) -> ErasedEvidence:
    """Erase the identity document of up to ``limit`` cases decided more than ``keep_days``
    days ago (kept through the last day, erased the day after), oldest first, and date the
    erasure; one audit event with the case ids, never content. An open case keeps its
    document: it is the evidence still to be judged (Art. 4: kept as long as necessary)."""
    # The first day whose decided cases still keep their document, as an instant: midnight
    # in China.
    first_kept = dt.datetime.combine(
        clock.today() - dt.timedelta(days=keep_days), dt.time(), tzinfo=CHINA
    ).astimezone(dt.UTC)
    due = list(
        session.scalars(
            select(NameObjection.id)
            .where(
                NameObjection.status != NameObjectionStatus.RECEIVED,
                NameObjection.decided_at.is_not(None),
                NameObjection.decided_at < first_kept,
                NameObjection.evidence_ciphertext.is_not(None),
            )
            .order_by(NameObjection.id)
            .limit(limit)
            .with_for_update()
        )
    )
    if not due:
        return ErasedEvidence(0, more=False)
    session.execute(
        update(NameObjection)
        .where(NameObjection.id.in_(due))
        .values(evidence_ciphertext=None, evidence_erased_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        clock,
        SYSTEM_ACTOR.audit(),
        "job.name_objection_evidence_erased",
        details={"keep_days": keep_days, "objection_ids": due, "cases": len(due)},
    )
    return ErasedEvidence(len(due), more=len(due) >= limit)


# --- deciding ---------------------------------------------------------------------------------


def decide(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection_id: int,
    *,
    outcome: str,
    reasons: str,
) -> NameObjection:
    """The handler decides with reasons. Upheld, the name the person stated is applied at
    once, by the platform (``SYSTEM_ACTOR``, naming the decision): the name borne becomes a
    former name ending today, the stated one is current from today, and the name check and
    search see both (``subjects.rename``)."""
    require_handler(actor)
    area.require_city(session, actor, REGISTER, field="objection")
    objection = session.get(
        NameObjection, objection_id, with_for_update=True, populate_existing=True
    )
    if objection is None:
        raise NotFound("no such objection", code="not_found", field="objection")
    text = texts.visible(reasons)
    if not text:
        raise InvalidInput(
            "give the reasons for the decision", code="required", field="reasons", article=ARTICLE
        )
    if too_long(reasons, MAX_REASONS):
        raise InvalidInput(
            f"the reasons are at most {MAX_REASONS} characters", code="too_long", field="reasons"
        )
    status = next_status(objection.status, outcome)
    # The person reads the reasons; they are kept with its file's history (Art. 24).
    published_text.refuse_citizen_ids({"reasons": text}, today=clock.today())
    subject = session.get(Subject, objection.subject_id, with_for_update=True)
    assert subject is not None
    if status is NameObjectionStatus.UPHELD and subject.name != objection.registered_name:
        # Renamed since it was raised (another objection cannot be: one is open at a
        # time; a merge or a repair of the register might): the person objected to a
        # name it no longer bears, so the decision would correct the wrong one.
        raise Conflict(
            "the person's registered name changed since the objection was raised; reject "
            "it with that reason, and the person objects again to the name it bears now",
            code="name_changed_meanwhile",
            field="objection",
            article=ARTICLE,
        )
    objection.status = status
    objection.decided_at = clock.now()
    objection.decided_by = actor.audit().id
    objection.decision_reasons = text
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "name_objection.decide",
        target_type="name_objection",
        target_id=objection.id,
        details={"subject": subject.id, "outcome": outcome},
    )
    # The decision is answered with the case (its names, statement, the person's code): a
    # use of the person's information, as a read is (review, session 23).
    _log_handler_read(session, clock, actor, subject, objection.id)
    if status is NameObjectionStatus.UPHELD:
        subjects.rename(
            session,
            clock,
            SYSTEM_ACTOR,
            subject,
            objection.stated_name,
            details={
                "basis": "name objection upheld",
                "name_objection": objection.id,
                "decided_by": objection.decided_by,
            },
            correcting=True,
        )
    return objection


# --- the file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameChange:
    """A change of a person's registered name, as its file shows it (Art. 24): the name
    before and after, the day, and why — the decided objection and its reasons."""

    on: dt.datetime | None
    before: str
    after: str
    objection_id: int
    reasons: str | None


def changes_of(session: Session, subject: Subject) -> list[NameChange]:
    """The name changes made on the person's upheld objections, oldest first."""
    rows = session.scalars(
        select(NameObjection)
        .where(
            NameObjection.subject_id == subject.id,
            NameObjection.status == NameObjectionStatus.UPHELD,
        )
        .order_by(NameObjection.id)
    )
    return [
        NameChange(
            on=o.decided_at,
            before=o.registered_name,
            after=o.stated_name,
            objection_id=o.id,
            reasons=o.decision_reasons,
        )
        for o in rows
    ]


def former_names(subject: Subject) -> list[SubjectName]:
    """The names the subject bore, not the current one, each once (latest period). A name
    corrected on objection was never borne: its change is shown as such (``changes_of``)."""
    seen: dict[str, SubjectName] = {}
    for row in subject.names:
        if not row.current and row.borne and row.name != subject.name:
            seen[row.name] = row
    return list(seen.values())


def handler_may_decide(actor: Actor, objection: NameObjection) -> bool:
    return is_handler(actor) and objection.status is NameObjectionStatus.RECEIVED
