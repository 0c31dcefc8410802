"""court judgment defaulters' entries name their responsible persons (decision 0011,
session 11): list_entry_person rows for the published court entries of organisations;
objections to published black-list entries (decision 0008, session 11): list_objection
gains after_publication and terms; the joint check's covering index on subject gains
created_at (the green channel's "known for the years", decision 0011, session 11)

A court's entry is published from its record without an approval, and only the approval
named the persons registered as answering for the organisation (Art. 18): entries published
before this revision named nobody, so the measures that reach responsible persons missed
them. They are named now as an approval would have named them: the persons registered
without an end, once each. The downgrade leaves them: they are what the entry should hold.

Every objection so far was to a candidacy: after_publication false, no terms.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO list_entry_person (entry_id, role, name, person_subject_id)
        SELECT e.id, rp.role, rp.name, rp.person_subject_id
        FROM list_entry e
        JOIN list_standard s ON s.id = e.standard_id
        JOIN subject o ON o.id = e.subject_id
        JOIN responsible_person rp ON rp.organisation_subject_id = e.subject_id
        WHERE s.from_record_type = 'court_judgment_defaulter'
          AND e.status = 'published'
          AND e.tier = 'serious'
          AND o.kind <> 'natural_person'
          AND rp.valid_to IS NULL
          -- once per person, in the first capacity registered (as attach_responsible_persons)
          AND rp.id = (
              SELECT MIN(rp2.id) FROM responsible_person rp2
              WHERE rp2.organisation_subject_id = rp.organisation_subject_id
                AND rp2.person_subject_id = rp.person_subject_id
                AND rp2.valid_to IS NULL
          )
          AND NOT EXISTS (
              SELECT 1 FROM list_entry_person p
              WHERE p.entry_id = e.id AND p.person_subject_id = rp.person_subject_id
          )
        ORDER BY e.id, rp.id
        """
    )
    with op.batch_alter_table("list_objection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("after_publication", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("terms", sa.JSON(), nullable=True))
    # Read for every unlisted subject without a bad record: in the index, the subject rows
    # stay unread (decision 0011).
    op.drop_index("ix_subject_reference_lookup", table_name="subject")
    op.create_index(
        "ix_subject_reference_lookup", "subject", ["reference", "id", "name", "kind", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_subject_reference_lookup", table_name="subject")
    op.create_index("ix_subject_reference_lookup", "subject", ["reference", "id", "name", "kind"])
    with op.batch_alter_table("list_objection", schema=None) as batch_op:
        batch_op.drop_column("terms")
        batch_op.drop_column("after_publication")
