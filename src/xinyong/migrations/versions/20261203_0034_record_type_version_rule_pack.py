"""record_type_version.rule_pack and rule_pack_definition: the rule pack definition a city
version took in or answered (decision 0034)

Backfilled for the versions ``xinyong init`` loaded from a rule pack before (the system's,
no author, note "loaded from <pack>"): their definition is the pack's as it was then, the
baseline later pack changes are measured from.

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOADED_FROM = "loaded from "


def upgrade() -> None:
    with op.batch_alter_table("record_type_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_pack", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rule_pack_definition", sa.JSON(), nullable=True))
    versions = sa.table(
        "record_type_version",
        sa.column("jurisdiction", sa.String()),
        sa.column("note", sa.Text()),
        sa.column("created_by", sa.String()),
        sa.column("definition", sa.JSON()),
        sa.column("rule_pack", sa.String()),
        sa.column("rule_pack_definition", sa.JSON()),
    )
    op.execute(
        versions.update()
        .where(
            versions.c.jurisdiction == "350100",
            versions.c.created_by.is_(None),
            versions.c.note.like(f"{LOADED_FROM}%"),
        )
        .values(
            rule_pack=sa.func.substr(versions.c.note, len(LOADED_FROM) + 1, 64),
            rule_pack_definition=versions.c.definition,
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("record_type_version", schema=None) as batch_op:
        batch_op.drop_column("rule_pack_definition")
        batch_op.drop_column("rule_pack")
