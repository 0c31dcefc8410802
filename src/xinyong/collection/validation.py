"""Checking one row against its record type: pure and fast, no database.

The pipeline calls this for every row of a batch, so it avoids per-row allocation where
it can: header mapping and field lookups are prepared once per batch (``RowValidator``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from xinyong import identifiers
from xinyong.calendar import add_months
from xinyong.catalog.definitions import (
    PROHIBITED_IN_TEXT,
    RETENTION_BASIS,
    FieldSpec,
    FieldType,
    RecordTypeDefinition,
    Sensitivity,
    Severity,
    prohibited_category,
    text_category,
)
from xinyong.subjects import names
from xinyong.subjects.models import SubjectKind
from xinyong.texts import a, visible

NATURAL_PERSON_CATEGORY = "自然人"
INDIVIDUAL_BUSINESS_CATEGORY = "个体工商户"
CITIZEN_ID_DOCUMENT_TYPES = frozenset(
    {"", "身份证", "居民身份证", "公民身份号码", "id_card", "citizen_id"}
)
SEVERITY_WORDS = {
    "minor": Severity.MINOR,
    "轻微": Severity.MINOR,
    "general": Severity.GENERAL,
    "一般": Severity.GENERAL,
    "serious": Severity.SERIOUS,
    "严重": Severity.SERIOUS,
}
# No field of the platform holds the NUL character: PostgreSQL refuses it in text, and the
# API refuses it in every JSON body (web.inputs). A batch's rows are checked here, so that a
# row carrying one is quarantined like any other bad row, whatever the file format.
NUL = "\x00"
# Bounds on typed values, so that a slip (a stray exponent, a pasted row of nines, the
# 0001-01-01 of an empty date field) is refused rather than published.
#
# Amounts are stated in 万元 (10,000 yuan) in every decimal field but one (utility arrears,
# in yuan). Below 10^10 万元 (10^14 yuan, some 100 trillion yuan: about the size of China's
# whole annual GDP, and far above any fine, capital or arrears ever recorded) and at most
# 6 decimal places (one fen in 万元) covers every real amount; in the yuan field the same
# bounds are looser still. Exponent notation (1e3) is not how a clerk writes an amount and
# is how 1e400 slipped through, so amounts are written out in digits.
MAX_AMOUNT = Decimal(10) ** 10
MAX_DECIMAL_PLACES = 6
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
# No date the platform keeps comes before the founding of the People's Republic: every
# decision, registration, judgment or listing it holds is made by an authority under PRC
# law (Measures Art. 2), and an earlier date is a slip (0001-01-01, 1900-01-00).
EARLIEST_DATE = dt.date(1949, 10, 1)
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a row. The message never holds the row's values: a problem is
    kept after the row's content is erased (decision 0021) and read by whoever reads the
    batch report."""

    code: str
    message: str
    field: str | None = None
    article: str | None = None

    def __post_init__(self) -> None:
        # A second line of defence (rules.md: a citizen ID never in clear in an error
        # message): a message or a field named by a file's header that came to hold one
        # anyway keeps it masked.
        for name in ("message", "field"):
            value = getattr(self, name)
            if value:
                masked = identifiers.redact_citizen_ids(value)
                if masked != value:
                    object.__setattr__(self, name, masked)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "article": self.article,
        }


@dataclass(frozen=True)
class OwnParty:
    """The submitting organisation, as a row may name it on its own side of the business
    (``own_party_field``): its code, and the normalised forms of its names (its name on the
    platform and, when it is a registered subject too, its current and former names there)."""

    code: str
    names: frozenset[str]

    def named_by(self, value: str) -> bool:
        if names.normalise_name(value) in self.names:
            return True
        return identifiers.normalise(value) == self.code


OWN_BUSINESS_ARTICLE = "Art. 10 ¶1"


# A column's check: a non-empty value as it shows (``texts.visible``) to its stored form,
# or its problem.
_Check = Callable[[str], "str | Problem"]


@dataclass
class ValidRow:
    number: int
    subject_kind: SubjectKind
    subject_name: str
    uscc: str | None
    citizen_id: str | None
    payload: dict[str, str]  # what may be stored in clear (citizen IDs masked)
    sensitive: dict[str, str]  # citizen IDs and restricted fields, to be encrypted
    restricted_fields: list[str]
    decision_date: dt.date
    severity: Severity
    key_parts: tuple[str, ...]
    publicity_deadline: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)


def parse_date(text: str) -> dt.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class RowValidator:
    """Validates the rows of one batch against one record type's effective rule."""

    def __init__(
        self,
        definition: RecordTypeDefinition,
        headers: list[str],
        *,
        today: dt.date,
        own_party: OwnParty | None = None,
    ) -> None:
        """``own_party``: the submitter, checked against the type's ``own_party_field``
        (Art. 10 ¶1); without it that field is not checked (a preview, a self-declaration)."""
        self.definition = definition
        self.today = today
        self._own_party = own_party if definition.own_party_field else None
        self._own_field = definition.own_party_field or ""
        # Whether each value names the submitter: the same counterparty recurs on every row.
        self._own_names: dict[str, bool] = {}
        self._not_own = Problem(
            "not_own_business",
            "this field must name your organisation (by its name or its unified social credit "
            "code): a market body records only the credit information arising in its own "
            "business",
            self._own_field,
            OWN_BUSINESS_ARTICLE,
        )
        self._header_map = definition.header_map()
        self.columns: list[tuple[str, FieldSpec]] = []
        self.unknown_columns: list[str] = []
        self.prohibited_columns: list[tuple[str, str]] = []
        self._mapped: dict[str, str] = {}
        # The file's header → the field it maps to, for naming a field in a problem.
        self._field_of_header: dict[str, str] = {}
        self.missing_required: list[FieldSpec] = []
        # The caller's list, not a copy: JSON and JSON Lines readers add the keys that
        # later objects bring, and those must be mapped (and checked against Art. 11 ¶3)
        # too, not silently ignored.
        self._headers = headers
        self._headers_seen = 0
        self._subject_name = definition.subject_name_field
        self._uscc_field = definition.subject_uscc_field
        self._id_field = definition.subject_citizen_id_field
        self._kind_field = definition.subject_kind_field
        self._date_field = definition.decision_date_field
        self._natural_key = tuple(definition.natural_key)
        self._restricted = {
            s.name for s in definition.fields if s.sensitivity is Sensitivity.RESTRICTED
        }
        self._allowed_kinds = set(definition.subject_kinds)
        # The categories that say a row is about an organisation (about_person).
        self._organisation_categories = (
            set(definition.field(self._kind_field).choices) - {NATURAL_PERSON_CATEGORY}
            if self._kind_field
            else set()
        )
        # Information kept for a limited time may not be collected once past it (rules.md).
        self._limited = definition.retention_years is not None
        self._dates: dict[str, dt.date] = {}
        self._minor_only: dict[str, bool] = {}
        self._add_headers()

    def _add_headers(self) -> None:
        definition = self.definition
        for header in self._headers[self._headers_seen :]:
            name = self._header_map.get(header.strip().lower())
            if name is None:
                category = prohibited_category(header)
                if category:
                    self.prohibited_columns.append((header, category))
                else:
                    self.unknown_columns.append(header)
                continue
            if name in self._mapped:
                # Two headers for one field (e.g. Chinese and English): the later is unknown.
                self.unknown_columns.append(header)
                continue
            self._mapped[name] = header
            self._field_of_header[header] = name
            self.columns.append((header, definition.field(name)))
        self._headers_seen = len(self._headers)
        self.missing_required = [
            spec for spec in definition.fields if spec.required and spec.name not in self._mapped
        ]
        self._compile()

    def _compile(self) -> None:
        """The per-row plan: one checker per mapped column, built once per batch."""
        # Text columns (most of them) carry their length limit and are checked inline in
        # the row loop; the others a checker instead.
        self._checks: list[tuple[str, str, Problem | None, int | None, Problem, _Check | None]] = [
            (
                header,
                spec.name,
                _required(spec) if spec.required else None,
                spec.max_length if spec.type is FieldType.TEXT else None,
                _too_long(spec),
                None if spec.type is FieldType.TEXT else self._checker(spec),
            )
            for header, spec in self.columns
        ]
        self._sensitive_columns = [
            (spec.name, spec.type is FieldType.CITIZEN_ID)
            for _header, spec in self.columns
            if spec.type is FieldType.CITIZEN_ID or spec.name in self._restricted
        ]
        self._fixed_problems = [
            *(
                (header, _prohibited(header, category))
                for header, category in self.prohibited_columns
            ),
        ]
        self._missing_problems = [_required(spec) for spec in self.missing_required]
        # The free text screened in a natural person's row (Art. 11 ¶3): every text column
        # but the subject's name.
        self._free_text = [
            spec
            for _header, spec in self.columns
            if spec.type is FieldType.TEXT and spec.name != self._subject_name
        ]
        # Ends of periods and the dates they may not precede, when both are columns.
        self._ordered = [
            (spec.name, spec.not_before, self._before(spec))
            for _header, spec in self.columns
            if spec.not_before is not None and spec.not_before in self._mapped
        ]

    def _before(self, spec: FieldSpec) -> Problem:
        assert spec.not_before is not None
        start = self.definition.field(spec.not_before)
        code = "before_decision_date" if start.name == self._date_field else "before_start_date"
        return Problem(
            code,
            f"{spec.label_en} ({spec.label_zh}) is before {start.label_en} "
            f"({start.label_zh}): the end of a period cannot come before its start",
            spec.name,
        )

    def _checker(self, spec: FieldSpec) -> _Check:
        """A function from a non-empty typed value as it shows (not text: the row loop
        checks a text's length itself) to its stored form or its problem.

        Typed values repeat across a batch (dates, amounts, choices, authority codes), so
        their checks are memoised per column.
        """

        def typed(value: str) -> str | Problem:
            cleaned, problem = self._clean(spec, value)
            return cleaned if problem is None else problem

        # Citizen IDs are not kept beyond the batch-sized cap that applied before either.
        limit = 10_000 if spec.type in (FieldType.USCC, FieldType.CITIZEN_ID) else 100_000
        memo: dict[str, str | Problem] = {}

        def memoised(value: str) -> str | Problem:
            result = memo.get(value)
            if result is None:
                result = typed(value)
                if len(memo) < limit:
                    memo[value] = result
            return result

        return memoised

    def validate(
        self, number: int, values: dict[str, str], formulas: tuple[str, ...] = ()
    ) -> ValidRow | list[Problem]:
        """``formulas``: the headers of cells holding a formula without a result
        (``readers.RawRow.formulas``), whose values are not known."""
        if len(self._headers) != self._headers_seen:
            self._add_headers()
        problems: list[Problem] = []
        refused: set[str] = set()
        # One search over the whole row first: a NUL is rare and the row loop is hot.
        if NUL in "".join(values.values()):
            refused = {header for header, value in values.items() if NUL in value}
            problems.extend(self._nul(header) for header in values if header in refused)
        if formulas:
            # Not checked below: its value is unknown, not empty (nor "required").
            unknown = [h for h in formulas if h in self._field_of_header and h not in refused]
            problems.extend(self._formula(header) for header in unknown)
            refused = refused | set(unknown)
        if self._fixed_problems:
            for header, problem in self._fixed_problems:
                # Even with a NUL: prohibited content is never kept, not even quarantined.
                if values.get(header, "").strip():
                    problems.append(problem)
        if self._missing_problems:
            problems.extend(self._missing_problems)
        clean: dict[str, str] = {}
        get = values.get
        for header, name, required, max_length, too_long, check in self._checks:
            if refused and header in refused:
                continue  # refused above (a NUL, a formula without a result)
            raw = get(header)
            # As it shows (texts.visible, its fast path inline: the loop is hot): a U+202E
            # would reverse the text in a report, zero-width characters make a blank field
            # look filled and the same record another natural key and payload hash.
            if not raw:
                value = ""
            elif raw.isascii() or raw.isprintable():
                value = raw.strip()
            else:
                value = visible(raw)
            if not value:
                if required is not None:
                    problems.append(required)
                continue
            if max_length is not None:
                if len(value) <= max_length:
                    clean[name] = value
                else:
                    problems.append(too_long)
                continue
            assert check is not None  # every column without a length limit here has one
            result = check(value)
            if result.__class__ is str:
                clean[name] = result
            else:
                problems.append(result)  # type: ignore[arg-type]
        if self._ordered:
            for end, start, before in self._ordered:
                # Both are ISO dates by now (years from 1949), so text order is date order.
                end_text = clean.get(end)
                if end_text and (start_text := clean.get(start)) and end_text < start_text:
                    problems.append(before)
        if self._own_party is not None:
            named = clean.get(self._own_field)
            if named is not None and not self._names_submitter(named):
                problems.append(self._not_own)
        if self._free_text and self._personal(clean):
            # Even beside other problems: a row naming prohibited content is never kept,
            # not even quarantined (pipeline._NOT_KEPT).
            problems.extend(self._prohibited_in_text(clean))
        if problems:
            return problems
        return self._row(number, clean)

    def declared(self, values: dict[str, str]) -> dict[str, str]:
        """The values of a row's columns that are fields of the record type: an undeclared
        column (a person's income sent along, say) is never kept, not even quarantined."""
        mapped = self._field_of_header
        return {header: value for header, value in values.items() if header in mapped}

    def fields_of(self, values: dict[str, str]) -> dict[str, str]:
        """A kept row's values (by the file's headers, ``declared``) by the record type's
        field names, as a reviewer reads them (``held_rows``)."""
        mapped = self._field_of_header
        return {mapped[header]: value for header, value in values.items() if header in mapped}

    def subject_codes(self, values: dict[str, str]) -> tuple[bool, str | None, str]:
        """For a kept row read back (``held_rows``): whether it is about a natural person
        (``about_person``), the code it names its subject by — the citizen ID number for a
        person, the unified social credit code otherwise — normalised as the pipeline
        stores it, and the name it gives. Read from the raw values, not by validating the
        row: a row held under an earlier rule may not validate under today's (a field's
        length tightened since), and it is still that subject's row to decide, and its
        reading still a use of that person's information (Art. 24)."""
        mapped = self._mapped

        def raw(name: str | None) -> str:
            header = mapped.get(name) if name else None
            return visible(values.get(header)) if header else ""

        personal = self.about_person(values)[0]
        code = raw(self._id_field if personal else self._uscc_field)
        return personal, identifiers.normalise(code) if code else None, raw(self._subject_name)

    def about_person(self, values: dict[str, str]) -> tuple[bool, str | None, bool]:
        """For a row refused as it stands (the pipeline decides whether its values may be
        kept, Art. 11): whether it may be about a natural person — stated so, or not
        stated to be an organisation's and without an organisation's code; in doubt, a
        person's — its citizen ID number if well formed, and whether it holds a value of a
        restricted field. Read from the raw values, as the row did not validate.

        For a type kept about organisations only, a row is a person's when it says so (its
        category 自然人), or carries the type's citizen-ID column and no code: nothing could
        lawfully collect it (``kept_about_persons``), so it is not kept either."""
        mapped = self._mapped

        def raw(name: str | None) -> str:
            header = mapped.get(name) if name else None
            return visible(values.get(header)) if header else ""

        category = raw(self._kind_field)
        if not self.kept_about_persons:
            personal = category == NATURAL_PERSON_CATEGORY or (
                not category and bool(raw(self._id_field)) and not raw(self._uscc_field)
            )
            return personal, None, False
        if category == NATURAL_PERSON_CATEGORY:
            personal = True
        elif category in self._organisation_categories:
            personal = False
        else:
            personal = not raw(self._uscc_field)
        citizen_id = None
        if personal and (number := raw(self._id_field)):
            citizen_id = identifiers.check_citizen_id(number, today=self.today).normalised
        return personal, citizen_id, any(raw(name) for name in self._restricted)

    @property
    def kept_about_persons(self) -> bool:
        """Whether the type is kept about natural persons at all (its subject kinds)."""
        return SubjectKind.NATURAL_PERSON.value in self._allowed_kinds

    def _personal(self, clean: dict[str, str]) -> bool:
        """Whether the row is about a natural person: so stated, or an ID number without
        a unified social credit code."""
        category = clean.get(self._kind_field, "") if self._kind_field else ""
        if category:
            return category == NATURAL_PERSON_CATEGORY
        return bool(self._id_field and clean.get(self._id_field)) and not (
            self._uscc_field and clean.get(self._uscc_field)
        )

    def _prohibited_in_text(self, clean: dict[str, str]) -> list[Problem]:
        """Art. 11 ¶3 in a person's free text: the source redacts it before it submits.
        One search over the row's text first, the rare hit then told field by field."""
        # In the Simplified script, as the terms are written: 病歷 is 病历 (Art. 11 ¶3).
        texts = [(spec, names.simplified(clean.get(spec.name, ""))) for spec in self._free_text]
        if not PROHIBITED_IN_TEXT.search("\n".join(value for _spec, value in texts)):
            return []
        return [
            _prohibited_text(spec, category)
            for spec, value in texts
            if value and (category := text_category(value))
        ]

    def _names_submitter(self, value: str) -> bool:
        found = self._own_names.get(value)
        if found is None:
            assert self._own_party is not None
            found = self._own_party.named_by(value)
            if len(self._own_names) < 10_000:
                self._own_names[value] = found
        return found

    def _formula(self, header: str) -> Problem:
        return Problem(
            "formula_without_value",
            f"the cell in column {header!r} holds a formula whose result the workbook does "
            "not keep (it was saved by a program that does not calculate); open the file in "
            "Excel or WPS and save it again, or paste the values instead of the formula",
            self._field_of_header[header],
        )

    def _nul(self, header: str) -> Problem:
        """A value holding NUL, named by its field, or by its column when it maps to none
        (an unknown column's value is not stored, but the file is corrupt there all the
        same). The message names the character, never the value."""
        field = self._field_of_header.get(header)
        if field is None:
            # An unknown column by its header (a CSV cell beyond the last header by the
            # reader's ``__extra_N``); a NUL in the header itself is shown escaped, as the
            # API shows one in a member name.
            field = header.replace(NUL, "\\u0000")
        return Problem(
            "nul_character",
            "the value holds the NUL character (U+0000), which no field may hold; remove it "
            "from the file and submit the row again",
            field,
        )

    def _clean(self, spec: FieldSpec, value: str) -> tuple[str, Problem | None]:
        """The stored form of a typed value, or the problem with it."""
        if len(value) > spec.max_length:
            return value, _too_long(spec)
        kind = spec.type
        if kind is FieldType.DATE:
            day = parse_date(value)
            if day is None:
                return value, Problem(
                    "invalid_date", "not a date: use YYYY-MM-DD or YYYY/MM/DD", spec.name
                )
            if day < EARLIEST_DATE:
                return value, Problem(
                    "out_of_range",
                    f"the date is before {EARLIEST_DATE.isoformat()}, the earliest the "
                    "platform keeps",
                    spec.name,
                )
            if spec.name == self._date_field and day > self.today:
                return value, Problem(
                    "future_date", "the decision date is in the future", spec.name
                )
            return day.isoformat(), None
        if kind is FieldType.DECIMAL:
            return self._decimal(spec, value)
        if kind is FieldType.ENUM:
            if value not in spec.choices:
                return value, Problem(
                    "invalid_choice", f"must be one of: {'、'.join(spec.choices)}", spec.name
                )
            return value, None
        if kind is FieldType.USCC:
            result = identifiers.check_uscc(value)
        else:
            result = identifiers.check_citizen_id(value, today=self.today)
        error = result.error
        if error is not None:
            return value, Problem(error.code, error.message, spec.name)
        return identifiers.normalise(value), None

    @staticmethod
    def _decimal(spec: FieldSpec, value: str) -> tuple[str, Problem | None]:
        """A non-negative amount within the bounds above (``MAX_AMOUNT``), in digits."""
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return value, Problem("invalid_number", "not a number", spec.name)
        if not number.is_finite():  # NaN, Infinity
            return value, Problem("invalid_number", "not a number", spec.name)
        if number < 0:
            return value, Problem("invalid_number", "must be a non-negative number", spec.name)
        if "e" in value or "E" in value:
            return value, Problem(
                "exponent_notation",
                "write the amount out in digits, without an exponent (e.g. 1500, not 1.5e3)",
                spec.name,
            )
        if number >= MAX_AMOUNT:
            return value, Problem(
                "out_of_range",
                f"must be less than {MAX_AMOUNT:f} in the field's unit",
                spec.name,
            )
        # Exact: at most 10 + 6 digits, within the context's precision of 28.
        rounded = number.quantize(_QUANTUM)
        if rounded != number:
            return value, Problem(
                "too_many_decimals",
                f"at most {MAX_DECIMAL_PLACES} decimal places",
                spec.name,
            )
        if not rounded:
            return "0", None  # not "-0" or "0E-6"
        return format(rounded.normalize(), "f"), None  # not "2E+1" for 20

    def _row(self, number: int, clean: dict[str, str]) -> ValidRow | list[Problem]:
        category = clean.get(self._kind_field, "") if self._kind_field else ""
        citizen_id = clean.get(self._id_field) if self._id_field else None
        uscc = clean.get(self._uscc_field) if self._uscc_field else None
        if self._personal(clean):
            kind = SubjectKind.NATURAL_PERSON
            if kind.value not in self._allowed_kinds:
                # Before asking for an ID number the record type has no column for.
                return [self._kind_not_allowed(kind)]
            id_type = clean.get("id_type", "")
            if id_type.lower() not in CITIZEN_ID_DOCUMENT_TYPES:
                # Not naming what the column holds: with the columns swapped, the ID number.
                return [_UNSUPPORTED_ID_TYPE]
            if not citizen_id:
                return [
                    Problem(
                        "required", "a natural person needs a citizen ID number", self._id_field
                    )
                ]
            uscc = None
        else:
            if not uscc:
                return [
                    Problem(
                        "required",
                        "an organisation needs its unified social credit code",
                        self._uscc_field,
                    )
                ]
            kind = (
                SubjectKind.UNINCORPORATED_ORGANISATION
                if category == INDIVIDUAL_BUSINESS_CATEGORY or uscc[:2] == "92"
                else SubjectKind.LEGAL_PERSON
            )
        if kind.value not in self._allowed_kinds:
            return [self._kind_not_allowed(kind)]
        payload = dict(clean)
        sensitive: dict[str, str] = {}
        restricted_fields: list[str] = []
        if self._sensitive_columns:
            for name, is_citizen_id in self._sensitive_columns:
                if name in payload:
                    sensitive[name] = payload[name]
                    if is_citizen_id:
                        payload[name] = identifiers.mask_citizen_id(payload[name])
                    else:
                        del payload[name]
            if sensitive:
                restricted_fields = [name for name in self._restricted if name in sensitive]
        decision_date = self._iso_date(clean[self._date_field])
        if self._limited:
            past = self._past_retention(decision_date, clean)
            if past is not None:
                return [past]
        deadline_text = clean.get("publicity_deadline")
        severity = self._severity(clean)
        deadline = self._iso_date(deadline_text) if deadline_text else None
        if deadline is not None:
            short = self._short_extension(decision_date, severity, deadline)
            if short is not None:
                return [short]
        return ValidRow(
            number=number,
            subject_kind=kind,
            subject_name=clean[self._subject_name],
            uscc=uscc,
            citizen_id=citizen_id if kind is SubjectKind.NATURAL_PERSON else None,
            payload=payload,
            sensitive=sensitive,
            restricted_fields=restricted_fields,
            decision_date=decision_date,
            severity=severity,
            key_parts=tuple([clean.get(name, "") for name in self._natural_key]),
            publicity_deadline=deadline,
        )

    def _short_extension(
        self, decision_date: dt.date, severity: Severity, deadline: dt.date
    ) -> Problem | None:
        """A stated deadline past the usual term that extends it by less than the least
        extension (a court judgment defaulter: two years, extended by one to three)."""
        period = self.definition.disclosure.period(severity)
        if not period.min_extension_months or period.default_months is None:
            return None
        usual_end = add_months(decision_date, period.default_months)
        least = add_months(decision_date, period.default_months + period.min_extension_months)
        if not usual_end < deadline < least:
            return None
        # In months from the decision date, not as dates: those would give the row's
        # decision date away in a problem kept after the row's content is erased.
        return Problem(
            "extension_too_short",
            f"the term ends {period.default_months} months after the decision date unless "
            f"it is extended by at least {period.min_extension_months} months, to "
            f"{period.default_months + period.min_extension_months} months after it or later",
            "publicity_deadline",
            self.definition.legal_basis,
        )

    def _iso_date(self, text: str) -> dt.date:
        day = self._dates.get(text)
        if day is None:
            day = dt.date.fromisoformat(text)
            if len(self._dates) < 100_000:
                self._dates[text] = day
        return day

    def _past_retention(self, decision_date: dt.date, clean: dict[str, str]) -> Problem | None:
        """A row whose retention period ended before today: the platform would have to
        delete it the day it collected it (rules.md; 征信业管理条例 Art. 16)."""
        definition = self.definition
        ended = definition.conduct_ended_on(decision_date, clean)
        until = definition.retained_until(ended)
        if until is None or until >= self.today:
            return None
        return Problem(
            "past_retention",
            f"kept {definition.retention_years} years after the conduct ends, and the conduct "
            "this row records ended longer ago than that: it may not be collected now",
            definition.conduct_end_field
            if definition.conduct_end_field and clean.get(definition.conduct_end_field)
            else self._date_field,
            RETENTION_BASIS,
        )

    def _kind_not_allowed(self, kind: SubjectKind) -> Problem:
        # About a person, collection the catalog does not provide for is collection without
        # a basis (Art. 11 ¶1); about an organisation, outside the catalog (Art. 9, 10 ¶1).
        if kind is SubjectKind.NATURAL_PERSON:
            article = "Art. 11 ¶1"
        else:
            article = "Art. 9" if self.definition.category == "public" else "Art. 10 ¶1"
        return Problem(
            "subject_kind_not_allowed",
            f"{self.definition.name_zh} ({self.definition.name_en}) records are not kept "
            f"about {a(kind.value.replace('_', ' '))}",
            self._kind_field,
            article,
        )

    def _severity(self, clean: dict[str, str]) -> Severity:
        """The stated class, unless the penalty is only a warning: that is never published
        (SAMR Order 45), whatever class the source gives it, so it is decided first."""
        disclosure = self.definition.disclosure
        if disclosure.minor_if_only and disclosure.minor_if_only_field:
            # The same few penalty categories recur on every row: decide each text once.
            text = clean.get(disclosure.minor_if_only_field, "")
            minor = self._minor_only.get(text)
            if minor is None:
                parts = [p for p in _LIST_SEPARATORS.split(text) if p]
                minor = bool(parts) and all(part in disclosure.minor_if_only for part in parts)
                if len(self._minor_only) < 10_000:
                    self._minor_only[text] = minor
            if minor:
                return Severity.MINOR
        if disclosure.severity_field and clean.get(disclosure.severity_field):
            return SEVERITY_WORDS[clean[disclosure.severity_field]]
        return disclosure.default_severity


_UNSUPPORTED_ID_TYPE = Problem(
    "unsupported_id_type",
    "only citizen ID numbers are accepted: the document type (证件类型) names another "
    "document; give 居民身份证 or leave it empty",
    "id_type",
)


def _required(spec: FieldSpec) -> Problem:
    return Problem("required", f"{spec.label_zh} ({spec.label_en}) is required", spec.name)


def _too_long(spec: FieldSpec) -> Problem:
    return Problem("too_long", f"at most {spec.max_length} characters", spec.name)


def _prohibited(header: str, category: str) -> Problem:
    return Problem(
        "prohibited_content",
        f"column {header!r} carries {category}, which may never be collected",
        header,
        "Art. 11 ¶3",
    )


def _prohibited_text(spec: FieldSpec, category: str) -> Problem:
    return Problem(
        "prohibited_content",
        f"{spec.label_en} ({spec.label_zh}) names {category}, which may never be collected "
        "about a natural person: remove it from the text and submit the row again",
        spec.name,
        "Art. 11 ¶3",
    )
