"""Upkeep the database needs in service, run by `xinyong jobs run`."""

from __future__ import annotations

from sqlalchemy.orm import Session

# Rows examined per index: enough for the planner, and bounded so the daily job stays short
# on a database of millions of records (SQLite's own advice for ANALYZE in service).
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(session: Session) -> bool:
    """Planner statistics for SQLite, which keeps none unless asked: without them it picks
    indexes by name rather than by what they cover (a joint check of 100,000 codes reads
    every subject row instead of a covering index). PostgreSQL's autovacuum does this
    itself. Returns whether anything was run."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
    connection.exec_driver_sql("ANALYZE")
    return True
