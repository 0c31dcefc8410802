"""Scheduled work, run by cron or a timer: `xinyong jobs run`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.cli._shared import (
    clock,
    command_unit_of_work,
    console,
    err_console,
    migrated_engine,
)
from xinyong.collection import quarantine
from xinyong.config import get_settings
from xinyong.db import maintenance
from xinyong.db.engine import contended
from xinyong.db.locks import running_alone
from xinyong.disclosure import joint_check_uses, publicity, retention
from xinyong.institutions import releases
from xinyong.lists import court_defaulters, entries, entry_persons, red_list_exit
from xinyong.objections import names as name_objections
from xinyong.objections import service as objections

T = TypeVar("T")

jobs_app = typer.Typer(help="Scheduled jobs", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


@jobs_app.command("run")
def run() -> None:
    """Run the daily jobs: end publicity windows and list terms that have closed, and the
    publicity of court judgment defaulters' records whose performance is known, end the
    red-list entries of subjects on the black list or with a bad credit record within their
    standard's years (decision 0041), bring the
    persons named on entries in force in line with the organisations' registered
    responsible persons (Art. 18), delete
    records kept past their retention period, issued reports' contents kept past theirs
    and the content of batches' rejected and held rows kept past theirs, the identity
    documents of decided objections to a person's name kept past theirs, index the subjects of large joint checks for their access logs, release the industry
    statistics of each finished month not yet released (decision 0055), and refresh
    the database's planner statistics. Upheld objections left to a deregistered credit
    service institution are carried out in its place (its deregistration does that for its
    own; this finds any left from before that rule)."""
    engine = migrated_engine()
    try:
        with running_alone(engine, "daily-jobs") as alone:
            if not alone:
                # Cron started this run while the last still runs (a slow day, a run by
                # hand): that one does the work; this one does nothing and says so.
                console.print("another `xinyong jobs run` is still running: this one did nothing")
                return
            try:
                _run()
            except OperationalError as exc:
                if not contended(exc):
                    raise
                # A step met a request's lock for too long (or a deadlock): it was rolled
                # back whole, the steps before it kept; the next run does what is left.
                err_console.print(
                    "[red]the database was too busy for a step of the daily job[/red] "
                    f"({getattr(exc.orig, 'sqlstate', None) or 'locked'}): it was rolled back; "
                    "run `xinyong jobs run` again to finish"
                )
                raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _step(work: Callable[[Session], T]) -> T:
    """One step of the daily job in a transaction of its own. Each takes the rows it changes
    first and writes its audit events after them, as requests do (record, entry, case, the
    chain's head last); in one transaction for all, the head taken by the first step's event
    was held while later steps waited for list entries a request held — a request that was
    waiting for the head in turn (decision 0008 addendum)."""
    with command_unit_of_work() as session:
        return work(session)


def _run() -> None:
    ended = _step(lambda session: publicity.end_expired_publicity(session, clock))
    performed = _step(
        lambda session: court_defaulters.end_publicity_where_performed(session, clock)
    )
    expired = _step(lambda session: entries.expire_due(session, clock, SYSTEM_ACTOR))
    # After the terms: an entry whose term is over expires rather than being removed.
    red_ended = _step(lambda session: red_list_exit.end_where_not_met(session, clock))
    followed = _step(lambda session: entry_persons.follow_all(session, clock, SYSTEM_ACTOR))
    carried = _step(
        lambda session: objections.carry_out_for_deregistered_sources(session, clock, SYSTEM_ACTOR)
    )
    deleted, by_type, with_records = _delete_records()
    removed = _remove_report_contents()
    erased_batches, erased_rows = _erase_quarantined_content()
    erased_documents = _erase_name_objection_documents()
    indexed = _index_joint_checks()
    released = _release_statistics()
    analysed = _step(maintenance.refresh_planner_statistics)
    removed[retention.REMOVED_RECORD_DELETED] += with_records
    console.print(
        f"publicity ended for {ended} records"
        + f", and for {performed} court judgment defaulters' records on their performance"
        + f"; {expired} list entries reached the end of their term"
        + f"; {red_ended.total()} red-list entries ended, their subjects no longer integrity "
        + f"models{_counts(red_ended)}"
        + f"; {followed} list entries brought in line with the responsible persons registered"
        + f"; {deleted} records deleted after their retention period{_counts(by_type)}"
        + f"; report contents deleted for {removed.total()} reports{_counts(removed)}"
        + f"; content of {erased_rows} rejected or held rows erased in {erased_batches} batches"
        + f"; identity documents erased of {erased_documents} decided name objections"
        + f"; {indexed} joint checks indexed for the access logs"
        + f"; {len(carried)} upheld objections carried out for deregistered sources"
        + f"; industry statistics released for {len(released)} months{_listed(released)}"
        + ("; planner statistics refreshed" if analysed else ""),
        # One line, however long: cron mails it and logs keep it whole.
        soft_wrap=True,
    )


def _delete_records() -> tuple[int, Counter[str], int]:
    """Every record past its retention period, a bounded number per transaction: records
    deleted, by record type, and reports' contents deleted with them."""
    deleted, by_type, reports = 0, Counter[str](), 0
    position = None
    while True:
        with command_unit_of_work() as session:
            done = retention.delete_past_retention(session, clock, start=position)
        deleted += done.records
        by_type.update(done.by_type)
        reports += done.report_contents
        position = done.resume
        if position is None:
            return deleted, by_type, reports


def _remove_report_contents() -> Counter[str]:
    keep_days = get_settings().report_content_days
    removed = Counter[str]()
    while True:
        with command_unit_of_work() as session:
            done = retention.remove_report_contents(session, clock, keep_days=keep_days)
        removed.update(done.by_reason)
        if not done.more:
            return removed


def _index_joint_checks() -> int:
    """Joint checks whose subjects were indexed, a fixed number of index rows per
    transaction (decision 0008, session 25 addendum)."""
    checks = 0
    while True:
        with command_unit_of_work() as session:
            done = joint_check_uses.index_pending(session, clock)
        checks += done.checks
        if not done.more:
            return checks


def _erase_quarantined_content() -> tuple[int, int]:
    """Batches and rows whose rejected and held rows' content was erased (decision 0021)."""
    keep_days = get_settings().quarantine_content_days
    batches = rows = 0
    while True:
        with command_unit_of_work() as session:
            done = quarantine.erase_past_period(session, clock, keep_days=keep_days)
        batches += done.batches
        rows += done.rows
        if not done.more:
            return batches, rows


def _erase_name_objection_documents() -> int:
    """Decided objections to a person's name whose identity document was erased (decision
    0051 addendum)."""
    keep_days = get_settings().name_objection_document_days
    cases = 0
    while True:
        with command_unit_of_work() as session:
            done = name_objections.erase_decided_evidence(session, clock, keep_days=keep_days)
        cases += done.cases
        if not done.more:
            return cases


def _release_statistics() -> list[str]:
    """Each finished month without a release, oldest first, one transaction each: a run
    stopped halfway keeps the months it released, and the next releases the rest."""
    k = get_settings().statistics_min_cell
    done: list[str] = []
    while True:
        with command_unit_of_work() as session:
            period = releases.release_next_due(session, clock, SYSTEM_ACTOR, k=k)
        if period is None:
            return done
        done.append(period)


def _listed(periods: list[str]) -> str:
    return " (" + ", ".join(periods) + ")" if periods else ""


def _counts(counts: Counter[str]) -> str:
    """`` (a 2, b 1)``: what a count is made of, for the job's summary line."""
    parts = [f"{key} {n}" for key, n in sorted(counts.items()) if n]
    return " (" + ", ".join(parts) + ")" if parts else ""
