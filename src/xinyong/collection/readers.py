"""Streaming readers for collected files (Art. 9–10): CSV, XLSX, JSON Lines and JSON lists.

They only turn a file into rows of raw, stripped strings keyed by the file's own headers;
mapping headers to record-type fields and validating values is the ingestion pipeline's job.
A file that cannot be read at all raises :class:`UnusableFile` with a specific code, a
message a data clerk can act on and, where it applies, the row it was found at.

Memory stays flat for CSV, JSONL and JSON: one record is decoded at a time. XLSX is the
exception, see :class:`_XlsxRows`.

Row numbers are the ones the user sees: for CSV and XLSX the spreadsheet row (header on
row 1, first data row 2). A CSV record whose quoted field spans several lines counts as one
row, as Excel shows it; blank rows are skipped but still counted, so numbers never shift.
For JSONL it is the line number, for a JSON list the 1-based position of the object.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from os import PathLike
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, TYPE_CHECKING, BinaryIO, Final, Protocol, Self
from xml.parsers import expat

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from xinyong import identifiers
from xinyong.collection import xlsx_guard
from xinyong.errors import InvalidInput

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

EXTRA_PREFIX: Final = "__extra_"
MAX_COLUMNS: Final = 512
SNIFF_BYTES: Final = 64 * 1024
_READ_BUFFER: Final = 1024 * 1024
# C0 control bytes other than tab, line feed and carriage return: text has next to none.
_CONTROL_BYTES: Final = bytes(b for b in range(32) if b not in (9, 10, 13))
_STRAY_CONTROLS: Final = 8
_JSON_CHUNK: Final = 256 * 1024
# A JSON list record longer than this is reported instead of read on and on into memory.
_JSON_MAX_RECORD: Final = 4 * 1024 * 1024

# Bytes that did not decode come back as lone surrogates under errors="surrogateescape".
_UNDECODED: Final = re.compile("[\udc80-\udcff]")
_JSON_SPACE: Final = re.compile(r"[ \t\n\r]*")
_JSON_ROWS_WRAPPER: Final = re.compile(r'\{[ \t\n\r]*"rows"[ \t\n\r]*:[ \t\n\r]*\[')


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"
    JSON = "json"


class UnusableFile(InvalidInput):
    """The file as a whole cannot be read; ``row`` is where it went wrong, if known, and
    ``field`` the column (its header, or a JSON record's member name) when one column is at
    fault and has a name. Where no named column applies (a line that does not decode or
    parse, a header row as a whole, a column without a header) it stays None, and the
    message says where.

    Codes: empty, no_header, duplicate_header, encoding, format, unsupported_format,
    too_many_columns, bad_json; for a workbook also far_cell, sheet_too_large and
    workbook_too_large (``xlsx_guard``).
    """

    def __init__(
        self, code: str, message: str, *, row: int | None = None, field: str | None = None
    ) -> None:
        # A message may quote a header or a sheet's name; in a file without its header row
        # the headers are the first row's values (rules.md: no citizen ID in clear in an
        # error message).
        super().__init__(
            identifiers.redact_citizen_ids(message),
            code=code,
            field=identifiers.redact_citizen_ids(field) if field else field,
            details={} if row is None else {"row": row},
        )
        self.row = row


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: ``number`` as the user counts it (module docstring), ``values`` maps
    each header to its stripped cell text ("" when empty)."""

    number: int
    values: dict[str, str]
    # Headers of XLSX cells holding a formula whose result the workbook does not keep
    # (saved by a program that does not calculate): their values read as "", and the
    # pipeline refuses them (formula_without_value) rather than take them for empty.
    formulas: tuple[str, ...] = ()

    @property
    def extra(self) -> dict[str, str]:
        """Cells beyond the last header (CSV), kept in ``values`` as ``__extra_1``, …"""
        return {k: v for k, v in self.values.items() if k.startswith(EXTRA_PREFIX)}


class RowSource(Protocol):
    headers: list[str]

    def __iter__(self) -> Iterator[RawRow]: ...


# --- choosing a reader -----------------------------------------------------------------------

_BY_EXTENSION: Final = {
    ".csv": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSON,
}
_BY_CONTENT_TYPE: Final = {
    "text/csv": FileFormat.CSV,
    "application/csv": FileFormat.CSV,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": FileFormat.XLSX,
    "application/x-ndjson": FileFormat.JSONL,
    "application/ndjson": FileFormat.JSONL,
    "application/jsonl": FileFormat.JSONL,
    "application/x-jsonlines": FileFormat.JSONL,
    "application/json": FileFormat.JSON,
}
_ACCEPTED: Final = (
    "CSV (.csv), Excel workbook (.xlsx), JSON Lines (.jsonl, .ndjson) or JSON (.json)"
)


def detect_format(filename: str, content_type: str | None = None) -> FileFormat:
    """By extension first (browsers send odd types, e.g. application/vnd.ms-excel for .csv)."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in _BY_CONTENT_TYPE:
        return _BY_CONTENT_TYPE[media_type]
    if suffix in (".xls", ".et", ".wps"):
        hint = f"{suffix} workbooks are not supported; save the sheet as .xlsx or as CSV UTF-8."
    else:
        hint = f"accepted formats are {_ACCEPTED}."
    raise UnusableFile("unsupported_format", f"Cannot read “{filename}”: {hint}")


def open_rows(source: BinaryIO | Path, fmt: FileFormat) -> RowReader:
    """Read the header now (so file-level errors surface here) and stream the rows.

    A path is opened and closed by the reader (use it as a context manager, or read it to
    the end); a stream passed in stays open and belongs to the caller.
    """
    if fmt is FileFormat.XLSX:
        return _XlsxRows(source)
    owned = isinstance(source, str | PathLike)
    # The reader owns the stream it opens and closes it (close(), __exit__ or end of rows).
    stream: BinaryIO = (
        Path(source).open("rb")  # noqa: SIM115
        if isinstance(source, str | PathLike)
        else source
    )
    try:
        raw = _Prefixed(stream, owned=owned)
    except BaseException:
        if owned:
            stream.close()
        raise
    if fmt is FileFormat.CSV:
        return _CsvRows(raw)
    if fmt is FileFormat.JSONL:
        return _JsonlRows(raw)
    return _JsonListRows(raw)


def open_json_body(stream: BinaryIO) -> RowReader:
    """The API's JSON body: a list of objects, or ``{"rows": [...]}`` that may have other
    members after the rows (ignored), streamed like a JSON file. The stream stays open."""
    raw = _Prefixed(stream, owned=False)
    return _JsonListRows(raw, other_members=True)


def rows_from_objects(objects: Iterable[Mapping[str, object]], first_number: int = 1) -> RowReader:
    """Rows from already-parsed objects (the API's JSON body); numbered from ``first_number``."""
    return _ObjectRows(iter(objects), first_number)


def count_rows_fast(path: Path, fmt: FileFormat) -> int | None:
    """An estimate of the number of data rows, for a progress total; None when unknown.

    CSV and JSONL count line breaks (quoted line breaks and blank lines make it an
    overestimate); XLSX reads the sheet's declared dimension; a JSON list is unknown.
    """
    if fmt is FileFormat.XLSX:
        return _xlsx_declared_rows(path)
    if fmt is FileFormat.JSON:
        return None
    lines = 0
    last = b"\n"
    with Path(path).open("rb") as stream:
        while chunk := stream.read(_READ_BUFFER):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0) if fmt is FileFormat.CSV else lines


# --- shared plumbing -------------------------------------------------------------------------


class RowReader:
    """A :class:`RowSource` that can be read once and closed; a context manager."""

    headers: list[str]

    def __init__(self) -> None:
        self.headers = []
        self._started = False

    def __iter__(self) -> Iterator[RawRow]:
        if self._started:
            raise RuntimeError("the rows of a file can be read only once")
        self._started = True
        return self._guarded()

    def _guarded(self) -> Iterator[RawRow]:
        try:
            yield from self._rows()
        finally:
            self.close()

    def _rows(self) -> Iterator[RawRow]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file if the reader opened it; safe to call twice."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Prefixed(io.RawIOBase):
    """The first bytes of a stream (already sniffed) followed by the rest of it.

    Also shields a caller's stream: closing the text wrapper over it closes only this.
    """

    def __init__(self, inner: BinaryIO, *, owned: bool) -> None:
        super().__init__()
        self._inner = inner
        self._owned = owned
        parts: list[bytes] = []
        wanted = SNIFF_BYTES
        while wanted and (part := inner.read(wanted)):
            parts.append(part)
            wanted -= len(part)
        self.prefix = b"".join(parts)
        self._view = memoryview(self.prefix)
        self.at_eof = wanted > 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        if self._view:
            n = min(len(target), len(self._view))
            target[:n] = self._view[:n]
            self._view = self._view[n:]
            return n
        data = self._inner.read(len(target)) or b""
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed and self._owned:
            self._inner.close()
        super().close()

    def text(self, encoding: str, errors: str) -> io.TextIOWrapper:
        buffered = io.BufferedReader(self, buffer_size=_READ_BUFFER)
        return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, newline="")


def _column(index: int) -> str:
    """0-based column index → spreadsheet letters with the 1-based number: "C (3)"."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return f"{letters} ({index + 1})"


class _Table:
    """Header slots and the cells → values mapping shared by CSV and XLSX."""

    def __init__(self, cells: list[str], row: int, first_column: int = 0) -> None:
        self.header_row = row
        self.first_column = first_column
        slots: list[str | None] = []
        seen: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = cell.replace("\ufeff", "").strip()
            if not name:
                slots.append(None)
                continue
            if name in seen:
                raise UnusableFile(
                    "duplicate_header",
                    f"Row {row}: the header “{name}” appears in columns "
                    f"{self.column(seen[name])} and {self.column(index)}; "
                    "each column needs a header of its own.",
                    row=row,
                    field=name,
                )
            seen[name] = index
            slots.append(name)
        if len(seen) > MAX_COLUMNS:
            raise UnusableFile(
                "too_many_columns",
                f"Row {row}: the header has {len(seen)} columns; at most {MAX_COLUMNS} "
                "are accepted.",
                row=row,
            )
        self.slots = slots
        self.names = [name for name in slots if name is not None]
        self.all_named = len(self.names) == len(slots)

    def column(self, index: int) -> str:
        return _column(self.first_column + index)

    def values(self, cells: list[str], number: int) -> dict[str, str]:
        width = len(self.slots)
        if len(cells) == width and self.all_named:
            return dict(zip(self.names, cells, strict=True))
        values: dict[str, str] = {}
        for index, name in enumerate(self.slots):
            value = cells[index] if index < len(cells) else ""
            if name is not None:
                values[name] = value
            elif value:
                # The value itself stays out of the message: it may be an ID number. No
                # field: the column has no header to name it by; the message gives its
                # letter and number instead.
                raise UnusableFile(
                    "no_header",
                    f"Row {number}: column {self.column(index)} holds a value but has no "
                    f"header in row {self.header_row}; name the column or delete it.",
                    row=number,
                )
        if len(cells) > width:
            if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
                # No field: the cells past the last column the platform reads have no
                # header (the header row itself is capped at MAX_COLUMNS).
                raise UnusableFile(
                    "too_many_columns",
                    f"Row {number} has values beyond column {MAX_COLUMNS}.",
                    row=number,
                )
            for extra, value in enumerate(cells[width:], start=1):
                if value:
                    values[f"{EXTRA_PREFIX}{extra}"] = value
        return values


# --- CSV -------------------------------------------------------------------------------------


def _csv_encoding(sample: bytes, at_eof: bool) -> str:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        sample[1:200:2].count(0) > 40 or sample[0:200:2].count(0) > 40
    ):
        raise UnusableFile(
            "encoding",
            "The file is UTF-16 text (Excel's “Unicode text”); save it as “CSV UTF-8”.",
            row=1,
        )
    if sample.startswith(b"PK\x03\x04"):
        raise UnusableFile(
            "format", "This is an Excel workbook, not CSV; upload it as .xlsx.", row=None
        )
    # A binary file is full of NUL and other control bytes; CSV text may carry a stray NUL
    # (from a database export), which the pipeline refuses in its own row (nul_character),
    # not the whole file.
    if sample.startswith(b"\xd0\xcf\x11\xe0") or (
        b"\x00" in sample
        and len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > _STRAY_CONTROLS
    ):
        raise UnusableFile(
            "format",
            "This is a binary file (an old .xls workbook?), not CSV text; "
            "save the sheet as “CSV UTF-8” or .xlsx.",
        )
    best, reached = "", 0
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # final=False: a character cut at the end of the sample is not an error.
            decoder.decode(sample, final=at_eof)
        except UnicodeDecodeError as exc:
            if exc.start > reached:
                best, reached = encoding, exc.start
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    if not best:
        raise UnusableFile(
            "encoding",
            "The file is neither UTF-8 nor GB18030/GBK text; save it as “CSV UTF-8”.",
            row=1,
        )
    # Bad bytes inside the sample: read on in the encoding that got furthest, so that the
    # error names the row they are in.
    return "utf-8-sig" if best == "utf-8" else best


class _CsvRows(RowReader):
    """UTF-8 (BOM or not) or GB18030, detected from the first 64 KiB.

    If that sample is plain ASCII the file is read as UTF-8, so GBK bytes further down are
    reported as an encoding error at their row, not guessed at.
    """

    def __init__(self, raw: _Prefixed) -> None:
        super().__init__()
        self._raw = raw
        try:
            self.encoding = _csv_encoding(raw.prefix, raw.at_eof)
            self._text = raw.text(self.encoding, "surrogateescape")
            self._physical_line = 0
            # The first line with bytes that did not decode: the record holding it is
            # refused once parsed, so that the refusal can name the column they are in.
            self._undecoded_line: int | None = None
            self._table: _Table | None = None
            # strict: an unclosed quote at the end of the file is an error rather than a
            # silently swallowed tail; it also refuses text after a closing quote ("a"b),
            # which Excel and other CSV writers never produce.
            self._reader = csv.reader(self._lines(), strict=True)
            self._number = 0
            header = self._next_record()
            while header is not None and not any(cell.strip() for cell in header):
                header = self._next_record()
            if header is None:
                raise UnusableFile("empty", "The file is empty: it has no header row.")
            self._table = _Table(header, self._number)
        except BaseException:
            self.close()
            raise
        self.headers = list(self._table.names)

    def _lines(self) -> Iterator[str]:
        for line in self._text:
            self._physical_line += 1
            if self._undecoded_line is None and _UNDECODED.search(line):
                self._undecoded_line = self._physical_line
            yield line

    def _undecoded(self, row: int, record: list[str] | None) -> UnusableFile:
        line = self._undecoded_line
        label = "UTF-8" if self.encoding == "utf-8-sig" else "GB18030"
        where = f"Row {row}" + (f" (line {line})" if line != row else "")
        # The column is named when the record parsed and the cell has a header; not when
        # the line did not parse as CSV, nor in the header row or a cell past the last
        # header (which have no name to give).
        field = None
        if record is not None and self._table is not None:
            index = next((i for i, cell in enumerate(record) if _UNDECODED.search(cell)), None)
            if index is not None and index < len(self._table.slots):
                field = self._table.slots[index]
            if index is not None:
                where += f", column {self._table.column(index)}"
        return UnusableFile(
            "encoding",
            f"{where} has bytes that are not valid {label}, the encoding of the rest "
            "of the file; save the whole file as “CSV UTF-8”.",
            row=row,
            field=field,
        )

    def _next_record(self) -> list[str] | None:
        row = self._number + 1
        try:
            record = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            if self._undecoded_line is not None:
                raise self._undecoded(row, None) from None
            # No field: the row's structure is broken, so its cells are not known.
            raise UnusableFile(
                "format",
                f"Row {row} is not valid CSV ({exc}); look for a stray double quote: a "
                "field that starts with one must end with one, and quotes inside it are "
                'doubled ("").',
                row=row,
            ) from None
        if self._undecoded_line is not None:
            raise self._undecoded(row, record)
        self._number = row
        return record

    def _rows(self) -> Iterator[RawRow]:
        table = self._table
        assert table is not None  # read in __init__
        while (record := self._next_record()) is not None:
            cells = [cell.strip() for cell in record]
            if any(cells):
                yield RawRow(self._number, table.values(cells, self._number))

    def close(self) -> None:
        self._raw.close()


# --- XLSX ------------------------------------------------------------------------------------


def _float_text(value: float, *, excel: bool) -> str:
    """No ".0" on whole numbers, no exponent; Excel's 15 significant digits for XLSX.

    An 18-digit code typed as a number has already lost its last digits in Excel (it keeps
    15 significant digits), so it arrives as e.g. 113501000036442000 and then fails its
    check character in the pipeline: codes belong in text cells.
    """
    if not math.isfinite(value):
        return str(value)
    text = format(value, ".15g") if excel else repr(value)
    number = Decimal(text)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f") if "e" in text else text


def _datetime_text(value: dt.date | dt.time | dt.timedelta) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value, excel=True)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return _datetime_text(value)
    return str(value).strip()


class _XlsxRows(RowReader):
    """The first sheet, via python-calamine.

    python-calamine 0.9 has no streaming reader: ``get_sheet_by_index`` parses the whole
    sheet into a Rust-side grid (tens of bytes per cell), and only the conversion to Python
    objects in ``iter_rows`` is lazy. Memory is therefore proportional to the sheet (about
    2 KB per 23-column penalty row: 224 MB peak for 100,000 rows, some 2 GB for a full
    1,048,576-row sheet); batches of a million rows belong in CSV or JSONL. Formulas read
    as the result Excel cached with them; a formula cached without one (a workbook written
    by a program that does not calculate) is flagged in ``RawRow.formulas``, not read as
    an empty cell.
    """

    def __init__(self, source: BinaryIO | Path) -> None:
        super().__init__()
        self._book: CalamineWorkbook | None = None
        try:
            xlsx_guard.check_workbook(source, max_columns=MAX_COLUMNS)
        except xlsx_guard.WorkbookRefused as refused:
            raise UnusableFile(refused.code, refused.message) from None
        self._formulas = _formulas_without_value(source)
        try:
            if isinstance(source, str | PathLike):
                self._book = CalamineWorkbook.from_path(source)
            else:
                self._book = CalamineWorkbook.from_filelike(source)
        except PasswordError:
            raise UnusableFile(
                "format", "The workbook is password-protected; remove the password."
            ) from None
        except (CalamineError, ValueError):
            # The library's own words ("Cannot detect file format") are English and name its
            # internals; the officer needs to know what to do.
            raise UnusableFile(
                "format",
                "The file is not a readable .xlsx workbook: it may be damaged, or another kind "
                "of file named .xlsx; open it in Excel or WPS and save it again as .xlsx.",
            ) from None
        try:
            self._open_first_sheet(self._book)
        except BaseException:
            self.close()
            raise

    def _open_first_sheet(self, book: CalamineWorkbook) -> None:
        if not book.sheet_names:
            raise UnusableFile("empty", "The workbook has no sheets.")
        name = book.sheet_names[0]
        try:
            sheet = book.get_sheet_by_index(0)
        except CalamineError:
            raise UnusableFile(
                "format",
                f"The sheet “{name}” cannot be read; open the workbook in Excel or WPS and save "
                "it again as .xlsx.",
            ) from None
        start = sheet.start
        if start is None:
            raise UnusableFile(
                "empty", f"The first sheet “{name}” is empty; the data must be on the first sheet."
            )
        self._iter = iter(sheet.iter_rows())
        row = next(self._iter, None)
        # iter_rows (0.9) starts at spreadsheet row 1 even when the data starts lower down,
        # yet skips empty leading columns (to_python() skips both). Tell the two apart so
        # that row numbers stay right if a later version changes this.
        padded = start[0] > 0 and row is not None and not any(_cell_text(v) for v in row)
        self._number = 1 if padded or start[0] == 0 else start[0] + 1
        cells: list[str] = []
        while row is not None and not any(cells := [_cell_text(v) for v in row]):
            row = next(self._iter, None)
            self._number += 1
        if row is None:
            raise UnusableFile("empty", f"The first sheet “{name}” has no header row.")
        self._table = _Table(cells, self._number, first_column=start[1])
        self.headers = list(self._table.names)

    def _rows(self) -> Iterator[RawRow]:
        table = self._table
        number = self._number
        formulas = self._formulas
        for row in self._iter:
            number += 1
            cells = [_cell_text(v) for v in row]
            flagged = formulas.get(number) if formulas else None
            if flagged:
                names = tuple(
                    name
                    for column in sorted(flagged)
                    if 0 <= (index := column - table.first_column) < len(table.slots)
                    and (name := table.slots[index]) is not None
                )
                if names:
                    yield RawRow(number, table.values(cells, number), names)
                    continue
            if any(cells):
                yield RawRow(number, table.values(cells, number))

    def close(self) -> None:
        book, self._book = self._book, None
        if book is not None:
            book.close()


_FORMULA_TAG: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF: Final = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _formulas_without_value(source: BinaryIO | Path) -> dict[int, set[int]]:
    """Spreadsheet row → 0-based columns of the first sheet's cells that hold a formula
    without a cached result (``<f>`` with no ``<v>``, or an empty one that is not a cached
    empty string). python-calamine reads those as empty and cannot tell them apart, so the
    sheet's XML is searched for them here. A sheet without any formula (the common case)
    costs one pass of a byte search over it; a file that is not a readable workbook is
    left to calamine to report."""
    found: dict[int, set[int]] = {}
    position = None
    try:
        if not isinstance(source, str | PathLike):
            position = source.tell()
        with zipfile.ZipFile(source) as archive:
            member = _first_sheet_member(archive)
            if member is None or not _has_formulas(archive, member):
                return found
            with archive.open(member) as sheet:
                _FormulaScan(found).feed(sheet)
    except Exception:
        # A damaged archive fails in many ways (zlib.error, EOFError, RuntimeError for an
        # encrypted member, NotImplementedError for a compression method, ...): calamine
        # reads the file next and refuses it as unusable, with its reason.
        return {}
    finally:
        if position is not None:
            source.seek(position)  # type: ignore[union-attr]
    return found


def _has_formulas(archive: zipfile.ZipFile, member: str) -> bool:
    tail = b""
    with archive.open(member) as sheet:
        while chunk := sheet.read(_READ_BUFFER):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-8:]
    return False


class _FormulaScan:
    """Cells of a sheet's XML with a formula and no cached result, by expat (streaming,
    no DTD: a sheet declares none, and one declaring entities is not parsed further)."""

    def __init__(self, found: dict[int, set[int]]) -> None:
        self.found = found
        self.row = 0
        self.column = -1
        self.formula = False
        self.value: str | None = None
        self.in_value = False
        self.type: str | None = None
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = self.refuse
        parser.EntityDeclHandler = self.refuse
        self.parser = parser

    def feed(self, sheet: IO[bytes]) -> None:
        while chunk := sheet.read(_READ_BUFFER):
            self.parser.Parse(chunk, False)
        self.parser.Parse(b"", True)

    def refuse(self, *_args: object) -> None:
        raise ValueError("the sheet declares a DTD")

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(":")[2]
        if name == "row":
            self.row = int(attributes.get("r") or self.row + 1)
            self.column = -1
        elif name == "c":
            ref = _CELL_REF.match(attributes.get("r", ""))
            self.column = _column_index(ref[1]) if ref else self.column + 1
            self.formula, self.value, self.type = False, None, attributes.get("t")
        elif name == "f":
            self.formula = True
        elif name == "v":
            self.value, self.in_value = "", True

    def end(self, tag: str) -> None:
        name = tag.rpartition(":")[2]
        if name == "v":
            self.in_value = False
        elif (
            name == "c"
            and self.formula
            # An empty <v/> is openpyxl's "no result"; Excel caches an empty string result
            # as an empty <v></v> of type str.
            and (self.value is None or (not self.value and self.type != "str"))
        ):
            self.found.setdefault(self.row, set()).add(self.column)

    def text(self, data: str) -> None:
        if self.in_value:
            self.value = (self.value or "") + data


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


_SHEET_REF: Final = re.compile(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_RELATIONSHIP: Final = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE: Final = re.compile(r"\b(Id|Target)=\"([^\"]*)\"")
_DIMENSION: Final = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"[A-Z]*(\d+)(?::[A-Z]*(\d+))?\"")
_ROW_TAGS: Final = re.compile(rb"<(?:\w+:)?row[ >]")


def _first_sheet_member(archive: zipfile.ZipFile) -> str | None:
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    first = _SHEET_REF.search(workbook)
    if first is None:
        return None
    for tag in _RELATIONSHIP.findall(rels):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("Id") == first.group(1) and "Target" in attributes:
            target = attributes["Target"]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _xlsx_declared_rows(path: Path) -> int | None:
    """Data rows of the first sheet, header excluded: from its ``<dimension ref="A1:W1001"/>``
    or, when the writer left that out (openpyxl's write-only mode does), by counting the
    ``<row>`` tags while decompressing the sheet, which is still far cheaper than parsing."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _first_sheet_member(archive)
            if member is None:
                return None
            with archive.open(member) as sheet:
                head = sheet.read(4096)
                found = _DIMENSION.search(head)
                if found is not None and found.group(2) is not None:
                    return max(int(found.group(2)) - int(found.group(1)), 0)
                rows, tail = 0, b""
                chunk = head
                while chunk:
                    window = tail + chunk
                    rows += len(_ROW_TAGS.findall(window)) - len(_ROW_TAGS.findall(tail))
                    tail = window[-16:]
                    chunk = sheet.read(_READ_BUFFER)
    except Exception:
        return None
    return max(rows - 1, 0)


# --- JSON Lines, JSON lists, objects ---------------------------------------------------------


class _Nested(Exception):
    pass


_END: Final = object()


def _json_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value, excel=False)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return _datetime_text(value)
    raise _Nested


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


class _ObjectRows(RowReader):
    """Objects with flat values. Headers are the keys in first-seen order: known from the
    first object when the reader is made, and extended as later objects bring new keys.
    ``values`` holds the keys the object has (a missing key is simply absent)."""

    _unit = "Record"

    def __init__(self, objects: Iterator[object], first_number: int = 1) -> None:
        super().__init__()
        self._objects = objects
        self._seen: set[str] = set()
        self._number = first_number - 1
        self._first = self._next()
        if self._first is None:
            raise UnusableFile("empty", "There are no records: the list is empty.")
        self._add_headers(self._first.values)

    def _source(self) -> tuple[int, object] | None:
        self._number += 1
        item = next(self._objects, _END)
        return None if item is _END else (self._number, item)

    def _next(self) -> RawRow | None:
        found = self._source()
        if found is None:
            return None
        number, item = found
        if not isinstance(item, Mapping):
            raise UnusableFile(
                "bad_json",
                f"{self._unit} {number} is {_kind(item)}, not an object of field: value pairs.",
                row=number,
            )
        return RawRow(number, self._flatten(item, number))

    def _flatten(self, item: Mapping[object, object], number: int) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in item.items():
            name = str(key).strip()
            try:
                text = _json_text(value)
            except _Nested:
                raise UnusableFile(
                    "bad_json",
                    f"{self._unit} {number}: the field “{name}” holds {_kind(value)}; only "
                    "flat values (text, numbers, true/false, null) are accepted.",
                    row=number,
                    field=name or None,
                ) from None
            if not name:
                if text:
                    # No field: the member's name is the empty string, nothing to name.
                    raise UnusableFile(
                        "no_header",
                        f"{self._unit} {number} has a value under an empty field name.",
                        row=number,
                    )
                continue
            if name in values:
                raise UnusableFile(
                    "duplicate_header",
                    f"{self._unit} {number} has the field “{name}” twice.",
                    row=number,
                    field=name,
                )
            values[name] = text
        return values

    def _add_headers(self, values: Mapping[str, str]) -> None:
        for name in values:
            if name not in self._seen:
                if len(self._seen) >= MAX_COLUMNS:
                    raise UnusableFile(
                        "too_many_columns",
                        f"More than {MAX_COLUMNS} different field names.",
                        row=self._number,
                    )
                self._seen.add(name)
                self.headers.append(name)

    def _rows(self) -> Iterator[RawRow]:
        row = self._first
        while row is not None:
            self._add_headers(row.values)
            yield row
            row = self._next()


class _JsonlRows(_ObjectRows):
    """One JSON object per line, UTF-8. Blank lines are skipped. A line that is not valid
    JSON makes the whole file unusable (bad_json with its line): without it we cannot know
    the file's fields, and a broken line usually means a truncated or hand-edited export."""

    _unit = "Line"

    def __init__(self, raw: _Prefixed) -> None:
        self._raw = raw
        self._lines = io.BufferedReader(raw, buffer_size=_READ_BUFFER)
        try:
            super().__init__(iter(()))
        except BaseException:
            self.close()
            raise

    def _source(self) -> tuple[int, object] | None:
        for line in self._lines:
            self._number += 1
            if self._number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[3:]
            if not line.strip():
                continue
            try:
                return self._number, json.loads(line)
            except UnicodeDecodeError:
                raise UnusableFile(
                    "encoding",
                    f"Line {self._number} is not valid UTF-8; JSON Lines files must be UTF-8.",
                    row=self._number,
                ) from None
            except (ValueError, RecursionError) as exc:
                raise UnusableFile(
                    "bad_json",
                    f"Line {self._number} is not valid JSON ({json_problem(exc)}).",
                    row=self._number,
                ) from None
        return None

    def close(self) -> None:
        self._raw.close()


def json_problem(exc: ValueError | RecursionError) -> str:
    """Why the decoder gave up, in the file's terms. Besides syntax errors it stops at
    arrays or objects nested too deeply for the parser, and at integers longer than Python
    converts (a limit against denial of service): a file is refused for them, never a 500."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "arrays or objects nested too deeply"
    return f"a number longer than {sys.get_int_max_str_digits()} digits"


class _JsonListRows(_ObjectRows):
    """A JSON list of objects, or ``{"rows": [...]}`` (the API's body), parsed one object at
    a time (``raw_decode`` over a sliding text buffer), so a large list need not fit in
    memory."""

    def __init__(self, raw: _Prefixed, *, other_members: bool = False) -> None:
        self._raw = raw
        self._other_members = other_members
        self._text = raw.text("utf-8-sig", "strict")
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        self._state = "start"  # start → first → (value → after)* → end
        self._wrapped = False
        try:
            super().__init__(iter(()))
        except BaseException:
            self.close()
            raise

    def _fill(self, number: int) -> bool:
        if self._eof:
            return False
        try:
            chunk = self._text.read(max(_JSON_CHUNK, len(self._buffer) - self._pos))
        except UnicodeDecodeError:
            raise UnusableFile(
                "encoding",
                f"Near record {number} the file is not valid UTF-8; JSON files must be UTF-8.",
                row=number,
            ) from None
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        self._eof = not chunk
        return bool(chunk)

    def _skip_space(self, number: int) -> str:
        while True:
            self._pos = _JSON_SPACE.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill(number):
                return ""

    def _bad(self, number: int, problem: str) -> UnusableFile:
        return UnusableFile("bad_json", f"Record {number}: {problem}.", row=number)

    def _value(self, number: int) -> object:
        while True:
            try:
                value, self._pos = self._decoder.raw_decode(self._buffer, self._pos)
                return value
            except json.JSONDecodeError as exc:
                # Most likely the value is cut by the end of the buffer: read on, but only
                # so far, so that a broken value does not pull the file in.
                if len(self._buffer) - self._pos > _JSON_MAX_RECORD:
                    raise self._bad(
                        number,
                        f"not valid JSON within {_JSON_MAX_RECORD // (1024 * 1024)} MiB "
                        f"({exc.msg}); a record may be at most that long",
                    ) from None
                if not self._fill(number):
                    raise self._bad(number, f"not valid JSON ({exc.msg})") from None
            except (ValueError, RecursionError) as exc:
                raise self._bad(number, f"not valid JSON ({json_problem(exc)})") from None

    def _skip_member(self, number: int) -> None:
        """Read past one ``"name": value`` member of the wrapper object."""
        if self._skip_space(number) != '"':
            raise self._bad(number, "expected a member name after the list of rows")
        name = self._value(number)
        if self._skip_space(number) != ":":
            raise self._bad(number, "expected “:” after a member name")
        self._pos += 1
        if not self._skip_space(number):
            raise self._bad(number, "the file ends before the closing “}”")
        if name == "rows":
            raise self._bad(number, "the body has “rows” twice")
        self._value(number)

    def _source(self) -> tuple[int, object] | None:
        number = self._number + 1
        while True:
            ch = self._skip_space(number)
            if self._state == "start":
                wrapper = _JSON_ROWS_WRAPPER.match(self._buffer, self._pos)
                if ch != "[" and wrapper is None:
                    problem = "the file is empty" if not ch else "it does not start with ["
                    raise UnusableFile(
                        "empty" if not ch else "bad_json",
                        f'Expected a JSON list of objects ([{{…}}, …] or {{"rows": [...]}}): '
                        f"{problem}; for one object per line use JSON Lines.",
                    )
                self._wrapped = wrapper is not None
                self._pos = wrapper.end() if wrapper is not None else self._pos + 1
                self._state = "first"
                continue
            if self._state in ("first", "after") and ch == "]":
                self._pos += 1
                self._state = "end"
                continue
            if self._state == "after":
                if ch != ",":
                    raise self._bad(number, "expected “,” or “]” after the previous record")
                self._pos += 1
                self._state = "value"
                continue
            if self._state == "end":
                if self._wrapped:
                    if ch == "," and self._other_members:
                        # The API's body may carry other members after its rows, which
                        # are not ours to read (as when it was parsed whole).
                        self._pos += 1
                        self._skip_member(number)
                        continue
                    if ch != "}":
                        raise self._bad(number, "expected “}” after the list of rows")
                    self._pos += 1
                    self._wrapped = False
                    continue
                if ch:
                    raise self._bad(number, "there is text after the end of the list")
                return None
            if not ch:
                raise self._bad(number, "the file ends before the closing “]”")
            item = self._value(number)
            self._state = "after"
            self._number = number
            return number, item

    def close(self) -> None:
        self._raw.close()
