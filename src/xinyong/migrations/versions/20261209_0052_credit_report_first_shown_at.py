"""credit_report.first_shown_at: the one showing of an issued report that is the issuance's
own reading, marked on the server (decision 0017, session 18 addendum)

The pages issue a report on a form and show it at its own address next (POST, redirect,
GET). That first showing is not logged for the subject as the report opened again: the
issuance was. Which showing was the first was kept in the page session — a signed cookie
the browser holds, which a client could send again and again to open the report with no
access-log entry, no audit event and no count against the bulk-read limits. Now the report
row says whether it has been shown, and the first showing claims it once.

Every report stored before was shown when it was issued (or its first showing is long
past): each takes its issue time, so none can be claimed as a first showing after the
upgrade. Downgrade drops the column.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_report = sa.table("credit_report", sa.column("issued_at"), sa.column("first_shown_at"))


def upgrade() -> None:
    # In place (ALTER TABLE ADD COLUMN), not a batch copy of a table of every report.
    op.add_column(
        "credit_report",
        sa.Column("first_shown_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute(_report.update().values(first_shown_at=_report.c.issued_at))


def downgrade() -> None:
    # In place (ALTER TABLE DROP COLUMN, SQLite 3.35+), as migration 0045's downgrade.
    op.drop_column("credit_report", "first_shown_at")
