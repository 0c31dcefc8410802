"""Validation, normalisation and masking of the identifiers subjects are keyed by: unified
social credit codes (GB 32100-2015, embedding a GB 11714 organisation code) and citizen
identity numbers (GB 11643-1999, check character per ISO 7064 MOD 11-2). Error messages never
contain a citizen ID, nor the check character it should have had.

Citizen IDs in free text (``redact_citizen_ids``, ``holds_citizen_id``) are found as the
platform reads a typed code: separators between the digits, full-width digits folded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator
from typing import Final

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH: Final = 18
CITIZEN_ID_LENGTH: Final = 18

# Weight of position i (1-based) is 3^(i-1) mod 31. Every weight is non-zero and 31 is prime,
# so changing any one character always changes the checksum: single substitutions never
# slip through.
USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
ORGANISATION_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
# 2^(18-i) mod 11; again all non-zero modulo a prime.
CITIZEN_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_ID_CHECK_CHARACTERS: Final = "10X98765432"

EARLIEST_BIRTH_DATE: Final = dt.date(1900, 1, 1)

EMPTY: Final = "empty"
LENGTH: Final = "length"
CHARSET: Final = "charset"
CHECK_CHARACTER: Final = "check_character"
# Kept apart from CHECK_CHARACTER because registration authorities have issued codes whose
# position 17 is wrong; the rules let an officer register those with an override, whereas a
# position-18 failure is treated as a typing error and never overridden.
ORGANISATION_CODE_CHECK: Final = "organisation_code_check"
BIRTH_DATE: Final = "birth_date"
ADDRESS_CODE: Final = "address_code"

_USCC_VALUES: Final = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# GB 11714 maps letters A..Z to 10..35, so it differs from the USCC alphabet index for every
# letter after H; using the USCC index here rejects genuine codes such as 91350100MG59YK161P.
_GB11714_VALUES: Final = {
    **{str(d): d for d in range(10)},
    **{chr(ord("A") + i): 10 + i for i in range(26)},
}
_USCC_CHARS: Final = re.compile(f"[{USCC_ALPHABET}]*")
_GB11714_CHARS: Final = re.compile("[0-9A-Z]*")
_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Dash-like characters that are not in Unicode category Pd (which is removed wholesale).
_EXTRA_DASHES: Final = frozenset("\u2212\u2043\ufe58")


class IdentifierKind(enum.StrEnum):
    USCC = "uscc"
    CITIZEN_ID = "citizen_id"


_LABELS: Final = {
    IdentifierKind.USCC: "Unified social credit code",
    IdentifierKind.CITIZEN_ID: "Citizen ID number",
}


@dataclasses.dataclass(frozen=True)
class IdentifierError:
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class IdentifierCheck:
    valid: bool
    kind: IdentifierKind | None
    # Out of repr so that logging a check result does not write a valid citizen ID to the log.
    normalised: str | None = dataclasses.field(repr=False)
    masked: str | None
    error: IdentifierError | None

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "kind": None if self.kind is None else self.kind.value,
            "normalised": self.normalised,
            "masked": self.masked,
            "error": (
                None
                if self.error is None
                else {"code": self.error.code, "message": self.error.message}
            ),
        }


# The national standards that define each identifier's format and check character.
STANDARDS: Final = {
    IdentifierKind.USCC: "GB 32100-2015",
    IdentifierKind.CITIZEN_ID: "GB 11643-1999",
}


class InvalidIdentifier(ValueError):
    """Raised by the ``require_*`` helpers; ``str()`` is the (ID-free) message."""

    def __init__(
        self,
        error: IdentifierError,
        *,
        kind: IdentifierKind | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.kind = kind
        self.field = field

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def basis(self) -> str | None:
        """What a refusal of the format rests on: the national standard the number is
        checked against (rules.md), cited as the refusal's basis where a refusal grounded in
        the regulation names its article."""
        return STANDARDS.get(self.kind) if self.kind is not None else None


# --- normalisation ---------------------------------------------------------------------------


def _is_separator(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Z* covers every space including U+3000; Cf covers the zero-width characters and soft
    # hyphens that copying from word processors and spreadsheets leaves behind.
    return (
        ch.isspace() or category.startswith("Z") or category in ("Pd", "Cf") or ch in _EXTRA_DASHES
    )


def _normalise_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    stripped = "".join(ch for ch in folded if not _is_separator(ch))
    # Only ASCII is upper-cased: str.upper() can turn one character into several (ß → SS),
    # which would let junk input grow into something that looks like a valid length.
    return stripped.translate(_ASCII_UPPER)


_ALREADY_NORMAL = re.compile(r"[0-9A-Z]*")
_DIVISION_CODE = re.compile(r"[0-9]{6}")


def normalise(raw: str) -> str:
    """Strip spaces and hyphens, fold full-width forms to ASCII and upper-case letters."""
    # Almost every code arrives clean; the Unicode walk below costs ~30 µs a code, which
    # dominates a million-row import.
    if _ALREADY_NORMAL.fullmatch(raw):
        return raw
    text = raw
    # Removing a separator can bring a base letter and a combining mark together, which
    # NFKC then composes; iterating to a fixed point keeps normalise() idempotent. In
    # practice it settles within two or three rounds; the bound only guards the loop.
    for _ in range(len(raw) + 2):
        again = _normalise_once(text)
        if again == text:
            break
        text = again
    return text


# --- check characters ------------------------------------------------------------------------


def uscc_check_character(first17: str) -> str:
    """Position 18 of a unified social credit code (GB 32100-2015, section 5)."""
    if len(first17) != 17 or not _USCC_CHARS.fullmatch(first17):
        raise ValueError("expected 17 characters from the unified social credit code alphabet")
    return _uscc_check(first17)


# The weights are 3^i mod 31, and 34 ≡ 3 (mod 31): read backwards as a base-34 numeral of the
# characters' values, the first 17 characters are Σ value_i · 34^i ≡ Σ value_i · 3^i, the
# weighted sum, in one C call. A million-row import checks a code per row; this is a third of
# the time of the sum over the weights (tests hold the two equal).
_BASE34_DIGITS: Final = str.maketrans(
    {ch: "0123456789abcdefghijklmnopqrstuvwxyz"[value] for ch, value in _USCC_VALUES.items()}
)


def _uscc_check(first17: str) -> str:
    return USCC_ALPHABET[-int(first17[::-1].translate(_BASE34_DIGITS), 34) % 31]


def organisation_code_check_character(eight: str) -> str:
    """Check character of a GB 11714 organisation code body (USCC positions 9-16)."""
    if len(eight) != 8 or not _GB11714_CHARS.fullmatch(eight):
        raise ValueError("expected 8 digits or upper-case letters")
    return _organisation_code_check(eight)


# Per position, each character's value already multiplied by that position's weight, and the
# check character for each remainder: one map over the eight characters.
_GB11714_WEIGHTED: Final = tuple(
    {ch: value * weight for ch, value in _GB11714_VALUES.items()}
    for weight in ORGANISATION_CODE_WEIGHTS
)
_GB11714_CHECK: Final = tuple(
    "X" if 11 - rest == 10 else "0" if 11 - rest == 11 else str(11 - rest) for rest in range(11)
)


def _organisation_code_check(eight: str) -> str:
    return _GB11714_CHECK[sum(map(dict.__getitem__, _GB11714_WEIGHTED, eight)) % 11]


def citizen_id_check_character(first17: str) -> str:
    """Position 18 of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not _is_ascii_digits(first17):
        raise ValueError("expected 17 digits")
    total = sum(int(ch) * w for ch, w in zip(first17, CITIZEN_ID_WEIGHTS, strict=True))
    return CITIZEN_ID_CHECK_CHARACTERS[total % 11]


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit() also accepts superscripts and other scripts' digits.
    return all("0" <= ch <= "9" for ch in text)


# --- citizen ID helpers ----------------------------------------------------------------------


def mask_citizen_id(normalised: str) -> str:
    """``350102199403157723`` → ``350102********7723``: hides the birth date."""
    if len(normalised) != CITIZEN_ID_LENGTH:
        raise InvalidIdentifier(
            _citizen_length_error(len(normalised)), kind=IdentifierKind.CITIZEN_ID
        )
    return normalised[:6] + "*" * 8 + normalised[-4:]


def birth_date_of(citizen_id: str) -> dt.date:
    """The birth date encoded in positions 7-14; the check character is not verified."""
    text = normalise(citizen_id)
    if len(text) != CITIZEN_ID_LENGTH:
        raise InvalidIdentifier(_citizen_length_error(len(text)), kind=IdentifierKind.CITIZEN_ID)
    date = _parse_yyyymmdd(text[6:14])
    if date is None:
        raise InvalidIdentifier(_not_a_date_error(), kind=IdentifierKind.CITIZEN_ID)
    return date


def _parse_yyyymmdd(digits: str) -> dt.date | None:
    if len(digits) != 8 or not _is_ascii_digits(digits):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        # Not re-raised: the exception text would echo the digits of the birth date.
        return None


# --- error constructors ----------------------------------------------------------------------


def _error(kind: IdentifierKind, code: str, detail: str) -> IdentifierError:
    return IdentifierError(code=code, message=f"{_LABELS[kind]} {detail}")


def _empty_error(kind: IdentifierKind) -> IdentifierError:
    return _error(kind, EMPTY, "is empty.")


def _citizen_length_error(length: int) -> IdentifierError:
    return _error(
        IdentifierKind.CITIZEN_ID,
        LENGTH,
        f"must be {CITIZEN_ID_LENGTH} characters long (got {length}).",
    )


def _not_a_date_error() -> IdentifierError:
    return _error(
        IdentifierKind.CITIZEN_ID,
        BIRTH_DATE,
        "characters 7-14 are not a real calendar date (YYYYMMDD).",
    )


# --- unified social credit code --------------------------------------------------------------


def _uscc_error(normalised: str) -> IdentifierError | None:
    kind = IdentifierKind.USCC
    if not normalised:
        return _empty_error(kind)
    if len(normalised) != USCC_LENGTH:
        return _error(
            kind, LENGTH, f"must be {USCC_LENGTH} characters long (got {len(normalised)})."
        )
    if not _USCC_CHARS.fullmatch(normalised):
        # Only a code that fails is walked, to name its first bad character.
        for position, ch in enumerate(normalised, start=1):
            if ch not in _USCC_VALUES:
                return _error(
                    kind,
                    CHARSET,
                    f"character {position} ({ch!r}) is not allowed: codes use only digits and "
                    f"the letters {USCC_ALPHABET[10:]} (never I, O, S, V or Z).",
                )
    # The alphabet was checked above, so the unchecked forms apply (the USCC alphabet is a
    # subset of GB 11714's).
    expected = _uscc_check(normalised[:17])
    if normalised[17] != expected:
        return _error(
            kind,
            CHECK_CHARACTER,
            f"check character (position 18) should be {expected!r} for the first 17 "
            "characters; look for a typing error anywhere in the code.",
        )
    # Checked after position 18: a code that fails both most likely has a typo, and a typo
    # must not be waved through by the override that position-17 failures allow.
    expected = _organisation_code_check(normalised[8:16])
    if normalised[16] != expected:
        return _error(
            kind,
            ORGANISATION_CODE_CHECK,
            f"position 17 should be {expected!r} by the GB 11714 organisation-code check "
            "over positions 9-16; a code issued with this defect may be registered only "
            "with an officer override.",
        )
    return None


def check_uscc(raw: str) -> IdentifierCheck:
    normalised = normalise(raw)
    error = _uscc_error(normalised)
    # The code identifies an organisation and is published, so masking leaves it as is.
    return IdentifierCheck(
        valid=error is None,
        kind=IdentifierKind.USCC,
        normalised=normalised,
        masked=normalised,
        error=error,
    )


def require_uscc(raw: str) -> str:
    result = check_uscc(raw)
    if result.error is not None or result.normalised is None:
        raise InvalidIdentifier(_or_unknown(result.error), kind=IdentifierKind.USCC)
    return result.normalised


# --- citizen ID number -----------------------------------------------------------------------


def _citizen_error(normalised: str, today: dt.date) -> IdentifierError | None:
    kind = IdentifierKind.CITIZEN_ID
    if not normalised:
        return _empty_error(kind)
    if len(normalised) != CITIZEN_ID_LENGTH:
        return _citizen_length_error(len(normalised))
    # Positions only, never the offending character: the message must not leak the number.
    for position, ch in enumerate(normalised[:17], start=1):
        if not "0" <= ch <= "9":
            return _error(kind, CHARSET, f"character {position} must be a digit.")
    if not ("0" <= normalised[17] <= "9" or normalised[17] == "X"):
        return _error(kind, CHARSET, "character 18 must be a digit or X.")
    if normalised[0] == "0":
        return _error(
            kind,
            ADDRESS_CODE,
            "cannot start with 0: the first six digits are an administrative division code.",
        )
    born = _parse_yyyymmdd(normalised[6:14])
    if born is None:
        return _not_a_date_error()
    if born > today:
        return _error(kind, BIRTH_DATE, "has a birth date (characters 7-14) in the future.")
    if born < EARLIEST_BIRTH_DATE:
        return _error(
            kind,
            BIRTH_DATE,
            f"has a birth date (characters 7-14) before {EARLIEST_BIRTH_DATE.isoformat()}.",
        )
    # The expected character is deliberately not named: it would let anyone complete a
    # forged number by trial against this endpoint.
    if normalised[17] != citizen_id_check_character(normalised[:17]):
        return _error(
            kind,
            CHECK_CHARACTER,
            "check character (position 18) does not match; look for a typing error "
            "anywhere in the number.",
        )
    return None


def check_citizen_id(raw: str, *, today: dt.date) -> IdentifierCheck:
    normalised = normalise(raw)
    error = _citizen_error(normalised, today)
    if error is None:
        return IdentifierCheck(
            valid=True,
            kind=IdentifierKind.CITIZEN_ID,
            normalised=normalised,
            masked=mask_citizen_id(normalised),
            error=None,
        )
    # An invalid number is most often a real person's number with one typo, so it gets the
    # same protection as a valid one.
    return IdentifierCheck(
        valid=False,
        kind=IdentifierKind.CITIZEN_ID,
        normalised=None,
        masked=mask_citizen_id(normalised) if len(normalised) == CITIZEN_ID_LENGTH else None,
        error=error,
    )


def require_citizen_id(raw: str, *, today: dt.date) -> str:
    result = check_citizen_id(raw, today=today)
    if result.error is not None or result.normalised is None:
        raise InvalidIdentifier(_or_unknown(result.error), kind=IdentifierKind.CITIZEN_ID)
    return result.normalised


def _or_unknown(error: IdentifierError | None) -> IdentifierError:
    # Unreachable while check_* keep their invariants; present so mypy need not trust them.
    return error or IdentifierError(code="invalid", message="Identifier is invalid.")


# --- either kind -----------------------------------------------------------------------------


def _looks_like_date(digits: str) -> bool:
    # Only the shape of YYYYMMDD, not a real date: a typo in the birth date (19941301,
    # 19990229, 20990101) must still be reported as a citizen ID, which keeps it masked and
    # withholds the check character, rather than as a USCC with a bad check character.
    return (
        len(digits) == 8
        and _is_ascii_digits(digits)
        and digits[:2] in ("18", "19", "20")
        and digits[4] in "01"
        and digits[6] in "0123"
    )


def _guess_kind(normalised: str) -> IdentifierKind:
    body, last = normalised[:-1], normalised[-1:]
    if not _is_ascii_digits(body) or not (_is_ascii_digits(last) or last == "X"):
        return IdentifierKind.USCC
    # Any length, not just 18: a person's number with a digit missing or doubled must still
    # be treated as a citizen ID so that the result hides it.
    if _looks_like_date(normalised[6:14]):
        return IdentifierKind.CITIZEN_ID
    return IdentifierKind.USCC


def check(raw: str, *, today: dt.date, kind: IdentifierKind | None = None) -> IdentifierCheck:
    """Validate ``raw`` as ``kind``, or as whichever kind it is when ``kind`` is None."""
    if kind is IdentifierKind.USCC:
        return check_uscc(raw)
    if kind is IdentifierKind.CITIZEN_ID:
        return check_citizen_id(raw, today=today)

    normalised = normalise(raw)
    if not normalised:
        return IdentifierCheck(
            valid=False,
            kind=None,
            normalised=normalised,
            masked=None,
            error=IdentifierError(code=EMPTY, message="Identifier is empty."),
        )
    as_citizen = check_citizen_id(normalised, today=today)
    # An 18-digit string can pass both checks (about one valid citizen ID in 340 does).
    # Treating it as a citizen ID keeps it masked; the opposite mistake would publish a
    # person's number as if it were an organisation's.
    if as_citizen.valid:
        return as_citizen
    as_uscc = check_uscc(normalised)
    if as_uscc.valid:
        return as_uscc
    return as_citizen if _guess_kind(normalised) is IdentifierKind.CITIZEN_ID else as_uscc


def normalise_division_code(raw: str) -> str | None:
    """An administrative division code (GB/T 2260: six digits, Fuzhou 3501xx) as ASCII
    digits, normalised as codes are (full-width digits typed with a Chinese input method
    fold to ASCII), or None when it is not one. ``str.isdigit`` and ``\\d`` accept any
    script's digits, which would store a code that never matches."""
    text = normalise(raw)
    return text if _DIVISION_CODE.fullmatch(text) else None


# --- citizen IDs in free text ----------------------------------------------------------------

# The characters ``_is_separator`` removes (spaces, dashes, format characters), as ranges of
# code points for a regular expression: deriving them from the Unicode database at import
# would cost tens of milliseconds. tests/test_identifiers.py holds the two equal.
_SEPARATOR_RANGES: Final = (
    (0x0009, 0x000D), (0x001C, 0x0020), (0x002D, 0x002D), (0x0085, 0x0085), (0x00A0, 0x00A0),
    (0x00AD, 0x00AD), (0x058A, 0x058A), (0x05BE, 0x05BE), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x1400, 0x1400),
    (0x1680, 0x1680), (0x1806, 0x1806), (0x180E, 0x180E), (0x2000, 0x2015), (0x2028, 0x202F),
    (0x2043, 0x2043), (0x205F, 0x2064), (0x2066, 0x206F), (0x2212, 0x2212), (0x2E17, 0x2E17),
    (0x2E1A, 0x2E1A), (0x2E3A, 0x2E3B), (0x2E40, 0x2E40), (0x2E5D, 0x2E5D), (0x3000, 0x3000),
    (0x301C, 0x301C), (0x3030, 0x3030), (0x30A0, 0x30A0), (0xFE31, 0xFE32), (0xFE58, 0xFE58),
    (0xFE63, 0xFE63), (0xFEFF, 0xFEFF), (0xFF0D, 0xFF0D), (0xFFF9, 0xFFFB), (0x10EAD, 0x10EAD),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
_SEPARATOR: Final = "[{}]".format(
    "".join(
        re.escape(chr(first))
        if first == last
        else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
        for first, last in _SEPARATOR_RANGES
    )
)
# 17 digits and a check character, not part of a longer number, with separators between
# the digits: what ``normalise`` would read as one 18-character number. Full-width digits
# are folded (NFKC) before it is applied. A letter next to it does not make it something
# else (review r18: "…157723A" passed the refusal and the masking): no code the platform
# knows is 18 digits and a letter, and a letter before one was already no shield.
_ID_DIGITS: Final = rf"(?:[0-9]{_SEPARATOR}*){{17}}[0-9Xx]"
# Found at every place one may start, not by a consuming search: a number typed with
# separators can overlap a run of digits before it ("111111111111 350102 199403157723"),
# which a consuming search would take first, leaving the ID after it in clear.
_CITIZEN_ID_STARTS: Final = re.compile(rf"(?<![0-9])(?=({_ID_DIGITS})(?![0-9]))")


# Any script's digits, full-width ones among them: a text with fewer than 17 holds no ID
# however it is read (a percent-encoded digit brings two), and most texts searched (a
# problem's message, a log line) have far fewer; counting them is much cheaper than the
# search at every place.
_ANY_DIGIT: Final = re.compile(r"\d")


def _too_few_digits(text: str) -> bool:
    return len(_ANY_DIGIT.findall(text)) < 17


def too_few_digits_for_citizen_id(text: str) -> bool:
    """Whether ``text`` has too few digits, in any script, to hold a citizen ID however it
    is written: ``mask_citizen_ids`` would leave it as it is. Also true of the text as JSON
    writes it — an escape never has fewer digits than the character it stands for (its
    hex code point holds at least one decimal digit for every digit in Unicode) — so a
    caller may skip decoding what cannot change."""
    return _too_few_digits(text)


def _citizen_id_spans(text: str) -> list[tuple[int, int]]:
    """Where the 18-digit numbers in ``text`` are, not overlapping; of two that overlap,
    the one read as a citizen ID, else the first."""
    spans: list[tuple[int, int, bool]] = []
    for found in _CITIZEN_ID_STARTS.finditer(text):
        start, end = found.span(1)
        # No day to hand in a log filter: a birth date on any day reads as one (masking more).
        is_id = _reads_as_citizen_id(normalise(found[1]), dt.date.max)
        if spans and start < spans[-1][1]:
            if is_id and not spans[-1][2]:
                spans[-1] = (start, end, is_id)
            continue
        spans.append((start, end, is_id))
    return [(start, end) for start, end, _ in spans]


def _mask_numbers(text: str) -> str:
    spans = _citizen_id_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    kept_from = 0
    for start, end in spans:
        parts += [text[kept_from:start], mask_citizen_id(normalise(text[start:end]))]
        kept_from = end
    parts.append(text[kept_from:])
    return "".join(parts)


def redact_citizen_ids(text: str) -> str:
    """The text with every 18-digit number in it masked as a citizen ID is, those typed
    plainly and those only the decoded (percent-encoding), folded (full-width digits) text
    shows, which is then returned decoded; as it was when it holds none. Any such number is
    masked, a code of an organisation in digits only too: this is for logs and messages,
    where masking too much costs nothing."""
    if _too_few_digits(text):
        return text
    masked = _mask_numbers(text)
    if masked.isascii() and "%" not in masked and "+" not in masked:
        return masked  # nothing to decode or fold: the common case, a log line or a message
    readable = unicodedata.normalize("NFKC", urllib.parse.unquote_plus(masked))
    if readable != masked and _CITIZEN_ID_STARTS.search(readable):
        return _mask_numbers(readable)
    return masked


def _reads_as_citizen_id(code: str, today: dt.date) -> bool:
    """Whether ``check`` reads this 18-character number as a citizen ID on ``today``: a
    valid one (born by today: ``check`` prefers it even to a valid USCC), or, when it is no
    valid USCC either, one whose birth date has the shape of a date (most likely a person's
    number with a typo)."""
    if _citizen_error(code, today) is None:
        return True
    return _uscc_error(code) is not None and _looks_like_date(code[6:14])


# --- citizen IDs in a text that is to be published -------------------------------------------

# ``_CITIZEN_ID_STARTS`` joins any digits with any separators between them, which is right for
# a log but takes separate numbers for one in a text the public reads ("分三期缴纳 100000
# 200000 300000 元"). A text to be published is read as a person types one number: between
# digit groups at most one space, or a dash with at most one space either side (never a tab
# or a line break), and the groups only as people group a citizen ID: as GB 11643-1999 builds
# it (address code 6, birth date 8, sequence 3, check 1), the address's province part (3) or
# the date's year, month and day apart, in fours as a card number, or digit by digit. The
# format characters copying leaves between digits (zero-width space, soft hyphen) are not
# seen by a reader and join what they sit between.
_SEPARATOR_CHARS: Final = "".join(
    chr(c) for first, last in _SEPARATOR_RANGES for c in range(first, last + 1)
)
_INVISIBLE: Final = "".join(ch for ch in _SEPARATOR_CHARS if unicodedata.category(ch) == "Cf")
_SPACE: Final = "".join(ch for ch in _SEPARATOR_CHARS if unicodedata.category(ch) == "Zs")
_DASH: Final = "".join(
    ch for ch in _SEPARATOR_CHARS if unicodedata.category(ch) == "Pd" or ch in _EXTRA_DASHES
)
_TYPED_DIGIT: Final = "[0-9\uff10-\uff19]"
_INVISIBLES: Final = f"[{re.escape(_INVISIBLE)}]*"
# One reading only: the invisible characters are a class of their own, so no backtracking
# over ways to split them.
_TYPED_GAP: Final = (
    f"{_INVISIBLES}(?:(?:[{re.escape(_SPACE)}]{_INVISIBLES})?[{re.escape(_DASH)}]"
    f"{_INVISIBLES}(?:[{re.escape(_SPACE)}]{_INVISIBLES})?|[{re.escape(_SPACE)}]{_INVISIBLES})?"
)
_TYPED_CITIZEN_ID_STARTS: Final = re.compile(
    rf"(?<![0-9\uff10-\uff19])(?=((?:{_TYPED_DIGIT}{_TYPED_GAP}){{17}}[0-9Xx\uff10-\uff19\uff38\uff58])"
    rf"(?![0-9\uff10-\uff19]))"
)
_NO_INVISIBLE: Final = str.maketrans(dict.fromkeys(_INVISIBLE))
_VISIBLE_GAP: Final = re.compile(f"[{re.escape(_SPACE + _DASH)}]+")


def _layouts() -> frozenset[tuple[int, ...]]:
    """The digit groups (their lengths) a citizen ID is typed in."""
    cuts: set[frozenset[int]] = set()
    structural = [
        frozenset(c) for c in ((), (6,), (14,), (17,), (6, 14), (6, 17), (14, 17), (6, 14, 17))
    ]
    for base in structural:
        cuts.add(base)
        if 6 in base:
            cuts.add(base | {3})
        if {6, 14} <= base:
            for date in ({10}, {10, 12}):
                cuts.add(base | date)
                cuts.add(base | date | {3})
    cuts.add(frozenset({4, 8, 12, 16}))
    cuts.add(frozenset(range(1, 18)))
    layouts = set()
    for cut in cuts:
        edges = [0, *sorted(cut), CITIZEN_ID_LENGTH]
        layouts.add(tuple(b - a for a, b in itertools.pairwise(edges)))
    return frozenset(layouts)


_ID_LAYOUTS: Final = _layouts()


def _typed_citizen_ids(text: str, today: dt.date) -> Iterator[tuple[int, int]]:
    """Where ``text`` holds a number typed as one that ``check`` reads as a citizen ID."""
    for found in _TYPED_CITIZEN_ID_STARTS.finditer(text):
        typed = found[1]
        groups = tuple(
            len(normalise(group)) for group in _VISIBLE_GAP.split(typed.translate(_NO_INVISIBLE))
        )
        if groups in _ID_LAYOUTS and _reads_as_citizen_id(normalise(typed), today):
            yield found.span(1)


def holds_citizen_id(text: str, *, today: dt.date) -> bool:
    """Whether free text holds a number the platform would read as a citizen ID on
    ``today``, typed as a person types one (see ``_TYPED_GAP``), in full-width digits or
    other compatibility forms too. Narrower than ``redact_citizen_ids``: an organisation's
    code in digits only is not one, nor are separate numbers side by side, so a text that is
    to be published may name an organisation by its code and list amounts."""
    if _too_few_digits(text):
        return False
    readable = unicodedata.normalize("NFKC", text)
    return next(_typed_citizen_ids(readable, today), None) is not None


def names_citizen_id(text: str, *, today: dt.date) -> bool:
    """Whether a search text names a person by citizen ID number: the whole text read as
    one (``check`` would take it for a citizen ID, a mistyped one too), or a number typed
    as one inside it. A search box that sends its text in the URL must not carry it
    (rules.md: never in URLs)."""
    normalised = normalise(text)
    if normalised and check(normalised, today=today).kind is IdentifierKind.CITIZEN_ID:
        return True
    return holds_citizen_id(text, today=today)


class _Folding(dict[int, int]):
    """A ``str.translate`` table: each character as NFKC reads it when that is one
    character (a full-width or mathematical digit: the digit), else itself, so folding
    keeps every character's place. Filled as characters are met (a text's few thousand)."""

    def __missing__(self, code: int) -> int:
        folded = unicodedata.normalize("NFKC", chr(code))
        self[code] = ord(folded) if len(folded) == 1 else code
        return self[code]


_FOLDING: Final = _Folding()


def _folded(text: str) -> str:
    return text if text.isascii() else text.translate(_FOLDING)


def _masked_once(text: str, today: dt.date) -> str:
    folded = _folded(text)
    parts: list[str] = []
    kept_from = 0
    for start, end in _typed_citizen_ids(folded, today):
        if start < kept_from:
            continue
        parts += [text[kept_from:start], mask_citizen_id(normalise(folded[start:end]))]
        kept_from = end
    parts.append(text[kept_from:])
    return "".join(parts)


def mask_citizen_ids(text: str, *, today: dt.date) -> str:
    """The text with what ``holds_citizen_id`` finds masked as the platform shows a citizen
    ID (350102********1234), and nothing else touched: for text from a source the platform
    publishes but did not have typed (a court's record of dishonest conduct, a record's own
    free text on disclosure; decision 0037), where refusing is not open. A digit in a
    compatibility form (full-width, mathematical) is read as the digit it is, as
    ``holds_citizen_id`` reads it (neither reads a circled digit or a superscript, which
    are no decimal digits, nor a character NFKC reads as several, ⒈).

    Masked until nothing more is found: a mask's last four digits are no longer preceded by
    a digit, so they could begin a number with the digits after them."""
    if _too_few_digits(text):
        return text
    for _ in range(len(text)):
        masked = _masked_once(text, today)
        if masked == text:
            break
        text = masked
    return text
