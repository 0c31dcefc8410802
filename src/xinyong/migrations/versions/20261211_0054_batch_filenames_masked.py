"""batch.filename: citizen ID numbers masked in the names of the files stored before
(decision 0021, session 19 addendum)

A batch kept its file's name as it came. Clerks name files after their content
("张三350102199403157723处罚决定.xlsx"), so the name was the one place a citizen ID number
sat in clear in the database, shown to the source and the credit authority on the pages and
the API (review r4 of session 19, finding 2). The pipeline now keeps the name masked
(``collection.pipeline.stored_filename``: ``identifiers.redact_citizen_ids``, as a file's
headers are masked); the names stored before are masked here the same way, so that no clear
number stays behind. A name without such a number is left as it is.

Downgrade changes nothing: the clear numbers are kept nowhere to be put back.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-11 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong import identifiers

revision: str = "0054"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_batch = sa.table("batch", sa.column("id", sa.Integer()), sa.column("filename", sa.String()))


def upgrade() -> None:
    connection = op.get_bind()
    # Read whole before writing: one batch row per file ever submitted, a few thousand.
    named = connection.execute(
        sa.select(_batch.c.id, _batch.c.filename).where(_batch.c.filename.is_not(None))
    ).all()
    for batch_id, filename in named:
        masked = identifiers.redact_citizen_ids(filename)
        if masked != filename:
            connection.execute(
                _batch.update().where(_batch.c.id == batch_id).values(filename=masked)
            )


def downgrade() -> None:
    pass
