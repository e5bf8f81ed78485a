"""Tables users keep in spreadsheets: read a CSV file or an XLSX sheet into rows of cells.

Rows are numbered as a spreadsheet program shows them: row 1 is the header, the first record is
row 2, and blank rows still count, so ``channels.csv: row 4`` is the row the user sees as 4 in
Excel or LibreOffice. Empty cells are left out of a row ("not given"). In a CSV file every cell
is text; text that reads as a plain number becomes that number, anything else ("12%", "4.8e6",
"yes") is passed on as text for the schema's own rules to read or reject.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "c.csv").write_text("name,cost_per_lead,win_rate\\nemail,20,12%\\n,,\\nsearch,1.5e2,\\n")
>>> table = read_table(folder / "c.csv")
>>> table.columns, [(r.number, r.cells) for r in table.rows]
(('name', 'cost_per_lead', 'win_rate'), [(2, {'name': 'email', 'cost_per_lead': 20, 'win_rate': '12%'}), \
(4, {'name': 'search', 'cost_per_lead': '1.5e2'})])
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Issue, ScenarioError

TABLE_SUFFIXES = (".csv", ".xlsx")
MAX_ROWS = 200_000
MAX_COLUMNS = 64
MAX_BYTES = 200_000_000  # a CSV file, or a workbook's members uncompressed (read from the zip directory)
SIZE_ALLOWED = "a sheet of at most 200,000 rows and 64 columns, at most 200 MB (uncompressed)"
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")  # ASCII digits only: float() reads "١٢٣"


@dataclass(frozen=True)
class Row:
    """One record of a table: its row number as a spreadsheet shows it, and its non-empty cells."""

    number: int
    cells: dict[str, Any]


@dataclass(frozen=True)
class Table:
    """A sheet: its file (as shown in messages), its header and its non-blank rows."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    header_row: int = 1

    def error(self, row: int, column: str | None, message: str) -> Issue:
        """An issue at a cell: ``FILE: row 4, win_rate: MESSAGE``."""
        return Issue(f"row {row}, {column}" if column else f"row {row}", message, file=self.source)


def cell_value(text: str) -> Any:
    """A CSV cell: a plain number ("20", "0.35") as a number, anything else as stripped text."""
    text = text.strip()
    if _PLAIN_NUMBER.fullmatch(text):
        number = float(text)
        if not math.isfinite(number):  # 400 digits: beyond any float; as text, the number rules say so
            return text
        return int(number) if number.is_integer() and "." not in text else number
    return text


def read_table(path: str | Path, sheet: str | None = None, source: str | None = None) -> Table:
    """The header and rows of a CSV file or of one sheet of an XLSX workbook (the first, by default)."""
    file = Path(path)
    source = source or str(path)
    suffix = file.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ScenarioError(Issue("", f"a {suffix or 'file without suffix'} file cannot be read as a table; "
                                      "allowed: a .csv file or an .xlsx workbook"), source=source)
    if not file.is_file():
        what = "is a folder" if file.is_dir() else "does not exist"
        raise ScenarioError(Issue("", f"the file {what}; allowed: a .csv file or an .xlsx workbook"), source=source)
    if suffix == ".csv":
        if sheet is not None:
            raise ScenarioError(Issue("", f"sheet {sheet!r} is given, but a CSV file has no sheets; "
                                          "allowed: no sheet, or an .xlsx workbook"), source=source)
        records = _csv_records(file, source)
    else:
        records = _xlsx_records(file, sheet, source)
    return _table(records, source)


def _too_large(what: str, source: str) -> ScenarioError:
    return ScenarioError(Issue("", f"{what}; allowed: {SIZE_ALLOWED}"), source=source)


def _checked(number: int, values: list[Any], source: str) -> list[Any]:
    """A record's values, or an error where it is past the last row or column a sheet may use."""
    if number > MAX_ROWS:
        raise _too_large(f"the sheet has rows beyond row {MAX_ROWS:,} (delete the rows below)", source)
    width = len(values)
    while width and _blank(values[width - 1]):
        width -= 1
    if width > MAX_COLUMNS:
        raise ScenarioError(Issue(f"row {number}, column {width}", f"the sheet has cells beyond column "
                                                                   f"{MAX_COLUMNS}; allowed: {SIZE_ALLOWED}",
                                  file=source))
    return values[:width]


def _csv_records(file: Path, source: str) -> list[tuple[int, list[Any]]]:
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(f"the file is {size / 1e6:,.0f} MB", source)
        text = file.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Issue("", f"cannot be read ({exc}); allowed: a UTF-8 CSV file"), source=source) from None
    first = text.split("\n", 1)[0]
    # spreadsheet programs in many locales separate with ";" (the comma being the decimal mark)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = []
    try:
        for n, record in enumerate(reader, start=1):
            records.append((n, [cell_value(c) for c in _checked(n, record, source)]))
    except csv.Error as exc:  # a cell over the csv module's field limit (131,072 characters), a NUL
        raise ScenarioError(Issue(f"row {reader.line_num}", f"not a valid CSV file: {exc}; allowed: a CSV file "
                                                            f"with cells of at most {csv.field_size_limit():,} "
                                                            "characters"), source=source) from None
    return records


def _xlsx_records(file: Path, sheet: str | None, source: str) -> list[tuple[int, list[Any]]]:
    import zipfile
    import zlib
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    import openpyxl
    from defusedxml import DefusedXmlException

    def unreadable(exc: BaseException) -> ScenarioError:
        chain = [exc]  # openpyxl wraps the parser's error in a ValueError of three lines: name the parser's
        while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
            chain.append(chain[-1].__cause__ or chain[-1].__context__)
        defused = next((e for e in chain if isinstance(e, DefusedXmlException)), None)
        if defused is not None:  # openpyxl parses with defusedxml where it is installed (a dependency)
            return ScenarioError(Issue("", f"the workbook's XML declares entities or a DTD "
                                           f"({type(defused).__name__}); allowed: an .xlsx file as spreadsheet "
                                           "programs save it"), source=source)
        cause = chain[-1]
        text = str(cause).strip().splitlines()[0] if str(cause).strip() else "no detail"
        return ScenarioError(Issue("", f"cannot be read as a workbook ({type(cause).__name__}: {text}); "
                                       "allowed: an .xlsx file"), source=source)

    errors = (OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, ParseError,
              ExpatError)
    try:  # sizes from the zip directory, before a byte is inflated
        with zipfile.ZipFile(file) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except errors as exc:
        raise unreadable(exc) from None
    if inflated > MAX_BYTES:
        raise _too_large(f"the workbook inflates to {inflated / 1e6:,.0f} MB", source)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except errors as exc:
        raise unreadable(exc) from None
    try:
        if sheet is None:
            if not book.worksheets:
                raise ScenarioError(Issue("", "the workbook has no worksheet; allowed: an .xlsx file with a sheet"),
                                    source=source)
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            from .schema import did_you_mean

            raise ScenarioError(Issue("sheet", f"there is no sheet {sheet!r}{did_you_mean(sheet, book.sheetnames)}; "
                                               f"allowed: {', '.join(book.sheetnames)}"), source=source)
        ws.reset_dimensions()  # the stored dimension may lie; rows are then as long as their last cell
        records = []
        try:
            # iter_rows yields every row from 1 on (missing ones empty): the n-th is row n
            for number, cells in enumerate(ws.iter_rows(), start=1):
                values = _checked(number, [c.value for c in cells], source)
                records.append((number, [v.strip() if isinstance(v, str) else v for v in values]))
        except errors as exc:
            raise unreadable(exc) from None
        return records
    finally:
        book.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(records: list[tuple[int, list[Any]]], source: str) -> Table:
    records = [(n, values) for n, values in records if not all(_blank(v) for v in values)]
    if not records:
        raise ScenarioError(Issue("", "the sheet is empty; allowed: a header row, then a row per item"),
                            source=source)
    header_row, header = records[0]
    columns: list[str] = []
    issues = []
    for name in header:
        label = "" if _blank(name) else str(name).strip()
        if label and label in columns:
            issues.append(Issue(f"row {header_row}, {label}", "the column appears twice; allowed: each column once",
                                file=source))
        columns.append(label)
    rows = []
    for n, values in records[1:]:
        cells = {}
        for i, value in enumerate(values):
            if _blank(value):
                continue
            if i >= len(columns) or not columns[i]:
                issues.append(Issue(f"row {n}, column {i + 1}", f"the cell holds {value!r} but the column has no "
                                                                "header; allowed: a header in row 1",
                                    file=source))
                continue
            cells[columns[i]] = value
        rows.append(Row(n, cells))
    if issues:
        raise ScenarioError(issues, source=source)
    return Table(source, tuple(c for c in columns if c), tuple(rows), header_row)
