"""Evidence files a user uploads (a signed written authorisation, Art. 13 ¶3): checked by
what they contain, not only by what they say they are (decision 0044).

The page's file input offers PDF and images and the API takes the file as base64; what a
browser declares (the file name's extension, the Content-Type) is whatever the sender's
machine says. A file stored as evidence of a written authorisation has to be the document
it claims to be, so its first bytes are read: PDF starts ``%PDF-``, PNG with its eight-byte
signature, JPEG with ``FF D8 FF``. These three are short and fixed, and the project has no
file-type library, so they are checked here directly.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from xinyong.errors import InvalidInput

ARTICLE = "Art. 13 ¶3"
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg"}
MEDIA_TYPES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/pjpeg": "jpeg",
}
# The media type a stored file of each kind is served back as.
MEDIA_TYPE_OF_KIND = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
# A written authorisation signed in the page (Art. 13 ¶3) keeps its signed text, not a file:
# served back as that text.
SIGNED_TEXT = "text"
SERVED_MEDIA_TYPES = {**MEDIA_TYPE_OF_KIND, SIGNED_TEXT: "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class StoredFile:
    """An evidence file read back: its checked kind and its content, decrypted."""

    kind: str
    content: bytes

    @property
    def media_type(self) -> str:
        return SERVED_MEDIA_TYPES[self.kind]


# What a browser or a client sends when it does not know: no declaration to hold the file to.
UNDECLARED_MEDIA_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def kind_of(content: bytes) -> str | None:
    """The allowed kind the content is, by its first bytes, or None."""
    for kind, signatures in SIGNATURES.items():
        if content.startswith(signatures):
            return kind
    return None


def _unsupported(field: str, article: str) -> InvalidInput:
    return InvalidInput(
        "the evidence file must be a PDF, PNG or JPEG document",
        code="evidence_type_unsupported",
        field=field,
        article=article,
    )


def check(
    content: bytes,
    *,
    field: str,
    filename: str | None = None,
    media_type: str | None = None,
    article: str = ARTICLE,
) -> str:
    """The kind of an uploaded evidence file, or a refusal: an empty file, a declared type
    (extension or Content-Type) that is none of the allowed ones, content that is none of
    them, or content of another allowed kind than declared (a PNG named ``.pdf``).
    ``article``: what the evidence is for — a written authorisation (Art. 13 ¶3) unless
    said, an identity document stating a name objected to (Art. 25)."""
    if not content:
        raise InvalidInput(
            "the evidence file is empty", code="evidence_empty", field=field, article=article
        )
    declared: set[str] = set()
    extension = os.path.splitext(filename or "")[1].lower()
    if extension:
        if extension not in EXTENSIONS:
            raise _unsupported(field, article)
        declared.add(EXTENSIONS[extension])
    media = (media_type or "").split(";")[0].strip().lower()
    if media not in UNDECLARED_MEDIA_TYPES:
        if media not in MEDIA_TYPES:
            raise _unsupported(field, article)
        declared.add(MEDIA_TYPES[media])
    actual = kind_of(content)
    if actual is None:
        raise _unsupported(field, article)
    if declared and declared != {actual}:
        raise InvalidInput(
            "the evidence file's content is not the type its name or Content-Type declares",
            code="evidence_type_mismatch",
            field=field,
            article=article,
        )
    return actual


def check_base64(text: str, *, field: str, article: str = ARTICLE) -> str:
    """The kind of an evidence file sent as base64 (the API's upload), or a refusal."""
    try:
        content = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(
            "the evidence of an upload is the file as base64, and this is not base64",
            code="evidence_not_base64",
            field=field,
            article=article,
        ) from exc
    return check(content, field=field, article=article)
