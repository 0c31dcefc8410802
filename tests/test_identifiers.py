"""Unified social credit codes (GB 32100-2015) and citizen ID numbers (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xinyong.identifiers import _ID_LAYOUTS as ID_LAYOUTS
from xinyong.identifiers import (
    CITIZEN_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    IdentifierCheck,
    IdentifierError,
    IdentifierKind,
    InvalidIdentifier,
    birth_date_of,
    check,
    check_citizen_id,
    check_uscc,
    citizen_id_check_character,
    mask_citizen_id,
    normalise,
    normalise_division_code,
    organisation_code_check_character,
    require_citizen_id,
    require_uscc,
    uscc_check_character,
)

TODAY = dt.date(2025, 6, 1)

# The example database would be written into the working tree; deadlines flake on busy CI.
PROPERTY = settings(database=None, deadline=None, max_examples=300)
# All-digit USCCs are drawn as random codes kept when every check character is a digit
# (about one in three): the filtering is the point, not a slow strategy.
PROPERTY_DIGITS_ONLY = settings(PROPERTY, suppress_health_check=[HealthCheck.filter_too_much])

USCC_EXAMPLES = [
    "91350100M000100Y43",
    "914403001922038216",
    "91110108551385082Q",
    "91350100MG59YK161P",
    "91350100T5A3HDXJ4X",
    "91350100WWAPA40225",
    "923501008HFML5U07D",
    "113501000036441868",
]
CITIZEN_EXAMPLES = ["11010519491231002X", "350102199403157723"]


def with_citizen_check(first17: str) -> str:
    return first17 + citizen_id_check_character(first17)


def with_uscc_checks(first16: str) -> str:
    first17 = first16 + organisation_code_check_character(first16[8:16])
    return first17 + uscc_check_character(first17)


def wrong_last(code: str, choices: str) -> str:
    return code[:-1] + next(ch for ch in choices if ch != code[-1])


# --- strategies ------------------------------------------------------------------------------


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    return with_uscc_checks(draw(st.text(alphabet=USCC_ALPHABET, min_size=16, max_size=16)))


@st.composite
def valid_citizen_ids(draw: st.DrawFn) -> str:
    address = draw(st.integers(min_value=100000, max_value=999999))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return with_citizen_check(f"{address}{born:%Y%m%d}{sequence:03d}")


# --- the examples from the rules -------------------------------------------------------------


@pytest.mark.parametrize("code", USCC_EXAMPLES)
def test_uscc_examples_validate(code: str) -> None:
    result = check_uscc(code)
    assert result.valid, result.error
    assert result.kind is IdentifierKind.USCC
    assert result.normalised == code
    assert result.masked == code
    assert result.error is None
    assert require_uscc(code) == code
    assert check(code, today=TODAY).kind is IdentifierKind.USCC


@pytest.mark.parametrize("code", USCC_EXAMPLES)
def test_uscc_examples_pass_the_organisation_code_check(code: str) -> None:
    assert organisation_code_check_character(code[8:16]) == code[16]


def test_organisation_code_letters_use_the_gb11714_values() -> None:
    # The GB 11714 textbook example D2143569-X; D is 13 there and in the USCC alphabet.
    assert organisation_code_check_character("D2143569") == "X"
    # G is 16 in GB 11714 but 16 is also its USCC index; Y is 34 in GB 11714 but 30 in the
    # USCC alphabet. Only the GB 11714 value gives the real code's position 17.
    assert organisation_code_check_character("MG59YK16") == "1"


def test_check_character_functions_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="17"):
        uscc_check_character("91350100M000100Y")
    with pytest.raises(ValueError, match="alphabet"):
        uscc_check_character("91350100M000100YI")
    with pytest.raises(ValueError, match="8"):
        organisation_code_check_character("M000100")
    with pytest.raises(ValueError, match="8"):
        organisation_code_check_character("m000100Y")
    with pytest.raises(ValueError, match="17"):
        citizen_id_check_character("3501021994031577")
    with pytest.raises(ValueError, match="17"):
        citizen_id_check_character("3501021994031577X")


@pytest.mark.parametrize("number", CITIZEN_EXAMPLES)
def test_citizen_id_examples_validate(number: str) -> None:
    result = check_citizen_id(number, today=TODAY)
    assert result.valid, result.error
    assert result.kind is IdentifierKind.CITIZEN_ID
    assert result.normalised == number
    assert result.masked == number[:6] + "********" + number[-4:]
    assert require_citizen_id(number, today=TODAY) == number
    assert check(number, today=TODAY).kind is IdentifierKind.CITIZEN_ID


def test_birth_date_of() -> None:
    assert birth_date_of("11010519491231002X") == dt.date(1949, 12, 31)
    assert birth_date_of("350102 19940315 7723") == dt.date(1994, 3, 15)
    with pytest.raises(InvalidIdentifier) as excinfo:
        birth_date_of("350102199302297723")
    assert excinfo.value.error.code == "birth_date"
    with pytest.raises(InvalidIdentifier) as excinfo:
        birth_date_of("35010219940315772")
    assert excinfo.value.error.code == "length"


# --- each error code -------------------------------------------------------------------------


def uscc_error(raw: str) -> IdentifierError:
    result = check_uscc(raw)
    assert not result.valid
    assert result.error is not None
    return result.error


def citizen_error(raw: str, today: dt.date = TODAY) -> IdentifierError:
    result = check_citizen_id(raw, today=today)
    assert not result.valid
    assert result.error is not None
    return result.error


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", " - ", "\u200b"])
def test_empty(raw: str) -> None:
    assert uscc_error(raw).code == "empty"
    assert citizen_error(raw).code == "empty"
    result = check(raw, today=TODAY)
    assert result.error is not None
    assert result.error.code == "empty"
    assert result.kind is None


@pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100Y433", "9"])
def test_uscc_length(raw: str) -> None:
    error = uscc_error(raw)
    assert error.code == "length"
    assert f"(got {len(raw)})" in error.message


@pytest.mark.parametrize("raw", ["35010219940315772", "3501021994031577233"])
def test_citizen_id_length(raw: str) -> None:
    assert citizen_error(raw).code == "length"


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ("91350100I000100Y43", 9),  # I is never used: it reads as 1
        ("91350100M0O0100Y43", 11),  # nor O, S, V and Z
        ("S1350100M000100Y43", 1),
        ("91350100M000100Y4Z", 18),
        ("91350100M000100Y4!", 18),
        ("91350100M000100中43", 16),
    ],
)
def test_uscc_charset(raw: str, position: int) -> None:
    error = uscc_error(raw)
    assert error.code == "charset"
    assert f"character {position} " in error.message


@pytest.mark.parametrize(
    ("raw", "position"),
    [
        ("3501A2199403157723", 5),
        ("35010219940315772Y", 18),
        ("X50102199403157723", 1),
        ("35010219940315772٣", 18),  # an Arabic-Indic three: a digit, but not one of ours
    ],
)
def test_citizen_id_charset(raw: str, position: int) -> None:
    error = citizen_error(raw)
    assert error.code == "charset"
    assert f"character {position} " in error.message


def test_uscc_check_character_names_the_expected_character() -> None:
    error = uscc_error("91350100M000100Y44")
    assert error.code == "check_character"
    assert "'3'" in error.message


def test_uscc_organisation_code_check_is_its_own_error() -> None:
    # Position 17 wrong but position 18 recomputed to match: the shape of a real code that
    # was issued with a bad organisation code, registrable only by override.
    first17 = "91350100M000100Y" + "5"
    code = first17 + uscc_check_character(first17)
    error = uscc_error(code)
    assert error.code == "organisation_code_check"
    assert "'4'" in error.message
    with pytest.raises(InvalidIdentifier) as excinfo:
        require_uscc(code)
    assert excinfo.value.error.code == "organisation_code_check"


def test_position_18_failure_wins_over_position_17() -> None:
    assert uscc_error("91350100M000100Y53").code == "check_character"


def test_citizen_id_check_character_does_not_reveal_the_expected_character() -> None:
    first = citizen_error("350102199403157724")
    second = citizen_error("11010519491231002")  # wrong length: a different error
    third = citizen_error("110105194912310021")
    assert first.code == third.code == "check_character"
    assert second.code == "length"
    # One fixed message whatever the number: nothing in it depends on the digits.
    assert first.message == third.message


def test_citizen_id_address_code() -> None:
    assert citizen_error(with_citizen_check("05010219940315772")).code == "address_code"


def test_future_birth_date() -> None:
    number = with_citizen_check("35010220250602772")
    error = citizen_error(number)
    assert error.code == "birth_date"
    assert "future" in error.message
    # Born today is fine.
    assert check_citizen_id(with_citizen_check("35010220250601772"), today=TODAY).valid


def test_birth_date_before_1900() -> None:
    error = citizen_error(with_citizen_check("35010218991231772"))
    assert error.code == "birth_date"
    assert "1900-01-01" in error.message
    assert check_citizen_id(with_citizen_check("35010219000101772"), today=TODAY).valid


@pytest.mark.parametrize(
    "date", ["19930229", "19000229", "19941301", "19940431", "19940300", "19940132", "19941900"]
)
def test_impossible_birth_dates(date: str) -> None:
    number = with_citizen_check(f"350102{date}772")
    assert citizen_error(number).code == "birth_date"
    # Without a kind, anything shaped like a date keeps it a citizen ID: masked, and with
    # the birth date as the error rather than a USCC check character.
    result = check(number, today=TODAY)
    assert result.kind is IdentifierKind.CITIZEN_ID
    assert result.error is not None
    assert result.error.code == "birth_date"


def test_feb_29_on_a_leap_year_is_fine() -> None:
    assert check_citizen_id(with_citizen_check("35010220000229772"), today=TODAY).valid
    assert check_citizen_id(with_citizen_check("35010219960229772"), today=TODAY).valid


# --- normalisation and masking ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        " 91350100M000100Y43 ",
        "9135 0100 M000 100Y 43",
        "91350100-M000100Y4-3",
        "91350100\u3000M000100Y43",
        "９１３５０１００Ｍ０００１００Ｙ４３",
        "91350100m000100y43",
        "91350100–M000100Y43",  # en dash
        "91350100—M000100Y43",  # em dash
        "91350100－M000100Y43",  # full-width hyphen-minus
        "91350100\u2212M000100Y43",  # minus sign
        "91350100\u200bM000100Y43\t\n",
    ],
)
def test_normalise_uscc(raw: str) -> None:
    assert normalise(raw) == "91350100M000100Y43"
    assert check_uscc(raw).valid


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "110105 19491231 002X",
        "110105-19491231-002x",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u300019491231\u3000002Ｘ",
    ],
)
def test_normalise_citizen_id(raw: str) -> None:
    assert normalise(raw) == "11010519491231002X"
    assert require_citizen_id(raw, today=TODAY) == "11010519491231002X"


def test_normalise_only_folds_ascii_case() -> None:
    # "ß".upper() is "SS": folding it would make junk longer and closer to a valid shape.
    assert normalise("ß") == "ß"


def test_mask_citizen_id() -> None:
    assert mask_citizen_id("350102199403157723") == "350102********7723"
    with pytest.raises(InvalidIdentifier) as excinfo:
        mask_citizen_id("3501021994031577")
    assert excinfo.value.error.code == "length"


def test_uscc_masked_is_normalised() -> None:
    result = check_uscc("91350100m000100y43")
    assert result.masked == result.normalised == "91350100M000100Y43"


# --- results as dictionaries -----------------------------------------------------------------


def test_as_dict_valid_uscc() -> None:
    assert check_uscc("91350100M000100Y43").as_dict() == {
        "valid": True,
        "kind": "uscc",
        "normalised": "91350100M000100Y43",
        "masked": "91350100M000100Y43",
        "error": None,
    }


def test_as_dict_invalid_uscc_keeps_the_public_code() -> None:
    body = check_uscc("91350100M000100Y44").as_dict()
    assert body["normalised"] == body["masked"] == "91350100M000100Y44"
    assert isinstance(body["error"], dict)
    assert body["error"]["code"] == "check_character"
    assert set(body["error"]) == {"code", "message"}


def test_as_dict_valid_citizen_id() -> None:
    assert check_citizen_id("350102199403157723", today=TODAY).as_dict() == {
        "valid": True,
        "kind": "citizen_id",
        "normalised": "350102199403157723",
        "masked": "350102********7723",
        "error": None,
    }


def test_as_dict_invalid_citizen_id_hides_the_number() -> None:
    body = check_citizen_id("350102199403157724", today=TODAY).as_dict()
    assert body["valid"] is False
    assert body["normalised"] is None
    assert body["masked"] == "350102********7724"
    short = check_citizen_id("35010219940315772", today=TODAY).as_dict()
    assert short["normalised"] is None
    assert short["masked"] is None


def test_repr_does_not_show_the_number() -> None:
    assert "350102199403157723" not in repr(check_citizen_id("350102199403157723", today=TODAY))


# --- kind detection --------------------------------------------------------------------------


def test_kind_given_explicitly() -> None:
    result = check("350102199403157723", today=TODAY, kind=IdentifierKind.USCC)
    assert result.kind is IdentifierKind.USCC
    assert not result.valid
    result = check("91350100M000100Y43", today=TODAY, kind=IdentifierKind.CITIZEN_ID)
    assert result.kind is IdentifierKind.CITIZEN_ID
    assert result.error is not None
    assert result.error.code == "charset"


@pytest.mark.parametrize(
    ("raw", "kind", "code"),
    [
        # letters other than a trailing X: a USCC
        ("91350100M000100Y44", IdentifierKind.USCC, "check_character"),
        ("35010219940315772A", IdentifierKind.USCC, "check_character"),
        ("91350100M000100Y4", IdentifierKind.USCC, "length"),
        # digits with a plausible date at 7-14: a citizen ID, whatever the length
        ("350102199403157724", IdentifierKind.CITIZEN_ID, "check_character"),
        ("35010219940315772", IdentifierKind.CITIZEN_ID, "length"),
        ("3501021994031577X", IdentifierKind.CITIZEN_ID, "length"),
        ("350102209903157723", IdentifierKind.CITIZEN_ID, "birth_date"),
        # digits without one: a USCC
        ("914403001922038217", IdentifierKind.USCC, "check_character"),
        ("1234", IdentifierKind.USCC, "length"),
    ],
)
def test_kind_guessed_for_errors(raw: str, kind: IdentifierKind, code: str) -> None:
    result = check(raw, today=TODAY)
    assert not result.valid
    assert result.kind is kind
    assert result.error is not None
    assert result.error.code == code


def test_a_number_valid_as_both_kinds_is_treated_as_a_citizen_id() -> None:
    number = "66341619240401954X"
    assert check_uscc(number).valid
    assert check_citizen_id(number, today=TODAY).valid
    result = check(number, today=TODAY)
    assert result.kind is IdentifierKind.CITIZEN_ID
    assert result.masked == "663416********954X"


# --- exceptions ------------------------------------------------------------------------------


def test_invalid_identifier() -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        require_citizen_id("350102199403157724", today=TODAY)
    exc = excinfo.value
    assert isinstance(exc, ValueError)
    assert exc.error.code == exc.code == "check_character"
    assert exc.kind is IdentifierKind.CITIZEN_ID
    assert exc.field is None
    assert str(exc) == exc.error.message
    assert "350102199403157724" not in str(exc)
    assert InvalidIdentifier(exc.error, field="id_number").field == "id_number"
    with pytest.raises(InvalidIdentifier, match="18 characters"):
        require_uscc("91350100M000100Y4")


# --- properties ------------------------------------------------------------------------------


def test_every_single_substitution_changes_the_checksums() -> None:
    # d·w ≢ 0 (mod p) for every non-zero difference d and weight w, as p is prime: the
    # reason a single substituted character can never keep the check character valid.
    for weight in USCC_WEIGHTS:
        assert all((d * weight) % 31 for d in range(1, 31))
    for weight in CITIZEN_ID_WEIGHTS:
        assert all((d * weight) % 11 for d in range(1, 10))


@PROPERTY
@given(valid_usccs())
def test_generated_usccs_validate(code: str) -> None:
    assert check_uscc(code).valid
    assert require_uscc(code.lower()) == code
    result = check(code, today=TODAY)
    assert result.valid
    # An all-digit code can happen to be a valid citizen ID too, and then is treated as one.
    if result.kind is IdentifierKind.CITIZEN_ID:
        assert check_citizen_id(code, today=TODAY).valid


@PROPERTY
@given(valid_usccs(), st.data())
def test_any_uscc_substitution_is_caught_by_position_18(code: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=17))
    replacement = data.draw(st.sampled_from([ch for ch in USCC_ALPHABET if ch != code[index]]))
    mutated = code[:index] + replacement + code[index + 1 :]
    assert uscc_check_character(mutated[:17]) != mutated[17]
    assert uscc_error(mutated).code == "check_character"


@PROPERTY
@given(valid_citizen_ids())
def test_generated_citizen_ids_validate(number: str) -> None:
    result = check_citizen_id(number, today=TODAY)
    assert result.valid
    assert result.normalised == number
    assert birth_date_of(number) == dt.datetime.strptime(number[6:14], "%Y%m%d").date()
    assert check(number, today=TODAY).kind is IdentifierKind.CITIZEN_ID


@PROPERTY
@given(valid_citizen_ids(), st.data())
def test_any_citizen_id_substitution_is_caught(number: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=17))
    allowed = "0123456789X" if index == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([ch for ch in allowed if ch != number[index]]))
    mutated = number[:index] + replacement + number[index + 1 :]
    assert citizen_id_check_character(mutated[:17]) != mutated[17]
    assert citizen_error(mutated).code in {"check_character", "birth_date", "address_code"}


@PROPERTY
@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


@PROPERTY
@given(st.text(alphabet="0123456789abcxyzXABC \u3000-–０ｘ\u0301ß\u200b"))
def test_normalise_is_idempotent_on_identifier_like_text(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


@PROPERTY
@given(valid_citizen_ids())
def test_masked_citizen_id_never_equals_the_number(number: str) -> None:
    masked = mask_citizen_id(number)
    assert masked != number
    assert number[6:14] not in masked
    assert len(masked) == len(number)


def citizen_id_variants(number: str) -> list[str]:
    """Realistically broken copies of a number, each still identifying its holder."""
    return [
        number,
        wrong_last(number, "0123456789X"),
        number[:-1],
        number + "1",
        number[:4] + "A" + number[5:],
        number[:6] + "2099" + number[10:],
        number[:6] + "1899" + number[10:],
        number[:10] + "13" + number[12:],
        "0" + number[1:],
        f" {number[:6]}-{number[6:14]}-{number[14:].lower()} ",
    ]


@PROPERTY
@given(valid_citizen_ids())
def test_messages_never_contain_the_number(number: str) -> None:
    for raw in citizen_id_variants(number):
        normalised = normalise(raw)
        results: list[IdentifierCheck] = [
            check_citizen_id(raw, today=TODAY),
            check(raw, today=TODAY),
        ]
        for result in results:
            if result.kind is not IdentifierKind.CITIZEN_ID:
                continue
            if result.error is not None:
                assert normalised not in result.error.message
                assert raw not in result.error.message
                assert number[6:14] not in result.error.message
                assert not re.search(r"\d{5,}", result.error.message)
                # An invalid number is not handed back either, only masked.
                assert normalised not in str(result.as_dict())
            assert normalised not in repr(result)
            assert result.masked != normalised


def _uscc_check_by_the_standard(first17: str) -> str:
    """GB 32100-2015 section 5 as written: C18 = 31 - MOD(Σ Ci × Wi, 31), 31 read as 0."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _organisation_check_by_the_standard(eight: str) -> str:
    """GB 11714-1997: C9 = 11 - MOD(Σ Ci × Wi, 11), 10 written X and 11 written 0."""
    values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    total = sum(
        values.index(ch) * w for ch, w in zip(eight, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


@PROPERTY
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_character_is_the_standards_weighted_sum(first17: str) -> None:
    # The implementation reads the code as a base-34 numeral (34 ≡ 3 mod 31); the standard's
    # sum over the weights must give the same character for every body.
    assert uscc_check_character(first17) == _uscc_check_by_the_standard(first17)


@PROPERTY
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_organisation_code_check_character_is_the_standards_weighted_sum(eight: str) -> None:
    assert organisation_code_check_character(eight) == _organisation_check_by_the_standard(eight)


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@PROPERTY
@given(st.from_regex(r"\A[0-9]{6}\Z"), st.data())
def test_a_division_code_typed_in_full_width_digits_is_the_same_code(
    code: str, data: st.DataObject
) -> None:
    typed = "".join(ch.translate(FULL_WIDTH) if data.draw(st.booleans()) else ch for ch in code)
    assert normalise_division_code(typed) == code
    assert normalise_division_code(f" {typed} ") == code


@PROPERTY
@given(st.text(max_size=12))
def test_a_division_code_is_six_ascii_digits_or_none(raw: str) -> None:
    code = normalise_division_code(raw)
    assert code is None or (len(code) == 6 and code.isascii() and code.isdigit())


@pytest.mark.parametrize("raw", ["35010", "3501023", "35O102", "٣٥٠١٠٢", "३५०१०२", ""])
def test_what_is_not_a_division_code(raw: str) -> None:
    # Other scripts' digits pass str.isdigit() and \\d, but no code is written in them.
    assert normalise_division_code(raw) is None


# --- citizen IDs in free text ----------------------------------------------------------------


def test_the_separators_a_text_is_searched_with_are_those_normalise_removes() -> None:
    """``_SEPARATOR_RANGES`` is written out for speed; it must say what ``_is_separator``
    does, for every code point (a new Python may bring a new Unicode version)."""
    import sys

    from xinyong.identifiers import _SEPARATOR_RANGES, _is_separator

    listed = {c for first, last in _SEPARATOR_RANGES for c in range(first, last + 1)}
    separators = {c for c in range(sys.maxunicode + 1) if _is_separator(chr(c))}
    assert listed == separators


FULL_WIDTH_ID = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def typed_as(number: str, style: str) -> str:
    """A citizen ID as people type or paste it."""
    return {
        "plain": number,
        "lower_x": number.lower(),
        "hyphens": f"{number[:6]}-{number[6:14]}-{number[14:]}",
        "spaces": f"{number[:6]} {number[6:14]} {number[14:]}",
        "ideographic_spaces": f"{number[:6]}\u3000{number[6:14]}\u3000{number[14:]}",
        "en_dashes": f"{number[:6]}\u2013{number[6:14]}\u2013{number[14:]}",
        "zero_width": "\u200b".join(number),
        "full_width": number.translate(FULL_WIDTH_ID),
    }[style]


STYLES = [
    "plain",
    "lower_x",
    "hyphens",
    "spaces",
    "ideographic_spaces",
    "en_dashes",
    "zero_width",
    "full_width",
]


@PROPERTY
@given(
    valid_citizen_ids(),
    st.sampled_from(STYLES),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), max_size=10),
    # Latin letters next to it hide nothing (review r18: "…7723A" was taken for a longer code).
    st.sampled_from(["", "（身份证号", "：", "号码 ", "ID", "ｉｄ"]),
    st.sampled_from(["", "）", "。", " 已整改", "A", "abc", "Ｚ"]),
)
def test_a_citizen_id_in_free_text_is_found_however_it_was_typed(
    number: str, style: str, words: str, before: str, after: str
) -> None:
    from xinyong.identifiers import holds_citizen_id

    assert holds_citizen_id(f"{words}{before}{typed_as(number, style)}{after}{words}", today=TODAY)


@PROPERTY
@given(valid_citizen_ids(), st.data())
def test_a_citizen_id_with_a_typo_is_found_too(number: str, data: st.DataObject) -> None:
    """A person's number with one wrong digit is still that person's (as ``check`` treats
    it): found unless the typo makes it a valid code of an organisation."""
    from xinyong.identifiers import holds_citizen_id

    position = data.draw(st.sampled_from([0, 1, 2, 3, 4, 5, 14, 15, 16, 17]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]))
    typo = number[:position] + digit + number[position + 1 :]
    assert holds_citizen_id(f"当事人{typo}", today=TODAY) or check_uscc(typo).valid


@pytest.mark.parametrize(
    "text",
    [
        "统一社会信用代码914403001922038216",  # an organisation's code, digits only
        "统一社会信用代码91350100M000100Y43",
        "身份证号350102********7723",  # masked, as the platform shows one
        "2024-01-15 2024-02-20 2024-03-01",
        "案号（2024）闽0102执1234号",
        "罚款人民币 15000 元，没收违法所得 2300 元",
        "35010219940315772",  # 17 digits: no number of either kind
        "3501021994031577231",  # 19 digits: part of a longer number
        "",
    ],
)
def test_what_is_not_a_citizen_id_in_free_text(text: str) -> None:
    from xinyong.identifiers import holds_citizen_id

    assert not holds_citizen_id(text, today=TODAY)


def test_a_run_of_digits_before_an_id_typed_with_spaces_does_not_hide_it() -> None:
    from xinyong.identifiers import holds_citizen_id, redact_citizen_ids

    text = "编号 111111111111 350102 199403157723"
    assert holds_citizen_id(text, today=TODAY)
    assert redact_citizen_ids(text) == "编号 111111111111 350102********7723"


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    st.sampled_from(["plain", "hyphens", "spaces", "encoded_spaces", "full_width", "encoded"]),
    st.sampled_from(["/api/v1/identifiers/{}", "/search?q={}&lang=en", "/subjects?q=x{}"]),
)
def test_a_citizen_id_in_a_logged_url_is_masked_however_it_was_typed(
    number: str, style: str, url: str
) -> None:
    """The platform reads an ID number with separators, percent-encoded or in full-width
    digits; the log must not keep what the platform would have read as one."""
    from urllib.parse import quote

    from xinyong.identifiers import redact_citizen_ids

    typed = {
        "plain": number,
        "hyphens": f"{number[:6]}-{number[6:14]}-{number[14:]}",
        "spaces": f"{number[:6]} {number[6:14]} {number[14:]}",
        "encoded_spaces": f"{number[:6]}%20{number[6:14]}%20{number[14:]}",
        "full_width": number.translate(FULL_WIDTH_ID),
        "encoded": quote(number.translate(FULL_WIDTH_ID)),
    }[style]
    logged = redact_citizen_ids(url.format(typed))
    assert f"{number[:6]}********{number[14:]}" in logged
    assert number[6:14] not in logged.replace("-", "").replace(" ", "").replace("%20", "")


def test_a_second_citizen_id_typed_otherwise_in_the_same_url_is_masked_too() -> None:
    from xinyong.identifiers import redact_citizen_ids

    logged = redact_citizen_ids(
        "/x?q=350102198006286439&r=%EF%BC%93%EF%BC%95%EF%BC%90104198507161872"
    )
    assert "19800628" not in logged
    assert "19850716" not in logged
    assert "350102********6439" in logged
    assert "350104********1872" in logged


def test_a_text_without_a_number_to_mask_is_returned_as_it_is() -> None:
    from xinyong.identifiers import redact_citizen_ids

    for text in ("not a date: use YYYY-MM-DD", "列 '血型' 含有血型", "a+b%zz 100%", ""):
        assert redact_citizen_ids(text) == text


# --- what a text to be published is refused for: as ``check`` reads a number -----------------

# An all-digit code of a public institution in 平潭 (350128): positions 7-14 read "28070922",
# a birth date in 2807, and position 18 fits the citizen ID check too.
PINGTAN_USCC = "123501280709224734"
# The county-level divisions of Fuzhou (GB/T 2260), the city's own among them.
FUZHOU_DIVISIONS = [
    "350100", "350102", "350103", "350104", "350105", "350111", "350112", "350121",
    "350122", "350123", "350124", "350125", "350128", "350181", "350182",
]  # fmt: skip


@st.composite
def all_digit_usccs(draw: st.DrawFn, divisions: list[str] | None = None) -> str:
    """Valid codes written in digits only, as many public institutions' and firms' are."""
    head = draw(st.from_regex(r"\A[0-9]{2}\Z"))
    division = draw(st.sampled_from(divisions) if divisions else st.from_regex(r"\A[0-9]{6}\Z"))
    body = draw(st.integers(min_value=0, max_value=10**8 - 1))
    # The next body whose check character is a digit (about one in three): rejecting the
    # others with ``assume`` made Hypothesis draw three times over, a tenth of the module.
    for step in range(200):
        code = with_uscc_checks(f"{head}{division}{(body + step) % 10**8:08d}")
        if code.isdigit():
            return code
    assume(False)
    raise AssertionError("unreachable")


def test_a_valid_uscc_whose_digits_read_as_a_future_birth_date_is_not_a_citizen_id() -> None:
    from xinyong import published_text
    from xinyong.identifiers import holds_citizen_id

    today = dt.date(2026, 12, 5)
    assert check(PINGTAN_USCC, today=today).kind is IdentifierKind.USCC
    text = f"某单位（统一社会信用代码{PINGTAN_USCC}）连续三年守法经营。"
    assert not holds_citizen_id(text, today=today)
    published_text.refuse_citizen_ids({"narrative": text}, today=today)


@PROPERTY_DIGITS_ONLY
@given(all_digit_usccs(FUZHOU_DIVISIONS))
def test_no_valid_uscc_registered_in_fuzhou_is_taken_for_a_citizen_id(code: str) -> None:
    from xinyong.identifiers import holds_citizen_id

    assert not holds_citizen_id(f"统一社会信用代码{code}", today=TODAY)


@PROPERTY_DIGITS_ONLY
@given(all_digit_usccs())
def test_a_valid_uscc_is_taken_for_a_citizen_id_only_where_check_reads_it_as_one(
    code: str,
) -> None:
    """A number valid as both (a birth date by today, and both codes' check characters: about
    one valid citizen ID in 340) is read as a citizen ID, as ``check`` reads it, so that a
    person's number is never published for an organisation's."""
    from xinyong.identifiers import holds_citizen_id

    as_citizen = check(code, today=TODAY).kind is IdentifierKind.CITIZEN_ID
    assert holds_citizen_id(f"代码{code}", today=TODAY) is as_citizen


def test_a_number_valid_as_both_kinds_is_refused() -> None:
    from xinyong.identifiers import holds_citizen_id

    both = next(
        code
        for n in range(100000)
        if check_uscc(code := with_uscc_checks(f"11011919{n:08d}")).valid
        and code.isdigit()
        and check_citizen_id(code, today=TODAY).valid
    )
    assert check(both, today=TODAY).kind is IdentifierKind.CITIZEN_ID
    assert holds_citizen_id(f"代码{both}", today=TODAY)


def _grouped(number: str, layout: tuple[int, ...], separators: list[str]) -> str:
    groups, at = [], 0
    for length in layout:
        groups.append(number[at : at + length])
        at += length
    typed = groups[0]
    for group, separator in zip(groups[1:], separators, strict=False):
        typed += separator + group
    return typed


@PROPERTY
@given(
    valid_citizen_ids(),
    st.sampled_from(sorted(ID_LAYOUTS)),
    st.lists(st.sampled_from([" ", "-", " - ", "\u3000", "\u2013", "\u00a0", "- "]), min_size=17),
    st.sampled_from(["", "身份证号", "（", "号码："]),
)
def test_a_valid_citizen_id_typed_in_groups_as_people_type_one_is_refused(
    number: str, layout: tuple[int, ...], separators: list[str], before: str
) -> None:
    from xinyong import published_text
    from xinyong.errors import InvalidInput

    text = f"{before}{_grouped(number, layout, separators)}，已整改"
    with pytest.raises(InvalidInput) as refused:
        published_text.refuse_citizen_ids({"reasons": text}, today=TODAY)
    assert (refused.value.code, refused.value.field) == ("citizen_id_in_text", "reasons")


@pytest.mark.parametrize(
    "text",
    [
        "分三期缴纳 100000 200000 300000 元",
        "分三期缴纳 100000-200000-300000 元",
        "罚没款 350102 199403 157723 元",  # the digits of an ID, but grouped as amounts
        "编号 350102\n19940315\n7723",  # one number to a line: three numbers
        "350102\t19940315\t7723",  # cells of a pasted table row
        "350102  19940315  7723",  # more than one space: not typed as one number
        "350102 -- 19940315 -- 7723",
    ],
)
def test_separate_numbers_side_by_side_are_not_a_citizen_id_in_a_published_text(
    text: str,
) -> None:
    from xinyong import published_text
    from xinyong.identifiers import holds_citizen_id

    assert not holds_citizen_id(text, today=TODAY)
    published_text.refuse_citizen_ids({"means": text}, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "编号 350102\n19940315\n7723",
        "350102\t19940315\t7723",
        "350102  19940315  7723",
        "350102 199403 157723",
        "/search?q=350102%20%2019940315%20%207723",
        "GET /api/v1/subjects?q=350102199403157723A HTTP/1.1",  # review r18
    ],
)
def test_a_log_masks_an_id_typed_however_loosely(text: str) -> None:
    """The log filter reads more than a published text is refused for: there masking too
    much costs nothing."""
    from xinyong.identifiers import redact_citizen_ids

    logged = redact_citizen_ids(text)
    assert "350102********7723" in logged
    assert "19940315" not in logged.replace("\n", "").replace("\t", "").replace(" ", "")


def test_masking_a_public_text_masks_the_citizen_id_and_leaves_the_rest_as_it_was() -> None:
    from xinyong.identifiers import mask_citizen_ids

    text = (
        "被执行人（身份证号３５０１０２ 19940315-7723）与某单位（统一社会信用代码"
        f"{PINGTAN_USCC}）分三期缴纳 100000 200000 300000 元。"
    )
    assert mask_citizen_ids(text, today=dt.date(2026, 12, 5)) == (
        "被执行人（身份证号350102********7723）与某单位（统一社会信用代码"
        f"{PINGTAN_USCC}）分三期缴纳 100000 200000 300000 元。"
    )


@PROPERTY
@given(
    valid_citizen_ids(),
    st.sampled_from(STYLES),
    st.sampled_from(["", "当事人", "（", "ID"]),
    st.sampled_from(["。", "A", "abc"]),
)
def test_masking_a_public_text_leaves_no_citizen_id_it_would_be_refused_for(
    number: str, style: str, before: str, after: str
) -> None:
    from xinyong.identifiers import holds_citizen_id, mask_citizen_ids

    masked = mask_citizen_ids(f"{before}{typed_as(number, style)}{after}", today=TODAY)
    assert f"{number[:6]}********{number[14:]}".upper() in masked.upper()
    assert not holds_citizen_id(masked, today=TODAY)


@PROPERTY
@given(
    valid_citizen_ids(),
    st.sampled_from(STYLES),
    st.text(max_size=12),
    st.booleans(),
)
def test_a_text_told_too_few_digits_as_json_writes_it_has_no_citizen_id_to_mask(
    number: str, style: str, around: str, ascii_only: bool
) -> None:
    """The joint checks skip decoding an entry's reasons from JSON when its text as written
    has too few digits (``too_few_digits_for_citizen_id``): an escape, of a full-width or any
    other script's digit, must never count fewer digits than the text it stands for."""
    import json

    from xinyong.identifiers import mask_citizen_ids, too_few_digits_for_citizen_id

    for text in (around, f"{around}{typed_as(number, style)}{around}"):
        written = json.dumps(text, ensure_ascii=ascii_only)
        if too_few_digits_for_citizen_id(written):
            assert mask_citizen_ids(text, today=TODAY) == text
    assert not too_few_digits_for_citizen_id(
        json.dumps(typed_as(number, style), ensure_ascii=ascii_only)
    )


def test_a_format_refusal_cites_the_national_standard_it_checks_against() -> None:
    """Review r13: a refused ID number or code named no basis. Each is refused on the
    national standard that defines it (rules.md), as a refusal grounded in the regulation
    names its article; ``names_citizen_id`` tells a search text naming a person."""
    from xinyong.clock import FixedClock
    from xinyong.errors import InvalidInput
    from xinyong.identifiers import InvalidIdentifier, names_citizen_id, require_uscc
    from xinyong.subjects import service as subjects

    with pytest.raises(InvalidIdentifier) as bad_code:
        require_uscc("91350100M000100Y44")
    assert bad_code.value.basis == "GB 32100-2015"
    clock = FixedClock(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    with pytest.raises(InvalidInput) as bad_id:
        subjects.typed_citizen_id(clock, "110105194912310021")
    assert (bad_id.value.code, bad_id.value.article) == ("check_character", "GB 11643-1999")
    today = clock.today()
    assert names_citizen_id("11010519491231002X", today=today)
    assert names_citizen_id("1101 0519 4912 3100 2X", today=today)
    assert names_citizen_id("110105194912310021", today=today)  # mistyped: still a person's
    assert not names_citizen_id("91350100M000100Y43", today=today)
    assert not names_citizen_id("福州晨光文具", today=today)
    assert not names_citizen_id("2024", today=today)
