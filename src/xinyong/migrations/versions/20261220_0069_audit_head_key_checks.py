"""audit head key checks: the chain's head keeps the check values of the keys of record
(``audit_head.key_checks``), so that every audited write — which takes the head last —
compares its process's keys with the database's at no extra read, and a process whose keys
predate a rotation writes nothing under keys no file holds any more (decision 0054
addendum, session 24). Back-filled from the latest ``keys.record`` event.

Revision ID: 0069
Revises: 0068
Create Date: 2026-12-20 09:00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0069"
down_revision: str | None = "0068"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("key_checks", sa.String(65), nullable=True))
    connection = op.get_bind()
    details = connection.execute(
        sa.text(
            "SELECT details FROM audit_event WHERE action = 'keys.record' "
            "ORDER BY sequence DESC LIMIT 1"
        )
    ).scalar()
    if isinstance(details, str):
        details = json.loads(details)
    if not isinstance(details, dict):
        return
    encryption, blind_index = details.get("encryption_key"), details.get("blind_index_key")
    if isinstance(encryption, str) and isinstance(blind_index, str):
        connection.execute(
            sa.text("UPDATE audit_head SET key_checks = :checks WHERE id = 1"),
            {"checks": f"{encryption}:{blind_index}"},
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("key_checks")
