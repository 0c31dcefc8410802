"""Hostile XLSX workbooks built with the standard library, a few KB each: a far cell, a
huge declared dimension, a shared-strings bomb, an archive of many members, a member whose
declared size hides what it inflates to. Also run as a script to measure (see decision
0006's session 25 addendum)."""

from __future__ import annotations

import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: str, *, dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{declared}<sheetData>{rows}</sheetData></worksheet>"
    )


def _header_and_row() -> str:
    return (
        f'<row r="1">{_inline("A1", "name")}{_inline("B1", "amount")}</row>'
        f'<row r="2">{_inline("A2", "甲")}<c r="B2"><v>100</v></c></row>'
    )


def workbook(
    path: Path,
    sheet: str | bytes,
    *,
    shared_strings: bytes | None = None,
    extra_members: int = 0,
) -> Path:
    strings = shared_strings or (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
        b'uniqueCount="0"></sst>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings)
        for number in range(extra_members):
            archive.writestr(f"docProps/custom{number}.xml", b"")
    return path


def plain(path: Path) -> Path:
    return workbook(path, sheet_xml(_header_and_row(), dimension="A1:B2"))


def far_cell(path: Path, ref: str = "XFD1048576") -> Path:
    """A header, one data row and one more cell far away (the dimension tells the truth)."""
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    rows = _header_and_row() + f'<row r="{row}">{_inline(ref, "x")}</row>'
    return workbook(path, sheet_xml(rows, dimension=f"A1:{ref}"))


def huge_dimension(path: Path) -> Path:
    """Two rows of cells under a declared dimension of the whole sheet."""
    return workbook(path, sheet_xml(_header_and_row(), dimension="A1:XFD1048576"))


def shared_strings_bomb(path: Path, megabytes: int = 1024, *, force_zip64: bool = True) -> Path:
    """A shared-strings part that inflates to ``megabytes`` MiB (about 1 MiB compressed per GiB)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        b'uniqueCount="1"><si><t>'
    )
    tail = b"</t></si></sst>"
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>amount</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"><v>1</v></c></row>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows, dimension="A1:B2"))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=force_zip64) as member:
            member.write(head)
            block = b"a" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
            member.write(tail)
    return path


def many_members(path: Path, count: int = 2_500) -> Path:
    return workbook(path, sheet_xml(_header_and_row(), dimension="A1:B2"), extra_members=count)


def lying_sizes(path: Path, megabytes: int = 20) -> Path:
    """A shared-strings bomb whose archive declares its part 1,000 bytes long (in the local
    header and the central directory): zipfile would stop there, calamine does not."""
    shared_strings_bomb(path, megabytes, force_zip64=False)
    data = bytearray(path.read_bytes())
    name = b"xl/sharedStrings.xml"
    # (signature, where the unpacked size is, where the name's length is, where the name is)
    headers = ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46))
    for signature, size_at, length_at, name_at in headers:
        at = data.find(signature)
        while at >= 0:
            length = int.from_bytes(data[at + length_at : at + length_at + 2], "little")
            if data[at + name_at : at + name_at + length] == name:
                data[at + size_at : at + size_at + 4] = (1000).to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def sparse_note(path: Path, row: int = 5000) -> Path:
    """A note typed a few thousand rows below the data: sparse, but cheap to read."""
    rows = _header_and_row() + f'<row r="{row}">{_inline(f"A{row}", "note")}</row>'
    return workbook(path, sheet_xml(rows, dimension="A1:B2"))


def with_dtd(path: Path) -> Path:
    sheet = sheet_xml(_header_and_row()).replace(
        "<worksheet", '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet', 1
    )
    return workbook(path, sheet)


def far_cell_without_references(path: Path) -> Path:
    """The far row's cells carry no reference (their place follows from the row's): read by
    the guard's exact pass, not its byte patterns."""
    rows = _header_and_row() + '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(path, sheet_xml(rows))


def far_cell_prefixed(path: Path) -> Path:
    """The far cell written with a namespace prefix."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rows = (
        _header_and_row()
        + f'<row r="1048576"><x:c xmlns:x="{main}" r="XFD1048576" t="inlineStr">'
        + "<x:is><x:t>x</x:t></x:is></x:c></row>"
    )
    return workbook(path, sheet_xml(rows))


def far_cell_in_utf16(path: Path) -> Path:
    sheet = sheet_xml(_header_and_row() + f'<row r="1048576">{_inline("XFD1048576", "x")}</row>')
    sheet = sheet.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return workbook(path, sheet.encode("utf-16"))


def far_cell_with(path: Path, inside: str) -> Path:
    rows = _header_and_row() + f'<row r="1048576"><c r="XFD1048576">{inside}</c></row>'
    return workbook(path, sheet_xml(rows))


# Written as no spreadsheet program writes them (or rarely): the reader tests only.
QUIRKY = {
    "formula": lambda p: far_cell_with(p, '<f t="shared" si="0">1+1</f><v>2</v>'),
    "element_before_value": lambda p: far_cell_with(p, "<extLst/><v>2</v>"),
    "behind_a_comment": lambda p: workbook(
        p,
        sheet_xml(
            _header_and_row()
            + '<row r="1048576"><!-- <c y=\' --><c r="XFD1048576"><v>2</v></c>'
            + "<!-- ' > --></row>"
        ),
    ),
    "attribute_with_a_bracket": lambda p: workbook(
        p,
        sheet_xml(
            _header_and_row() + '<row r="1048576"><c r="XFD1048576" s="1" x=">"><v>2</v></c></row>'
        ),
    ),
    "without_references": far_cell_without_references,
    "prefixed": far_cell_prefixed,
    "utf16": far_cell_in_utf16,
}

HOSTILE = {
    # kind: (builder, the code it is refused with)
    "far_cell": (far_cell, "far_cell"),
    "far_cell_t": (lambda p: far_cell(p, "T1048576"), "far_cell"),
    "wide": (lambda p: far_cell(p, "TA2"), "far_cell"),
    "shared_strings_bomb": (lambda p: shared_strings_bomb(p, 20), "workbook_too_large"),
    "lying_sizes": (lying_sizes, "workbook_too_large"),
    "many_members": (many_members, "workbook_too_large"),
    "dtd": (with_dtd, "format"),
}


if __name__ == "__main__":  # pragma: no cover - a measuring aid
    import resource
    import sys
    import time

    kind, target = sys.argv[1], Path(sys.argv[2])
    builders = {
        "far": far_cell,
        "far_t": lambda p: far_cell(p, "T1048576"),
        "dimension": huge_dimension,
        "strings": shared_strings_bomb,
        "members": lambda p: many_members(p, 20_000),
        "lying": lambda p: lying_sizes(p, 1024),
        "plain": plain,
    }
    builders[kind](target)
    sys.path.insert(0, "src")
    from xinyong.collection import readers

    started = time.monotonic()
    try:
        with readers.open_rows(target, readers.FileFormat.XLSX) as rows:
            outcome = f"read {sum(1 for _ in rows)} rows"
    except readers.UnusableFile as exc:
        outcome = f"refused {exc.code}: {exc.message}"
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{kind}: {target.stat().st_size} bytes; {outcome}; {elapsed:.1f} s, peak RSS {peak} MB")
