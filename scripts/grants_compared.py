"""The supervision list of grants at N consents (+ N/4 authorisations) on PostgreSQL.

    PYTHONPATH=<src> python scripts/grants_compared.py URL build N     # migrate (to --rev), fill
    PYTHONPATH=<src> python scripts/grants_compared.py URL time        # a page of 50, each filter

Fills with INSERT ... SELECT generate_series: N/4 persons, 20 grantees (4 in 鼓楼区), each
consent naming 1-3 of 8 catalog types (1 in 20 all types "*"), a tenth with a signed form,
a tenth revoked, a tenth expired, given over 2 years. Times supervised_grants (the access-log
entries and audit event included), rolled back, best of 3.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import random
import sys
import time

for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from xinyong.accounts import service as accounts  # noqa: E402
from xinyong.accounts.models import Organisation, OrganisationKind, Role, UserAccount  # noqa: E402
from xinyong.accounts.permissions import SYSTEM_ACTOR  # noqa: E402
from xinyong.catalog import service as catalog  # noqa: E402
from xinyong.clock import FixedClock  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.disclosure import grant_supervision as gs  # noqa: E402
from xinyong.synthetic import make_uscc  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)
TYPES = [
    "administrative_penalty",
    "contract_performance",
    "social_insurance_arrears",
    "administrative_license",
    "major_tax_violation",
    "court_judgment_defaulter",
    "honour",
    "utility_arrears",
]


def build(url: str, n: int, rev: str) -> None:
    engine = make_engine(url)
    upgrade(engine, rev)
    clock = FixedClock(NOW)
    with Session(engine) as session:
        have = session.scalar(text("SELECT count(*) FROM record_type"))
        if not have:
            catalog.load_rule_pack(session, clock)
            session.commit()
        known = set(session.scalars(text("SELECT code FROM record_type")))
        missing = [t for t in TYPES if t not in known]
        if missing:
            print("not in catalog:", missing, sorted(known)[:40], file=sys.stderr)
            sys.exit(2)
        if not session.scalar(
            select(Organisation.id).where(Organisation.name == "bench authority")
        ):
            authority = accounts.create_organisation(
                session,
                clock,
                SYSTEM_ACTOR,
                code=make_uscc(random.Random(1), prefix="11"),
                name="bench authority",
                kind=OrganisationKind.CREDIT_AUTHORITY,
            )
            session.add(
                UserAccount(
                    username="bench_authority",
                    display_name="b",
                    password_hash="x",
                    role=Role.CREDIT_AUTHORITY_OFFICER,
                    organisation_id=authority.id,
                    active=True,
                    created_at=NOW,
                )
            )
            for i in range(20):
                org = accounts.create_organisation(
                    session,
                    clock,
                    SYSTEM_ACTOR,
                    code=make_uscc(random.Random(100 + i), prefix="91"),
                    name=f"bench grantee {i}",
                    kind=OrganisationKind.ENTERPRISE,
                )
                if i < 4:
                    org.jurisdiction = "350102"
            session.commit()
        orgs = list(
            session.scalars(
                select(Organisation.id)
                .where(Organisation.name.like("bench grantee %"))
                .order_by(Organisation.id)
            )
        )
        have_c = session.scalar(text("SELECT count(*) FROM consent")) or 0
        add = n - have_c
        if add <= 0:
            print(f"already {have_c} consents")
            return
        persons = max(n // 4, 1)
        have_p = (
            session.scalar(text("SELECT count(*) FROM subject WHERE reference LIKE 'BP%'")) or 0
        )
        session.execute(
            text(
                "INSERT INTO subject (kind, reference, name, name_normalised, uscc_unverified, "
                "citizen_id_masked, division, created_at) "
                "SELECT 'natural_person', 'BP' || lpad(g::text, 10, '0'), '测试' || g, '测试' || g, false, "
                "'350102********' || lpad((g % 10000)::text, 4, '0'), '350102', :now "
                "FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) g"
            ),
            {"a": have_p + 1, "b": persons, "now": NOW},
        )
        first_p = session.scalar(text("SELECT min(id) FROM subject WHERE reference LIKE 'BP%'"))
        types_sql = "ARRAY[" + ",".join(f"'{t}'" for t in TYPES) + "]"
        orgs_sql = "ARRAY[" + ",".join(str(o) for o in orgs) + "]"
        codes = (
            f"CASE WHEN g % 20 = 0 THEN '[\"*\"]' "
            f"WHEN g % 3 = 0 THEN '[\"' || ({types_sql})[1 + g % 8] || '\"]' "
            f"WHEN g % 3 = 1 THEN '[\"' || ({types_sql})[1 + g % 8] || '\", \"' || ({types_sql})[1 + (g / 8) % 8] || '\"]' "
            f"ELSE '[\"' || ({types_sql})[1 + g % 8] || '\", \"' || ({types_sql})[1 + (g/7) % 8] || '\", \"' || ({types_sql})[1 + (g/11) % 8] || '\"]' END"
        )
        granted = "(CAST(:now AS timestamptz) - ((g::bigint * 7919) % 730) * interval '1 day' - (g % 86400) * interval '1 second')"
        session.execute(
            text(
                "INSERT INTO consent (subject_id, grantee_organisation_id, record_type_codes, written, "
                "adverse_consequences_notified, evidence, valid_from, valid_until, granted_at, revoked_at, revocation) "
                "WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM subject WHERE reference LIKE 'BP%') "
                f"SELECT p.id, ({orgs_sql})[1 + (g * 13) % 20], ({codes})::json, true, true, 'e', "
                f"{granted}::date, CASE WHEN g % 10 = 1 THEN ({granted})::date + 10 ELSE NULL END, "
                f"{granted}, CASE WHEN g % 10 = 2 THEN {granted} + interval '1 day' END, "
                "CASE WHEN g % 10 = 2 THEN 'subject' END "
                "FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) g "
                "JOIN p ON p.n = (g * 31) % CAST(:persons AS integer)"
            ),
            {"a": have_c + 1, "b": n, "now": NOW, "p0": first_p, "persons": persons},
        )
        session.execute(
            text(
                "INSERT INTO consent_form (consent_id, kind, ciphertext) "
                "SELECT id, 'pdf', 'x' FROM consent c WHERE id % 10 = 0 "
                "AND NOT EXISTS (SELECT 1 FROM consent_form f WHERE f.consent_id = c.id)"
            )
        )
        have_a = session.scalar(text("SELECT count(*) FROM authorisation")) or 0
        session.execute(
            text(
                "INSERT INTO authorisation (subject_id, grantee_organisation_id, record_type_codes, purpose, "
                "valid_until, evidence_kind, evidence_sha256, granted_at, revoked_at) "
                "WITH p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM subject WHERE reference LIKE 'BP%') "
                f"SELECT p.id, ({orgs_sql})[1 + (g * 17) % 20], "
                f"(CASE WHEN g % 2 = 0 THEN '[\"' || ({types_sql})[1 + g % 8] || '\"]' ELSE "
                f"'[\"' || ({types_sql})[1 + g % 8] || '\", \"credit_status\"]' END)::json, 'p', "
                f"({granted})::date + 365, 'signed_in_page', repeat('0', 64), {granted}, "
                f"CASE WHEN g % 10 = 2 THEN {granted} + interval '1 day' END "
                "FROM generate_series(CAST(:a AS integer), CAST(:b AS integer)) g "
                "JOIN p ON p.n = (g * 37) % CAST(:persons AS integer)"
            ),
            {"a": have_a + 1, "b": n // 4, "now": NOW, "p0": first_p, "persons": persons},
        )
        # Every authorisation given keeps its evidence (``authorisations.grant``).
        session.execute(
            text(
                "INSERT INTO authorisation_form (authorisation_id, ciphertext) "
                "SELECT id, 'x' FROM authorisation a "
                "WHERE NOT EXISTS (SELECT 1 FROM authorisation_form f WHERE f.authorisation_id = a.id)"
            )
        )
        session.commit()
        # Filled by hand, so the child tables too when they exist (the migration back-fills
        # only what is there when it runs).
        session.execute(text("ANALYZE"))
        session.commit()
    print("built", n)


CASES = [
    ("consent", "no filter", {}),
    ("consent", "grantee", {"grantee": "GRANTEE3"}),
    ("consent", "scope contract_performance", {"scope": "contract_performance"}),
    ("consent", "scope utility_arrears", {"scope": "utility_arrears"}),
    ("consent", "status active", {"status": "active"}),
    ("consent", "status revoked", {"status": "revoked"}),
    ("consent", "signed form kept", {"signed_form": True}),
    ("consent", "signed form none", {"signed_form": False}),
    ("consent", "one day", {"since": dt.date(2026, 6, 1), "until": dt.date(2026, 6, 1)}),
    (
        "consent",
        "scope + grantee + active",
        {"scope": "major_tax_violation", "grantee": "GRANTEE5", "status": "active"},
    ),
    ("consent", "last page (offset 100000 or end)", "LAST"),
    ("consent", "district (鼓楼区)", "DISTRICT"),
    ("authorisation", "no filter", {}),
    ("authorisation", "scope major_tax_violation", {"scope": "major_tax_violation"}),
    ("authorisation", "one day", {"since": dt.date(2026, 6, 1), "until": dt.date(2026, 6, 1)}),
]


def timing(url: str) -> None:
    engine = make_engine(url)
    clock = FixedClock(NOW)
    with Session(engine) as session:
        city = accounts.actor_for_user(
            session.scalars(
                select(UserAccount).where(UserAccount.username == "bench_authority")
            ).one()
        )
        n_c = session.scalar(text("SELECT count(*) FROM consent"))
        n_a = session.scalar(text("SELECT count(*) FROM authorisation"))
        rev = session.scalar(text("SELECT version_num FROM alembic_version"))
    print(f"revision {rev}: {n_c} consents, {n_a} authorisations")
    for kind, label, params in CASES:
        actor = city
        offset = 0
        if isinstance(params, dict) and params.get("grantee", "").startswith("GRANTEE"):
            with Session(engine) as session:
                params = {
                    **params,
                    "grantee": session.scalar(
                        select(Organisation.code).where(
                            Organisation.name == f"bench grantee {params['grantee'][7:]}"
                        )
                    ),
                }
        if params == "LAST":
            params = {}
            offset = min(gs.MAX_OFFSET, n_c - 50)
        if params == "DISTRICT":
            params = {}
            with Session(engine) as session:
                # a district officer, made once and rolled back each time
                pass
        best = None
        total = None
        for _ in range(3):
            with Session(engine) as session:
                if label.startswith("district"):
                    org = session.scalar(
                        select(Organisation).where(Organisation.name == "bench district")
                    )
                    if org is None:
                        org = accounts.create_organisation(
                            session,
                            clock,
                            SYSTEM_ACTOR,
                            code=make_uscc(random.Random(2), prefix="11"),
                            name="bench district",
                            kind=OrganisationKind.CREDIT_AUTHORITY,
                        )
                        org.jurisdiction = "350102"
                        session.add(
                            UserAccount(
                                username="bench_district",
                                display_name="d",
                                password_hash="x",
                                role=Role.CREDIT_AUTHORITY_OFFICER,
                                organisation_id=org.id,
                                active=True,
                                created_at=NOW,
                            )
                        )
                        session.commit()
                    actor = accounts.actor_for_user(
                        session.scalars(
                            select(UserAccount).where(UserAccount.username == "bench_district")
                        ).one()
                    )
                started = time.perf_counter()
                page = gs.supervised_grants(
                    session, clock, actor, gs.Filters(kind=kind, **params), offset=offset
                )
                took = time.perf_counter() - started
                session.rollback()
            total = page.total
            best = took if best is None else min(best, took)
        print(
            f"{kind:14} {label:36} total {total:>7}  shown {len(page.items):>3}  {best * 1000:8.1f} ms"
        )


if __name__ == "__main__":
    url, what = sys.argv[1], sys.argv[2]
    if what == "build":
        build(url, int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "head")
    else:
        timing(url)
