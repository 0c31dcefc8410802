"""What a shipped rule pack changed, told apart from what the credit authority changed
(decision 0034): the three-way comparison the information catalog and the lists rule pack
share.

Each part of a pack (a record type, a list standard, a measure) is compared in its
*canonical* form (a mapping whose place-independent parts are keyed by name) three ways:
the *baseline* (the pack definition the city's data last took in or answered), the
definition *shipped* now, and the *city's* data in force. Each change the pack made since
the baseline is ``untouched`` (the city still has the baseline's value), ``same`` (it has
the shipped value already) or a ``collision``; the part as a whole is ``current``,
``upgrade`` (the city's data *is* the baseline), ``revised`` or ``conflict``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar


class PackStatus(enum.StrEnum):
    NEW = "new"
    CURRENT = "current"
    UPGRADE = "upgrade"
    REVISED = "revised"
    CONFLICT = "conflict"
    # Lists only: the pack changed a measure that has been published. A published measure
    # list is a legal act (Art. 17, 19): the system never changes it, the pack's text
    # waits as a draft for the credit authority to publish (decision 0034 addendum).
    DRAFT = "draft"


PENDING = frozenset({PackStatus.NEW, PackStatus.UPGRADE, PackStatus.CONFLICT, PackStatus.DRAFT})


class ChangeKind(enum.StrEnum):
    # The city's rule still has the baseline's value: the pack's change can be taken in.
    UNTOUCHED = "untouched"
    # The city's rule has the shipped value already.
    SAME = "same"
    # The authority changed it otherwise: its value stands unless it decides.
    COLLISION = "collision"


class _Missing:
    """An attribute one side does not have (a field the pack adds, say)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class PackChange:
    """One attribute the shipped pack changed since the baseline: its path
    (``disclosure.review_before_publicity``, ``fields.counterparty.not_before``, a whole
    ``fields.NAME`` added or removed, a standard's ``repair_exclusion``) and its value in the
    baseline, the shipped pack and the city's data in force (None where absent)."""

    path: str
    kind: ChangeKind
    loaded: Any
    shipped: Any
    city: Any


def fingerprint(canonical: Mapping[str, Any]) -> str:
    """A short fingerprint of a shipped definition (canonical form): an answer names the
    one it answers, so that a form opened before a release cannot answer the next pack."""
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def get(container: Any, key: str) -> Any:
    return container.get(key, MISSING) if isinstance(container, dict) else MISSING


def _keys(*containers: Any) -> list[str]:
    keys: dict[str, None] = {}
    for container in containers:
        if isinstance(container, dict):
            keys.update(dict.fromkeys(container))
    return list(keys)


def _differences(
    path: tuple[str, ...],
    loaded: Any,
    shipped: Any,
    city: Any,
    collections: Collection[tuple[str, ...]],
    records: Collection[tuple[str, ...]],
) -> Iterator[tuple[tuple[str, ...], Any, Any, Any]]:
    """(path, loaded, shipped, city) for every attribute the pack changed (loaded →
    shipped), walking records (compared attribute by attribute) and collections (members by
    name: added or removed as a whole, else attribute by attribute)."""
    for key in _keys(shipped, loaded):
        sub = (*path, key)
        values = (get(loaded, key), get(shipped, key), get(city, key))
        if sub in records:
            yield from _differences(sub, *values, collections, records)
        elif sub in collections:
            for name in _keys(values[1], values[0]):
                member = (*sub, name)
                was, now, city_member = (get(v, name) for v in values)
                if (was is MISSING) != (now is MISSING):
                    yield member, was, now, city_member  # added or removed as a whole
                else:
                    for attribute in _keys(now, was):
                        before, after = get(was, attribute), get(now, attribute)
                        if before != after:
                            yield (*member, attribute), before, after, get(city_member, attribute)
        elif values[0] != values[1]:
            yield sub, *values


def changes(
    loaded: Mapping[str, Any] | None,
    shipped: Mapping[str, Any],
    city: Mapping[str, Any],
    *,
    collections: Collection[tuple[str, ...]] = (),
    records: Collection[tuple[str, ...]] = (),
) -> Iterator[PackChange]:
    """The pack's changes since the baseline, each classified against the city's data (all
    three in canonical form). Without a baseline (data the authority made before the pack
    had it) every difference is the authority's: nothing is untouched."""
    was = dict(loaded) if loaded is not None else {}
    for path, before, after, theirs in _differences(
        (), was, dict(shipped), dict(city), collections, records
    ):
        if theirs == after:
            kind = ChangeKind.SAME
        elif theirs == before:
            kind = ChangeKind.UNTOUCHED
        else:
            kind = ChangeKind.COLLISION
        yield PackChange(".".join(path), kind, _shown(before), _shown(after), _shown(theirs))


def status(
    loaded: Mapping[str, Any] | None,
    shipped: Mapping[str, Any],
    city: Mapping[str, Any],
    found: tuple[PackChange, ...],
) -> PackStatus:
    """current, upgrade, revised or conflict (canonical forms; the part exists)."""
    if city == shipped:
        return PackStatus.CURRENT
    if loaded is not None and city == loaded:
        return PackStatus.UPGRADE
    if all(change.kind is ChangeKind.SAME for change in found):
        return PackStatus.REVISED
    return PackStatus.CONFLICT


def _shown(value: Any) -> Any:
    return None if value is MISSING else value


def changed_paths(changes: Collection[PackChange]) -> list[str]:
    """What the pack changed that the city's data lacks (a ``same`` change it has already)."""
    return [change.path for change in changes if change.kind is not ChangeKind.SAME]


class _Planned(Protocol):
    @property
    def status(self) -> PackStatus: ...


ItemT = TypeVar("ItemT", bound=_Planned)


@dataclass(frozen=True)
class Plan(Generic[ItemT]):
    """What bringing one pack's parts up to it does, or would do, part by part."""

    rule_pack: str
    items: tuple[ItemT, ...] = field(default=())

    def having(self, *statuses: PackStatus) -> list[ItemT]:
        return [item for item in self.items if item.status in statuses]

    @property
    def pending(self) -> list[ItemT]:
        return [item for item in self.items if item.status in PENDING]
