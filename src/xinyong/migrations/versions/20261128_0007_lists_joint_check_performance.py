"""lists joint check performance

The joint check's covering index on the subjects' handles, the lookup of entries naming a
person as responsible (Art. 18), and the measures' applicability to responsible persons.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-28 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default measure list's measures that reach responsible persons (rulepacks/fuzhou.toml):
# a database loaded before this revision gets what a fresh load gets.
RESPONSIBLE_PERSON_MEASURES = {
    "pun_high_consumption": (
        "《福州市社会信用管理办法》第十八条；《最高人民法院关于限制被执行人高消费及有关消费的"
        "若干规定》第三条第二款"
    ),
    "pun_appointment": "《福州市社会信用管理办法》第十七条第（三）项、第十八条",
}


def upgrade() -> None:
    op.create_index("ix_subject_reference_lookup", "subject", ["reference", "id", "name", "kind"])
    op.create_index(
        op.f("ix_list_entry_person_person_subject_id"),
        "list_entry_person",
        ["person_subject_id"],
    )
    with op.batch_alter_table("measure") as batch:
        batch.add_column(
            sa.Column(
                "applies_to_responsible_persons",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("responsible_persons_basis", sa.Text(), nullable=True))
    measure = sa.table(
        "measure",
        sa.column("code", sa.String),
        sa.column("applies_to_responsible_persons", sa.Boolean),
        sa.column("responsible_persons_basis", sa.Text),
    )
    for code, basis in RESPONSIBLE_PERSON_MEASURES.items():
        op.execute(
            measure.update()
            .where(measure.c.code == code)
            .values(applies_to_responsible_persons=True, responsible_persons_basis=basis)
        )


def downgrade() -> None:
    with op.batch_alter_table("measure") as batch:
        batch.drop_column("responsible_persons_basis")
        batch.drop_column("applies_to_responsible_persons")
    op.drop_index(op.f("ix_list_entry_person_person_subject_id"), table_name="list_entry_person")
    op.drop_index("ix_subject_reference_lookup", table_name="subject")
