"""Every refusal the services can raise reads in Chinese on a Chinese page (decision 0016).

The scan reads the sources for every message a refusal is raised with — a literal, an
f-string, a concatenation or a choice of them, a variable assigned one of those — fills
each value an f-string names with samples (``SAMPLES``: every value of a closed set such
as a status or a field's name, taken from the code; a plausible value of an open one such
as a date or a name), and explains each message as a zh_Hans page does
(``refusals.explain``). A message no table translates falls back to its code's general
explanation with the English message beneath it: that is what users saw on /me/repairs
and /me/objections, and what this test is for. A value that is itself English (a record
type's English name, a parser's words) stays so inside the Chinese sentence; the samples
of open values are Chinese or digits, so whatever is left in Latin letters after the
explanation is English the catalog did not translate.

What the scan cannot fill — a message handed on from elsewhere (a check's, a row
problem's, an identifier's) — is listed in ``HANDED_ON`` with where it comes from, and
those sources are scanned or exercised here too."""

from __future__ import annotations

import ast
import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from xinyong import texts
from xinyong.web import i18n, refusals

SOURCES = Path(__file__).resolve().parent.parent / "src" / "xinyong"

# What raises a refusal, with the code it has when none is given.
MAKERS = {
    "InvalidInput": "invalid",
    "NotFound": "not_found",
    "ConcealedRefusal": "not_found",
    "Conflict": "conflict",
    "Gone": "gone",
    "PermissionDenied": "permission_denied",
    "NotAuthenticated": "not_authenticated",
    "RateLimited": "rate_limited",
    "DomainError": "error",
    "BodyTooLarge": "too_large",
}


@functools.cache
def _tree(path: str) -> ast.Module:
    return ast.parse((SOURCES / path).read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _calls(path: str, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and _name(node) == name:
            yield node


@dataclass(frozen=True)
class Raised:
    path: str
    line: int
    code: ast.expr | str
    message: ast.expr

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _raised() -> Iterator[Raised]:
    for file in sorted(SOURCES.rglob("*.py")):
        path = file.relative_to(SOURCES).as_posix()
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name in MAKERS and node.args:
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                yield Raised(path, node.lineno, code or MAKERS[name], node.args[0])
            elif name in ("Problem", "UnusableFile", "WorkbookRefused") and len(node.args) >= 2:
                yield Raised(path, node.lineno, node.args[0], node.args[1])
            elif name == "refusal" and len(node.args) >= 8:
                yield Raised(path, node.lineno, node.args[7], node.args[6])


# --- filling a message in -----------------------------------------------------------------------


def _fill(node: ast.expr, path: str) -> list[str] | None:
    """Every message ``node`` can be, its values filled with samples; None for a message
    handed on from elsewhere."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append([str(value.value)])
                continue
            assert isinstance(value, ast.FormattedValue)
            samples = _samples(value.value, path)
            if value.conversion == ord("r"):
                samples = [repr(sample) for sample in samples]
            parts.append(samples)
        return ["".join(combination) for combination in itertools.product(*parts)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fill(node.left, path), _fill(node.right, path)
        if left is None or right is None:
            return None
        return [a + b for a in left for b in right]
    if isinstance(node, ast.IfExp | ast.BoolOp):
        branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else node.values
        filled = [_fill(branch, path) for branch in branches]
        if any(f is None for f in filled):
            return None
        return [message for f in filled if f is not None for message in f]
    key = _key(node, path)
    if key is not None:
        return _sample_list(key)
    if isinstance(node, ast.Name):
        return _assigned(node.id, path)
    return None


def _assigned(name: str, path: str) -> list[str] | None:
    """What a variable of the module is assigned, and extended with (``+=``)."""
    values: list[str] = []
    added: list[str] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            filled = _fill(node.value, path)
            if filled is None:
                return None
            values += filled
        elif (
            isinstance(node, ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            filled = _fill(node.value, path)
            if filled is None:
                return None
            added += filled
    if not values:
        return None
    return values + [value + more for value in values for more in added]


def _key(node: ast.expr, path: str) -> str | None:
    expression = ast.unparse(node)
    for key in (f"{path}::{expression}", expression):
        if key in SAMPLES:
            return key
    return None


UNSAMPLED: set[str] = set()

_NUMBER = re.compile(
    r"MAX|max_|MIN_|LIMIT|limit|len\(|years|months|number|\brow\b|count|severity|\bhead\b|lineno|"
    r"colno|\byear\b|FIRST_YEAR|YEARS_AHEAD|retry|_window\b|index|\.id\b|header_row"
)
_DATE = re.compile(r"isoformat\(\)|date\(\)|until|term_end|window_ends|day\.day|decided|DAY\b")


def _samples(node: ast.expr, path: str) -> list[str]:
    key = _key(node, path)
    if key is not None:
        return _sample_list(key)
    expression = ast.unparse(node)
    if _DATE.search(expression):
        return ["2027-01-16"]
    if _NUMBER.search(expression):
        return ["12"]
    if isinstance(node, ast.Name):
        assigned = _assigned(node.id, path)
        if assigned is not None:
            return assigned
    UNSAMPLED.add(f"{path}::{expression}")
    return ["甲"]


def _with_article(enumeration: str) -> list[str]:
    return [texts.a(value) for value in _values(enumeration)()]


def _sample_list(key: str) -> list[str]:
    found = SAMPLES[key]
    return found() if callable(found) else found


def _arguments(path: str, name: str, index: int | str) -> Callable[[], list[str]]:
    """Every message the calls of ``name`` in ``path`` pass at ``index`` (a position or a
    keyword): what a helper that builds a refusal, or a check, is given."""

    def collect() -> list[str]:
        found: list[str] = []
        for call in _calls(path, name):
            if isinstance(index, int):
                node = call.args[index] if len(call.args) > index else None
            else:
                node = next((k.value for k in call.keywords if k.arg == index), None)
            if node is None:
                continue
            filled = _fill(node, path)
            assert filled is not None, f"{path}: {ast.unparse(node)}"
            found += filled
        assert found, f"no call of {name} in {path}"
        return found

    return collect


def _values(enum: str) -> Callable[[], list[str]]:
    def collect() -> list[str]:
        module, name = enum.rsplit(".", 1)
        imported = __import__(module, fromlist=[name])
        return [str(getattr(member, "value", member)) for member in getattr(imported, name)]

    return collect


def _steps(module: str, index: int) -> list[str]:
    """Who may act (1) or what they may do (2) in a case's state machine (``TRANSITIONS``,
    keyed by status, who and action)."""
    transitions = __import__(module, fromlist=["TRANSITIONS"]).TRANSITIONS
    return sorted({str(key[index]) for key in transitions})


def _joined(*values: str) -> list[str]:
    return [", ".join(values)]


def _phrases(path: str, name: str, index: int) -> Callable[[], list[str]]:
    """A field's name as a message says it (``name.replace('_', ' ')``)."""
    return lambda: [value.replace("_", " ") for value in _arguments(path, name, index)()]


# Values of the f-strings' holes: a closed set (every member), or a value the code names
# elsewhere. Keys are ``path::expression`` or the expression alone; dates and numbers are
# recognised by their names (``_DATE``, ``_NUMBER``) and anything else is a name or a
# code, sampled in Chinese (``UNSAMPLED`` lists them).
SAMPLES: dict[str, list[str] | Callable[[], list[str]]] = {
    # statuses
    "repair/rules.py::status.value": _values("xinyong.repair.models.RepairStatus"),
    "repair/rules.py::action": _values("xinyong.repair.rules.ACTIONS"),
    "repair/rules.py::who": lambda: _steps("xinyong.repair.rules", 1),
    "objections/rules.py::status.value": _values("xinyong.objections.models.ObjectionStatus"),
    "objections/names.py::status.value": _values("xinyong.objections.models.NameObjectionStatus"),
    "objections/rules.py::action": lambda: _steps("xinyong.objections.rules", 2),
    "objections/rules.py::who": lambda: _steps("xinyong.objections.rules", 1),
    "lists/early_removal.py::application.status.value": _values(
        "xinyong.lists.models.EarlyRemovalStatus"
    ),
    "lists/early_removal.py::step": _arguments("lists/early_removal.py", "_stage", 2),
    "entry.status.value": _values("xinyong.lists.models.EntryStatus"),
    "record.status.value": _values("xinyong.collection.models.RecordStatus"),
    "institutions/register.py::institution.status.value": _values(
        "xinyong.institutions.models.InstitutionStatus"
    ),
    "institutions/register.py::status.value": _values(
        "xinyong.institutions.models.InstitutionStatus"
    ),
    "publicity/consent.py::found.status.value": _values("xinyong.publicity.models.ConsentStatus"),
    # the same, with the article the word takes (texts.a)
    "institutions/register.py::texts.a(institution.status.value)": lambda: _with_article(
        "xinyong.institutions.models.InstitutionStatus"
    ),
    "texts.a(organisation.kind.value)": lambda: _with_article(
        "xinyong.accounts.models.OrganisationKind"
    ),
    "disclosure/query_assignments.py::texts.a(user.role.value)": lambda: _with_article(
        "xinyong.accounts.models.Role"
    ),
    "collection/validation.py::a(kind.value.replace('_', ' '))": lambda: [
        texts.a(value.replace("_", " "))
        for value in _values("xinyong.subjects.models.SubjectKind")()
    ],
    "publicity/cases.py::state(case)": lambda: _returned("publicity/cases.py", "state"),
    "found.status": _values("xinyong.catalog.rule_packs.PackStatus"),
    "lists/rule_packs.py::part": _values("xinyong.lists.rule_packs.PackPart"),
    "lists/entries.py::reason.value": _values("xinyong.lists.models.RemovalReason"),
    "lists/removal_proposals.py::reason.value": _values("xinyong.lists.models.RemovalReason"),
    # A record's id, as a proposal names its basis records (decision 0043).
    "lists/entry_basis.py::record_id": ["12"],
    "lists/entries.py::what": lambda: _assigned("what", "lists/entries.py") or [],
    "lists/applications.py::measure.target.value": _values("xinyong.lists.models.Tier"),
    "lists/measures.py::target.value": _values("xinyong.lists.models.Tier"),
    "lists/measures.py::article": ["Art. 16", "Art. 17"],
    # kinds and roles
    "organisation.kind.value": _values("xinyong.accounts.models.OrganisationKind"),
    "role.value": _values("xinyong.accounts.models.Role"),
    "accounts/permissions.py::actor.role": _values("xinyong.accounts.models.Role"),
    "accounts/permissions.py::permission.value.replace('_', ' ')": lambda: [
        value.replace("_", " ") for value in _values("xinyong.accounts.permissions.Permission")()
    ],
    "accounts/api_keys.py::key.role.value": _values("xinyong.accounts.models.Role"),
    "accounts/area.py::what": lambda: list(refusals._AREA_THINGS),
    "disclosure/query_assignments.py::user.role.value": _values("xinyong.accounts.models.Role"),
    "collection/validation.py::kind.value.replace('_', ' ')": lambda: [
        value.replace("_", " ") for value in _values("xinyong.subjects.models.SubjectKind")()
    ],
    "disclosure/access.py::who": ["this account", "your organisation"],
    # the fields a message names in English
    "collection/revocation.py::name.replace('_', ' ')": _phrases(
        "collection/revocation.py", "_text", 1
    ),
    "institutions/register.py::field.replace('_', ' ')": _phrases(
        "institutions/register.py", "_text", 1
    ),
    "publicity/cases.py::field.replace('_', ' ')": _phrases("publicity/cases.py", "_text", 1),
    "lists/early_removal.py::field.replace('_', ' ')": _phrases(
        "lists/early_removal.py", "_text", 1
    ),
    "lists/entries.py::field.replace('_', ' ')": ["criteria met", "reasons", "evidence"],
    "lists/removal_proposals.py::required": [
        "a removal states its reason",
        "a decision states its reasons",
    ],
    "lists/measures.py::field.replace('_', ' ')": [
        "code",
        "name",
        "means",
        "implementing body",
        "legal basis",
    ],
    "disclosure/supervision.py::field": _arguments("disclosure/supervision.py", "_check_day", 1),
    # what the services list as the choices
    "collection/records.py::', '.join(FULFILMENT_STATUSES)": lambda: _joined(
        *_values("xinyong.collection.records.FULFILMENT_STATUSES")()
    ),
    "collection/revocation.py::', '.join(GROUNDS)": lambda: _joined(
        *_values("xinyong.collection.revocation.GROUNDS")()
    ),
    "collection/revocation.py::', '.join(REINSTATEMENT_GROUNDS)": lambda: _joined(
        *_values("xinyong.collection.revocation.REINSTATEMENT_GROUNDS")()
    ),
    "objections/service.py::', '.join(DECISIONS)": lambda: _joined(
        *_values("xinyong.objections.service.DECISIONS")()
    ),
    "objections/service.py::', '.join((g.value for g in Ground))": lambda: _joined(
        *_values("xinyong.objections.models.Ground")()
    ),
    "lists/entries.py::', '.join(sorted(roles))": lambda: _joined(
        *sorted(_values("xinyong.subjects.models.ResponsibleRole")())
    ),
    "disclosure/supervision.py::', '.join((k.value for k in FollowUpKind))": lambda: _joined(
        *_values("xinyong.disclosure.models.FollowUpKind")()
    ),
    "repair/service.py::', '.join(sorted(unknown))": ["甲"],
    "calendar_store.py::', '.join(missing)": ["date", "kind, name", "date, kind, name"],
    "ratelimit.py::self._what": ["login attempts", "public comments from this address"],
    "lists/applications.py::named": ["甲 (Licensing)", "M01"],
    "disclosure/review.py::why": lambda: [
        "it is not in the record type's current definition",
        *_returned("disclosure/review.py", "redaction_refusal"),
        *_assigned_items("disclosure/review.py", "reasons"),
    ],
    "repair/rules.py::case": lambda: [
        str(case) for case in _values("xinyong.catalog.definitions.ART22_CASES")()
    ],
    # messages handed to a helper that raises them, or to a check a refusal quotes
    "calendar_store.py::message": _arguments("calendar_store.py", "_row_problem", 2),
    "collection/readers.py::problem": lambda: [
        *_arguments("collection/readers.py", "_bad", 1)(),
        "the file is empty",
        "it does not start with [",
    ],
    "collection/readers.py::hint": lambda: _assigned("hint", "collection/readers.py") or [],
    "collection/readers.py::where": [
        "Row 12",
        "Row 12 (line 13)",
        "Row 12 (line 13), column B (2)",
    ],
    "collection/readers.py::self._unit": ["Record", "Line"],
    "collection/readers.py::_kind(item)": lambda: _returned("collection/readers.py", "_kind"),
    "collection/readers.py::_kind(value)": lambda: _returned("collection/readers.py", "_kind"),
    "collection/readers.py::label": ["UTF-8", "GB18030"],
    # a workbook's limits and where it passes them (xlsx_guard)
    "collection/xlsx_guard.py::_mib(cap)": ["256", "2048"],
    "collection/xlsx_guard.py::height": ["1048576"],
    "collection/xlsx_guard.py::width": ["20"],
    "collection/xlsx_guard.py::ref": ["XFD1048576"],
    "collection/xlsx_guard.py::_ref(cell)": ["T1048576"],
    "json_problem(exc)": [
        "Expecting value at column 3",
        "arrays or objects nested too deeply",
        "a number longer than 4300 digits",
    ],
    "web/pages/catalog.py::exc.msg": ["Expecting value"],
    "collection/readers.py::exc.msg": ["Expecting value", "Expecting ',' delimiter"],
    "collection/readers.py::suffix": [".xls", ".et", ".wps"],
    "collection/readers.py::_ACCEPTED": lambda: [_constant("collection/readers.py", "_ACCEPTED")],
    "repair/service.py::first.message": lambda: [
        *_arguments("repair/rules.py", "Check", 4)(),
        *_returned("repair/service.py", "linked_commitment_problem"),
    ],
    "repair/rules.py::facts.commitment_problem": lambda: _returned(
        "repair/service.py", "linked_commitment_problem"
    ),
    "repair/rules.py::message": lambda: _assigned("message", "repair/rules.py") or [],
    "lists/early_removal.py::first.message": _arguments("lists/early_removal_rules.py", "Check", 3),
    "catalog/definitions.py::first.message": lambda: _stated(),
    "catalog/definitions.py::category": lambda: _categories("PROHIBITED_TERMS"),
    "catalog/definitions.py::restricted": lambda: _categories("RESTRICTED_TERMS"),
    "collection/validation.py::category": lambda: _categories("PROHIBITED_TERMS"),
    "submitted_text.py::category": lambda: _categories("PROHIBITED_TERMS"),
    "collection/sources.py::', '.join(rule.definition.submitter_kinds) or 'no organisation'": (
        lambda: [
            *_values("xinyong.accounts.models.OrganisationKind")(),
            "no organisation",
        ]
    ),
}


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _returned(path: str, function: str) -> list[str]:
    """The strings ``function`` of the module returns."""
    found = [
        text
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef) and node.name == function
        for returned in ast.walk(node)
        if isinstance(returned, ast.Return) and (text := _text(returned.value)) is not None
    ]
    assert found
    return found


def _assigned_items(path: str, name: str) -> list[str]:
    """The strings a dict of the module is given as items (``name[key] = "..."``,
    ``name.setdefault(key, "...")``)."""
    found: list[str] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target, value = node.targets[0].value, node.value
        elif isinstance(node, ast.Call) and _name(node) == "setdefault" and len(node.args) == 2:
            target, value = getattr(node.func, "value", None), node.args[1]
        else:
            continue
        text = _text(value)
        if isinstance(target, ast.Name) and target.id == name and text is not None:
            found.append(text)
    assert found
    return found


def _constant(path: str, name: str) -> str:
    module = __import__("xinyong." + path.removesuffix(".py").replace("/", "."), fromlist=[name])
    return str(getattr(module, name))


def _stated() -> list[str]:
    from xinyong.web.refusals import STATED

    return list(STATED.values())


def _categories(name: str) -> list[str]:
    from xinyong.catalog import definitions

    return sorted(getattr(definitions, name))


# Refusal codes computed where they are raised: the codes each can be.
CODE_SAMPLES: dict[str, list[str]] = {
    "calendar_store.py::code": ["invalid_date", "invalid_kind", "invalid_range"],
    "collection/validation.py::code": ["before_decision_date", "before_start_date"],
}


def _codes(raised: Raised) -> list[str]:
    node = raised.code
    if isinstance(node, str):
        return [node]
    if isinstance(node, ast.Constant):
        return [str(node.value)]
    if isinstance(node, ast.IfExp) and all(
        isinstance(branch, ast.Constant) for branch in (node.body, node.orelse)
    ):
        return [str(node.body.value), str(node.orelse.value)]  # type: ignore[attr-defined]
    return CODE_SAMPLES.get(f"{raised.path}::{ast.unparse(node)}", [""])


# --- what is left English -----------------------------------------------------------------------

# Words a Chinese explanation keeps in Latin letters: names of formats and programs, how a
# date is typed, what a JSON file or a request holds as it holds it.
KEPT = {
    "Base",  # Base64, an evidence file's encoding in the API
    "Excel",
    "Lines",  # JSON Lines
    "MiB",
    "Unicode",
    "xx",  # a district's code, 3501xx
    "rows",  # the member name of {"rows": [...]}
    "true",
    "false",
    "null",
    "Content",  # the header Content-Type
    "Type",
}
# A word of two letters or more; not a file's extension (".xlsx"), nor in capitals (an
# abbreviation, the letters a code may use).
_LATIN = re.compile(r"(?<![.A-Za-z])[A-Za-z]{2,}")


def _english_left(text: str) -> list[str]:
    return [word for word in _LATIN.findall(text) if word not in KEPT and not word.isupper()]


def _unexplained(code: str, message: str) -> str | None:
    """What is wrong with how a zh_Hans page explains the refusal, if anything."""
    from xinyong.web.refusals import explain

    shown = explain({"code": code, "message": message}, i18n.translations("zh_Hans").gettext)
    if shown.detail is not None:
        return f"explained by its code only ({shown.text!r})"
    english = _english_left(shown.text)
    if english:
        return f"English left: {english} in {shown.text!r}"
    return None


# Messages the scan cannot fill, handed on from where they are written; each source is
# scanned as a refusal or a helper's argument above, or exercised below.
HANDED_ON = {
    # a workbook refused before calamine reads it: xlsx_guard's WorkbookRefused, scanned
    "collection/readers.py::refused.message",
    # a credit service institution outside the register (``_OUTSIDE``: exercised below)
    "accounts/permissions.py::self.own_message",
    "collection/pipeline.py::standing.message",
    "disclosure/access.py::standing.own_message",
    "disclosure/reports.py::standing.own_message",
    "institutions/register.py::problem.message",
    # what only a subject account does: the callers' literals (scanned below)
    "accounts/permissions.py::refusal",
    # a legal representative's name on a registration record (decision 0038): the person
    # name's own refusal (``subjects.require_person_name``) and ``_mismatch``, both scanned
    "collection/legal_representatives.py::problem.message",
    "collection/legal_representatives.py::refusal.message",
    # an identifier's problem (exercised below)
    "accounts/service.py::exc.error.message",
    "collection/members.py::exc.error.message",
    "institutions/register.py::exc.error.message",
    "lists/entries.py::exc.error.message",
    "subjects/service.py::exc.error.message",
    "subjects/service.py::result.error.message",
    # a row's problem: the Problems scanned above, or an identifier's
    "collection/records.py::first.message",
    "collection/validation.py::error.message",
    "objections/service.py::first.message",
    # Art. 11 ¶2 on a correction: ``consent.restricted_problem``'s Problem, scanned above
    "objections/service.py::problem.message",
    # the refusal an access is logged with: the calls of ``refusal`` scanned above
    "disclosure/access.py::message",
    "lists/entry_reads.py::refused.message",
    # why a report's content is gone (``_GONE``: exercised below)
    "disclosure/reports.py::message",
    # the command line's usage errors, printed by the CLI and never shown on a page
    "cli/core.py::message",
    # the API's unknown query parameters: a page sends only its own form's
    "web/api/collection.py::f'unknown query parameter {name!r}: this operation takes ' + "
    "', '.join(sorted(known))",
}


def test_every_refusal_message_is_explained_in_chinese() -> None:
    UNSAMPLED.clear()
    left: list[str] = []
    handed_on: set[str] = set()
    count = 0
    for raised in _raised():
        messages = _fill(raised.message, raised.path)
        if messages is None:
            handed_on.add(f"{raised.path}::{ast.unparse(raised.message)}")
            continue
        codes = _codes(raised)
        for message in messages:
            count += 1
            problems = [_unexplained(code, message) for code in codes]
            if all(problems):
                left.append(f"{raised.where} [{'/'.join(codes)}] {message!r}: {problems[0]}")
    assert count > 600  # the scan found the refusals, their values filled in
    assert handed_on == HANDED_ON, (
        "a refusal's message comes from elsewhere: fill it through SAMPLES, or say where it "
        f"is checked in HANDED_ON: {sorted(handed_on ^ HANDED_ON)}"
    )
    assert not left, "translate in xinyong.web.refusals (MESSAGES, PATTERNS):\n" + "\n".join(left)


def test_the_samples_name_only_open_values() -> None:
    """A value the scan sampled in Chinese is a name or a code the services quote, never a
    closed set's member a page should translate (those are in SAMPLES)."""
    UNSAMPLED.clear()
    for raised in _raised():
        _fill(raised.message, raised.path)
    assert sorted(UNSAMPLED) == sorted(OPEN_VALUES), sorted(set(UNSAMPLED) ^ OPEN_VALUES)


# Values quoted as they are: names, codes, usernames, what was typed, a parser's words.
OPEN_VALUES: set[str] = {
    "lists/red_list_exit.py::standard.name",
    "accounts/service.py::code",
    "accounts/service.py::normalised",
    "accounts/service.py::username",
    "calendar_store.py::text.strip()",
    "calendar_store.py::values['kind']",
    "catalog/definitions.py::spec.name",
    "catalog/rule_packs.py::code",
    "catalog/rule_packs.py::pack.name",
    "catalog/service.py::code",
    "catalog/service.py::definition.code",
    "catalog/service.py::first['msg']",
    "catalog/service.py::record_type.code",
    "disclosure/grant_supervision.py::scope",
    "collection/consent.py::', '.join(holding)",
    "collection/consent.py::', '.join(outside)",
    "collection/consent.py::', '.join(restricted)",
    "collection/pipeline.py::', '.join(expected[:6])",
    "collection/pipeline.py::', '.join(missing)",
    "collection/pipeline.py::definition.name_en",
    "collection/pipeline.py::definition.name_zh",
    "collection/readers.py::exc",
    "collection/readers.py::filename",
    "collection/readers.py::name",
    "collection/readers.py::self.column(seen[name])",
    "collection/xlsx_guard.py::name",
    "collection/xlsx_guard.py::self.part",
    "collection/xlsx_guard.py::ref[:20]",
    "collection/sources.py::rule.definition.name_en",
    "collection/sources.py::rule.definition.name_zh",
    "collection/validation.py::'、'.join(spec.choices)",
    "collection/validation.py::header",
    "collection/validation.py::self.definition.name_en",
    "collection/validation.py::self.definition.name_zh",
    "collection/validation.py::spec.label_en",
    "collection/validation.py::spec.label_zh",
    "collection/validation.py::start.label_en",
    "collection/validation.py::start.label_zh",
    "disclosure/access.py::item.matter",
    "disclosure/access.py::item.matter_code",
    "disclosure/query_assignments.py::holder.username",
    "disclosure/query_assignments.py::item.code",
    "disclosure/query_items.py::code",
    "disclosure/review.py::label",
    "disclosure/review.py::name",
    "lists/eligibility.py::black_standard.name",
    "lists/applications.py::covered",
    "lists/measures.py::std.name",
    "lists/eligibility.py::standard.name",
    "lists/eligibility.py::type_name",
    "lists/entries.py::code",
    "lists/entries.py::court",
    "lists/entries.py::std.from_record_type",
    "lists/entries.py::std.name",
    "lists/measures.py::code",
    "lists/measures.py::checked_code.normalised",
    "lists/measures.py::exc",
    "lists/measures.py::values['code']",
    "lists/rule_packs.py::code",
    "lists/rule_packs.py::pack.name",
    "objections/service.py::name",
    "repair/rules.py::entry.standard",
    "subjects/service.py::code",
    "web/api/collection.py::exc",
    "web/api/collection.py::exc.message",
    "web/api/collection.py::name",
    "web/api/collection.py::problem",
    "web/inputs.py::field",
    "web/uploads.py::', '.join(sorted(CONTENT_TYPES))",
    "web/uploads.py::media or '(none)'",
}


# --- messages handed on, exercised --------------------------------------------------------------


def test_an_institution_outside_the_register_is_told_in_chinese() -> None:
    from xinyong.institutions.register import _OUTSIDE

    for standing in _OUTSIDE.values():
        for message in (standing.message, standing.own_message):
            assert _unexplained(standing.code, message) is None, message


def test_what_only_a_subject_account_does_is_said_in_chinese() -> None:
    callers = [
        path.relative_to(SOURCES).as_posix()
        for path in SOURCES.rglob("*.py")
        if "require_subject_account(" in path.read_text(encoding="utf-8")
    ]
    messages = [
        message
        for path in callers
        if any(_calls(path, "require_subject_account"))
        for message in _arguments(path, "require_subject_account", 1)()
    ]
    assert len(messages) >= 8
    for message in messages:
        assert _unexplained("not_subject", message) is None, message


def test_a_report_gone_is_explained_in_chinese() -> None:
    from xinyong.disclosure.reports import _GONE

    for message, _article in _GONE.values():
        assert _unexplained("report_content_removed", message) is None, message


def _uscc_failing_the_organisation_code_check() -> str:
    """A code whose check character (18) is right and whose position 17 is not."""
    from xinyong import identifiers

    body = "91350100M000100Y"
    wrong = next(c for c in "0123456789" if c != identifiers._organisation_code_check(body[8:16]))
    return body + wrong + identifiers._uscc_check(body + wrong)


def test_an_identifiers_problem_is_explained_in_chinese() -> None:
    """Every problem ``identifiers`` finds, for each kind of code (a refused citizen ID on
    the lookup and account pages, a refused code on the register's)."""
    from xinyong import identifiers

    today = dt.date(2026, 6, 1)
    typed = [
        "",
        "3501",
        "91350100M000100Y4I",
        "9135010OM000100Y43",
        "91350100M000100Y44",
        _uscc_failing_the_organisation_code_check(),
        "35010219900307002Y",
        "05010219900307002X",
        "350102199013070021",
        "350102209903070021",
        "350102180003070021",
        "350102199003070021",
    ]
    errors = [
        checked.error
        for text in typed
        for checked in (
            identifiers.check_uscc(text),
            identifiers.check_citizen_id(text, today=today),
        )
        if checked.error is not None
    ]
    assert {error.code for error in errors} == {
        identifiers.EMPTY,
        identifiers.LENGTH,
        identifiers.CHARSET,
        identifiers.CHECK_CHARACTER,
        identifiers.ORGANISATION_CODE_CHECK,
        identifiers.BIRTH_DATE,
        identifiers.ADDRESS_CODE,
    }
    for error in errors:
        assert _unexplained(error.code, error.message) is None, error.message


def test_a_status_or_role_inside_an_english_sentence_reads_in_lower_case() -> None:
    """A label written to stand alone ("Under objection", "Published on the list", "Data
    reporter") is said in lower case inside an English refusal; the Chinese pages quote
    the catalog's label as before."""
    english = i18n.translations("en").gettext
    chinese = i18n.translations("zh_Hans").gettext
    said = {
        (
            "not_repairable",
            "the record is under_objection now and cannot be repaired until that is settled",
        ): "the record is under objection now and cannot be repaired until that is settled",
        (
            "record_not_revocable",
            "a record that is deleted can no longer be revoked",
        ): "a record that is deleted after the retention period can no longer be revoked",
        (
            "wrong_state",
            "an entry that is published cannot be approved",
        ): "an entry that is published on the list cannot be approved",
        (
            "permission_denied",
            "role data_reporter may not query credit files",
        ): "the role data reporter may not query credit files",
        (
            "submitter_kind_not_allowed",
            "a financial_institution cannot submit 行政处罚 (Administrative penalty) records; "
            "the catalog admits state_organ, judicial_organ",
        ): "a financial institution cannot submit 行政处罚 (Administrative penalty) records; "
        "the catalog admits state organ, judicial organ",
    }
    for (code, message), expected in said.items():
        assert refusals.explain({"code": code, "message": message}, english).text == expected
    (code, message), _ = next(iter(said.items()))
    assert refusals.explain({"code": code, "message": message}, chinese).text == (
        "该记录现在的状态为“异议处理中”，在此事了结之前不能修复"
    )


def test_an_english_refusal_puts_the_article_its_word_takes() -> None:
    """ "an enterprise", not "a enterprise": the services choose the article by the kind,
    role or status they name (``texts.a``), and the pages' English follows the word its
    label puts there; Chinese has no article to choose."""
    english = i18n.translations("en").gettext
    chinese = i18n.translations("zh_Hans").gettext
    said = {
        (
            "submitter_kind_not_allowed",
            "an enterprise cannot submit 行政处罚 (Administrative penalty) records; "
            "the catalog admits state_organ",
        ): "an enterprise cannot submit 行政处罚 (Administrative penalty) records; "
        "the catalog admits state organ",
        (
            "submitter_kind_not_allowed",
            "an industry_association may not submit 行政处罚 (Administrative penalty) records",
        ): "an industry association may not submit 行政处罚 (Administrative penalty) records",
        (
            "not_query_staff",
            "an objection_handler does not query by query item",
        ): "an objection handler does not query by query item",
        (
            "not_query_staff",
            "a data_reporter does not query by query item",
        ): "a data reporter does not query by query item",
    }
    for (code, message), expected in said.items():
        assert refusals.explain({"code": code, "message": message}, english).text == expected
        assert (
            "enterprise"
            not in refusals.explain({"code": code, "message": message}, chinese).text.split(
                "行政处罚"
            )[0]
        )


def test_the_services_choose_the_article_by_the_word() -> None:
    assert [texts.a(word) for word in ("enterprise", "state_organ", "unincorporated")] == [
        "an enterprise",
        "a state_organ",
        "an unincorporated",
    ]
