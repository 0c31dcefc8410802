"""list_standard.repair_exclusion: the case of Art. 22 a black-list standard's conduct is,
under which credit is not repaired while an entry is in force (decision 0023 addendum)

The Fuzhou rule pack's standards whose legal basis cites a case of Art. 22 are marked here
for databases loaded before: ``load_rule_pack`` only creates standards a database lacks,
so, as for ``clean_years`` (0014) and ``early_removal`` (0025), the migration carries the
new attribute to the standards already stored. Every other standard names no case.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the rule pack names them (src/xinyong/lists/rulepacks/fuzhou.toml).
_CASES = {
    "serious_health_safety": "22(1)",
    "serious_fair_competition": "22(2)",
    "serious_refusing_duties": "22(3)",
    "serious_national_defence": "22(4)",
}


def upgrade() -> None:
    with op.batch_alter_table("list_standard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repair_exclusion", sa.String(length=8), nullable=True))
    standard = sa.table(
        "list_standard",
        sa.column("code", sa.String()),
        sa.column("repair_exclusion", sa.String()),
    )
    for code, case in _CASES.items():
        op.execute(standard.update().where(standard.c.code == code).values(repair_exclusion=case))


def downgrade() -> None:
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), not by a batch
    # that copies the table and drops the old one: SQLite, its foreign keys on, refuses to
    # drop list_standard while list entries refer to it.
    op.drop_column("list_standard", "repair_exclusion")
