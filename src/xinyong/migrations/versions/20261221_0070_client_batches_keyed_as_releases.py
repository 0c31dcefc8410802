"""client batches keyed as releases: a batch a client sent with ``Idempotency-Key:
release:N`` before such keys were refused (session 22) kept it, and held row N's release —
a one-row batch keyed ``release:N`` in the same source's namespace — was then taken for
that batch and refused. Each such client batch's key gets the prefix ``client:``; the
client could not send the key again in any case (422 ``idempotency_key_reserved``), so no
replay is lost (decision 0050 addendum, session 25).

``content:`` keys are left: the platform gives them to every batch sent without a key, on
every channel, so a client's cannot be told from the platform's.

Revision ID: 0070
Revises: 0069
Create Date: 2026-12-21 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0070"
down_revision: str | None = "0069"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A held row's release is the only batch of this channel (collection.held_rows.CHANNEL).
_RELEASE_CHANNEL = "review"
_PREFIX = "client:"


def _is_release_key(key: str) -> bool:
    number = key.removeprefix("release:")
    return number != key and number.isdigit()


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, idempotency_key FROM batch "
            "WHERE channel <> :channel AND idempotency_key LIKE 'release:%'"
        ),
        {"channel": _RELEASE_CHANNEL},
    ).all()
    for batch_id, key in rows:
        if _is_release_key(key):
            connection.execute(
                sa.text("UPDATE batch SET idempotency_key = :key WHERE id = :id"),
                {"key": _PREFIX + key, "id": batch_id},
            )


def downgrade() -> None:
    # Each key goes back unless the held row's release has taken it since.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, organisation_id, idempotency_key FROM batch "
            "WHERE channel <> :channel AND idempotency_key LIKE 'client:release:%'"
        ),
        {"channel": _RELEASE_CHANNEL},
    ).all()
    for batch_id, organisation_id, key in rows:
        original = key.removeprefix(_PREFIX)
        if not _is_release_key(original):
            continue
        taken = connection.execute(
            sa.text(
                "SELECT 1 FROM batch WHERE organisation_id = :organisation "
                "AND idempotency_key = :key"
            ),
            {"organisation": organisation_id, "key": original},
        ).first()
        if taken is None:
            connection.execute(
                sa.text("UPDATE batch SET idempotency_key = :key WHERE id = :id"),
                {"key": original, "id": batch_id},
            )
