"""Receiving a batch body or an uploaded file without holding it all in memory."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

from xinyong.collection.readers import FileFormat
from xinyong.errors import InvalidInput

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
MAX_BATCH_BYTES = 1024 * 1024 * 1024

CONTENT_TYPES = {
    "text/csv": FileFormat.CSV,
    "application/csv": FileFormat.CSV,
    "application/json": FileFormat.JSON,
    "application/x-ndjson": FileFormat.JSONL,
    "application/jsonl": FileFormat.JSONL,
    "application/json-lines": FileFormat.JSONL,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": FileFormat.XLSX,
}


@dataclass
class Spooled:
    file: IO[bytes]
    sha256: str
    size: int


async def spool(chunks: AsyncIterator[bytes]) -> Spooled:
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 - returned open
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            handle.close()
            raise InvalidInput(
                f"a batch may be at most {MAX_BATCH_BYTES // (1024 * 1024)} MiB; split the file",
                code="too_large",
            )
        digest.update(chunk)
        handle.write(chunk)
    handle.seek(0)
    return Spooled(handle, digest.hexdigest(), size)


def format_for(content_type: str | None) -> FileFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    raise InvalidInput(
        f"unsupported Content-Type {media or '(none)'}: "
        f"send one of {', '.join(sorted(CONTENT_TYPES))}",
        code="unsupported_format",
        field="Content-Type",
    )
