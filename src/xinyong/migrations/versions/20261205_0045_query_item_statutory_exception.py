"""query_item.exception_rank, exception_title, exception_article: the law or administrative
regulation, and its article, that lets a query item open a record type that is not public
(Art. 13 ¶3; decision 0007 addendum)

The items stored before state none: nothing in their free-text legal basis tells a statute
making the exception from the rest, and the credit authority alone may say it. They keep
working for their public record types; their other types are not opened until the
authority states the exception (the query items page warns of each such item).

Revision ID: 0045
Revises: 0042
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("query_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "exception_rank",
                sa.Enum(
                    "law",
                    "administrative_regulation",
                    name="statuterank",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("exception_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("exception_article", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # In place (ALTER TABLE DROP COLUMN, SQLite 3.35+), not a batch copy: query_item is
    # referred to by its assignments, and a copy's DROP TABLE fails on them with foreign
    # keys on (decision 0002 addendum).
    op.drop_column("query_item", "exception_article")
    op.drop_column("query_item", "exception_title")
    op.drop_column("query_item", "exception_rank")
