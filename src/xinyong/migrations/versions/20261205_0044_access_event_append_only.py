"""access_event_append_only: the subjects' access log refuses UPDATE and DELETE (and
TRUNCATE on PostgreSQL), as the audit trail does (decision 0003 addendum)

The access log is the query record kept at least five years (rules.md) and the subject's
answer to "who looked at my file" (Art. 24); nothing in the platform changes or deletes an
entry, the retention job included (it reads the log to find what a report was issued on).
A deletion after the five years would need its own audited path that these triggers let
through; none exists yet.

Revision ID: 0044
Revises: 0046
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0044"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = (
    "CREATE TRIGGER access_event_no_update BEFORE UPDATE ON access_event "
    "BEGIN SELECT RAISE(ABORT, 'access_event is append-only'); END",
    "CREATE TRIGGER access_event_no_delete BEFORE DELETE ON access_event "
    "BEGIN SELECT RAISE(ABORT, 'access_event is append-only'); END",
)
_POSTGRESQL = (
    "CREATE FUNCTION access_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'access_event is append-only'; END $$",
    "CREATE TRIGGER access_event_no_change BEFORE UPDATE OR DELETE ON access_event "
    "FOR EACH ROW EXECUTE FUNCTION access_event_append_only()",
    "CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON access_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION access_event_append_only()",
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_event_no_change ON access_event")
        op.execute("DROP TRIGGER IF EXISTS access_event_no_truncate ON access_event")
        op.execute("DROP FUNCTION IF EXISTS access_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS access_event_no_delete")
