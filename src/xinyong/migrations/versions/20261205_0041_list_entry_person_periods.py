"""list_entry_person: why an entry names a person (source), the registration a naming
follows, and the period it covers (named_from, ended_on) — decision 0036

An entry of a seriously dishonest organisation names its registered responsible persons
while they are registered, and the persons the proposal named throughout (Art. 18). The
rows stored so far say neither which they are nor when they were named:

- a row of an entry that was published, whose person is registered for the organisation in
  the same capacity, was put there from the registration (the approval, a court's entry, a
  restoration or migration 0036 named them so): ``registration``, following that
  registration — the current one, else the latest. A person the agency also named in the
  capacity they are registered in cannot be told apart and is taken as registered too.
- every other row was named on the proposal: ``proposal``.
- ``named_from`` is the entry's first day on the list (None for a candidacy); none has
  ended.

Not done here: naming the persons registered after an entry in force was published, and
ending the naming of those whose registration has ended. The next `xinyong jobs run` does
it (``entry_persons.follow_all``), as steps in each entry's history and the audit trail,
which a migration does not write. The downgrade drops the columns: a naming that had ended
then reads as current again, as every row did before this revision.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_FK = "fk_list_entry_person_responsible_person_id_responsible_person"


def upgrade() -> None:
    with op.batch_alter_table("list_entry_person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default="proposal", nullable=False)
        )
        batch_op.add_column(sa.Column("responsible_person_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("named_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f(_FK), "responsible_person", ["responsible_person_id"], ["id"]
        )
    # The registration a row follows: the organisation's, of the row's person in the row's
    # capacity, on an entry that was published — the current one, else the latest.
    op.execute(
        """
        UPDATE list_entry_person SET
          named_from = (SELECT e.term_start FROM list_entry e
                        WHERE e.id = list_entry_person.entry_id),
          responsible_person_id = COALESCE(
              (SELECT MIN(rp.id)
               FROM responsible_person rp JOIN list_entry e ON e.id = list_entry_person.entry_id
               WHERE rp.organisation_subject_id = e.subject_id
                 AND rp.person_subject_id = list_entry_person.person_subject_id
                 AND rp.role = list_entry_person.role
                 AND e.term_start IS NOT NULL
                 AND rp.valid_to IS NULL),
              (SELECT MAX(rp.id)
               FROM responsible_person rp JOIN list_entry e ON e.id = list_entry_person.entry_id
               WHERE rp.organisation_subject_id = e.subject_id
                 AND rp.person_subject_id = list_entry_person.person_subject_id
                 AND rp.role = list_entry_person.role
                 AND e.term_start IS NOT NULL)
          )
        """
    )
    op.execute(
        "UPDATE list_entry_person SET source = 'registration' "
        "WHERE responsible_person_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("list_entry_person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(_FK), type_="foreignkey")
        batch_op.drop_column("ended_on")
        batch_op.drop_column("named_from")
        batch_op.drop_column("responsible_person_id")
        batch_op.drop_column("source")
