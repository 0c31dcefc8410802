"""What a workbook must be before python-calamine is given it (decision 0006, session 25).

calamine reads the whole first sheet into a dense Rust grid sized by the cells farthest
apart, and holds every other part it reads (shared strings, styles) whole: a 2 KB workbook
with one cell at XFD1048576 asks it for 512 GB, which aborts the process (not an exception
Python can catch), and a 1 MB shared-strings part can inflate to gigabytes. So the archive
is checked here with the standard library first, streaming, never holding a part whole:

- the central directory's size and the number of parts;
- every part's real unpacked size (counted while inflating its raw data, whatever sizes
  the archive declares: calamine's zip reader does not stop at the declared size) against
  a cap, the total against another, and the ratio of unpacked to packed bytes;
- every part, for the cells calamine would keep (a ``<c>`` with a ``<v>`` or ``<is>``):
  the columns and rows they span, against the readers' column limit and
  ``MAX_SHEET_CELLS``, and how much of that span is empty (byte patterns, or expat where
  a part is written so that the patterns cannot be sure: ``_Cells``). Every part, not only the sheet
  calamine reads first: which one that is depends on how workbook.xml is read, and a
  guard that read it differently from calamine would check the wrong part.

Each refusal is a :class:`WorkbookRefused` with a code and a message naming the part or the
cell; the readers turn it into ``UnusableFile``.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import BinaryIO, Final
from xml.parsers import expat

# The dense grid calamine allocates for the first sheet (about 32 bytes a cell before any
# text): a full-height sheet of 32 columns, some 1 GiB. Batches larger than that belong
# in CSV or JSON Lines, which are streamed.
MAX_SHEET_CELLS: Final = 1_048_576 * 32
# A span whose empty rows cost no more than this many cells is read even when sparse (a
# note typed a few thousand rows below the data); beyond it, a span more than half empty
# is refused as a far cell.
SPARSE_SLACK_CELLS: Final = 1024 * 1024
MAX_PARTS: Final = 2000
# Large enough for MAX_PARTS entries with long names; zipfile and calamine's zip reader
# both read the whole central directory into memory before anything else.
MAX_DIRECTORY_BYTES: Final = 1024 * 1024
# calamine streams the sheet but holds shared strings whole (a few times their XML's size
# in memory), and which part is which it learns from the relationships: a part named like
# a sheet may be its shared strings. So one cap for every part — about 400,000 rows of 30
# columns of sheet XML — and the whole unpacked workbook no more than a batch may be
# (web.uploads.MAX_BATCH_BYTES); larger batches belong in CSV or JSON Lines.
MAX_PART_BYTES: Final = 512 * 1024 * 1024
MAX_UNPACKED_BYTES: Final = 1024 * 1024 * 1024
# Spreadsheet XML packs 5 to 30 times; deflate's ceiling is about 1,030. A part past this
# ratio, once it is larger than RATIO_FLOOR_BYTES, is a bomb, not a spreadsheet.
MAX_RATIO: Final = 200
RATIO_FLOOR_BYTES: Final = 16 * 1024 * 1024

_CHUNK: Final = 256 * 1024
_EOCD: Final = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR: Final = struct.Struct("<4sLQL")
_ZIP64_END: Final = struct.Struct("<4sQ2H2L4Q")
_LOCAL_HEADER: Final = struct.Struct("<4s5H3L2H")
_SHEET_DATA: Final = (
    b"sheetData",
    "sheetData".encode("utf-16-le"),
    "sheetData".encode("utf-16-be"),
)


class WorkbookRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _mib(size: int) -> int:
    return size // (1024 * 1024)


def _unreadable() -> WorkbookRefused:
    # The same words as the readers' own refusal of a damaged workbook.
    return WorkbookRefused(
        "format",
        "The file is not a readable .xlsx workbook: it may be damaged, or another kind "
        "of file named .xlsx; open it in Excel or WPS and save it again as .xlsx.",
    )


def _too_many_parts() -> WorkbookRefused:
    return WorkbookRefused(
        "workbook_too_large",
        f"The workbook has more than {MAX_PARTS} parts; save the data sheet alone as a new "
        ".xlsx workbook, or as CSV UTF-8.",
    )


def check_workbook(source: BinaryIO | Path, *, max_columns: int) -> None:
    """Refuse (:class:`WorkbookRefused`) a workbook calamine must not be given; a stream
    is left where it was. What is not a zip archive at all passes: calamine refuses it as
    unreadable without reading anything."""
    if isinstance(source, str | PathLike):
        with Path(source).open("rb") as stream:
            _check(stream, max_columns)
        return
    position = source.tell()
    try:
        _check(source, max_columns)
    finally:
        source.seek(position)


def _check(stream: BinaryIO, max_columns: int) -> None:
    _check_directory(stream)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_PARTS:
            raise _too_many_parts()
        declared = 0
        for info in members:
            declared += info.file_size
            _check_declared(info.filename, info.file_size, info.compress_size)
        if declared > MAX_UNPACKED_BYTES:
            raise WorkbookRefused(
                "workbook_too_large",
                f"The workbook unpacks to more than {_mib(MAX_UNPACKED_BYTES)} MiB; send the "
                "batch as CSV UTF-8, or split it.",
            )
        unpacked = 0
        for info in members:
            if info.is_dir():
                continue
            unpacked += _scan_part(stream, info, MAX_UNPACKED_BYTES - unpacked, max_columns)


def _check_directory(stream: BinaryIO) -> None:
    """The central directory's declared size, read from its end record before zipfile
    reads (and holds) the directory itself; zipfile reads no more than that size."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_length = min(size, _EOCD.size + 65535)
    stream.seek(size - tail_length)
    tail = stream.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _EOCD.size > len(tail):
        return
    fields = _EOCD.unpack_from(tail, at)
    entries, directory_size = fields[4], fields[5]
    locator = at - _ZIP64_LOCATOR.size
    zip64 = entries == 0xFFFF or directory_size == 0xFFFFFFFF
    # As zipfile reads it: the ZIP64 end record just before its locator.
    if zip64 and locator >= _ZIP64_END.size and tail[locator : locator + 4] == b"PK\x06\x07":
        end = _ZIP64_END.unpack_from(tail, locator - _ZIP64_END.size)
        if end[0] == b"PK\x06\x06":
            entries, directory_size = end[7], end[8]
    if entries > MAX_PARTS or directory_size > MAX_DIRECTORY_BYTES:
        raise _too_many_parts()


def _part_cap(name: str) -> int:
    return MAX_PART_BYTES


def _too_large_part(name: str, cap: int) -> WorkbookRefused:
    return WorkbookRefused(
        "workbook_too_large",
        f"The part “{name}” of the workbook unpacks to more than {_mib(cap)} MiB; send the "
        "batch as CSV UTF-8, or split it.",
    )


def _bomb(name: str) -> WorkbookRefused:
    return WorkbookRefused(
        "workbook_too_large",
        f"The part “{name}” of the workbook unpacks to more than {MAX_RATIO} times its packed "
        "size, which no spreadsheet program writes; open the workbook in Excel or WPS and "
        "save it again as .xlsx.",
    )


def _check_declared(name: str, unpacked: int, packed: int) -> None:
    cap = _part_cap(name)
    if unpacked > cap:
        raise _too_large_part(name, cap)
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise _bomb(name)


def _raw_chunks(stream: BinaryIO, info: zipfile.ZipInfo) -> Iterator[tuple[int, bytes]]:
    """(packed bytes consumed so far, unpacked chunk) of a part, inflated from its raw
    data without regard to the size the archive declares for it."""
    if info.flag_bits & 0x1:
        raise _unreadable()  # encrypted: calamine cannot read it either
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _unreadable()
    stream.seek(info.header_offset)
    header = stream.read(_LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise _unreadable()
    fields = _LOCAL_HEADER.unpack(header)
    stream.seek(info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10])
    left = info.compress_size
    consumed = 0
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left > 0:
        packed = stream.read(min(_CHUNK, left))
        if not packed:
            raise _unreadable()
        left -= len(packed)
        consumed += len(packed)
        if inflate is None:
            yield consumed, packed
            continue
        data = packed
        while data:
            try:
                out = inflate.decompress(data, _CHUNK)
            except zlib.error:
                raise _unreadable() from None
            if out:
                yield consumed, out
            data = inflate.unconsumed_tail
            if inflate.eof:
                return


def _scan_part(stream: BinaryIO, info: zipfile.ZipInfo, budget: int, max_columns: int) -> int:
    name = info.filename
    cap = _part_cap(name)
    cells = _Cells(name, max_columns)
    unpacked = 0
    head = b""
    tail = b""
    saw_sheet_data = False
    for consumed, chunk in _raw_chunks(stream, info):
        unpacked += len(chunk)
        if unpacked > cap:
            raise _too_large_part(name, cap)
        if unpacked > budget:
            raise WorkbookRefused(
                "workbook_too_large",
                f"The workbook unpacks to more than {_mib(MAX_UNPACKED_BYTES)} MiB; send the "
                "batch as CSV UTF-8, or split it.",
            )
        if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * consumed:
            raise _bomb(name)
        if len(head) < 64:
            head += chunk[: 64 - len(head)]
            if b"\x00" in head:
                # UTF-16: the byte patterns of the quick scan do not apply.
                cells.precise = True
        window = tail + chunk
        saw_sheet_data = saw_sheet_data or any(marker in window for marker in _SHEET_DATA)
        tail = window[-24:]
        cells.feed(chunk)
    cells.finish()
    if cells.precise and saw_sheet_data:
        # A sheet the quick scan could not read (cells without references, a very long
        # text, UTF-16): once more, every element through expat.
        exact = _Cells(name, max_columns, precise=True)
        for _consumed, chunk in _raw_chunks(stream, info):
            exact.feed(chunk)
        exact.finish()
    return unpacked


@dataclass
class _Extent:
    top: int = 0
    bottom: int = 0
    left: int = 0
    right: int = 0
    far_row: tuple[int, int] = (0, 0)
    far_column: tuple[int, int] = (0, 0)
    rows: int = 0


def _ref(cell: tuple[int, int]) -> str:
    return f"{_column_name(cell[1])}{cell[0] + 1}"


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


# The quick scan: a well-formed part (expat checks it alongside) has a "<" only where
# markup starts, so these byte patterns find every cell tag outside comments, CDATA and
# processing instructions, which a sheet holding cells is refused for having.
_ANY_CELL: Final = re.compile(rb"<c[\s/>]")
# Every cell tag and every value tag, counted in one pass.
_CELL_OR_VALUE: Final = re.compile(rb"<(c|v|is)[\s/>]")
# A cell tag, then (optionally a formula, then) the value that makes calamine keep it. An
# attribute holding ">" ends the tag early here, so its value goes uncounted — and the
# counts of cell and value tags then disagree, and the part is read exactly.
_CELL: Final = re.compile(
    rb"<c\s+r=\"([A-Z]{1,3})([0-9]{1,7})\"[^<>]*>"
    rb"(?:(?:\s*<f[^<>]*>(?:[^<]*</f\s*>)?)?\s*<(v|is)[\s/>])?"
)
# A cell or value element with a namespace prefix: rare enough to read exactly.
# (Not a formula: it is not what makes calamine keep a cell, and Excel writes <xm:f> in
# the extensions of validations and conditional formats.)
_PREFIXED: Final = re.compile(rb"<[^\s<>/!?]+:(?:c|v|is)[\s/>]")
_PREFIX_HINT: Final = re.compile(rb":(?:c|v|is)[\s/>]")
_MAX_CARRY: Final = 1024 * 1024


# Every column three letters name (to ZZZ), by its letters.
_COLUMNS: Final = {_column_name(index).encode(): index for index in range(18278)}


class _Cells:
    """The cells of one part that calamine would keep.

    Quick by default: byte patterns find the cell tags (a reference first among their
    attributes, as every spreadsheet program writes it) and their values. No match can run
    past a "<", so a comment or CDATA section cannot hide a real cell tag from them; one
    read any other way (no reference, a prefix, a value not right after its tag, UTF-16)
    makes the counts of cell and value tags disagree with what the patterns read, which
    sets ``precise``: the part is then read again, ``exact``, through expat with a handler
    per element (no DTD: one that declares entities is refused rather than expanded)."""

    def __init__(self, part: str, max_columns: int, *, precise: bool = False) -> None:
        self.part = part
        self.max_columns = max_columns
        self.precise = precise
        self.exact = precise
        self.extent: _Extent | None = None
        self.row = 0
        self.column = -1
        self.counted_row = -1
        self.last_number = 0
        self.in_cell = False
        self.kept = False
        self.failed = False
        self.carry = b""
        self.parser = expat.ParserCreate()
        if precise:
            self.parser.StartElementHandler = self.start
            self.parser.StartDoctypeDeclHandler = self.refuse_dtd
            self.parser.EntityDeclHandler = self.refuse_dtd

    def feed(self, chunk: bytes) -> None:
        if self.exact:
            if not self.failed:
                try:
                    self.parser.Parse(chunk, False)
                except expat.ExpatError:
                    self.failed = True
            return
        if self.precise:
            return
        buffer = self.carry + chunk
        if b"<!DOCTYPE" in buffer:
            self.refuse_dtd()
        self._quick(buffer)

    def _quick(self, buffer: bytes) -> None:
        # Cells before the last cell tag are whole (a cell's value comes before the next
        # cell); that one is carried into the next chunk with what follows it.
        start = len(buffer)
        while (start := buffer.rfind(b"<c", 0, start)) >= 0:
            if _ANY_CELL.match(buffer, start) or len(buffer) - start < 3:
                break
        if start < 0:
            # No cell starts here: only a tag cut at the chunk's end is kept.
            last = buffer.rfind(b"<")
            self.carry = buffer[last:] if last >= 0 else b""
        else:
            if not self._take(buffer, start):
                return
            self.carry = buffer[start:]
        if len(self.carry) > _MAX_CARRY:
            self.precise = True

    def _take(self, buffer: bytes, end: int) -> bool:
        """The cells of ``buffer[:end]``; False (and ``precise`` set) where a cell tag is
        not one the byte patterns read."""
        if _PREFIX_HINT.search(buffer, 0, end) and _PREFIXED.search(buffer, 0, end):
            self.precise = True
            return False
        found = _CELL.findall(buffer, 0, end)
        kept = [(letters, digits) for letters, digits, value in found if value]
        tags = _CELL_OR_VALUE.findall(buffer, 0, end)
        cell_tags = tags.count(b"c")
        if len(found) != cell_tags or len(kept) != len(tags) - cell_tags:
            # A cell or a value the patterns did not read as a spreadsheet program writes it.
            self.precise = True
            return False
        if not kept:
            return True
        letters, digits = zip(*kept, strict=True)
        numbers = list(map(int, digits))  # 1-based, as written
        columns = list(map(_COLUMNS.__getitem__, letters))
        if min(numbers) < 1:
            raise self._bad_reference(letters[numbers.index(min(numbers))].decode() + "0")
        rows = numbers
        top, bottom = min(rows) - 1, max(rows) - 1
        left, right = min(columns), max(columns)
        distinct = set(rows)
        extent = self.extent
        if extent is None:
            extent = self.extent = _Extent(top, bottom, left, right, (0, 0), (0, 0), 0)
            extent.far_row = (bottom, columns[rows.index(bottom + 1)])
            extent.far_column = (rows[columns.index(right)] - 1, right)
        else:
            if bottom > extent.bottom:
                extent.bottom = bottom
                extent.far_row = (bottom, columns[rows.index(bottom + 1)])
            extent.top = min(extent.top, top)
            if right > extent.right:
                extent.right, extent.far_column = right, (rows[columns.index(right)] - 1, right)
            if left < extent.left:
                extent.left, extent.far_column = left, (rows[columns.index(left)] - 1, left)
        # A row split between two chunks is counted once (``last_number``: 1-based).
        extent.rows += len(distinct) - (self.last_number in distinct)
        self.last_number = rows[-1]
        self._check_span(extent, extent.far_row)
        return True

    def finish(self) -> None:
        if self.exact:
            if not self.failed:
                try:
                    self.parser.Parse(b"", True)
                except expat.ExpatError:
                    self.failed = True
            if self.failed:
                # Not XML as expat reads it, yet it may be to calamine's more lenient
                # reader, which would then read cells this guard has not counted.
                raise WorkbookRefused(
                    "format",
                    f"The part “{self.part}” of the workbook is not well-formed XML; open "
                    "the workbook in Excel or WPS and save it again as .xlsx.",
                )
        elif not self.precise:
            self._take(self.carry, len(self.carry))
        if self.precise and not self.exact:
            return  # read again, exactly (_scan_part)
        extent = self.extent
        if extent is None:
            return
        height = extent.bottom - extent.top + 1
        width = extent.right - extent.left + 1
        empty_rows = height - extent.rows
        if empty_rows > extent.rows and empty_rows * width > SPARSE_SLACK_CELLS:
            raise self._far(_ref(extent.far_row), height, width)

    def refuse_dtd(self, *_args: object) -> None:
        raise WorkbookRefused(
            "format",
            f"The part “{self.part}” of the workbook declares a DTD, which no spreadsheet "
            "program writes; open the workbook in Excel or WPS and save it again as .xlsx.",
        )

    def _far(self, ref: str, height: int, width: int) -> WorkbookRefused:
        return WorkbookRefused(
            "far_cell",
            f"The cell {ref} lies far beyond the rest of the data: the sheet would span "
            f"{height} rows by {width} columns; delete the cells after the data and save the "
            "workbook again.",
        )

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(":")[2]
        if name == "row":
            ref = attributes.get("r")
            self.row = self._number(ref) if ref else self.row + 1
            self.column = -1
        elif name == "c":
            ref = attributes.get("r")
            if ref:
                self.row, self.column = self._reference(ref)
            else:
                self.column += 1
            self.in_cell, self.kept = True, False
        # No end-of-element handler (a callback fewer per cell): a <v> after its cell's end
        # is taken for that cell's, which names the same place.
        elif self.in_cell and not self.kept and name in ("v", "is"):
            self.kept = True
            self._keep()

    def _number(self, text: str) -> int:
        if not text.isascii() or not text.isdigit() or int(text) < 1:
            raise self._bad_reference(text)
        return int(text) - 1

    def _reference(self, ref: str) -> tuple[int, int]:
        letters = ref.rstrip("0123456789").upper()
        digits = ref[len(letters) :]
        if not letters or not letters.isascii() or not letters.isalpha() or not digits:
            raise self._bad_reference(ref)
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        return self._number(digits), column - 1

    def _bad_reference(self, ref: str) -> WorkbookRefused:
        return WorkbookRefused(
            "format",
            f"The part “{self.part}” of the workbook names a cell “{ref[:20]}” that no "
            "spreadsheet has; open the workbook in Excel or WPS and save it again as .xlsx.",
        )

    def _keep(self) -> None:
        row, column = self.row, self.column
        extent = self.extent
        if extent is None:
            self.extent = _Extent(row, row, column, column, (row, column), (row, column), 1)
            self.counted_row = row
            return
        grew = False
        if row != self.counted_row:
            # Rows come in order in a sheet; one out of order is counted again, which can
            # only make a sparse span look denser (read, and bounded by MAX_SHEET_CELLS).
            extent.rows += 1
            self.counted_row = row
            if row > extent.bottom:
                extent.bottom, extent.far_row, grew = row, (row, column), True
            elif row < extent.top:
                extent.top, grew = row, True
        if column > extent.right:
            extent.right, extent.far_column, grew = column, (row, column), True
        elif column < extent.left:
            extent.left, extent.far_column, grew = column, (row, column), True
        if grew:
            self._check_span(extent, (row, column))

    def _check_span(self, extent: _Extent, cell: tuple[int, int]) -> None:
        height = extent.bottom - extent.top + 1
        width = extent.right - extent.left + 1
        # The span only grows: refuse as soon as it is too wide or too large.
        if width > self.max_columns:
            raise self._far(_ref(extent.far_column), height, width)
        if height * width > MAX_SHEET_CELLS:
            empty_rows = height - extent.rows
            if empty_rows > extent.rows:
                raise self._far(_ref(extent.far_row), height, width)
            raise WorkbookRefused(
                "sheet_too_large",
                f"The sheet spans {height} rows by {width} columns, to cell {_ref(cell)}; a workbook "
                f"is read up to {MAX_SHEET_CELLS} cells: send the batch as CSV UTF-8, or "
                "split it.",
            )
