"""Written authorisation as a state machine (Art. 13 ¶3, Art. 24).

Hypothesis drives random sequences of: the citizen grants the bank an authorisation, the
bank's analyst queries (file or report), the citizen revokes one, the clock moves past an
authorisation's end, the citizen reads its own file. After every step:

* a query by the bank succeeded iff an authorisation was in force at that moment;
* the citizen's access log equals the model's list of attempts, granted and refused, in
  order, one line per authorisation used for a granted read.

The domain services are called directly on one session. Every example runs inside its
own connection and outer transaction, opened in ``__init__`` and rolled back in
``teardown``, so examples never see each other's rows.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import Engine

from tests.collection_helpers import (
    citizen_id_of,
    fast_password_hashing,  # noqa: F401 - fixture (autouse)
    grant,
    ingest,
    problems_of,
    subject_row,
)
from tests.disclosure_helpers import CONTRACT, Entry, attempt, attempt_report, log_of, refusal_of
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, bind
from tests.state_machine_helpers import DatabaseMachine, run_on_database
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import Actor
from xinyong.collection import consent
from xinyong.disclosure import access, authorisations, reports
from xinyong.disclosure.models import LegalPath
from xinyong.errors import DomainError
from xinyong.subjects.models import Subject


@dataclass
class Grant:
    id: int
    valid_until: dt.date
    purpose: str
    revoked: bool = False


class AuthorisationMachine(DatabaseMachine):
    def __init__(self) -> None:
        super().__init__()
        self.grants: list[Grant] = []
        self.log: list[Entry] = []
        self.purposes = iter(f"贷款审批{n}" for n in range(1000))

    @initialize()
    def build(self) -> None:
        """The smallest world that shows the point: a bank, a person who consented to the
        bank's reporting, one breach of contract, the citizen's and the analyst's accounts."""
        session, clock = self.session, self.clock
        # The worker's database has the rule pack and the calendar (tests/conftest.py).
        bind(session, clock)
        self.bank = OrganisationFactory(
            name="福州状态机银行", kind=OrganisationKind.FINANCIAL_INSTITUTION
        )
        self.person: Subject = PersonFactory(name="赵某某")
        citizen = UserFactory(username="sm_citizen", role=Role.SUBJECT, subject_id=self.person.id)
        analyst = UserFactory(
            username="sm_analyst", role=Role.INSTITUTION_ANALYST, organisation=self.bank
        )
        session.flush()
        self.citizen: Actor = accounts.actor_for_user(citizen)
        self.analyst: Actor = accounts.actor_for_user(analyst)
        grant(session, clock, self.bank, CONTRACT)
        consent.grant(
            session,
            clock,
            self.citizen,
            subject=self.person,
            grantee=self.bank,
            record_type_codes=[CONTRACT],
            written=True,
            adverse_consequences_notified=False,
        )
        row = {
            **subject_row(self.person.name, citizen_id=citizen_id_of(self.person)),
            "contract_number": "FZB-SM-1",
            "breach_description": "逾期未还款",
            "breach_date": "2026-11-20",
            "counterparty": self.bank.name,
        }
        report = ingest(session, clock, self.bank, [row], record_type=CONTRACT)
        assert problems_of(report) == []

    # -- the model ------------------------------------------------------------------------------

    def in_force(self) -> list[Grant]:
        today = self.clock.today()
        return [g for g in self.grants if not g.revoked and g.valid_until >= today]

    # -- rules ----------------------------------------------------------------------------------

    @rule(days=st.integers(min_value=0, max_value=6))
    def grant_authorisation(self, days: int) -> None:
        purpose = next(self.purposes)
        until = self.clock.today() + dt.timedelta(days=days)
        made = authorisations.grant(
            self.session,
            self.clock,
            self.citizen,
            grantee=self.bank,
            record_type_codes=[CONTRACT],
            purpose=purpose,
            valid_until=until,
            evidence_kind="signed_in_page",
            evidence=f"本人授权（{purpose}）",
        )
        self.grants.append(Grant(made.id, until, purpose))

    @rule(as_report=st.booleans(), data=st.data())
    def query_as_bank(self, as_report: bool, data: st.DataObject) -> None:
        """The bank reads, naming one of the authorisations ever given (in force or not) or
        none: a read is for one authorisation and its purpose (decision 0007 addendum)."""
        live = self.in_force()
        named: Grant | None = data.draw(st.none() | st.sampled_from(self.grants or [None]))
        what = "report" if as_report else "file"
        chosen = {"authorisation_id": None if named is None else named.id}
        if as_report:
            outcome = attempt_report(self.session, self.clock, self.analyst, self.person, **chosen)
        else:
            outcome = attempt(self.session, self.clock, self.analyst, self.person, **chosen)
        if named is None and len(live) > 1:
            # Several could be meant: the reader is asked which, and nothing was read.
            assert isinstance(outcome, DomainError)
            assert outcome.code == "authorisation_required"
            assert {a["id"] for a in outcome.details["authorisations"]} == {g.id for g in live}
            return
        used = named if named is not None else (live[0] if live else None)
        if used is None or used not in live:
            assert refusal_of(outcome) == ("no_lawful_path", "Art. 13 ¶3")
            self.log.append(
                Entry(
                    self.bank.name,
                    "institution_analyst",
                    "none",
                    what=what,
                    granted=False,
                    refusal_code="no_lawful_path",
                )
            )
            return
        # Succeeds on the one authorisation, and shows the authorised record.
        number = None
        if as_report:
            assert isinstance(outcome, reports.IssuedReport), outcome
            number = outcome.report.number
            types = {item["type"] for s in outcome.content["sections"] for item in s["items"]}
            assert outcome.content["legal_path"] == "authorisation"
        else:
            assert isinstance(outcome, access.Access), outcome
            assert outcome.path is LegalPath.AUTHORISATION
            assert outcome.authorisation_ids == (used.id,)
            types = {view.type_code for view in outcome.file(self.session, self.clock)}
        assert types == {CONTRACT}
        self.log.append(
            Entry(
                self.bank.name,
                "institution_analyst",
                "authorisation",
                None,
                used.purpose,
                used.id,
                (CONTRACT,),
                what,
                report_number=number,
            )
        )

    @precondition(lambda self: any(not g.revoked for g in self.grants))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        chosen = data.draw(st.sampled_from([g for g in self.grants if not g.revoked]))
        authorisations.revoke(self.session, self.clock, self.citizen, chosen.id)
        chosen.revoked = True

    @rule(data=st.data())
    def advance_past_expiry(self, data: st.DataObject) -> None:
        """Move to the day after an authorisation in force ends (or a day on, if none)."""
        live = self.in_force()
        if live:
            chosen = data.draw(st.sampled_from(live))
            days = (chosen.valid_until - self.clock.today()).days + 1
        else:
            days = 1
        self.clock.advance(dt.timedelta(days=days))

    @rule()
    def query_by_subject(self) -> None:
        outcome = attempt(self.session, self.clock, self.citizen, self.person)
        assert isinstance(outcome, access.Access)
        assert outcome.path is LegalPath.SELF
        self.log.append(Entry(None, "subject", "self", purpose="own file"))

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def in_force_matches_the_model(self) -> None:
        if not hasattr(self, "person"):
            return
        stored = authorisations.in_force(
            self.session, self.person.id, self.bank.id, self.clock.today()
        )
        assert [a.id for a in stored] == [g.id for g in self.in_force()]

    @invariant()
    def the_access_log_is_what_happened(self) -> None:
        if not hasattr(self, "person"):
            return
        assert log_of(self.session, self.citizen) == self.log


def test_authorisations_and_the_access_log(engine: Engine, fast_password_hashing: None) -> None:
    run_on_database(engine, AuthorisationMachine, max_examples=25, stateful_step_count=12)
