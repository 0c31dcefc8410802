"""grant revocation: a consent (Art. 11) and a written authorisation (Art. 13 ¶3) keep why
they were revoked (``revocation``) — by the person, by the credit authority supervising the
grantee, or by the system when the grantee's register entry was deregistered and its code
registered again (``institutions.register._end_grants_of_deregistered``) — so that the
person's lists say why a grant ended (Art. 24; decision 0024 addendum, session 24).

Revocations made before are back-filled from the audit trail, which records each one once
(``consent.revoke``, ``authorisation.revoke``): by the system (or naming the deregistered
entry), the grantee registered again; by a subject account, the person; any other staff, the
credit authority. A revoked grant the trail does not name stays NULL: the lists say the
reason was not recorded.

Revision ID: 0067
Revises: 0066
Create Date: 2026-12-18 09:00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0067"
down_revision: str | None = "0066"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GRANTS = (
    ("consent", "consent.revoke", "consent_id"),
    ("authorisation", "authorisation.revoke", "authorisation_id"),
)


def _revocation(actor_kind: str, actor_role: str | None, details: dict[str, Any]) -> str:
    if actor_kind == "system" or "deregistered_entry" in details:
        return "grantee_registered_again"
    if actor_role == "subject":
        return "subject"
    return "credit_authority"


def upgrade() -> None:
    for table, _action, _key in _GRANTS:
        op.add_column(table, sa.Column("revocation", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    for table, action, key in _GRANTS:
        found: dict[int, str] = {}
        for actor_kind, actor_role, details in bind.execute(
            sa.text(
                "SELECT actor_kind, actor_role, details FROM audit_event "
                "WHERE action = :action ORDER BY sequence"
            ),
            {"action": action},
        ):
            # JSON comes back decoded from PostgreSQL, as text from SQLite.
            values = json.loads(details) if isinstance(details, str) else (details or {})
            grant_id = values.get(key)
            if isinstance(grant_id, int) and grant_id not in found:
                found[grant_id] = _revocation(actor_kind, actor_role, values)
        for grant_id, revocation in found.items():
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET revocation = :revocation "  # noqa: S608 - fixed names
                    "WHERE id = :id AND revoked_at IS NOT NULL AND revocation IS NULL"
                ),
                {"revocation": revocation, "id": grant_id},
            )


def downgrade() -> None:
    # In place, not by a batch: SQLite (3.35 on) drops a plain column itself, and copying
    # ``consent`` would break ``consent_form``'s foreign key to it.
    for table, _action, _key in _GRANTS:
        op.drop_column(table, "revocation")
