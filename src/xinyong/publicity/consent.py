"""The subject's own consent to be named in a credit-repair typical case (Art. 20, 32;
decision 0030).

A repaired record is no longer public (Art. 20–23); a typical case of credit repair names
its subject only with the subject's consent. An officer of the credit authority asks for it
(``cases.request_consent``); the subject, logged in to its own account, sees the case as it
would be published named and anonymised and what being named means (``CONSEQUENCES``), and
answers yes — acknowledging those consequences — or no. A consent given may be withdrawn at
any time: the case is shown anonymised from that moment, decided when it is read
(``cases.names_subject``), with no job to run. A refusal or a withdrawal is final for that
case. Every step is audited in its transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import (
    Actor,
    Permission,
    require,
    require_subject_account,
)
from xinyong.clock import Clock
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound
from xinyong.publicity import cases
from xinyong.publicity.models import ConsentStatus, NamingConsent, TypicalCase

ARTICLE = cases.REPAIR_ARTICLE

# What the subject is told before it consents (English message ids; the pages translate
# them, the API gives them as they are with their codes).
CONSEQUENCES: dict[str, str] = {
    "republished": (
        "Your repaired record is no longer public. Named in this case, the public will read "
        "that you had a negative record of this type and repaired it, under your name and "
        "code."
    ),
    "copied": (
        "A published case may be read, copied and reported by anyone, including the media. "
        "Withdrawing your consent anonymises the case on this platform at once, but cannot "
        "recall copies made before."
    ),
    "voluntary": (
        "Consent is voluntary: refusing it has no effect on your credit repair, your file or "
        "your credit grade. Without it the case is published, if at all, without your name."
    ),
    "withdrawable": (
        "You may withdraw your consent at any time on this page; the platform then shows "
        "the case without your name."
    ),
}


@dataclass(frozen=True)
class ConsentRequest:
    """A request as the subject sees it: the case as it would be published named and
    anonymised, whether the public sees it now and whether it names the subject now."""

    consent: NamingConsent
    case: TypicalCase
    named: cases.PublicCase
    anonymised: cases.PublicCase
    shown: bool
    names_subject: bool

    @property
    def state(self) -> str:
        return cases.state(self.case)


def _subject_id(actor: Actor) -> int:
    require(actor, Permission.MANAGE_OWN_CONSENTS)
    return require_subject_account(
        actor,
        "only the subject's own account gives or refuses its consent to be named",
        article=ARTICLE,
    )


def _own(
    session: Session, actor: Actor, consent_id: int, *, to_change: bool = False
) -> NamingConsent:
    _subject_id(actor)
    # To change it, locked and read afresh: an answer and another (two tabs), or a
    # withdrawal, sent at once are taken one after the other, and the second finds the
    # first's answer (review r16) — before the step's audit event takes the chain's head
    # (decision 0008).
    found = session.get(
        NamingConsent, consent_id, with_for_update=to_change, populate_existing=to_change
    )
    if found is None:
        raise NotFound("no such request for consent", code="not_found", field="consent")
    if found.subject_id != actor.subject_id:
        # Another subject's request is reported as missing: that a typical case about it
        # is being prepared is itself personal information.
        raise ConcealedRefusal("no such request for consent", code="not_found", field="consent")
    return found


def _view(session: Session, today: dt.date, consent: NamingConsent) -> ConsentRequest:
    case = cases.get(session, consent.case_id)
    named, anonymised = cases.previews(session, case)
    shown = (
        session.scalar(
            cases.shown_statement(today)
            .with_only_columns(TypicalCase.id)
            .where(TypicalCase.id == case.id)
        )
        is not None
    )
    return ConsentRequest(
        consent, case, named, anonymised, shown, cases.names_subject(case, consent)
    )


def requests_for(session: Session, clock: Clock, actor: Actor) -> list[ConsentRequest]:
    """Every request for consent to the actor's subject, newest first."""
    subject_id = _subject_id(actor)
    rows = session.scalars(
        select(NamingConsent)
        .where(NamingConsent.subject_id == subject_id)
        .order_by(NamingConsent.id.desc())
        .limit(cases.MAX_LISTED)
    )
    return [_view(session, clock.today(), row) for row in rows]


def request_for(session: Session, clock: Clock, actor: Actor, consent_id: int) -> ConsentRequest:
    return _view(session, clock.today(), _own(session, actor, consent_id))


def awaiting_answer(session: Session, actor: Actor) -> int:
    """How many requests to the actor's subject await its answer (0 for other accounts)."""
    if actor.subject_id is None:
        return 0
    return (
        session.scalar(
            select(func.count(NamingConsent.id)).where(
                NamingConsent.subject_id == actor.subject_id,
                NamingConsent.status == ConsentStatus.REQUESTED,
            )
        )
        or 0
    )


def answer(
    session: Session,
    clock: Clock,
    actor: Actor,
    consent_id: int,
    *,
    consent: bool,
    consequences_acknowledged: bool = False,
) -> NamingConsent:
    """The subject consents to be named (having acknowledged ``CONSEQUENCES``) or refuses.
    Refused, the case stays anonymised, and the subject is not asked again for it."""
    found = _own(session, actor, consent_id, to_change=True)
    if found.status is not ConsentStatus.REQUESTED:
        raise Conflict(
            f"this request was answered already ({found.status.value})",
            code="consent_answered",
            field="consent",
            article=ARTICLE,
        )
    case = cases.get(session, found.case_id)
    if consent:
        if case.withdrawn_at is not None:
            raise Conflict(
                "the case was withdrawn: there is nothing to consent to",
                code="case_withdrawn",
                field="consent",
                article=cases.ARTICLE,
            )
        # The repair must still stand (not revoked for fraud, the record still repaired).
        cases.repair_basis(session, case.repair_case_id)
        if not consequences_acknowledged:
            raise InvalidInput(
                "acknowledge what being named means before consenting",
                code="acknowledgement_required",
                field="consequences_acknowledged",
                article=ARTICLE,
            )
    found.status = ConsentStatus.GIVEN if consent else ConsentStatus.REFUSED
    found.answered_at = clock.now()
    found.answered_by = actor.audit().id or "system"
    cases.audit_consent(session, clock, actor, case, found, "given" if consent else "refused")
    return found


def withdraw(session: Session, clock: Clock, actor: Actor, consent_id: int) -> NamingConsent:
    """The subject withdraws a consent it gave: the case is shown anonymised from now on
    (final for this case)."""
    found = _own(session, actor, consent_id, to_change=True)
    if found.status is not ConsentStatus.GIVEN:
        raise Conflict(
            "only a consent given can be withdrawn",
            code="consent_not_given",
            field="consent",
            article=ARTICLE,
        )
    found.status = ConsentStatus.WITHDRAWN
    found.withdrawn_at = clock.now()
    found.withdrawn_by = actor.audit().id or "system"
    cases.audit_consent(
        session, clock, actor, cases.get(session, found.case_id), found, "withdrawn"
    )
    return found
