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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xinyong.calendar import add_months, add_years
from xinyong.errors import InvalidInput
from xinyong.subjects.names import simplified

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


class InText(str):
    """A prohibited term (``PROHIBITED_TERMS``) that names its category so plainly that it
    also screens the free-text values of a row about a natural person (``text_category``),
    not only field names. Most terms may not: 健康 is in 健康证明 (a food handler's health
    certificate), 医疗 in 医疗器械, 诊断 in a doctor's penalty, 宗教 in 宗教活动场所 — words of
    ordinary penalties that say nothing of anyone's health or belief. ``text``: the regular
    expression screened for, when narrower than the term (转基因 labels food, not genes)."""

    text: str

    def __new__(cls, term: str, text: str | None = None) -> InText:
        made = super().__new__(cls, term)
        made.text = text or (rf"\b(?:{term})\b" if term.isascii() else re.escape(term))
        return made


# Art. 11 ¶3: content that may never be collected, with or without consent. Matched
# against field names and labels, so it is caught in a declared field, an undeclared
# extra column, or a free-text field whose name says what it is. Chinese terms match as
# substrings; English ones as whole words, so "general_notes" is not taken for genes.
# The ``InText`` terms screen a natural person's free text too (one list for both).
PROHIBITED_TERMS: dict[str, tuple[str, ...]] = {
    "religious belief": (
        "宗教",
        InText("信仰"),
        r"religio\w*",
        InText(r"religious beliefs?"),
        r"faiths?",
    ),
    "genes": (
        InText("基因", r"(?<!转)基因"),
        r"genes?",
        InText(r"genetic\w*"),
        r"genom\w*",
        r"genotyp\w*",
        r"dna",
    ),
    "fingerprints": (InText("指纹"), InText(r"fingerprints?"), r"finger ?prints?"),
    "blood type": (InText("血型"), InText(r"blood (?:type|group)s?"), r"bloodtypes?"),
    "disease and medical history": (
        "疾病",
        InText("病史"),
        InText("病历"),
        "诊断",
        "病情",
        InText("患病"),
        InText("患有"),
        "就诊",
        "住院",
        "医疗",
        "健康",
        "体检",
        r"diseases?",
        r"illness\w*",
        r"medical\w*",
        InText(r"medical histor(?:y|ies)"),
        r"diagnos\w*",
        r"health\w*",
        r"medic(?:al|ine|ines|ation|ations)\w*",
        r"hospital\w*",
    ),
}

# The free-text screen: one expression, one named group per category, compiled once.
_TEXT_CATEGORIES = tuple(PROHIBITED_TERMS)
PROHIBITED_IN_TEXT = re.compile(
    "|".join(
        f"(?P<c{number}>"
        + "|".join(term.text for term in PROHIBITED_TERMS[category] if isinstance(term, InText))
        + ")"
        for number, category in enumerate(_TEXT_CATEGORIES)
    ),
    re.IGNORECASE,
)


def text_category(text: str) -> str | None:
    """The Art. 11 ¶3 category a free-text value names (``InText`` terms), if any."""
    found = PROHIBITED_IN_TEXT.search(text)
    if found is None or found.lastgroup is None:
        return None
    return _TEXT_CATEGORIES[int(found.lastgroup[1:])]


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
    # In the Simplified script: 指紋 or 月工資 on a zh-Hant form is the same field as 指纹 or
    # 月工资 (Art. 11 ¶2, ¶3), and the terms are written once.
    lowered = simplified(text.strip()).lower()
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
        return add_years(conduct_ended_on, self.retention_years)

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


# --- district rules (Art. 35) -------------------------------------------------------------------

ART_35 = "Art. 35"


class Loosening(NamedTuple):
    """One way a district rule would loosen the city's: a machine-readable code (the pages
    translate by it), the attribute it concerns, the message in English (the API's), and
    the articles it would breach — Art. 35 always, and the article the city's value
    carries out where there is one (Art. 22 for a case that is not repaired, …)."""

    code: str
    field: str
    message: str
    article: str = ART_35


# A test of one attribute: the city's value, the district's, and the models holding them
# (a few tests need a neighbouring attribute). True when the district's value loosens.
Test = Callable[[Any, Any, Any, Any], bool]


@dataclass(frozen=True)
class Refused:
    """A change of an attribute that loosens the city's rule, and how it is refused."""

    loosens: Test
    code: str
    message: str
    article: str = ART_35


@dataclass(frozen=True)
class Free:
    """An attribute a district may set as it likes, and why no value of it loosens."""

    why: str


@dataclass(frozen=True)
class Nested:
    """An attribute holding others, each compared by the rules of its own table."""

    table: str


AttributeRule = Refused | tuple[Refused, ...] | Free | Nested


def _changed(city: Any, district: Any, *_: Any) -> bool:
    return bool(city != district)


def _unset(city: Any, district: Any, *_: Any) -> bool:
    return bool(city) and not district


def _set(city: Any, district: Any, *_: Any) -> bool:
    return bool(district) and not city


def _raised(city: Any, district: Any, *_: Any) -> bool:
    return bool(district > city)


def _widened(city: Any, district: Any, *_: Any) -> bool:
    return not set(district) <= set(city)


def _narrowed(city: Any, district: Any, *_: Any) -> bool:
    return not set(city) <= set(district)


def _both_published(test: Test) -> Test:
    """A test of a period's bounds, asked only when both rules publish the class (a class
    one of them does not publish is refused, or not, by its ``published`` rule)."""

    def published_test(city: Any, district: Any, city_period: Any, district_period: Any) -> bool:
        return bool(city_period.published and district_period.published) and test(
            city, district, city_period, district_period
        )

    return published_test


# Each table names every attribute of its model (``_check_tables_complete`` refuses to load
# the module otherwise, and a test says so): an attribute added to a definition without a
# rule of how a district may change it cannot pass unseen (Art. 35: a district adds to or
# tightens the city's rules, never loosens them).

# The record type. What the type *is* — its code, group, category, polarity, how its rows
# name their subject, their date and their identity — is the city's: a district that
# changed it would make another type under the city's code (a negative record made neutral
# stops counting against its subject, a public one made market leaves the joint checks).
# So those attributes, which the catalog's readers take as the type's
# (``catalog.service.TypeWide``), are the same in every rule that governs.
DEFINITION_RULES: dict[str, AttributeRule] = {
    "code": Refused(_changed, "changes_code", "a district rule must keep the record type's code"),
    "name_zh": Free("a name shows the type; it does not change what is collected or shown"),
    "name_en": Free("a name shows the type; it does not change what is collected or shown"),
    "group": Refused(_changed, "changes_group", "a district rule keeps the record type's group"),
    "category": Refused(
        _changed,
        "changes_category",
        "a district rule cannot make public credit information market information or the "
        "other way round",
        "Art. 35, 9",
    ),
    "polarity": Refused(
        _changed,
        "changes_polarity",
        "a district rule cannot change whether a record type is positive, negative or neutral",
    ),
    # Text the authority writes (a district cites its implementing rules beside the city's
    # basis): what is collected, shown and kept is decided by the other attributes. A city
    # that words its basis anew suspends no district rule (decision 0015).
    "legal_basis": Free("the basis is cited as text; the other attributes are the rule"),
    "fields": Nested("FIELD_RULES"),
    "subject_kinds": Refused(
        _widened,
        "admits_more_subject_kinds",
        "a district rule cannot keep records about more kinds of subject than the city's",
        "Art. 35, 11",
    ),
    "subject_name_field": Refused(
        _changed, "changes_subject_fields", "a district rule keeps the fields naming the subject"
    ),
    "subject_uscc_field": Refused(
        _changed, "changes_subject_fields", "a district rule keeps the fields naming the subject"
    ),
    "subject_citizen_id_field": Refused(
        _changed, "changes_subject_fields", "a district rule keeps the fields naming the subject"
    ),
    "subject_kind_field": Refused(
        _changed, "changes_subject_fields", "a district rule keeps the fields naming the subject"
    ),
    # Publicity and retention count from it: another date could be a later one.
    "decision_date_field": Refused(
        _changed, "changes_decision_date_field", "a district rule keeps the decision date field"
    ),
    "natural_key": Refused(
        _changed,
        "changes_natural_key",
        "a district rule keeps the fields that identify a record across batches",
    ),
    "disclosure": Nested("DISCLOSURE_RULES"),
    "public_by_law_for_natural_persons": Refused(
        _set, "public_without_law", "only law makes a record public", "Art. 35, 11"
    ),
    "submitter_kinds": Refused(
        _widened, "admits_more_submitters", "a district rule cannot admit more submitters"
    ),
    "self_declared": Refused(
        _changed,
        "changes_self_declared",
        "a district rule cannot change who provides the records of a type",
        "Art. 35, 10 ¶2",
    ),
    "retention_years": Refused(
        lambda city, district, *_: city is not None and (district is None or district > city),
        "lengthens_retention",
        "a district rule cannot keep records longer than the city's",
    ),
    # Another date could be later than the city's: the record would be kept longer.
    "conduct_end_field": Refused(
        lambda city, district, city_rule, _district_rule: (
            city_rule.retention_years is not None and district is not None and district != city
        ),
        "changes_conduct_end",
        "a district rule cannot count retention from another date than the city's",
    ),
    "repair_exclusions": Refused(
        _narrowed,
        "drops_repair_exclusion",
        "a district rule cannot make repairable what Art. 22 does not let be repaired",
        "Art. 35, 22",
    ),
    # Without it (or with another field) a record of another party's business passes.
    "own_party_field": Refused(
        lambda city, district, *_: city is not None and district != city,
        "drops_own_business_check",
        "a district rule cannot drop the check that a record is from the submitter's own business",
        "Art. 35, 10 ¶1",
    ),
    "members_only": Refused(
        _unset,
        "drops_membership_check",
        "a district rule cannot admit records about subjects that are not members",
        "Art. 35, 10 ¶1",
    ),
}

# Each field of the city's rule, in the district's rule of the same name (one missing is
# dropped: ``drops_field``). A district may add fields of its own (``check_allowed``
# applies to them as to the city's).
FIELD_RULES: dict[str, AttributeRule] = {
    "name": Free("a field is found in the district rule by its name"),
    "label_zh": Free("a label names the column; it does not change what is collected"),
    "label_en": Free("a label names the column; it does not change what is collected"),
    "aliases": Free("an alias is one more header of the same column"),
    "type": Refused(
        _changed,
        "changes_field_type",
        "a district rule cannot change a field's type: its values would escape its checks",
    ),
    "required": Refused(
        _unset, "makes_field_optional", "a district rule cannot make a required field optional"
    ),
    "sensitivity": Refused(
        lambda city, district, *_: (
            city is Sensitivity.RESTRICTED and district is not Sensitivity.RESTRICTED
        ),
        "lowers_sensitivity",
        "a district rule cannot lower a field's sensitivity",
        "Art. 35, 11 ¶2",
    ),
    "max_length": Refused(
        _raised, "lengthens_field", "a district rule cannot admit longer values than the city's"
    ),
    "choices": Refused(
        lambda city, district, *_: bool(city) and _widened(city, district),
        "admits_more_choices",
        "a district rule cannot admit more choices than the city's",
    ),
    "redactable": Refused(
        _unset,
        "drops_redaction",
        "a district rule cannot keep a field from being redacted before publicity",
        "Art. 35, 12(3)",
    ),
    "not_before": Refused(
        lambda city, district, *_: city is not None and district != city,
        "drops_date_order",
        "a district rule keeps the date a field's date may not precede",
    ),
}

# How a record's class is found: its minimum publicity, a condition of repair, follows it.
SEVERITY_RULES = Refused(
    _changed,
    "changes_severity_rules",
    "a district rule keeps how a record's class is found",
    "Art. 35, 21",
)

DISCLOSURE_RULES: dict[str, AttributeRule] = {
    # Publishing what the city keeps private, or withholding what it publishes: a public
    # class's minimum publicity period is a condition of credit repair (国家发展改革委令第36号),
    # so a class withheld would be repairable at once. A district protects natural persons'
    # records by leaving them not public by law (``public_by_law_for_natural_persons``).
    "mode": (
        Refused(
            lambda city, district, *_: city == "non_public" and district == "public",
            "publishes_non_public",
            "a district rule cannot publish what the city keeps private",
        ),
        Refused(
            lambda city, district, *_: city == "public" and district == "non_public",
            "withholds_public",
            "a district rule cannot withhold from publicity what the city publishes: its "
            "minimum publicity period is a condition of credit repair",
            "Art. 35, 21",
        ),
    ),
    "periods": Nested("PERIOD_RULES"),
    # Which class a record falls in decides its publicity and when it may be repaired:
    # the class is the city's (and the source's, by the severity it states). The values
    # the class is read from are the city's too (``_class_field_loosenings``).
    "default_severity": SEVERITY_RULES,
    "severity_field": SEVERITY_RULES,
    "minor_if_only": SEVERITY_RULES,
    "minor_if_only_field": SEVERITY_RULES,
    "review_before_publicity": Refused(
        _unset, "skips_review", "a district rule cannot skip review", "Art. 35, 12(3)"
    ),
}

# Each class's period as each rule has it (``Disclosure.period``: a class a rule does not
# publish, or every class of a type it keeps private, is not published).
PERIOD_RULES: dict[str, AttributeRule] = {
    "published": (
        Refused(_set, "publishes_unpublished_class", "cannot publish an unpublished class"),
        Refused(
            _unset,
            "withholds_published_class",
            "a district rule cannot withhold a class the city publishes: its minimum "
            "publicity period is a condition of credit repair",
            "Art. 35, 21",
        ),
    ),
    "min_months": Refused(
        _both_published(lambda city, district, *_: district < city),
        "shortens_minimum_publicity",
        "a district rule cannot shorten the minimum publicity period: it is a condition of "
        "credit repair",
        "Art. 35, 21",
    ),
    "max_months": Refused(
        lambda city, district, _city_period, district_period: (
            district_period.published and district > city
        ),
        "lengthens_publicity",
        "cannot lengthen the publicity period",
    ),
    # Publicity when the source states no deadline: the district's may be shorter. (Without
    # a default of its own it is the maximum, refused as longer by ``max_months`` already.)
    "default_months": Refused(
        _both_published(
            lambda _city, _district, city_period, district_period: (
                district_period.max_months <= city_period.max_months
                and district_period.months_without_deadline > city_period.months_without_deadline
            )
        ),
        "lengthens_default_publicity",
        "a district rule cannot lengthen the publicity of a record whose source states no deadline",
    ),
    "min_extension_months": Refused(
        _both_published(lambda city, district, *_: district < city),
        "shortens_extension",
        "a district rule cannot admit a shorter extension of the publicity than the city's",
    ),
}

RULE_TABLES: dict[str, tuple[type[BaseModel], dict[str, AttributeRule]]] = {
    "DEFINITION_RULES": (RecordTypeDefinition, DEFINITION_RULES),
    "FIELD_RULES": (FieldSpec, FIELD_RULES),
    "DISCLOSURE_RULES": (Disclosure, DISCLOSURE_RULES),
    "PERIOD_RULES": (PublicityPeriod, PERIOD_RULES),
}


def missing_rules() -> dict[str, set[str]]:
    """Attributes of a definition with no rule of how a district may change them (or rules
    of attributes there are not): empty when every table is complete."""
    found: dict[str, set[str]] = {}
    for name, (model, table) in RULE_TABLES.items():
        difference = set(model.model_fields) ^ set(table)
        if difference:
            found[name] = difference
    return found


def _check_tables_complete() -> None:
    if missing := missing_rules():
        raise TypeError(f"attributes without a district rule (Art. 35): {missing}")


_check_tables_complete()


def _refusals(
    rule: AttributeRule, city: BaseModel, district: BaseModel, name: str, path: str
) -> list[Loosening]:
    """How the district's value of the attribute ``name`` loosens the city's, by its rule."""
    if isinstance(rule, Free | Nested):
        return []
    city_value, district_value = getattr(city, name), getattr(district, name)
    return [
        Loosening(refused.code, path, refused.message, refused.article)
        for refused in (rule if isinstance(rule, tuple) else (rule,))
        if refused.loosens(city_value, district_value, city, district)
    ]


def loosenings(city: RecordTypeDefinition, district: RecordTypeDefinition) -> list[Loosening]:
    """Where a district rule would loosen the city's; empty when it only adds to or
    tightens it (Art. 35). Every attribute is compared by its rule in the tables above."""
    problems: list[Loosening] = []
    for name, rule in DEFINITION_RULES.items():
        if name == "fields":
            problems.extend(_field_loosenings(city, district))
        elif name == "disclosure":
            problems.extend(_disclosure_loosenings(city.disclosure, district.disclosure))
        else:
            problems.extend(_refusals(rule, city, district, name, name))
    return problems


def _field_loosenings(
    city: RecordTypeDefinition, district: RecordTypeDefinition
) -> list[Loosening]:
    problems: list[Loosening] = []
    district_fields = {spec.name: spec for spec in district.fields}
    for spec in city.fields:
        path = f"fields.{spec.name}"
        mine = district_fields.get(spec.name)
        if mine is None:
            problems.append(
                Loosening("drops_field", path, "a district rule cannot drop a city field")
            )
            continue
        for name, rule in FIELD_RULES.items():
            problems.extend(_refusals(rule, spec, mine, name, path))
    problems.extend(_class_field_loosenings(city, district_fields))
    return problems


def _class_field_loosenings(
    city: RecordTypeDefinition, district_fields: Mapping[str, FieldSpec]
) -> list[Loosening]:
    """The fields a record's class is read from (``disclosure.severity_field``,
    ``minor_if_only_field``) keep the city's choices and length: fewer choices, or shorter
    values, leave a class the city's rule reaches out of the district's reach (a serious
    penalty entered as general is public for a shorter minimum, and repairable sooner:
    Art. 21). Wider ones are refused by ``FIELD_RULES`` already."""
    problems: list[Loosening] = []
    disclosure = city.disclosure
    for name in dict.fromkeys((disclosure.severity_field, disclosure.minor_if_only_field)):
        mine = district_fields.get(name) if name else None
        if name is None or mine is None:  # none, or dropped (``drops_field``)
            continue
        spec = city.field(name)
        for attribute in ("choices", "max_length"):
            if getattr(spec, attribute) != getattr(mine, attribute):
                problems.append(
                    Loosening(
                        SEVERITY_RULES.code,
                        f"fields.{name}.{attribute}",
                        SEVERITY_RULES.message,
                        SEVERITY_RULES.article,
                    )
                )
    return problems


def _disclosure_loosenings(city: Disclosure, district: Disclosure) -> list[Loosening]:
    problems: list[Loosening] = []
    for name, rule in DISCLOSURE_RULES.items():
        if name != "periods":
            problems.extend(_refusals(rule, city, district, name, f"disclosure.{name}"))
            continue
        for severity in Severity:
            path = f"disclosure.periods.{severity}"
            theirs, mine = city.period(severity), district.period(severity)
            for attribute, period_rule in PERIOD_RULES.items():
                problems.extend(_refusals(period_rule, theirs, mine, attribute, path))
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
            article=first.article,
            details={"problems": [p._asdict() for p in problems]},
        )


# --- a revision while records of the type are stored ---------------------------------------------


class StoredRecordsChange(NamedTuple):
    """One way a revision would change what the records of a type already stored *are*:
    a machine-readable code (the pages translate by it), the attribute it concerns, and the
    message in English (the API's)."""

    code: str
    field: str
    message: str


_SUBJECT_FIELDS = ("subject_uscc_field", "subject_citizen_id_field", "subject_kind_field")


def stored_records_changes(
    before: RecordTypeDefinition, after: RecordTypeDefinition
) -> list[StoredRecordsChange]:
    """What a revision from ``before`` to ``after`` would change in the records stored
    under ``before``: empty when they stay what they are. Each stored record was collected
    and checked as ``before`` says, and the readers take it as the rule in force says
    (decision 0005, session 18 addendum). The natural key is ``natural_key_in_use``'s;
    publicity and disclosure are the city's levers (decision 0015); a field added, or
    limits tightened, change no stored record."""
    found: list[StoredRecordsChange] = []

    def change(code: str, field: str, message: str) -> None:
        found.append(StoredRecordsChange(code, field, message))

    if after.category != before.category:
        change(
            "changes_records_category",
            "category",
            "the records stored would become market credit information, or public",
        )
    if after.polarity != before.polarity:
        change(
            "changes_records_polarity",
            "polarity",
            "the records stored would count as positive, negative or neutral information "
            "otherwise than they were collected",
        )
    if not set(before.subject_kinds) <= set(after.subject_kinds):
        change(
            "drops_records_subject_kind",
            "subject_kinds",
            "the records stored about a kind of subject would be of a kind the type no "
            "longer keeps",
        )
    # A field naming the subject may be added (with a kind of subject admitted), not moved.
    if after.subject_name_field != before.subject_name_field:
        change(
            "changes_records_subject_fields",
            "subject_name_field",
            "the records stored name their subject by the fields in force",
        )
    for name in _SUBJECT_FIELDS:
        if getattr(before, name) is not None and getattr(after, name) != getattr(before, name):
            change(
                "changes_records_subject_fields",
                name,
                "the records stored name their subject by the fields in force",
            )
    if after.decision_date_field != before.decision_date_field:
        change(
            "changes_records_decision_date_field",
            "decision_date_field",
            "the records stored are dated by the decision date field in force: their "
            "publicity and timeliness count from it",
        )
    kept = {spec.name: spec for spec in after.fields}
    for spec in before.fields:
        mine = kept.get(spec.name)
        if mine is None:
            change(
                "drops_records_field",
                f"fields.{spec.name}",
                "the records stored hold the field",
            )
        elif mine.type is not spec.type:
            change(
                "changes_records_field_type",
                f"fields.{spec.name}.type",
                "the values stored in the field were checked as its type in force",
            )
    return found


def value_at(definition: RecordTypeDefinition, path: str) -> Any:
    """The value a ``StoredRecordsChange`` names: an attribute, a field (None when the
    definition has none of that name) or a field's type."""
    if not path.startswith("fields."):
        return getattr(definition, path)
    _fields, name, *attribute = path.split(".")
    spec = next((spec for spec in definition.fields if spec.name == name), None)
    if spec is None or not attribute:
        return spec
    return getattr(spec, attribute[0])
