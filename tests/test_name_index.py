"""The name search's index of character pairs (``subject_name_pair``; decision 0012, session
20 addendum): every way an organisation's name is written writes its pairs, a natural
person's never, and the search through the index finds exactly what weighing every name
finds, in the same order."""

# Fixtures imported from tests.collection_helpers are requested by name.
# ruff: noqa: F811

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    ingest,
    new_uscc,
    penalty_row,
    person_penalty_row,
)
from tests.factories import CompanyFactory, PersonFactory, World
from xinyong import demo
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.subjects import name_index, names, pairs
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectKind, SubjectName, SubjectNamePair


def indexed(db: Session) -> set[tuple[int, int, int]]:
    return {
        (row.pair, row.core_length, row.subject_id)
        for row in db.execute(
            select(SubjectNamePair.pair, SubjectNamePair.core_length, SubjectNamePair.subject_id)
        )
    }


def expected(db: Session) -> set[tuple[int, int, int]]:
    """The rows the organisations' stored names call for."""
    named = db.execute(
        select(SubjectName.subject_id, SubjectName.normalised, SubjectName.core)
        .join(Subject, Subject.id == SubjectName.subject_id)
        .where(Subject.kind != SubjectKind.NATURAL_PERSON)
    )
    return set(pairs.rows_of_names((sid, norm, core) for sid, norm, core in named))


def keys_of(name: str) -> set[int]:
    return pairs.entries(names.normalise_name(name), names.core_name(name))


# --- what is indexed --------------------------------------------------------------------


def test_a_name_is_indexed_by_the_pairs_a_query_can_look_for() -> None:
    found = keys_of("福州新榕食品有限公司")
    # The core's pairs and last character; where the name meets its area and legal form.
    for pair in ("新榕", "榕食", "食品", "州新", "品有"):
        assert pairs.key(*pair) in found
    assert pairs.key("品") in found
    # Not the pairs that area names and legal forms make among themselves.
    for pair in ("福州", "有限", "限公", "公司"):
        assert pairs.key(*pair) not in found
    assert pairs.key("司") not in found


def test_a_query_made_only_of_areas_and_legal_forms_is_not_looked_up_by_pair() -> None:
    for query in ("福州", "有限公司", "福州市鼓楼区", "州"):
        norm = names.normalise_name(query)
        core = names.core_name(query) or norm
        assert pairs.probes(norm, core, subjects._bigrams(core)[:12]) is None, query
    # A trade name in them is looked up: 长安 is neither an area nor a legal form.
    assert pairs.probes("长安", "长安", ["长安"]) is not None


# --- every way a name is written writes its pairs ------------------------------------------


def test_a_registered_organisation_is_indexed_by_its_name_and_former_names(
    db: Session, world: World
) -> None:
    company = CompanyFactory(name="福州新榕食品有限公司", former_names=("福州榕城食品店",))
    PersonFactory(name="新榕食品")  # a person: never searched by name, never indexed
    assert indexed(db) == expected(db)
    mine = {row for row in indexed(db) if row[2] == company.id}
    assert (pairs.key("榕", "城"), len("榕城食品"), company.id) in mine
    assert (pairs.key("新", "榕"), len("新榕食品"), company.id) in mine


def test_a_rename_indexes_the_new_name_and_keeps_the_former(
    db: Session, clock: FixedClock, world: World
) -> None:
    company = CompanyFactory(name="福州海峡物流有限公司")
    before = indexed(db)
    subjects.rename(db, clock, SYSTEM_ACTOR, company, "福州闽江供应链管理有限公司")
    after = indexed(db)
    assert before < after
    assert after == expected(db)
    assert (pairs.key("海", "峡"), len("海峡物流"), company.id) in after
    assert (pairs.key("供", "应"), len("闽江供应链管理"), company.id) in after
    # Renamed back: the rows it needs are there already, and none is written twice.
    subjects.rename(db, clock, SYSTEM_ACTOR, company, "福州海峡物流有限公司")
    assert indexed(db) == after


def test_a_batch_indexes_the_organisations_it_registers_and_not_the_persons(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    code = new_uscc()
    regulator: Organisation = world.organisations["regulator"]
    rows = [
        penalty_row(world, subject_uscc=code, subject_name="福州闽江新榕贸易有限公司"),
        person_penalty_row(world, NEW_PERSON_ID, "赵某某"),
    ]
    report = ingest(db, clock, regulator, rows)
    assert report.batch.new_subjects == 2
    company = subjects.by_uscc(db, code)
    person = subjects.by_citizen_id(db, NEW_PERSON_ID)
    assert company is not None
    assert person is not None
    assert indexed(db) == expected(db)
    assert {row[2] for row in indexed(db)} >= {company.id}
    assert person.id not in {row[2] for row in indexed(db)}
    found = subjects.search_organisations(db, "闽江新榕贸易").hits
    assert [hit.subject.id for hit in found][:1] == [company.id]


def test_the_demo_indexes_every_organisation(db: Session, clock: FixedClock) -> None:
    from xinyong import bootstrap

    bootstrap.load_rule_pack(db, clock)
    demo.seed(db, clock, extra_companies=5)
    assert indexed(db)
    assert indexed(db) == expected(db)


# --- the search through the index finds what weighing every name finds --------------------

# Names made of few characters, so that they share pairs, contain one another and have cores
# of many lengths; with areas and legal forms (whose pairs are not indexed) before and after,
# parentheses, a Traditional spelling, noise, and the characters of areas and legal forms.
_MIDDLE = st.one_of(
    st.sampled_from("新榕食品"),
    st.sampled_from(
        ("新榕", "食品", "科技", "长安", "貿", "·", "a", "(福州)", "（闽侯）", "福", "司")
    ),
)
_AREAS = ("", "", "福州", "鼓楼区", "福州市鼓楼区", "长乐市")
_FORMS = ("", "", "有限公司", "股份有限公司", "店", "(个体工商户)", "有限公司分公司")


@st.composite
def _names(draw: st.DrawFn) -> str:
    middle = "".join(draw(st.lists(_MIDDLE, min_size=1, max_size=7)))
    return draw(st.sampled_from(_AREAS)) + middle + draw(st.sampled_from(_FORMS))


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, str]], list[str]]:
    registered = draw(st.lists(_names(), min_size=1, max_size=20))
    renames = draw(st.lists(st.tuples(st.integers(0, len(registered) - 1), _names()), max_size=2))
    pieces = st.one_of(
        _names(),
        st.text(alphabet="新榕食品", min_size=1, max_size=4),
        st.sampled_from(registered),
        st.sampled_from(registered).flatmap(
            lambda name: st.tuples(st.integers(0, len(name)), st.integers(0, len(name))).map(
                lambda ij: name[min(ij) : max(ij)]
            )
        ),
    )
    queries = draw(st.lists(pieces, min_size=1, max_size=6))
    return registered, renames, queries


@pytest.fixture
def read_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key long, read a row at a time, one organisation listed: what a million names
    and a common pair do, with a handful."""
    monkeypatch.setattr(name_index, "SHORT", 0)
    monkeypatch.setattr(name_index, "PAGE", 1)
    monkeypatch.setattr(subjects, "SEARCH_CANDIDATE_LIMIT", 1)


def test_a_name_holding_the_query_further_off_in_length_is_still_found_first(
    db: Session, world: World, read_one_at_a_time: None
) -> None:
    """品有 is where 食品 meets 有限公司 in the first name (its normalised name holds the
    query), and in the second name's core, which stands higher however much longer it is:
    the reading does not stop at the first name, closer in length."""
    CompanyFactory(name="福州新食品有限公司")
    holding = CompanyFactory(name="福州新品有榕科技长安有限公司")
    assert subjects._candidate_ids(db, "品有") == [holding.id]
    assert subjects._candidate_ids(db, "品有") == _weighed_throughout(db, "品有")


@pytest.mark.parametrize("rounds", [0, 2])
def test_a_name_sharing_two_pairs_further_off_in_length_is_still_found_first(
    db: Session,
    world: World,
    read_one_at_a_time: None,
    monkeypatch: pytest.MonkeyPatch,
    rounds: int,
) -> None:
    """No name has 丁新, so none holds 丁新榕食: 新榕科技 and 榕食科技 share one pair each
    with it, at its length; 新榕长榕食 shares two, a character longer, and comes first
    (found by reading on, or from the index as holding both)."""
    monkeypatch.setattr(name_index, "PAGED_ROUNDS", rounds)
    CompanyFactory(name="福州新榕科技有限公司")
    CompanyFactory(name="福州榕食科技有限公司")
    both = CompanyFactory(name="福州新榕长榕食有限公司")
    assert subjects._candidate_ids(db, "丁新榕食") == [both.id]
    assert subjects._candidate_ids(db, "丁新榕食") == _weighed_throughout(db, "丁新榕食")


def test_a_name_holding_the_whole_core_two_characters_longer_is_still_found_first(
    db: Session, world: World, read_one_at_a_time: None
) -> None:
    """新榕食品 holds 榕食品有 only across its legal form (有限公司), at the query's length;
    names sharing one pair each lie a character off; 榕食品有科技 holds the query's core
    two characters off, and comes first: while a name not read yet could hold all three
    pairs, reading goes on."""
    CompanyFactory(name="福州新榕食品有限公司")
    for filler in ("榕食科技长", "食品科技长", "品有科技长"):
        CompanyFactory(name=f"福州{filler}有限公司")
    holding = CompanyFactory(name="福州榕食品有科技有限公司")
    assert subjects._candidate_ids(db, "榕食品有") == [holding.id]
    assert subjects._candidate_ids(db, "榕食品有") == _weighed_throughout(db, "榕食品有")


def _weighed_throughout(db: Session, query: str) -> list[int]:
    """The candidates as the search found them before the index: every name weighed."""
    norm = names.normalise_name(query)
    core = names.core_name(query) or norm
    pairs_of_core = subjects._bigrams(core)[:12]
    if not pairs_of_core:
        return []
    return subjects._weighed_throughout(db, *subjects._weighing(norm, core, pairs_of_core))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=_cases(),
    short=st.sampled_from([0, 1, 2, 1000]),
    page=st.sampled_from([1, 2, 3, 500]),
    rounds=st.sampled_from([0, 1, 2]),
    limit=st.sampled_from([1, 2, 3, 5, 500]),
)
def test_the_index_finds_what_weighing_every_name_finds(
    db: Session,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[list[str], list[tuple[int, str]], list[str]],
    short: int,
    page: int,
    rounds: int,
    limit: int,
) -> None:
    # Small reading sizes, so that a dozen names take the paths a million do.
    monkeypatch.setattr(name_index, "SHORT", short)
    monkeypatch.setattr(name_index, "PAGE", page)
    monkeypatch.setattr(name_index, "PAGED_ROUNDS", rounds)
    monkeypatch.setattr(subjects, "SEARCH_CANDIDATE_LIMIT", limit)
    registered, renames, queries = case
    rng = random.Random(len(registered))
    with db.begin_nested() as example:
        codes: set[str] = set()
        organisations = []
        for name in registered:
            code = _new_code(rng, codes)
            if not names.normalise_name(name):
                continue
            organisations.append(
                subjects.register_organisation(db, clock, SYSTEM_ACTOR, name=name, uscc=code)
            )
        for which, new_name in renames:
            if organisations and names.normalise_name(new_name):
                company = organisations[which % len(organisations)]
                subjects.rename(db, clock, SYSTEM_ACTOR, company, new_name)
        assert indexed(db) == expected(db)
        for query in queries:
            if not query.strip():
                continue
            assert subjects._candidate_ids(db, query) == _weighed_throughout(db, query), query
        example.rollback()


def _new_code(rng: random.Random, taken: set[str]) -> str:
    from xinyong.synthetic import make_uscc

    code = make_uscc(rng)
    while code in taken:
        code = make_uscc(rng)
    taken.add(code)
    return code
