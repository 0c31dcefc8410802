"""measure.standard_codes: the recognition standards whose listings a measure's legal basis
covers (Art. 15 ¶2: 不得超越法定条件; Art. 17), which joint checks and applications follow
(decision 0008 addendum, session 19); empty: every standard of the measure's target tier,
as before

A measure could only target a tier, so the court's restriction of high consumption —
whose basis, the SPC rule on restricting the high consumption of judgment debtors
(《最高人民法院关于限制被执行人高消费及有关消费的若干规定》), binds judgment debtors and, under its
Art. 3 ¶2, their legal representatives — was offered and applied to every seriously
dishonest subject: an organisation listed for a food-safety penalty and its legal
representative. The lists rule pack now limits ``pun_high_consumption`` to
``court_judgment_defaulter``. As 0014, 0025 and 0037 carried the pack's new attributes to
the rows stored before, this sets it on the stored measure — published or not: it
restates the measure's published legal basis in the platform's terms and changes no
published text, as the implementers did (decision 0045) — where its legal basis still
cites that rule, and on its rule-pack baseline, so that ``xinyong lists upgrade`` finds
the measure as the pack has it and asks the credit authority nothing (decision 0034
addendum). Every other measure names no standard (its basis, the city's Art. 17, covers
every serious-tier listing).

Written beside 0053 and 0054 of other branches: re-chained onto the latest when merged.

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0055"
# Written beside 0053 and 0054 of other branches: re-chained onto the latest when merged.
down_revision: str | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the rule pack gives them (src/xinyong/lists/rulepacks/fuzhou.toml): the measure, the
# words of the legal basis that tie it to one kind of listing, and that listing's standard.
_LIMITED = (("pun_high_consumption", "限制被执行人高消费", "court_judgment_defaulter"),)
_PACK = "fuzhou.toml"


def upgrade() -> None:
    op.add_column(
        "measure",
        sa.Column("standard_codes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    connection = op.get_bind()
    measure = sa.table(
        "measure",
        sa.column("id", sa.BigInteger()),
        sa.column("code", sa.String()),
        sa.column("legal_basis", sa.Text()),
        sa.column("standard_codes", sa.JSON()),
    )
    standard = sa.table("list_standard", sa.column("code", sa.String()))
    baseline = sa.table(
        "list_rule_pack_baseline",
        sa.column("id", sa.BigInteger()),
        sa.column("part", sa.String()),
        sa.column("code", sa.String()),
        sa.column("rule_pack", sa.String()),
        sa.column("definition", sa.JSON()),
    )
    for code, cited, standard_code in _LIMITED:
        known = connection.scalar(
            sa.select(standard.c.code).where(standard.c.code == standard_code)
        )
        row = connection.execute(
            sa.select(measure.c.id, measure.c.legal_basis, measure.c.standard_codes).where(
                measure.c.code == code
            )
        ).first()
        if known is None or row is None or cited not in (row.legal_basis or ""):
            continue
        if row.standard_codes:
            continue  # limited already: the credit authority's or a later pack's
        limited = [standard_code]
        connection.execute(
            measure.update().where(measure.c.id == row.id).values(standard_codes=limited)
        )
        kept = connection.execute(
            sa.select(baseline.c.id, baseline.c.definition).where(
                baseline.c.part == "measure",
                baseline.c.code == code,
                baseline.c.rule_pack == _PACK,
            )
        ).first()
        if kept is not None and not (kept.definition or {}).get("standard_codes"):
            connection.execute(
                baseline.update()
                .where(baseline.c.id == kept.id)
                .values(definition={**(kept.definition or {}), "standard_codes": limited})
            )


def downgrade() -> None:
    connection = op.get_bind()
    baseline = sa.table(
        "list_rule_pack_baseline",
        sa.column("id", sa.BigInteger()),
        sa.column("part", sa.String()),
        sa.column("definition", sa.JSON()),
    )
    for row in connection.execute(
        sa.select(baseline.c.id, baseline.c.definition).where(baseline.c.part == "measure")
    ).all():
        if "standard_codes" in (row.definition or {}):
            definition = {k: v for k, v in row.definition.items() if k != "standard_codes"}
            connection.execute(
                baseline.update().where(baseline.c.id == row.id).values(definition=definition)
            )
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), not by a batch
    # that copies the table: measure applications refer to the measures.
    op.drop_column("measure", "standard_codes")
