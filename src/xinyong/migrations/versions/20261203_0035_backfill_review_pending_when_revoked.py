"""record_version.review_pending_when_revoked filled in for revocations made before 0026, so
the reinstatement reads the fact from the revoking version alone (decision 0028, addendum)

Each revoking version (reason "revoked by source (…)") that says nothing gets what the
reinstatement used to derive from the history: the record was waiting unless a
confidentiality review version followed the source's last content before the revocation
(created or updated by the source), and content from the subject's own declaration never
waits. Whether that content waited is read from the record type's rule at the upgrade: its
latest city rule, or the latest rule of the source's district (even one suspended by a
later city revision: when in doubt, it waits), asking for a review before publicity of a
published severity. Other versions stay NULL.

Downgrade leaves the values: a revocation's fact stays true, and the code before 0035
reads a stored value first.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the code wrote them when this migration was made (collection.revocation,
# collection.pipeline, disclosure.review); copied, as a migration must not change with them.
_REVOKED = "revoked by source"
_CONTENT = ("created by source", "updated by source")
_REVIEW = "confidentiality review:"
_CITY = "350100"

_version = sa.table(
    "record_version",
    sa.column("id", sa.BigInteger()),
    sa.column("record_id", sa.BigInteger()),
    sa.column("version_no", sa.Integer()),
    sa.column("reason", sa.String()),
    sa.column("severity", sa.String()),
    sa.column("review_pending_when_revoked", sa.Boolean()),
)
_record = sa.table(
    "credit_record",
    sa.column("id", sa.BigInteger()),
    sa.column("record_type_id", sa.BigInteger()),
    sa.column("source_organisation_id", sa.BigInteger()),
)
_organisation = sa.table(
    "organisation", sa.column("id", sa.BigInteger()), sa.column("jurisdiction", sa.String())
)
_rule = sa.table(
    "record_type_version",
    sa.column("record_type_id", sa.BigInteger()),
    sa.column("jurisdiction", sa.String()),
    sa.column("version_no", sa.Integer()),
    sa.column("definition", sa.JSON()),
)


def _reviews(definition: Any, severity: str) -> bool:
    """Whether a rule (a stored ``RecordTypeDefinition``) queues content of ``severity``
    for review: public, published for that severity, review before publicity."""
    disclosure = (definition or {}).get("disclosure") or {}
    period = (disclosure.get("periods") or {}).get(severity)
    return bool(
        disclosure.get("review_before_publicity")
        and disclosure.get("mode") == "public"
        and period is not None
        and period.get("published", True)
    )


def upgrade() -> None:
    connection = op.get_bind()
    revocations = connection.execute(
        sa.select(
            _version.c.id,
            _version.c.record_id,
            _version.c.version_no,
            _record.c.record_type_id,
            _organisation.c.jurisdiction,
        )
        .join(_record, _record.c.id == _version.c.record_id)
        .join(_organisation, _organisation.c.id == _record.c.source_organisation_id)
        .where(
            _version.c.reason.like(f"{_REVOKED}%"),
            _version.c.review_pending_when_revoked.is_(None),
        )
        .order_by(_version.c.id)
    ).all()
    latest: dict[tuple[int, str], Any] = {}

    def rule(record_type_id: int, jurisdiction: str) -> Any:
        key = (record_type_id, jurisdiction)
        if key not in latest:
            latest[key] = connection.execute(
                sa.select(_rule.c.definition)
                .where(
                    _rule.c.record_type_id == record_type_id,
                    _rule.c.jurisdiction == jurisdiction,
                )
                .order_by(_rule.c.version_no.desc())
                .limit(1)
            ).scalar()
        return latest[key]

    for version_id, record_id, version_no, record_type_id, jurisdiction in revocations:
        earlier = connection.execute(
            sa.select(_version.c.reason, _version.c.severity)
            .where(_version.c.record_id == record_id, _version.c.version_no < version_no)
            .order_by(_version.c.version_no.desc())
        ).all()
        pending = False
        for reason, severity in earlier:
            if reason.startswith(_REVIEW):
                break
            if reason in _CONTENT:
                pending = any(
                    _reviews(rule(record_type_id, area), severity)
                    for area in {_CITY, jurisdiction or _CITY}
                )
                break
        connection.execute(
            sa.update(_version)
            .where(_version.c.id == version_id)
            .values(review_pending_when_revoked=pending)
        )


def downgrade() -> None:
    pass
