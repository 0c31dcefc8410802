"""grant record types: the codes a consent (Art. 11) or a written authorisation (Art. 13 ¶3)
names, as rows of ``consent_record_type`` and ``authorisation_record_type``, so that the
credit authority's list finds the grants naming a record type through an index and by the
exact code, not by matching the JSON list as text; and an index on each grant's
``(granted_at, id)`` for the list's order and its days (decision 0024, session 25 addendum).

The rows of the grants already given are back-filled from their JSON lists, with the
database's own JSON functions (PostgreSQL ``json_array_elements_text``, SQLite
``json_each``). Afterwards the ORM writes them with each grant
(``collection.models.keep_named_types``).

Revision ID: 0072
Revises: 0071
Create Date: 2026-12-23 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0072"
down_revision: str | None = "0071"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_GRANTS = (("consent", "consent_id"), ("authorisation", "authorisation_id"))


def upgrade() -> None:
    bind = op.get_bind()
    for grant, key in _GRANTS:
        table = f"{grant}_record_type"
        op.create_table(
            table,
            sa.Column(key, _ID, autoincrement=False, nullable=False),
            sa.Column("record_type_code", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint([key], [f"{grant}.id"], name=op.f(f"fk_{table}_{key}_{grant}")),
            sa.PrimaryKeyConstraint(key, "record_type_code", name=op.f(f"pk_{table}")),
        )
        if bind.dialect.name == "postgresql":
            elements = (
                "SELECT DISTINCT id, json_array_elements_text(record_type_codes) "  # noqa: S608
                f"FROM {grant}"
            )
        else:
            elements = (
                f"SELECT DISTINCT {grant}.id, codes.value "  # noqa: S608 - our table names
                f"FROM {grant}, json_each({grant}.record_type_codes) AS codes"
            )
        op.execute(f"INSERT INTO {table} ({key}, record_type_code) {elements}")
        op.create_index(f"ix_{table}_code", table, ["record_type_code", key])
        op.create_index(f"ix_{grant}_granted_at", grant, ["granted_at", "id"])


def downgrade() -> None:
    for grant, _key in reversed(_GRANTS):
        table = f"{grant}_record_type"
        op.drop_index(f"ix_{grant}_granted_at", table_name=grant)
        op.drop_index(f"ix_{table}_code", table_name=table)
        op.drop_table(table)
