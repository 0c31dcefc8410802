"""What the public and other callers may see of a person named on a list (Art. 18): one
rule for every page and API answer that shows such a name or code."""

from __future__ import annotations

import re

from xinyong import identifiers

# Digits with an optional trailing X, at least as long as an old 15-digit number: the shape
# of a citizen ID number, typed right or wrong. A USCC that is all digits looks the same and
# is masked too: the opposite mistake would show a person's number.
_CITIZEN_ID_SHAPE = re.compile(r"[0-9]{14,}[0-9X]")


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: a natural person's name on a public page."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_code(code: str) -> str:
    """A code as shown back on a page or in a download: a citizen ID number (or what looks
    like one) masked as ``350102********1234``; other codes as typed."""
    normalised = identifiers.normalise(code)
    if not _CITIZEN_ID_SHAPE.fullmatch(normalised):
        return code
    if len(normalised) == identifiers.CITIZEN_ID_LENGTH:
        return identifiers.mask_citizen_id(normalised)
    return normalised[:6] + "*" * (len(normalised) - 6)
