"""Art. 28 industry statistics withhold a count fed by fewer than k subjects, however many
records it counts (review r4 finding 1; decision 0024, addendum of session 17): one
person's five contract breaches made a shown cell "5" in the row of his ID number's
district, which pointed at him."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import json
import uuid

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.collection_helpers import (  # noqa: F401
    catalog_loaded,
    citizen_id_of,
    collection_world,
    fast_password_hashing,
)
from tests.factories import World, auth_headers
from tests.test_consent import consent_world, give_consent  # noqa: F401
from tests.test_institution_statistics import _linearly_determined, _withheld
from tests.test_statistics_releases import release_month
from xinyong.catalog.models import DISTRICTS
from xinyong.institutions.suppression import Suppression, extend, suppress_together

K = 5


def test_one_persons_records_are_withheld_however_many(
    client: TestClient, consent_world: World
) -> None:
    world = consent_world
    person, bank = world.subjects["person"], world.organisations["bank"]
    give_consent(client, bank.code, ["contract_performance"])
    citizen_id = citizen_id_of(person)
    rows = [
        {
            "subject_name": person.name,
            "subject_category": "自然人",
            "id_type": "身份证",
            "id_number": citizen_id,
            "contract_number": f"FZB-{n}",
            "breach_description": "逾期未还款",
            "breach_date": f"2026-10-0{n + 1}",
            "amount_owed": "1.2",
            "counterparty": bank.name,
        }
        for n in range(K)
    ]
    sent = client.post(
        "/api/v1/batches",
        params={"type": "contract_performance"},
        content=json.dumps(rows, ensure_ascii=False).encode(),
        headers={
            **auth_headers(client, "bank_clerk"),
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["created"] == K, sent.text
    # The month released, as the daily job does once it has ended (decision 0055).
    release_month(consent_world.session)

    found = client.get("/api/v1/industry-statistics").json()
    tables = {t["key"]: t for t in found["tables"]}
    (row,) = [r for r in tables["records_by_district"]["rows"] if r["row"] == citizen_id[:6]]
    assert row["cells"]["negative"] == {"value": None, "suppressed": True}, row
    assert row["total"] == {"value": None, "suppressed": True}, row
    # Nowhere is the count shown: not in the table by kind (the bank's row is his alone).
    (bank_row,) = [
        r
        for r in tables["records_by_organisation_kind"]["rows"]
        if r["row"] == "financial_institution"
    ]
    assert bank_row["cells"]["negative"]["suppressed"], bank_row
    csv_text = client.get(
        "/api/v1/industry-statistics.csv", headers={"Accept-Language": "zh-CN"}
    ).text
    district_name = dict(DISTRICTS)[citizen_id[:6]]
    assert f"records_by_district,{citizen_id[:6]},{district_name},negative,*" in csv_text
    assert "records_by_district,total,合计,negative," in csv_text


def test_a_large_count_of_few_subjects_is_withheld_and_cannot_be_worked_out() -> None:
    # One subject's nine records beside counts of many subjects each.
    cells = [[9, 20], [12, 30]]
    subjects = [[1, 20], [12, 30]]
    (table,) = suppress_together([cells], K, [extend(subjects)])
    assert table.marks[0][0] is Suppression.WITHHELD
    assert table.values[0][0] == 9  # the count, not the subjects, is what is shown
    hidden = _withheld([table.marks])
    assert len(hidden) > 1
    assert _linearly_determined([extend(cells)], hidden) == set()
    # Without the subjects, nothing is small: all shown.
    (unaware,) = suppress_together([cells], K)
    assert _withheld([unaware.marks]) == []


def _population() -> st.SearchStrategy[tuple[list[list[int]], list[list[int]]]]:
    """A table of counts and the subjects behind each cell (at most the count, at least
    one where the count is not zero)."""
    cell = st.integers(0, 12).flatmap(lambda n: st.tuples(st.just(n), st.integers(min(n, 1), n)))
    return st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(
        lambda shape: st.lists(
            st.lists(cell, min_size=shape[1], max_size=shape[1]),
            min_size=shape[0],
            max_size=shape[0],
        ).map(lambda rows: ([[c for c, _s in r] for r in rows], [[s for _c, s in r] for r in rows]))
    )


@settings(max_examples=80, deadline=None)
@given(_population())
def test_no_count_of_fewer_than_k_subjects_is_shown_nor_worked_out(
    population: tuple[list[list[int]], list[list[int]]],
) -> None:
    cells, subjects = population
    # Each subject in one cell here: the totals' subjects add up.
    behind = extend(subjects)
    (table,) = suppress_together([cells], K, [behind])
    for values, marks, people in zip(table.values, table.marks, behind, strict=True):
        for value, mark, n in zip(values, marks, people, strict=True):
            if 0 < n < K:
                assert mark is Suppression.WITHHELD
            if mark is Suppression.WITHHELD:
                assert value > 0
    hidden = _withheld([table.marks])
    if hidden:
        assert _linearly_determined([extend(cells)], hidden) == set()
