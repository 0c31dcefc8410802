"""What the public and other callers may see of a person named on a list (Art. 18): one
rule for every page and API answer that shows such a name or code."""

from __future__ import annotations

import re
from collections.abc import Iterable

from xinyong import identifiers

# Digits with an optional trailing X, at least as long as an old 15-digit number: the shape
# of a citizen ID number, typed right or wrong. A USCC that is all digits looks the same and
# is masked too: the opposite mistake would show a person's number.
_CITIZEN_ID_SHAPE = re.compile(r"[0-9]{14,}[0-9X]")


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: a natural person's name on a public page."""
    return name[:1] + "*" * max(len(name) - 1, 1)


# A name of one character would mask that character wherever it stands in the text.
_SHORTEST_MASKED = 2


def mask_names(text: str, names: Iterable[str]) -> str:
    """``text`` with each of the natural persons' ``names`` in it masked as ``mask_name``
    masks the name (``王某某拒不履行`` → ``王**拒不履行``): an entry's public texts show a
    person no more than the list shows them (Art. 4 ¶2, Art. 13 ¶3; decision 0008
    addendum). The longest name first, so that a former name inside the current one (or
    the reverse) leaves no part of either; Latin letters in any case."""
    wanted = sorted(
        {n.strip() for n in names if len(n.strip()) >= _SHORTEST_MASKED}, key=len, reverse=True
    )
    if not wanted or not text:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in wanted), re.IGNORECASE)
    return pattern.sub(lambda found: mask_name(found[0]), text)


def mask_code(code: str) -> str:
    """A code as shown back on a page or in a download: a citizen ID number (or what looks
    like one) masked as ``350102********1234``; other codes as typed."""
    normalised = identifiers.normalise(code)
    if not _CITIZEN_ID_SHAPE.fullmatch(normalised):
        return code
    if len(normalised) == identifiers.CITIZEN_ID_LENGTH:
        return identifiers.mask_citizen_id(normalised)
    return normalised[:6] + "*" * (len(normalised) - 6)
