"""subject_name renamed_from, change_details: a name a rename made current keeps the name it
replaced and where the change came from (the ``subject.rename`` audit event's details), so
that an organisation's file states each change of its name with its source (Art. 24;
decision 0050, review r12 addendum).

Back-filled from the audit trail: each subject's renames, in the chain's order, are the name
rows a rename wrote (those with ``valid_from``, in id order: names given at registration
have none), one for one; the name each replaced is the one before it, the first the name
the subject was registered under (its first row).

Revision ID: 0066
Revises: 0065
Create Date: 2026-12-17 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0066"
down_revision: str | None = "0065"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_subject_name = sa.table(
    "subject_name",
    sa.column("id", sa.BigInteger()),
    sa.column("subject_id", sa.BigInteger()),
    sa.column("name", sa.String()),
    sa.column("valid_from", sa.Date()),
    sa.column("renamed_from", sa.String()),
    sa.column("change_details", sa.JSON()),
)
_audit_event = sa.table(
    "audit_event",
    sa.column("sequence", sa.BigInteger()),
    sa.column("action", sa.String()),
    sa.column("target_type", sa.String()),
    sa.column("target_id", sa.String()),
    sa.column("details", sa.JSON()),
)


def upgrade() -> None:
    with op.batch_alter_table("subject_name", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renamed_from", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("change_details", sa.JSON(), nullable=True))
    connection = op.get_bind()
    events: dict[int, list[dict[str, Any] | None]] = {}
    for target_id, details in connection.execute(
        sa.select(_audit_event.c.target_id, _audit_event.c.details)
        .where(
            _audit_event.c.action == "subject.rename",
            _audit_event.c.target_type == "subject",
        )
        .order_by(_audit_event.c.sequence)
    ):
        if target_id and str(target_id).isdigit():
            events.setdefault(int(target_id), []).append(details or None)
    for subject_id, found in events.items():
        rows = connection.execute(
            sa.select(_subject_name.c.id, _subject_name.c.name, _subject_name.c.valid_from)
            .where(_subject_name.c.subject_id == subject_id)
            .order_by(_subject_name.c.id)
        ).all()
        if not rows:
            continue
        before = rows[0].name
        renamed = [row for row in rows if row.valid_from is not None]
        for row, details in zip(renamed, found, strict=False):
            connection.execute(
                _subject_name.update()
                .where(_subject_name.c.id == row.id)
                .values(renamed_from=before, change_details=details)
            )
            before = row.name


def downgrade() -> None:
    with op.batch_alter_table("subject_name", schema=None) as batch_op:
        batch_op.drop_column("change_details")
        batch_op.drop_column("renamed_from")
