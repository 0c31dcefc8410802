"""Typical cases of integrity publicity (Art. 32): the published ones are public; officers of
the credit authority draft, publish (never their own draft) and withdraw them, and ask the
subject of a credit-repair case for its consent to be named, which the subject gives,
refuses or withdraws from its own account (``/me/typical-case-consents``, decision 0030)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.publicity import cases, consent
from xinyong.publicity.models import CaseKind, NamingConsent, TypicalCase
from xinyong.web.deps import MAX_ROW_ID, AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["integrity publicity"])

BasisId = Annotated[int | None, Field(default=None, ge=1, le=MAX_ROW_ID)]


def _subject(subject: cases.PublicSubject | None) -> dict[str, Any] | None:
    if subject is None:
        return None
    return {
        "name": subject.display_name,
        "code": subject.code,
        "is_organisation": subject.is_organisation,
    }


def _texts(case: TypicalCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind.value,
        "title": case.title,
        "title_en": case.title_en,
        "narrative": case.narrative,
        "narrative_en": case.narrative_en,
    }


def public_out(found: cases.PublicCase) -> dict[str, Any]:
    c = found.case
    repair = found.repair
    return {
        **_texts(c),
        "published_at": c.published_at.isoformat() if c.published_at else None,
        "subject": _subject(found.subject),
        # Decided when read: a consent withdrawn anonymises the case at once.
        "anonymised": repair is not None and found.subject is None,
        "list": None
        if found.list_kind is None
        else {"kind": found.list_kind, "standard": found.standard_name},
        "repair": None
        if repair is None
        else {
            "subject_is_organisation": repair.subject_is_organisation,
            "record_type": repair.record_type_name,
            "record_type_en": repair.record_type_name_en,
            "decided_year": repair.decided_year,
            "repaired_month": repair.repaired_month,
        },
        "article": cases.ARTICLE,
    }


def consent_state(found: NamingConsent | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "id": found.id,
        "status": found.status.value,
        "requested_at": found.requested_at.isoformat(),
        "answered_at": found.answered_at.isoformat() if found.answered_at else None,
        "withdrawn_at": found.withdrawn_at.isoformat() if found.withdrawn_at else None,
    }


def staff_out(found: cases.StaffCase) -> dict[str, Any]:
    c = found.case
    return {
        **_texts(c),
        "state": found.state,
        "shown": found.shown,
        "list_entry_id": c.list_entry_id,
        "repair_case_id": c.repair_case_id,
        "subject": _subject(found.subject),
        "consent_evidence": c.consent_evidence,
        # Whether the case names its subject now (a paper consent, or the subject's own
        # given and not withdrawn, decided when read), and the subject's consent if asked.
        "named": found.named,
        "consent": consent_state(found.consent),
        "drafted_by": c.drafted_by,
        "drafted_at": c.drafted_at.isoformat(),
        "published_by": c.published_by,
        "published_at": c.published_at.isoformat() if c.published_at else None,
        "withdrawn_by": c.withdrawn_by,
        "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        "withdrawal_reason": c.withdrawal_reason,
    }


@router.get("/typical-cases")
def list_typical_cases(
    session: SessionDep, clock: ClockDep, kind: Annotated[CaseKind | None, Query()] = None
) -> dict[str, Any]:
    """The published typical cases shown today, newest first (public, Art. 32). A case is
    shown only while its basis holds: the list entry in force, the repair not revoked."""
    return {"items": [public_out(c) for c in cases.shown(session, clock.today(), kind=kind)]}


@router.get("/typical-cases/all", responses=refusals(403))
def all_typical_cases(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Every case with its state — draft, published, withdrawn — and whether the public
    sees it now (credit authority)."""
    return {"items": [staff_out(c) for c in cases.all_cases(session, clock, actor)]}


@router.get("/typical-cases/{case_id}", responses=refusals(404))
def get_typical_case(case_id: RowId, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """One published case shown today (public); 404 for a draft, a withdrawn case or one
    whose basis no longer holds."""
    return public_out(cases.shown_one(session, clock.today(), case_id))


class DraftIn(BaseModel):
    kind: CaseKind
    title: str = Field(min_length=1, max_length=cases.TITLE_LIMIT)
    narrative: str = Field(min_length=1, max_length=cases.NARRATIVE_LIMIT)
    title_en: str | None = Field(default=None, max_length=cases.TITLE_LIMIT)
    narrative_en: str | None = Field(default=None, max_length=cases.NARRATIVE_LIMIT)
    list_entry_id: BasisId = None
    repair_case_id: BasisId = None
    consent_evidence: str | None = Field(
        default=None,
        max_length=cases.REASON_LIMIT,
        description="credit repair only: the subject's written consent to be named, by "
        "reference; without it the case is published anonymised",
    )
    request_consent: bool = Field(
        default=False,
        description="credit repair only: also ask the subject, on the platform, for its "
        "consent to be named (its texts must then read anonymised, 422 identifies_subject)",
    )


@router.post("/typical-cases", status_code=201, responses=refusals(403, 404, 409))
def draft_typical_case(
    body: DraftIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Draft a case on its basis (credit authority): an integrity model on a red-list entry
    in force, serious dishonesty on a serious black-list entry in force, a credit-repair
    case on a repaired case (anonymised unless the subject consented to be named), a
    write-up of practice on none."""
    case = cases.draft(
        session,
        clock,
        actor,
        kind=body.kind,
        title=body.title,
        narrative=body.narrative,
        title_en=body.title_en,
        narrative_en=body.narrative_en,
        list_entry_id=body.list_entry_id,
        repair_case_id=body.repair_case_id,
        consent_evidence=body.consent_evidence,
        request_consent=body.request_consent,
    )
    return staff_out(cases.staff_case(session, clock, actor, case.id))


@router.post("/typical-cases/{case_id}/publish", responses=refusals(403, 404, 409))
def publish_typical_case(
    case_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Publish a draft (a second officer of the credit authority, never its drafter); its
    basis is checked again as it stands now."""
    cases.publish(session, clock, actor, case_id)
    return staff_out(cases.staff_case(session, clock, actor, case_id))


class WithdrawalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=cases.REASON_LIMIT)


@router.post("/typical-cases/{case_id}/withdraw", responses=refusals(403, 404, 409))
def withdraw_typical_case(
    case_id: RowId,
    body: WithdrawalIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Withdraw a published case, or discard a draft, with the reason (credit authority);
    final."""
    cases.withdraw(session, clock, actor, case_id, reason=body.reason)
    return staff_out(cases.staff_case(session, clock, actor, case_id))


@router.post("/typical-cases/{case_id}/consent-request", responses=refusals(403, 404, 409))
def request_consent(
    case_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Ask the subject of a credit-repair case, on the platform, for its consent to be
    named (credit authority). Until it consents the case is shown anonymised; its texts must
    read anonymised (422 ``identifies_subject``), since it may refuse or withdraw. 409
    ``consent_already_requested``, ``consent_refused`` once refused or withdrawn, or
    ``case_withdrawn`` (Art. 32)."""
    cases.request_consent(session, clock, actor, case_id)
    return staff_out(cases.staff_case(session, clock, actor, case_id))


# --- the subject's consent to be named (decision 0030) ----------------------------------------


def request_out(found: consent.ConsentRequest) -> dict[str, Any]:
    c = found.consent
    return {
        **(consent_state(c) or {}),
        "case": {**_texts(found.case), "state": found.state},
        "shown": found.shown,
        "names_subject": found.names_subject,
        "named": public_out(found.named),
        "anonymised": public_out(found.anonymised),
        "adverse_consequences": [
            {"code": code, "text": text} for code, text in consent.CONSEQUENCES.items()
        ],
        "article": consent.ARTICLE,
    }


@router.get("/me/typical-case-consents", responses=refusals(403))
def my_consent_requests(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The requests for my consent to be named in a credit-repair typical case, newest first:
    each case as it would be published named and anonymised, what being named means, and
    where my answer stands."""
    return {"items": [request_out(r) for r in consent.requests_for(session, clock, actor)]}


@router.get("/me/typical-case-consents/{consent_id}", responses=refusals(403, 404))
def my_consent_request(
    consent_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One request for my consent to be named (mine only: 403 ``not_own_subject``)."""
    return request_out(consent.request_for(session, clock, actor, consent_id))


class AnswerIn(BaseModel):
    consent: bool = Field(description="true: I consent to be named; false: I refuse")
    consequences_acknowledged: bool = Field(
        default=False,
        description="to consent: I have read what being named means (``adverse_consequences``)",
    )


@router.post("/me/typical-case-consents/{consent_id}/answer", responses=refusals(403, 404, 409))
def answer_consent_request(
    consent_id: RowId,
    body: AnswerIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Consent to be named, or refuse (final). To consent, acknowledge the consequences (422
    ``acknowledgement_required``); 409 ``consent_answered``, ``case_withdrawn`` or
    ``not_repaired``."""
    consent.answer(
        session,
        clock,
        actor,
        consent_id,
        consent=body.consent,
        consequences_acknowledged=body.consequences_acknowledged,
    )
    return request_out(consent.request_for(session, clock, actor, consent_id))


@router.post("/me/typical-case-consents/{consent_id}/withdraw", responses=refusals(403, 404, 409))
def withdraw_consent(
    consent_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Withdraw the consent I gave: the case is shown anonymised from now on (409
    ``consent_not_given``)."""
    consent.withdraw(session, clock, actor, consent_id)
    return request_out(consent.request_for(session, clock, actor, consent_id))
