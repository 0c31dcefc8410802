"""Properties of RowValidator (pure, no database) on the Fuzhou penalty type: valid rows
validate, a blanked required field is exactly one ``required`` problem, extra columns never
crash it, a column named after prohibited content is always refused (Art. 11 ¶3), a NUL
anywhere in a value refuses the row, naming its field, and amounts and dates outside their
bounds (``validation.MAX_AMOUNT``, ``EARLIEST_DATE``, an end before the decision date) are
refused with their own codes, naming their field."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from decimal import Decimal
from functools import cache

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.collection_helpers import PENALTY
from tests.conftest import TEST_NOW
from xinyong.catalog.definitions import (
    PROHIBITED_TERMS,
    RecordTypeDefinition,
    prohibited_category,
    text_category,
)
from xinyong.catalog.service import parse_definition, read_rule_pack
from xinyong.collection.validation import (
    EARLIEST_DATE,
    MAX_AMOUNT,
    MAX_DECIMAL_PLACES,
    Problem,
    RowValidator,
    ValidRow,
)
from xinyong.identifiers import normalise
from xinyong.subjects import names
from xinyong.subjects.models import SubjectKind
from xinyong.synthetic import make_citizen_id, make_uscc

TODAY = TEST_NOW.date()
SETTINGS = settings(max_examples=100, deadline=None)


@cache
def penalty() -> RecordTypeDefinition:
    (data,) = [d for d in read_rule_pack() if d["code"] == PENALTY]
    return parse_definition(data)


def required_fields() -> list[str]:
    return [spec.name for spec in penalty().fields if spec.required]


# --- strategies --------------------------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_WORDISH = st.one_of(_CJK, st.characters(whitelist_categories=("Lu", "Ll", "Nd")))


def words(max_size: int) -> st.SearchStrategy[str]:
    """Text that is not blank after stripping, within a field's length, and that names no
    prohibited content (a person's free text naming it is refused, Art. 11 ¶3: a property
    about another problem would find that one too)."""
    return st.text(_WORDISH, min_size=1, max_size=max_size).filter(
        lambda text: text_category(names.simplified(text)) is None
    )


seeds = st.integers(min_value=0, max_value=2**32)
usccs = seeds.map(lambda seed: make_uscc(random.Random(seed)))
business_usccs = seeds.map(lambda seed: make_uscc(random.Random(seed), prefix="92"))
citizen_ids = seeds.map(lambda seed: make_citizen_id(random.Random(seed)))
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)
date_texts = st.tuples(dates, st.sampled_from(["-", "/"])).map(
    lambda pair: pair[0].isoformat().replace("-", pair[1])
)
# Every amount within the bounds: below 10^10, at most 6 places, written out in digits.
in_range_amounts = st.decimals(
    min_value=0,
    max_value=MAX_AMOUNT - Decimal("0.000001"),
    places=MAX_DECIMAL_PLACES,
    allow_nan=False,
    allow_infinity=False,
)
amounts = st.one_of(st.just(""), in_range_amounts.map(lambda number: format(number, "f")))


@st.composite
def valid_rows(draw: st.DrawFn) -> dict[str, str]:
    category = draw(st.sampled_from(["法人及非法人组织", "个体工商户", "自然人"]))
    row = {
        "subject_name": draw(words(60)),
        "subject_category": category,
        "decision_number": draw(words(128)),
        "violation_type": draw(words(200)),
        "violation_facts": draw(st.one_of(st.just(""), words(500))),
        "legal_basis": draw(words(300)),
        "penalty_category": draw(st.sampled_from(["罚款", "警告", "警告、罚款", "没收违法所得"])),
        "penalty_content": draw(words(300)),
        "fine_amount": draw(amounts),
        "decision_date": draw(date_texts),
        "publicity_deadline": "",
        "severity": draw(
            st.sampled_from(["", "minor", "general", "serious", "轻微", "一般", "严重"])
        ),
        "authority": draw(words(100)),
        "authority_uscc": draw(usccs),
        "source_unit": draw(words(100)),
        "source_unit_uscc": draw(usccs),
    }
    if draw(st.booleans()):  # an end of a period: never before the decision date
        decided = dt.date.fromisoformat(row["decision_date"].replace("/", "-"))
        for name in ("publicity_deadline", "penalty_valid_until"):
            end = draw(st.dates(min_value=decided, max_value=decided + dt.timedelta(days=3650)))
            row[name] = end.isoformat()
    if category == "自然人":
        row["id_type"] = draw(st.sampled_from(["身份证", "居民身份证", ""]))
        row["id_number"] = draw(citizen_ids)
    else:
        row["subject_uscc"] = draw(business_usccs if category == "个体工商户" else usccs)
        if draw(st.booleans()):
            row["legal_representative"] = draw(words(20))
            row["id_type"] = "身份证"
            row["id_number"] = draw(citizen_ids)
    if draw(st.booleans()):  # the 双公示 column headers instead of the field names
        labels = {spec.name: spec.label_zh for spec in penalty().fields}
        row = {labels[key]: value for key, value in row.items()}
    return row


def validate(row: dict[str, str], headers: list[str] | None = None) -> ValidRow | list[Problem]:
    validator = RowValidator(penalty(), headers or list(row), today=TODAY)
    return validator.validate(2, row)


def english(row: dict[str, str]) -> dict[str, str]:
    names = {spec.label_zh: spec.name for spec in penalty().fields}
    return {names.get(key, key): value for key, value in row.items()}


# --- properties --------------------------------------------------------------------------


@SETTINGS
@given(valid_rows())
def test_a_row_of_valid_values_validates(row: dict[str, str]) -> None:
    result = validate(row)
    assert isinstance(result, ValidRow), result
    plain = english(row)
    assert result.number == 2
    assert result.subject_name == plain["subject_name"]
    assert result.decision_date.isoformat() == plain["decision_date"].replace("/", "-")
    assert result.key_parts == (plain["decision_number"],)
    if plain["subject_category"] == "自然人":
        assert result.subject_kind is SubjectKind.NATURAL_PERSON
        assert (result.citizen_id, result.uscc) == (plain["id_number"], None)
    else:
        assert result.subject_kind is not SubjectKind.NATURAL_PERSON
        assert result.uscc == plain["subject_uscc"]
        assert result.citizen_id is None
    if "id_number" in plain:
        # The payload keeps the masked number only; the number itself goes to encryption.
        assert (
            result.payload["id_number"]
            == plain["id_number"][:6] + "*" * 8 + plain["id_number"][-4:]
        )
        assert result.sensitive["id_number"] == plain["id_number"]
        assert plain["id_number"] not in repr(result.payload)


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(required_fields()),
    # Characters nobody sees (format characters: zero-width, BOM, bidi controls) fill
    # nothing: a field made of them is blank (texts.visible).
    st.sampled_from(
        ["", " ", "\t", "\u3000 ", "\u200b", "\u200d\u2060", "\ufeff ", " \u202e\u200b"]
    ),
    st.booleans(),
)
def test_blanking_one_required_field_is_exactly_one_required_problem(
    row: dict[str, str], field: str, blank: str, drop_column: bool
) -> None:
    labels = {spec.name: spec.label_zh for spec in penalty().fields}
    key = field if field in row else labels[field]
    if drop_column:
        del row[key]  # the whole column is missing from the file
    else:
        row[key] = blank
    result = validate(row)
    assert isinstance(result, list), f"{field} blanked yet the row validated"
    assert [(p.code, p.field) for p in result] == [("required", field)]


INVISIBLE = st.sampled_from(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202e", "\u2066"]
)


@SETTINGS
@given(valid_rows(), st.data())
def test_characters_nobody_sees_change_nothing_in_a_valid_row(
    row: dict[str, str], data: st.DataObject
) -> None:
    """Format characters anywhere in any value: the row validates to exactly what it does
    without them, natural key and payload (hence its payload hash) included, so a source
    sending a record again with or without them sends the same record; none is kept."""
    clean = validate(row)
    assert isinstance(clean, ValidRow), clean
    sprinkled = {}
    for key, value in row.items():
        chars = list(value)
        for _ in range(data.draw(st.integers(0, 3), label=f"how many in {key}")):
            at = data.draw(st.integers(0, len(chars)), label="where")
            chars.insert(at, data.draw(INVISIBLE, label="which"))
        sprinkled[key] = "".join(chars)
    result = validate(sprinkled)
    assert result == clean
    assert isinstance(result, ValidRow)
    kept = [*result.payload.values(), *result.sensitive.values(), result.subject_name]
    assert not any(unicodedata.category(ch) == "Cf" for value in kept for ch in value)


extra_names = st.text(min_size=0, max_size=30)
extra_values = st.text(max_size=50)


@SETTINGS
@given(valid_rows(), st.dictionaries(extra_names, extra_values, max_size=6))
def test_random_extra_columns_never_crash_it(row: dict[str, str], extras: dict[str, str]) -> None:
    header_map = penalty().header_map()
    # A drawn name that is a field's header (its label, say) is that field, not an extra.
    extras = {
        name: value
        for name, value in extras.items()
        if name not in row and name.strip().lower() not in header_map
    }
    result = validate({**row, **extras}, [*row, *extras])
    # A NUL in an extra value refuses the row, named by its column, before anything else.
    expected = [
        ("nul_character", name, None)
        for name, value in extras.items()
        if "\x00" in value and name.strip().lower() not in header_map
    ]
    assume(not any("\x00" in v for n, v in extras.items() if n.strip().lower() in header_map))
    for name, value in extras.items():
        if name.strip().lower() in header_map or not value.strip():
            continue
        category = prohibited_category(name)
        if category:
            expected.append(("prohibited_content", name, "Art. 11 ¶3"))
    if not expected:
        assert isinstance(result, ValidRow), result
        return
    assert isinstance(result, list)
    assert [(p.code, p.field, p.article) for p in result] == expected


# Chinese terms match anywhere in a name; English ones as whole words (so "general_notes"
# is not taken for genes): the English examples get separators around them.
ENGLISH_EXAMPLES = (
    "religion",
    "religious",
    "faith",
    "gene",
    "genes",
    "genetic",
    "genome",
    "dna",
    "fingerprint",
    "fingerprints",
    "bloodtype",
    "disease",
    "illness",
    "medical",
    "diagnosis",
)
prohibited_terms = st.sampled_from(
    [term for terms in PROHIBITED_TERMS.values() for term in terms if not term.isascii()]
    + [f"_{word}_" for word in ENGLISH_EXAMPLES]
)


@SETTINGS
@given(
    valid_rows(),
    st.text(max_size=8),
    prohibited_terms,
    st.text(max_size=8),
    st.text(min_size=1, max_size=40).filter(lambda v: v.strip() != ""),
    st.booleans(),
)
def test_a_prohibited_named_column_with_a_value_is_always_refused(
    row: dict[str, str], before: str, term: str, after: str, value: str, upper: bool
) -> None:
    name = before + (term.upper() if upper else term) + after
    assume(name not in row and name.strip().lower() not in penalty().header_map())
    result = validate({**row, name: value}, [*row, name])
    assert isinstance(result, list), f"{name!r} = {value!r} was accepted"
    assert any(
        p.code == "prohibited_content" and p.field == name and p.article == "Art. 11 ¶3"
        for p in result
    ), result


@SETTINGS
@given(
    valid_rows(),
    st.data(),
    st.text(max_size=6),
    st.text(max_size=6),
)
def test_a_nul_in_any_value_refuses_the_row_naming_its_field(
    row: dict[str, str], data: st.DataObject, before: str, after: str
) -> None:
    key = data.draw(st.sampled_from(sorted(row)))
    row[key] = before + "\x00" + after
    result = validate(row)
    assert isinstance(result, list), "a value with a NUL was accepted"
    field = english({key: ""}).popitem()[0]  # the field's name, whatever the header
    nul = [(p.code, p.field) for p in result if p.code == "nul_character"]
    assert nul == [("nul_character", field)]
    # Its column is not checked again: no other problem names it.
    assert [p for p in result if p.field == field] == [
        p for p in result if p.code == "nul_character"
    ]
    assert all("\x00" not in p.message for p in result)


# --- bounds on amounts and dates ---------------------------------------------------------

AMOUNT_FIELDS = ["fine_amount", "confiscated_amount"]
DATE_FIELDS = ["decision_date", "penalty_valid_until", "publicity_deadline"]
END_FIELDS = ["penalty_valid_until", "publicity_deadline"]


def with_value(row: dict[str, str], field: str, value: str) -> dict[str, str]:
    """The row with one field set, under the header the row uses for it."""
    labels = {spec.name: spec.label_zh for spec in penalty().fields}
    key = labels[field] if labels["subject_name"] in row else field
    return {**row, key: value}


def only_problem(result: ValidRow | list[Problem]) -> tuple[str, str | None]:
    assert isinstance(result, list), "the value was accepted"
    assert len(result) == 1, result
    assert result[0].message
    return result[0].code, result[0].field


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(AMOUNT_FIELDS),
    in_range_amounts,
    st.sampled_from(["plain", "grouped", "trailing_zeros"]),
)
def test_an_amount_within_bounds_is_kept_exactly(
    row: dict[str, str], field: str, number: Decimal, style: str
) -> None:
    text = {
        "plain": format(number, "f"),
        "grouped": format(number, ",f"),
        "trailing_zeros": format(number, "f") + ("000" if "." in format(number, "f") else ".000"),
    }[style]
    result = validate(with_value(row, field, text))
    assert isinstance(result, ValidRow), result
    stored = result.payload[field]
    assert Decimal(stored) == number
    assert "E" not in stored
    assert "e" not in stored
    assert not stored.startswith("-")


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(AMOUNT_FIELDS),
    st.decimals(min_value=MAX_AMOUNT, max_value=Decimal(10) ** 400, places=0),
)
def test_an_amount_of_ten_billion_or_more_is_out_of_range(
    row: dict[str, str], field: str, number: Decimal
) -> None:
    result = validate(with_value(row, field, format(number, "f")))
    assert only_problem(result) == ("out_of_range", field)


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(AMOUNT_FIELDS),
    in_range_amounts,
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=0, max_value=20),
)
def test_more_than_six_decimal_places_is_refused(
    row: dict[str, str], field: str, number: Decimal, digit: int, zeros: int
) -> None:
    # A nonzero digit past the sixth place, whatever zeros come before it.
    text = format(number.quantize(Decimal("0.000001")), "f") + "0" * zeros + str(digit)
    result = validate(with_value(row, field, text))
    assert only_problem(result) == ("too_many_decimals", field)


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(AMOUNT_FIELDS),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.integers(min_value=-400, max_value=400),
    st.sampled_from(["e", "E"]),
)
def test_exponent_notation_is_refused_whatever_its_value(
    row: dict[str, str], field: str, number: Decimal, exponent: int, letter: str
) -> None:
    result = validate(with_value(row, field, f"{number}{letter}{exponent}"))
    assert only_problem(result) == ("exponent_notation", field)


@SETTINGS
@given(
    valid_rows(),
    st.sampled_from(DATE_FIELDS),
    st.dates(max_value=EARLIEST_DATE - dt.timedelta(days=1)),
)
def test_a_date_before_the_founding_of_the_prc_is_out_of_range(
    row: dict[str, str], field: str, day: dt.date
) -> None:
    result = validate(with_value(row, field, day.isoformat()))
    assert isinstance(result, list)
    # The date is refused by itself; no ordering problem is stacked on it.
    assert [(p.code, p.field) for p in result] == [("out_of_range", field)]


@SETTINGS
@given(valid_rows(), st.sampled_from(END_FIELDS), st.integers(min_value=1, max_value=20_000))
def test_an_end_before_the_decision_date_is_refused(
    row: dict[str, str], field: str, days_before: int
) -> None:
    decided = dt.date.fromisoformat(english(row)["decision_date"].replace("/", "-"))
    end = decided - dt.timedelta(days=days_before)
    assume(end >= EARLIEST_DATE)
    result = validate(with_value(row, field, end.isoformat()))
    assert only_problem(result) == ("before_decision_date", field)


@SETTINGS
@given(valid_rows(), st.sampled_from(END_FIELDS), st.integers(min_value=0, max_value=20_000))
def test_an_end_on_or_after_the_decision_date_is_accepted(
    row: dict[str, str], field: str, days_after: int
) -> None:
    decided = dt.date.fromisoformat(english(row)["decision_date"].replace("/", "-"))
    result = validate(with_value(row, field, (decided + dt.timedelta(days=days_after)).isoformat()))
    assert isinstance(result, ValidRow), result


@SETTINGS
@given(valid_rows(), st.data())
def test_a_formula_without_a_result_is_refused_naming_its_field_and_nothing_else(
    row: dict[str, str], data: st.DataObject
) -> None:
    flagged = data.draw(st.lists(st.sampled_from(sorted(row)), min_size=1, unique=True))
    for key in flagged:
        row[key] = ""  # as calamine reads the cell
    result = RowValidator(penalty(), list(row), today=TODAY).validate(2, row, tuple(flagged))
    assert isinstance(result, list)
    fields = sorted(english(dict.fromkeys(flagged, "")))
    assert sorted(p.field or "" for p in result if p.code == "formula_without_value") == fields
    # Not taken for a missing value, nor checked any further.
    assert not [p for p in result if p.field in fields and p.code != "formula_without_value"]


# --- problems never hold the row's values (rules.md; decision 0021) ------------------------

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@SETTINGS
@given(
    valid_rows(),
    st.data(),
    citizen_ids,
    st.sampled_from(["plain", "spaced", "full_width"]),
    st.sampled_from(["", "身份证 ", "号码："]),
)
def test_a_citizen_id_in_any_column_never_reaches_a_problem_in_clear(
    row: dict[str, str], data: st.DataObject, number: str, style: str, before: str
) -> None:
    """Swapped columns put a person's number where another value belongs (the document
    type, a name, a date); whatever problem that makes, it is kept after the row's content
    is erased and shown to whoever reads the batch: it must not give the number away."""
    typed = {
        "plain": number,
        "spaced": f"{number[:6]} {number[6:14]} {number[14:]}",
        "full_width": number.translate(FULL_WIDTH),
    }[style]
    # Any column, or one the type does not know (named by its header in a NUL's problem).
    key = data.draw(st.sampled_from([*sorted(row), typed]))
    row[key] = before + typed + ("\x00" if key == typed else "")
    result = validate(row, [*row])
    # A free-text column takes it (as a record's content, not a problem's).
    for problem in result if isinstance(result, list) else result.problems:
        for text in (problem.message, problem.field or ""):
            shown = normalise(text)
            assert number not in shown, problem
            assert number[:17] not in shown, problem


def test_a_refused_row_is_taken_for_a_persons_unless_it_says_otherwise() -> None:
    """What the pipeline asks of a row that did not validate, to decide whether its values
    may be kept (Art. 11; decision 0021): a person's in doubt, never for a type about
    organisations only."""
    person_id = make_citizen_id(random.Random(3))
    company = make_uscc(random.Random(4))
    validator = RowValidator(
        penalty(), ["subject_category", "subject_uscc", "id_number", "fine_amount"], today=TODAY
    )
    about = validator.about_person
    assert about({"subject_category": "自然人", "id_number": person_id}) == (True, person_id, False)
    assert about({"subject_category": "", "id_number": person_id + "1"}) == (True, None, False)
    assert about({"subject_category": "某类", "subject_uscc": ""}) == (True, None, False)
    representative = {"subject_uscc": company, "id_number": person_id}
    assert about({"subject_category": "法人及非法人组织", **representative})[0] is False
    assert about({"subject_category": "", **representative})[0] is False
    (data,) = [d for d in read_rule_pack() if d["code"] == "registration"]
    registration = parse_definition(data)
    assert "natural_person" not in registration.subject_kinds
    assert RowValidator(registration, ["subject_name"], today=TODAY).about_person({}) == (
        False,
        None,
        False,
    )
