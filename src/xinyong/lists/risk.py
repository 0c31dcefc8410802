"""Credit status for risk pricing (Art. 19): a subject's list status and grade, read by a
financial institution only with the subject's written authorisation covering the
``credit_status`` scope, or by the credit authority in its supervision (Art. 33) — logged
in the subject's access log like any other read. The records behind the grade are shown
to the subject; to anyone else only those of the types its written authorisation opens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, has_permission, role_grants
from xinyong.clock import Clock
from xinyong.disclosure import access, authorisations
from xinyong.disclosure.models import LegalPath
from xinyong.errors import PermissionDenied
from xinyong.lists import grades
from xinyong.lists.entries import in_force
from xinyong.lists.models import ListEntry, ListStandard
from xinyong.subjects.models import Subject

SCOPE = authorisations.CREDIT_STATUS


def credit_status(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    limits: access.ReadLimits = access.ReadLimits(),
    authorisation_id: int | None = None,
) -> dict[str, Any]:
    """The subject's list status and grade. A financial institution reads them on one
    written authorisation covering the ``credit_status`` scope: the one it names
    (``authorisation_id``), or the only one in force covering it (``access.decide``)."""
    # By role: a credit service institution outside the register (Art. 26) goes on to the
    # read, which refuses it with its standing in the subject's access log, as for a file.
    if actor.subject_id is None and not (
        role_grants(actor, Permission.READ_RISK_STATUS) or role_grants(actor, Permission.SUPERVISE)
    ):
        raise PermissionDenied(
            "your role may not read credit status", code="no_query_permission", article="Art. 12"
        )
    supervising = has_permission(actor, Permission.SUPERVISE) and actor.subject_id is None
    if (
        actor.subject_id is None
        and not supervising
        and actor.standing is None
        and actor.organisation_kind is not OrganisationKind.FINANCIAL_INSTITUTION
    ):
        # The analyst's role is one an enterprise, an association or a credit service
        # institution may give too, to read files on written authorisations; credit status
        # is for pricing risk, which Art. 19 gives financial institutions (review, session
        # 23). An institution outside the register is refused with its standing, in the
        # subject's log, by the read below.
        raise PermissionDenied(
            "only a financial institution reads credit status, to price risk",
            code="credit_status_financial_institutions",
            article="Art. 19",
        )
    if supervising:
        # No query path, but a read of a subject's data all the same, counted against the
        # bulk-read limits as every other read is (``access.decide``): a supervising
        # officer, or a district's for the whole city (decision 0046), reads no faster
        # than the limits let any account or organisation (Art. 12, 34).
        access.check_read_limits(session, clock, actor, subject, SCOPE, limits)
        # The records behind the grade are opened only as far as the subject's written
        # authorisations to the credit authority go (below).
        path = LegalPath.SUPERVISION.value
        authorised = (
            []
            if actor.organisation_id is None
            else authorisations.in_force(session, subject.id, actor.organisation_id, clock.today())
        )
        opened = frozenset(code for a in authorised for code in a.record_type_codes)
    else:
        # An authorisation without the scope is refused by the read itself, in the
        # subject's log (``scope_not_authorised``).
        granted = access.open_file(
            session,
            clock,
            actor,
            subject,
            what=SCOPE,
            limits=limits,
            authorisation_id=authorisation_id,
        )
        path = granted.path.value
        opened = granted.record_type_codes or frozenset()
    today = clock.today()
    entries = [
        (e, std)
        for e, std in session.execute(
            select(ListEntry, ListStandard)
            .join(ListStandard, ListStandard.id == ListEntry.standard_id)
            .where(ListEntry.subject_id == subject.id)
        )
        if in_force(e, today)
    ]
    grade = grades.current(session, clock, subject)
    # The records behind the grade are the subject's file, not its credit status: a market
    # record of another creditor, an unpublished or expired penalty would show through
    # their type, date and severity. Anyone but the subject sees the list entries the
    # grade counts, which the list status shows anyway, and the records of the types its
    # lawful path opens — the subject's written authorisation — and no others (Art. 13
    # ¶3), the credit authority in its supervision included (decision 0007 addendum).
    withheld = path != LegalPath.SELF.value
    contributions = [
        c
        for c in grade.contributions
        if not withheld or c.get("source") != "record" or c.get("type") in opened
    ]
    if supervising:
        # Not a query path, but a read all the same: in the subject's log (Art. 24),
        # naming each authorisation whose record types it showed.
        shown = {c.get("type") for c in contributions if c.get("source") == "record"}
        access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.SUPERVISION,
            what="credit_status",
            purpose=access.SUPERVISION_PURPOSE,
            authorisation_ids=[a.id for a in authorised if shown & set(a.record_type_codes)],
        )
    return {
        "subject": subject.public_code,
        "legal_path": path,
        "list_status": [
            {
                "list": e.kind.value,
                "tier": e.tier.value,
                "standard": std.name,
                "basis": e.legal_basis,
                "term_end": e.term_end.isoformat() if e.term_end else None,
            }
            for e, std in entries
        ],
        "grade": {
            "grade": grade.grade,
            # The exact score is the subject's alone: the grading model is public (the rule
            # pack), so score − base − the effects shown would be the withheld records'
            # total, from which one record's date and severity can be worked out (Art. 13
            # ¶3, 19; decision 0024, session 23). Anyone else gets the grade band, which is
            # what risk pricing uses (Art. 19), and the effects of what it may see.
            "score": None if withheld else grade.score,
            "score_withheld": withheld,
            "model_version": grade.model_version,
            # The day the grade is as of: every answer's grade is today's (``grades.current``).
            "as_of": today.isoformat(),
            # The computation's time is the subject's and the supervising authority's: a
            # grade is recomputed whenever any of the subject's records changes, so to a
            # reader the records are withheld from a time that moved while nothing it may
            # see did would say that a withheld record changed, and when (Art. 13 ¶3;
            # decision 0024, session 25 addendum). Such a reader gets the day only.
            "computed_at": None if withheld and not supervising else grade.computed_at.isoformat(),
            "contributions": contributions,
            # The records are withheld (but those of the types the reader's lawful path
            # opens, which are among the contributions).
            "record_contributions_withheld": withheld,
        },
    }
