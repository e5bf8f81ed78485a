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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Issue, ScenarioError

TABLE_SUFFIXES = (".csv", ".xlsx")
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


def _csv_records(file: Path, source: str) -> list[tuple[int, list[Any]]]:
    try:
        text = file.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Issue("", f"cannot be read ({exc}); allowed: a UTF-8 CSV file"), source=source) from None
    first = text.split("\n", 1)[0]
    # spreadsheet programs in many locales separate with ";" (the comma being the decimal mark)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(n, [cell_value(c) for c in record]) for n, record in enumerate(reader, start=1)]


def _xlsx_records(file: Path, sheet: str | None, source: str) -> list[tuple[int, list[Any]]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (OSError, BadZipFile, KeyError, ValueError) as exc:
        raise ScenarioError(Issue("", f"cannot be read as a workbook ({exc}); allowed: an .xlsx file"),
                            source=source) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            from .schema import did_you_mean

            raise ScenarioError(Issue("sheet", f"there is no sheet {sheet!r}{did_you_mean(sheet, book.sheetnames)}; "
                                               f"allowed: {', '.join(book.sheetnames)}"), source=source)
        records = []
        for cells in ws.iter_rows():
            values = [c.value for c in cells]
            number = next((c.row for c in cells if getattr(c, "row", None)), None)
            if number is not None:
                records.append((number, [v.strip() if isinstance(v, str) else v for v in values]))
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
