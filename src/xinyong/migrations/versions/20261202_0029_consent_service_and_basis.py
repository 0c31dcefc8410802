"""consents to collection carry the Art. 27 ¶2 terms when given to a credit service
institution (consent.service, consent.service_not_conditional), and an access-log entry
may name the consent it rests on (access_event.consent_id: a person registered from the
written consent an organisation recorded, Art. 11 ¶1)

Nullable columns only: existing rows keep their values and get NULL (no consent recorded
so far was to an institution under these terms; no log entry rests on a consent).

Written in parallel with another 0028 (accounts): this one follows it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("service_not_conditional", sa.Boolean(), nullable=True))
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_access_event_consent_id_consent"), "consent", ["consent_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_access_event_consent_id_consent"), type_="foreignkey"
        )
        batch_op.drop_column("consent_id")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_column("service_not_conditional")
        batch_op.drop_column("service")
