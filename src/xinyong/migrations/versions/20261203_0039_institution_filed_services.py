"""the services a credit service institution filed with the register become rows of their
own (institution_service: name, filed_on, withdrawn_on), which a consent's or an
authorisation's service is checked against (Art. 26–27; decision 0024 addendum);
institution.services (a JSON list of names) goes

Every name an entry listed becomes a service filed on the entry's filing date (the best
knowledge there is: the versions say when an amendment added one, but not in a form worth
replaying). Consents and authorisations already given keep their service as it was typed:
they are not checked again, and they keep working.

Follows 0038.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_institution = sa.table(
    "institution",
    sa.column("id", _ID),
    sa.column("filing_date", sa.Date()),
    sa.column("services", sa.JSON()),
)
_service = sa.table(
    "institution_service",
    sa.column("institution_id", _ID),
    sa.column("name", sa.String(200)),
    sa.column("filed_on", sa.Date()),
    sa.column("withdrawn_on", sa.Date()),
)


def upgrade() -> None:
    op.create_table(
        "institution_service",
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_institution_service_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_service")),
    )
    op.create_index(
        op.f("ix_institution_service_institution_id"),
        "institution_service",
        ["institution_id"],
        unique=False,
    )
    connection = op.get_bind()
    rows = [
        {"institution_id": id_, "name": name, "filed_on": filed, "withdrawn_on": None}
        for id_, filed, names in connection.execute(
            sa.select(_institution.c.id, _institution.c.filing_date, _institution.c.services)
        )
        for name in sorted(set(names or []))
    ]
    if rows:
        connection.execute(sa.insert(_service), rows)
    # Not in batch: SQLite drops a plain column in place (3.35+), where copying the table
    # would have to drop the one its versions and services refer to.
    op.drop_column("institution", "services")


def downgrade() -> None:
    # In place too (a NOT NULL column added needs a default there); as migration 0022 made it, it had none.
    op.add_column(
        "institution",
        sa.Column("services", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    connection = op.get_bind()
    filed: dict[int, list[str]] = {}
    for id_, name in connection.execute(
        sa.select(_service.c.institution_id, _service.c.name).where(
            _service.c.withdrawn_on.is_(None)
        )
    ):
        filed.setdefault(id_, []).append(name)
    for (id_,) in connection.execute(sa.select(_institution.c.id)):
        connection.execute(
            sa.update(_institution)
            .where(_institution.c.id == id_)
            .values(services=sorted(filed.get(id_, [])))
        )
    op.drop_index(op.f("ix_institution_service_institution_id"), table_name="institution_service")
    op.drop_table("institution_service")
