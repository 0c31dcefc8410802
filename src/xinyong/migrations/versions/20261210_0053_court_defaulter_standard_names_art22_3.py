"""list_standard.repair_exclusion of the court's list of judgment defaulters: Art. 22(3)
(decision 0023, addendum "the court's list names Art. 22(3)")

The Fuzhou rule pack now names the case for ``court_judgment_defaulter`` too: a subject on
the court's list is, while its entry is in force, in the case of Art. 22(3) — as the
catalog already says of the court's records. As migration 0037 did for the four standards
named then, the standard already stored is set here (``load_rule_pack`` only creates
standards a database lacks). Its lists rule pack baseline (migration 0040) takes the value
too: the standard took in the pack's value, and a later pack change to another of its
attributes must not be read as the credit authority's own change colliding with it. A
standard whose value is not empty (nobody edits standards, but an answer to the pack may
have set one) and a baseline of another pack are left alone.

Downgrade empties both again where they hold the value set here.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CODE = "court_judgment_defaulter"
_CASE = "22(3)"
_PACK = "fuzhou.toml"

_standard = sa.table(
    "list_standard",
    sa.column("code", sa.String()),
    sa.column("repair_exclusion", sa.String()),
)
_baseline = sa.table(
    "list_rule_pack_baseline",
    sa.column("id", sa.Integer()),
    sa.column("part", sa.String()),
    sa.column("code", sa.String()),
    sa.column("rule_pack", sa.String()),
    sa.column("definition", sa.JSON()),
)


def _set(before: str | None, after: str | None) -> None:
    op.execute(
        _standard.update()
        .where(
            _standard.c.code == _CODE,
            _standard.c.repair_exclusion.is_(None)
            if before is None
            else _standard.c.repair_exclusion == before,
        )
        .values(repair_exclusion=after)
    )
    connection = op.get_bind()
    for row in connection.execute(
        sa.select(_baseline.c.id, _baseline.c.definition).where(
            _baseline.c.part == "standard",
            _baseline.c.code == _CODE,
            _baseline.c.rule_pack == _PACK,
        )
    ):
        definition = dict(row.definition or {})
        if definition.get("repair_exclusion") != before:
            continue
        definition["repair_exclusion"] = after
        connection.execute(
            _baseline.update().where(_baseline.c.id == row.id).values(definition=definition)
        )


def upgrade() -> None:
    _set(None, _CASE)


def downgrade() -> None:
    _set(_CASE, None)
