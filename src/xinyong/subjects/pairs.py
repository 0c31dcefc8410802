"""Character pairs of organisation names, as the name index stores them (pure functions).

The name search (``subjects.service._candidate_ids``) wants the organisations whose core
name holds one of the query's character pairs, or whose normalised name holds the whole
query. The index (table ``subject_name_pair``, decision 0012, session 20 addendum) keeps,
for every organisation name, one entry per pair a query could look it up by:

- every pair of the core name, and its last character alone (``END``), so that a core
  holding one character is found too;
- every pair of the normalised name except the pairs that area names and legal forms make
  among themselves (``AFFIX_PAIRS``: 福州, 有限, 公司, …), which nearly every name has and
  only a query made of nothing else would look for; the normalised name's last character
  alone unless it is one of theirs.

A pair is one integer, the two code points side by side (``END`` for none), so that the
entries of a first character are one range of keys and no collation is involved.

The rows follow from ``subject_name``'s stored forms and the area and legal-form words: a
change to ``names`` that changes the forms or those words changes the rows, and both are
to be computed again for the names stored (as migration 0056 computed the rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise, product, repeat

from xinyong.subjects.names import AREA_PREFIXES, LEGAL_FORM_SUFFIXES

_SHIFT = 21  # code points are below 2**21
END = 0  # in the place of a second character: the first was the last of the name


def key(first: str, second: str | None = None) -> int:
    """The index key of a pair, or of a name's last character (``second`` None)."""
    return (ord(first) << _SHIFT) | (ord(second) if second else END)


def first_character_range(character: str) -> tuple[int, int]:
    """The keys of every entry starting with ``character``: ``low <= key < high``."""
    low = ord(character) << _SHIFT
    return low, low + (1 << _SHIFT)


# What ``names.core_name`` strips: leading areas, parenthesised areas and legal forms, in
# runs of them. The pairs inside such runs are a word's own or span two words. Which pairs
# are left out decides only which queries the index can answer (a query never looks one up:
# ``probes``), never what it answers.
_AFFIX_WORDS: tuple[str, ...] = (*AREA_PREFIXES, *LEGAL_FORM_SUFFIXES, "(", ")")
AFFIX_CHARACTERS: frozenset[str] = frozenset("".join(_AFFIX_WORDS))
AFFIX_PAIRS: frozenset[str] = frozenset(
    {word[i : i + 2] for word in _AFFIX_WORDS for i in range(len(word) - 1)}
    | {a[-1] + b[0] for a, b in product(_AFFIX_WORDS, repeat=2)}
)


def _pairs(text: str) -> set[str]:
    return {a + b for a, b in pairwise(text)}


_AFFIX_KEYS = frozenset(key(*pair) for pair in AFFIX_PAIRS)


def _keys(text: str) -> list[int]:
    return [(a << _SHIFT) | b for a, b in pairwise(map(ord, text))]


def entries(normalised: str, core: str) -> set[int]:
    """The keys under which a name with these forms (as stored in ``subject_name``) is
    indexed."""
    # On code points, and the core's pairs taken from the normalised name's where it
    # stands in it whole (nearly always): this runs for every organisation a batch
    # registers.
    keys = _keys(normalised)
    found = set(keys).difference(_AFFIX_KEYS)
    at = normalised.find(core) if core else -1
    if at >= 0:
        found.update(_AFFIX_KEYS.intersection(keys[at : at + len(core) - 1]))
    else:
        found.update(_keys(core))
    if core:
        found.add(ord(core[-1]) << _SHIFT)
    if normalised and normalised[-1] not in AFFIX_CHARACTERS:
        found.add(ord(normalised[-1]) << _SHIFT)
    return found


def rows(subject_id: int, normalised: str, core: str) -> list[tuple[int, int, int]]:
    """``subject_name_pair`` rows (pair, core_length, subject_id) of one name."""
    length = len(core)
    return [(pair, length, subject_id) for pair in entries(normalised, core)]


def rows_of_names(named: Iterable[tuple[int, str, str]]) -> list[tuple[int, int, int]]:
    """The rows of many names, ``(subject_id, normalised, core)`` each, in key order; a
    subject's names that share a pair and a core length share a row."""
    found: list[tuple[int, int, int]] = []
    subjects: set[int] = set()
    again = False
    for subject_id, normalised, core in named:
        again = again or subject_id in subjects
        subjects.add(subject_id)
        found.extend(zip(entries(normalised, core), repeat(len(core)), repeat(subject_id)))
    if again:
        found = list(set(found))
    found.sort()
    return found


@dataclass(frozen=True)
class Probe:
    """One list of entries a query reads: the keys ``low <= key < high`` (one key, or a
    first character's range). ``core``: every core name holding the query's core is in it,
    and a name shares the query's pair (or character) only if it is; ``whole``: every
    normalised name holding the whole normalised query is in it."""

    low: int
    high: int
    core: bool
    whole: bool

    @property
    def one_key(self) -> bool:
        return self.high == self.low + 1


def probes(norm: str, core: str, core_pairs: list[str]) -> list[Probe] | None:
    """The lists that together hold every name the search weighs for a query with these
    forms, ``core_pairs`` being the pairs of its core it counts (``_bigrams``). None when
    the query is made only of area names and legal forms (福州, 有限公司): nearly every
    name holds it, outside the index."""
    if not core_pairs:
        return []
    if len(norm) == 1:
        # The core is the same character.
        if norm in AFFIX_CHARACTERS:
            return None
        low, high = first_character_range(norm)
        return [Probe(low, high, core=True, whole=True)]
    # A normalised name holding the whole query holds each of its pairs that the index
    # keeps for every name: those of the core's are read anyway; if none is, one more.
    kept = {pair for pair in _pairs(norm) if pair not in AFFIX_PAIRS}
    if not kept:
        return None
    if len(core) == 1:
        low, high = first_character_range(core)
        found = [Probe(low, high, core=True, whole=False)]
    else:
        found = [Probe(key(*p), key(*p) + 1, core=True, whole=p in kept) for p in core_pairs]
    if not any(probe.whole for probe in found):
        first = key(*min(kept))
        found.append(Probe(first, first + 1, core=False, whole=True))
    return found
