"""Record-type definitions: the catalog's rules as validated data.

A definition says what a record type's rows contain (field schema), how sensitive each
field is (Art. 11), who may submit it, and how it is disclosed (Art. 9, rules.md). A
district may add to or tighten the city's definition for its own area, never loosen it
(Art. 35); ``check_tightens`` enforces that.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xinyong.calendar import add_months
from xinyong.errors import InvalidInput

# Where the retention of negative market information rests (rules.md), as refusals and
# the deletion's record cite it.
RETENTION_BASIS = "征信业管理条例 Art. 16"


class Category(enum.StrEnum):
    PUBLIC = "public"  # 公共信用信息: from state bodies
    MARKET = "market"  # 市场信用信息: from market bodies


class Polarity(enum.StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


class Sensitivity(enum.StrEnum):
    ORDINARY = "ordinary"
    RESTRICTED = "restricted"  # Art. 11 ¶2: written consent after notice of adverse consequences


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    DECIMAL = "decimal"
    ENUM = "enum"
    USCC = "uscc"
    CITIZEN_ID = "citizen_id"


# The cases of Art. 22 in which credit is not repaired, as the catalog's record types and the
# list standards name them (repair_exclusions, ListStandard.repair_exclusion).
Art22Case = Literal["22(1)", "22(2)", "22(3)", "22(4)", "22(5)"]
ART22_CASES: tuple[Art22Case, ...] = get_args(Art22Case)


class Severity(enum.StrEnum):
    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重


# Art. 11 ¶3: content that may never be collected, with or without consent. Matched
# against field names and labels, so it is caught in a declared field, an undeclared
# extra column, or a free-text field whose name says what it is. Chinese terms match as
# substrings; English ones as whole words, so "general_notes" is not taken for genes.
PROHIBITED_TERMS: dict[str, tuple[str, ...]] = {
    "religious belief": ("宗教", "信仰", r"religio\w*", r"faiths?"),
    "genes": ("基因", r"genes?", r"genetic\w*", r"genom\w*", r"genotyp\w*", r"dna"),
    "fingerprints": ("指纹", r"fingerprints?", r"finger ?prints?"),
    "blood type": ("血型", r"blood (?:type|group)s?", r"bloodtypes?"),
    "disease and medical history": (
        "疾病",
        "病史",
        "病历",
        "诊断",
        "病情",
        "患病",
        "就诊",
        "住院",
        "医疗",
        "健康",
        "体检",
        r"diseases?",
        r"illness\w*",
        r"medical\w*",
        r"diagnos\w*",
        r"health\w*",
        r"medic(?:al|ine|ines|ation|ations)\w*",
        r"hospital\w*",
    ),
}

# Art. 11 ¶2: collected from natural persons only with written consent after notice.
RESTRICTED_TERMS: dict[str, tuple[str, ...]] = {
    "income": ("收入", "工资", "薪", r"incomes?", r"salar(?:y|ies)", r"wages?"),
    "deposits": ("存款", "账户余额", r"deposits?", r"(?:account|bank) balances?"),
    "securities": ("有价证券", "证券", "股票", r"securities", r"stocks?", r"shares?holding\w*"),
    "commercial insurance": ("商业保险", "保险", r"insurance\w*"),
    "real estate": ("不动产", "房产", "房屋", r"real estate", r"realestate", r"propert(?:y|ies)"),
    "tax amounts": (
        # Not "纳税" alone: 纳税人识别号 is the taxpayer's number, not an amount.
        "纳税额",
        "纳税数额",
        "纳税金额",
        "税额",
        "缴税",
        "税款",
        r"tax(?:es)? (?:amounts?|paid)",
        r"(?:income|paid) tax(?:es)?",
    ),
}


_Needles = tuple[tuple[str, tuple[re.Pattern[str], ...], tuple[str, ...]], ...]


def _compile_terms(terms: dict[str, tuple[str, ...]]) -> _Needles:
    return tuple(
        (
            category,
            tuple(re.compile(rf"\b(?:{needle})\b") for needle in needles if needle.isascii()),
            tuple(needle for needle in needles if not needle.isascii()),
        )
        for category, needles in terms.items()
    )


_PROHIBITED_NEEDLES = _compile_terms(PROHIBITED_TERMS)
_RESTRICTED_NEEDLES = _compile_terms(RESTRICTED_TERMS)


def _matches(text: str, needles: _Needles) -> str | None:
    lowered = text.strip().lower()
    # Words of an English name: snake_case, kebab-case, camelCase and spaces alike.
    words = " ".join(
        re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text.strip()).lower())
    )
    for category, patterns, substrings in needles:
        if any(pattern.search(words) for pattern in patterns):
            return category
        if any(substring in lowered for substring in substrings):
            return category
    return None


# Every record type's every field name and label is checked each time a definition is
# parsed (each catalog revision, each rule-pack load, each batch's extra columns): the same
# few hundred names, so the answers are remembered.
@functools.lru_cache(maxsize=8192)
def _prohibited(name: str) -> str | None:
    return _matches(name, _PROHIBITED_NEEDLES)


@functools.lru_cache(maxsize=8192)
def _restricted(name: str) -> str | None:
    return _matches(name, _RESTRICTED_NEEDLES)


def prohibited_category(*names: str) -> str | None:
    """The Art. 11 ¶3 category a field name or label falls under, if any."""
    for name in names:
        found = _prohibited(name)
        if found:
            return found
    return None


def restricted_category(*names: str) -> str | None:
    for name in names:
        found = _restricted(name)
        if found:
            return found
    return None


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    label_zh: str
    label_en: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    sensitivity: Sensitivity = Sensitivity.ORDINARY
    max_length: int = Field(default=500, ge=1, le=20000)
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other column headers accepted for this field
    # Free text shown to the public only after confidentiality review may be redacted.
    redactable: bool = False
    # A date that ends a period (a penalty's term, a publicity deadline, a removal or a
    # payment) names the date field it may not precede, usually the decision date: a row
    # whose end comes before its start is a slip and is refused (before_decision_date).
    not_before: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$", max_length=64)

    @model_validator(mode="after")
    def _enum_has_choices(self) -> FieldSpec:
        if self.type is FieldType.ENUM and not self.choices:
            raise ValueError(f"field {self.name}: an enum field needs choices")
        if self.not_before is not None and (
            self.type is not FieldType.DATE or self.not_before == self.name
        ):
            raise ValueError(f"field {self.name}: not_before orders a date after another date")
        return self

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.label_zh, self.label_en, *self.aliases)


class PublicityPeriod(BaseModel):
    """Months of publicity by severity class, counted from the decision date (rules.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    published: bool = True
    min_months: int = Field(default=0, ge=0, le=1200)
    max_months: int = Field(default=0, ge=0, le=1200)
    # Publicity when the source states no deadline of its own. Unset, it is max_months (a
    # penalty is public for the longest period unless the agency ends it earlier); a court
    # judgment defaulter is public for 2 years and longer only when the court extends it.
    default_months: int | None = Field(default=None, ge=0, le=1200)
    # A deadline the source states past default_months extends the publicity by at least
    # this many months; a shorter one is refused (a court extends a defaulter's two years by
    # one to three, rules.md).
    min_extension_months: int = Field(default=0, ge=0, le=1200)

    @model_validator(mode="after")
    def _ordered(self) -> PublicityPeriod:
        if self.max_months < self.min_months:
            raise ValueError("max_months is below min_months")
        if self.default_months is not None and not (
            self.min_months <= self.default_months <= self.max_months
        ):
            raise ValueError("default_months must lie between min_months and max_months")
        return self

    @property
    def months_without_deadline(self) -> int:
        return self.max_months if self.default_months is None else self.default_months

    def window(
        self, decision_date: dt.date, deadline: dt.date | None
    ) -> tuple[dt.date | None, dt.date | None]:
        """The publicity window of a record decided on ``decision_date``: none when the
        class is not published; the source's own deadline stands between the minimum and
        the maximum (ingestion, a correction and a reinstatement compute it alike)."""
        if not self.published:
            return None, None
        end = add_months(decision_date, self.months_without_deadline)
        if deadline is not None:
            end = max(
                min(add_months(decision_date, self.max_months), deadline),
                add_months(decision_date, self.min_months),
            )
        return decision_date, end


class Disclosure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["public", "non_public"] = "non_public"
    # Publicity by severity class; a type without classes uses "general".
    periods: dict[Severity, PublicityPeriod] = Field(default_factory=dict)
    default_severity: Severity = Severity.GENERAL
    severity_field: str | None = None
    # Penalties consisting only of these categories are minor (SAMR Order 45: a warning
    # alone is not published).
    minor_if_only: tuple[str, ...] = ()
    minor_if_only_field: str | None = None
    # The source's security officer confirms before publicity (Art. 12(3)).
    review_before_publicity: bool = False

    def period(self, severity: Severity) -> PublicityPeriod:
        if self.mode != "public":
            return PublicityPeriod(published=False)
        return self.periods.get(severity) or PublicityPeriod(published=False)


class RecordTypeDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    # A record type is shown by its names and collected on its legal basis (Art. 9): none
    # of them may be blank.
    name_zh: str = Field(min_length=1, pattern=r"\S")
    name_en: str = Field(min_length=1, pattern=r"\S")
    group: str
    category: Category
    polarity: Polarity
    legal_basis: str = Field(min_length=1, pattern=r"\S")
    fields: tuple[FieldSpec, ...]
    subject_kinds: tuple[
        Literal["natural_person", "legal_person", "unincorporated_organisation"], ...
    ]
    # Which columns identify the subject: the USCC for organisations, the ID for persons.
    subject_name_field: str
    subject_uscc_field: str | None = None
    subject_citizen_id_field: str | None = None
    subject_kind_field: str | None = None
    decision_date_field: str
    natural_key: tuple[str, ...]  # with the subject, identifies one record across batches
    disclosure: Disclosure = Disclosure()
    public_by_law_for_natural_persons: bool = False
    submitter_kinds: tuple[str, ...]
    self_declared: bool = False
    # Negative market information is kept 5 years after the conduct ends, then deleted
    # (rules.md; 征信业管理条例 Art. 16): ``disclosure.retention`` applies it.
    retention_years: int | None = Field(default=None, ge=1, le=100)
    # The date field that says when the conduct ended (arrears settled, a breach
    # corrected): retention counts from it. A record that leaves it empty, or a type that
    # names none, counts from its decision date (decision 0018).
    conduct_end_field: str | None = None
    # The cases of Art. 22 that make records of this type not repairable ("22(1)" …
    # "22(5)"): data the credit authority sets in the catalog, shown with the reason in
    # a repair application's checklist (``repair.rules``).
    repair_exclusions: tuple[Art22Case, ...] = ()
    # Market information is recorded from the submitter's own business, or about its
    # members under their agreement (Art. 10 ¶1). The text field naming the submitter's own
    # side of the business (a contract's counterparty: the party the subject owed) must name
    # the submitting organisation, by name or code; and a members-only type (an
    # association's evaluation) is accepted only about a subject that was the submitter's
    # member on the record's decision date (decision 0032).
    own_party_field: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    members_only: bool = False

    @field_validator("fields")
    @classmethod
    def _unique_names(cls, fields: tuple[FieldSpec, ...]) -> tuple[FieldSpec, ...]:
        owner: dict[str, str] = {}
        for spec in fields:
            for header in spec.headers():
                key = header.strip().lower()
                if owner.setdefault(key, spec.name) != spec.name:
                    raise ValueError(f"column header {header!r} is declared by two fields")
        return fields

    @model_validator(mode="after")
    def _references_exist(self) -> RecordTypeDefinition:
        names = {spec.name for spec in self.fields}
        referenced = [
            self.subject_name_field,
            self.decision_date_field,
            *self.natural_key,
            *(
                f
                for f in (
                    self.subject_uscc_field,
                    self.subject_citizen_id_field,
                    self.subject_kind_field,
                    self.disclosure.severity_field,
                    self.disclosure.minor_if_only_field,
                )
                if f
            ),
        ]
        missing = [f for f in referenced if f not in names]
        if missing:
            raise ValueError(f"fields referenced but not declared: {', '.join(missing)}")
        if self.conduct_end_field is not None:
            spec = next((s for s in self.fields if s.name == self.conduct_end_field), None)
            if spec is None or spec.type is not FieldType.DATE:
                raise ValueError("conduct_end_field must name a declared date field")
            if self.retention_years is None:
                raise ValueError("conduct_end_field is only meaningful with retention_years")
        if self.own_party_field is not None:
            spec = next((s for s in self.fields if s.name == self.own_party_field), None)
            if spec is None or spec.type is not FieldType.TEXT:
                raise ValueError("own_party_field must name a declared text field")
        dates = {spec.name for spec in self.fields if spec.type is FieldType.DATE}
        for spec in self.fields:
            if spec.not_before is not None and spec.not_before not in dates:
                raise ValueError(f"field {spec.name}: not_before must name a declared date field")
        return self

    def conduct_ended_on(self, decision_date: dt.date, content: Mapping[str, Any]) -> dt.date:
        """The day the conduct a record describes ended, from which its retention counts:
        the date in ``conduct_end_field`` (stored as ISO text), or the decision date when
        the type names no such field or the record leaves it empty (decision 0018). Never
        before the decision date: an end before the conduct began is a slip, and the later
        date keeps the record, not less."""
        text = content.get(self.conduct_end_field) if self.conduct_end_field else None
        try:
            end = dt.date.fromisoformat(text) if isinstance(text, str) and text else None
        except ValueError:
            end = None
        return decision_date if end is None or end < decision_date else end

    def retained_until(self, conduct_ended_on: dt.date) -> dt.date | None:
        """The last day a record whose conduct ended then is kept (deleted the day after),
        or None when the type has no retention period."""
        if self.retention_years is None:
            return None
        return add_months(conduct_ended_on, 12 * self.retention_years)

    def public_about(self, *, organisation: bool) -> bool:
        """Whether this type's records are public information about such a subject (inside
        their publicity window): a public type and, about a natural person, public by law
        (Art. 11, rules.md). The type's half of ``disclosure.files.is_public_on``; what is
        not public needs the subject's written authorisation, or an exception made by a law
        or an administrative regulation (Art. 13 ¶3)."""
        return self.disclosure.mode == "public" and (
            organisation or self.public_by_law_for_natural_persons
        )

    def public_about_every_subject(self) -> bool:
        """Whether this type is public about every kind of subject it is kept about."""
        return all(
            self.public_about(organisation=kind != "natural_person") for kind in self.subject_kinds
        )

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def header_map(self) -> dict[str, str]:
        """Every accepted column header (lower-cased, stripped) → field name."""
        return {
            header.strip().lower(): spec.name for spec in self.fields for header in spec.headers()
        }


def check_allowed(definition: RecordTypeDefinition) -> None:
    """Refuse a definition that declares prohibited content or hides restricted content."""
    for spec in definition.fields:
        category = prohibited_category(spec.name, spec.label_zh, spec.label_en, *spec.aliases)
        if category:
            raise InvalidInput(
                f"field {spec.name!r} would collect {category}, which may never be collected",
                code="prohibited_field",
                field=f"fields.{spec.name}",
                article="Art. 11 ¶3",
            )
        restricted = restricted_category(spec.name, spec.label_zh, spec.label_en, *spec.aliases)
        if restricted and spec.sensitivity is not Sensitivity.RESTRICTED:
            raise InvalidInput(
                f"field {spec.name!r} holds {restricted} and must be declared restricted",
                code="restricted_field_undeclared",
                field=f"fields.{spec.name}",
                article="Art. 11 ¶2",
            )


class Loosening(NamedTuple):
    """One way a district rule would loosen the city's: a machine-readable code (the pages
    translate by it), the field it concerns, and the message in English (the API's)."""

    code: str
    field: str
    message: str


def loosenings(city: RecordTypeDefinition, district: RecordTypeDefinition) -> list[Loosening]:
    """Where a district rule would loosen the city's; empty when it only adds to or
    tightens it (Art. 35)."""
    problems: list[Loosening] = []
    if district.code != city.code:
        problems.append(
            Loosening("changes_code", "code", "a district rule must keep the record type's code")
        )
    city_fields = {spec.name: spec for spec in city.fields}
    district_fields = {spec.name: spec for spec in district.fields}
    for name, spec in city_fields.items():
        mine = district_fields.get(name)
        field = f"fields.{name}"
        if mine is None:
            problems.append(
                Loosening("drops_field", field, "a district rule cannot drop a city field")
            )
            continue
        if spec.required and not mine.required:
            problems.append(
                Loosening(
                    "makes_field_optional",
                    field,
                    "a district rule cannot make a required field optional",
                )
            )
        if (
            spec.sensitivity is Sensitivity.RESTRICTED
            and mine.sensitivity is not Sensitivity.RESTRICTED
        ):
            problems.append(
                Loosening(
                    "lowers_sensitivity",
                    field,
                    "a district rule cannot lower a field's sensitivity",
                )
            )
    if not set(district.submitter_kinds) <= set(city.submitter_kinds):
        problems.append(
            Loosening(
                "admits_more_submitters",
                "submitter_kinds",
                "a district rule cannot admit more submitters",
            )
        )
    if district.public_by_law_for_natural_persons and not city.public_by_law_for_natural_persons:
        problems.append(
            Loosening(
                "public_without_law",
                "public_by_law_for_natural_persons",
                "only law makes a record public",
            )
        )
    if city.disclosure.mode == "non_public" and district.disclosure.mode == "public":
        problems.append(
            Loosening(
                "publishes_non_public",
                "disclosure.mode",
                "a district rule cannot publish what the city keeps private",
            )
        )
    if city.disclosure.review_before_publicity and not district.disclosure.review_before_publicity:
        problems.append(
            Loosening(
                "skips_review",
                "disclosure.review_before_publicity",
                "a district rule cannot skip review",
            )
        )
    if city.retention_years is not None and (
        district.retention_years is None or district.retention_years > city.retention_years
    ):
        problems.append(
            Loosening(
                "lengthens_retention",
                "retention_years",
                "a district rule cannot keep records longer than the city's",
            )
        )
    if (
        city.retention_years is not None
        and district.conduct_end_field is not None
        and district.conduct_end_field != city.conduct_end_field
    ):
        # Another date could be later than the city's: the record would be kept longer.
        problems.append(
            Loosening(
                "changes_conduct_end",
                "conduct_end_field",
                "a district rule cannot count retention from another date than the city's",
            )
        )
    if city.own_party_field is not None and district.own_party_field != city.own_party_field:
        # Without it (or with another field) a record of another party's business passes.
        problems.append(
            Loosening(
                "drops_own_business_check",
                "own_party_field",
                "a district rule cannot drop the check that a record is from the submitter's "
                "own business",
            )
        )
    if city.members_only and not district.members_only:
        problems.append(
            Loosening(
                "drops_membership_check",
                "members_only",
                "a district rule cannot admit records about subjects that are not members",
            )
        )
    for severity in Severity:
        mine_period = district.disclosure.period(severity)
        city_period = city.disclosure.period(severity)
        field = f"disclosure.periods.{severity}"
        if mine_period.published and not city_period.published:
            problems.append(
                Loosening(
                    "publishes_unpublished_class", field, "cannot publish an unpublished class"
                )
            )
        if mine_period.published and mine_period.max_months > city_period.max_months:
            problems.append(
                Loosening("lengthens_publicity", field, "cannot lengthen the publicity period")
            )
    return problems


def check_tightens(city: RecordTypeDefinition, district: RecordTypeDefinition) -> None:
    """A district rule may add to or tighten the city's rule, never loosen it (Art. 35)."""
    problems = loosenings(city, district)
    if problems:
        first = problems[0]
        raise InvalidInput(
            f"{first.message} (Art. 35 lets a district add to or tighten the city's rules only)",
            code="district_rule_loosens",
            field=first.field,
            article="Art. 35",
            details={"problems": [p._asdict() for p in problems]},
        )
