"""The credit commitments made with a repair application no longer name the record they were
made for (decision 0023, addendum of 2026-11-30)

Until now the platform wrote the commitment a subject made in its application with the
record in its public fields: type "信用修复承诺（记录N）", reason "<record type> <decision
date>". Commitments are public, so the public file published the type, date and id of a
record that may not be public (a minor penalty) or that the repair has since taken off it
(Art. 13 ¶3, Art. 21, Art. 32). Each commitment so written — one a repair case rests on,
whose type names that case's record and whose reason is such a type and date — takes what
the platform writes now, in every version: type "信用修复承诺", reason "申请信用修复". Every
version, because a file or a report as of an earlier day shows the version in force then
(decision 0025): an old version left as it was would publish it still. The subject's text
and every other field stay; which record the commitment was for stays with the repair case
(``repair_case.commitment_record_id``). The natural key takes the same type and, as the
platform now writes it, an opaque value that keeps it apart from another commitment of the
same type, day and unit. ``payload_hash`` stays: it tells a re-sent row from a changed one,
and nobody re-sends a commitment the platform wrote (an objection's correction compares the
content as well).

Downgrade leaves the commitments as they are: what this removes from the public file is not
put back, and the code before 0051 reads them as they are.

Revision ID: 0051
Revises: 0048
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0051"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As repair.service writes them from 0051 on; copied, as a migration must not change with it.
TYPE = "信用修复承诺"
REASON = "申请信用修复"
# The reason the platform wrote before: the record type's Chinese name and the decision date.
_OLD_REASON = re.compile(r"\S.* \d{4}-\d{2}-\d{2}")

_case = sa.table(
    "repair_case",
    sa.column("record_id", sa.BigInteger()),
    sa.column("commitment_record_id", sa.BigInteger()),
)
_record = sa.table(
    "credit_record",
    sa.column("id", sa.BigInteger()),
    sa.column("natural_key", sa.String()),
)
_version = sa.table(
    "record_version",
    sa.column("id", sa.BigInteger()),
    sa.column("record_id", sa.BigInteger()),
    sa.column("payload", sa.JSON()),
)


def old_type(record_id: int) -> str:
    """The type the platform wrote for a commitment made to repair record ``record_id``."""
    return f"信用修复承诺（记录{record_id}）"


def rewritten(payload: Any, record_id: int) -> dict[str, Any] | None:
    """The payload of a commitment the platform wrote for repairing ``record_id`` without the
    record, or None when the platform did not write it so (a subject's own wording, a
    version whose content was erased)."""
    if not isinstance(payload, dict):
        return None
    reason = payload.get("commitment_reason")
    if payload.get("commitment_type") != old_type(record_id) or not (
        isinstance(reason, str) and _OLD_REASON.fullmatch(reason)
    ):
        return None
    return {**payload, "commitment_type": TYPE, "commitment_reason": REASON}


def rekeyed(natural_key: str, record_id: int) -> str:
    """The natural key ("<subject>|<type>|<day>|<unit>") with the type written now and an
    opaque value after it, as ``collection.records.make_commitment`` keys it from 0051 on."""
    parts = natural_key.split("|")
    if len(parts) < 2 or parts[1] != old_type(record_id):
        return natural_key
    parts[1] = TYPE
    return "|".join([*parts, f"repair {secrets.token_hex(8)}"])


def upgrade() -> None:
    connection = op.get_bind()
    linked = connection.execute(
        sa.select(_case.c.commitment_record_id, _case.c.record_id).order_by(
            _case.c.commitment_record_id
        )
    ).all()
    for commitment_id, record_id in linked:
        versions = connection.execute(
            sa.select(_version.c.id, _version.c.payload).where(
                _version.c.record_id == commitment_id
            )
        ).all()
        changed = False
        for version_id, payload in versions:
            new = rewritten(payload, record_id)
            if new is not None:
                connection.execute(
                    sa.update(_version).where(_version.c.id == version_id).values(payload=new)
                )
                changed = True
        if not changed:
            continue
        key = connection.execute(
            sa.select(_record.c.natural_key).where(_record.c.id == commitment_id)
        ).scalar_one()
        connection.execute(
            sa.update(_record)
            .where(_record.c.id == commitment_id)
            .values(natural_key=rekeyed(key, record_id))
        )


def downgrade() -> None:
    pass
