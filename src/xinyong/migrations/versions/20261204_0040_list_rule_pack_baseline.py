"""list_rule_pack_baseline: the lists rule pack's definition each standard, matter and
measure last took in or answered (decision 0034 addendum)

Backfilled for every standard, matter and measure stored before: ``xinyong init`` loaded
them from the lists rule pack, and the platform let nobody change their text since (a
standard or matter has no editor; a measure is only published or withdrawn), so each one's
data is the pack's as it was then — the baseline later pack changes are measured from.
``clean_years`` (0014), ``early_removal`` (0025) and ``repair_exclusion`` (0037) were set
by migrations to the pack's values, so they are the pack's too. A measure the credit
authority drafted with a code the pack shipped later would be taken as the pack's here;
a published one is never changed without the authority anyway.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_PACK = "fuzhou.toml"
# The attributes of each part as the lists rule pack states them (lists.rule_packs).
_ATTRIBUTES = {
    "standard": (
        "list_standard",
        (
            "code",
            "kind",
            "tier",
            "name",
            "criteria",
            "legal_basis",
            "term_months",
            "exit_conditions",
            "remedies",
            "comment_days",
            "objection_days",
            "clean_years",
            "from_record_type",
            "early_removal",
            "early_removal_months",
            "repair_exclusion",
        ),
    ),
    "matter": ("administrative_matter", ("code", "name", "name_en")),
    "measure": (
        "measure",
        (
            "code",
            "kind",
            "head",
            "name",
            "matter_codes",
            "target",
            "means",
            "implementing_body",
            "legal_basis",
            "severity",
            "applies_to_responsible_persons",
            "responsible_persons_basis",
        ),
    ),
}


def upgrade() -> None:
    op.create_table(
        "list_rule_pack_baseline",
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("rule_pack", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("recorded_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_rule_pack_baseline")),
        sa.UniqueConstraint("part", "code", name=op.f("uq_list_rule_pack_baseline_part_code")),
    )
    _backfill()


def _backfill() -> None:
    connection = op.get_bind()
    baseline = sa.table(
        "list_rule_pack_baseline",
        sa.column("part", sa.String()),
        sa.column("code", sa.String()),
        sa.column("rule_pack", sa.String()),
        sa.column("definition", sa.JSON()),
        sa.column("recorded_at", xinyong.db.base.UTCDateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    for part, (table_name, attributes) in _ATTRIBUTES.items():
        columns: list[sa.ColumnClause[Any]] = [sa.column(name) for name in attributes]
        if part == "measure":
            columns[attributes.index("matter_codes")] = sa.column("matter_codes", sa.JSON())
        table = sa.table(table_name, *columns)
        for row in connection.execute(sa.select(*table.c)).mappings():
            definition = {name: row[name] for name in attributes}
            if part == "standard":
                definition["early_removal"] = bool(definition["early_removal"])
            if part == "measure":
                definition["applies_to_responsible_persons"] = bool(
                    definition["applies_to_responsible_persons"]
                )
                definition["matter_codes"] = list(definition["matter_codes"] or [])
            rows.append(
                {
                    "part": part,
                    "code": row["code"],
                    "rule_pack": _PACK,
                    "definition": definition,
                    "recorded_at": now,
                }
            )
    if rows:
        op.bulk_insert(baseline, rows)


def downgrade() -> None:
    op.drop_table("list_rule_pack_baseline")
