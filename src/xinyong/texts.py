"""What a person typed, without the characters nobody sees.

Zero-width spaces and joiners, the byte-order mark, soft hyphens and the bidirectional
controls (Unicode's format characters, category Cf) show nothing on a page; the last even
reverse the text around them in a PDF report. A decision's reasons made only of them state
no reasons (Art. 15 ¶2, Art. 25), and a comment made only of them says nothing. Where a text
is required, or is shown to others as written, it is taken without them and without the
spaces around it (``str.strip`` leaves them: they are not whitespace).
"""

from __future__ import annotations

import sys
import unicodedata

from xinyong.errors import InvalidInput

# Every format character (category Cf) of the Unicode version Python carries, mapped to
# nothing for ``str.translate``.
_INVISIBLE = dict.fromkeys(
    code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
)


def visible(text: str | None) -> str:
    """``text`` without format characters and without the whitespace around it."""
    if not text:
        return ""
    # Neither an ASCII text nor a printable one holds a format character (Python counts
    # every one of them non-printable), and both tests run in C: most texts skip the
    # per-character translation.
    if text.isascii() or text.isprintable():
        return text.strip()
    return text.translate(_INVISIBLE).strip()


def is_blank(text: str | None) -> bool:
    """Whether ``text`` shows nothing: empty, spaces, or characters nobody sees."""
    return not visible(text)


def a(noun: str) -> str:
    """``noun`` with the English indefinite article it takes: "an enterprise", "a state_organ".
    By the first letter, which is right for the platform's own words (kinds, roles, statuses);
    a word spelt with a vowel but said with a consonant ("a user") is not among them."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def decoded_upload(upload: bytes, *, field: str = "file") -> str:
    """An uploaded text file as Excel and WPS save one in China: UTF-8 (with a byte-order
    mark or without) or GB18030. Any other bytes are refused, ``encoding``."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return upload.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file is neither UTF-8 nor GB18030 text", code="encoding", field=field)
