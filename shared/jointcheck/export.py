"""Tabular exports a county office files: CSV (UTF-8 with BOM, so Excel opens Chinese) and XLSX.

Both writers take the same input: :class:`Column` definitions (a key, a Chinese header, an
optional formatter) and rows — mappings (read by key) or sequences (read by position) —
from any iterable, consumed once, so a long export never sits in memory: CSV comes out as
chunks of bytes (:func:`csv_chunks`, e.g. for a ``StreamingResponse``), XLSX through
openpyxl's write-only (streaming) workbook (:func:`write_xlsx`; call it off the event loop,
``asyncio.to_thread``); several tables go into one workbook, a sheet each, with
:func:`write_xlsx_sheets` (a report with one sheet per section).

Cells are rendered the same way in both: ``None`` empty, booleans 是/否, dates ISO
(``2025-10-30``), times in China time to the second, lists joined with ``；``. Text that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is written as text:
an apostrophe in front in CSV, a string cell in XLSX — entity names come from outside.
Characters XML cannot hold (NUL and other C0 controls) are dropped from XLSX cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

__all__ = [
    "CSV_MEDIA_TYPE",
    "XLSX_MAX_ROWS",
    "XLSX_MEDIA_TYPE",
    "Column",
    "Sheet",
    "cell_text",
    "content_disposition",
    "csv_chunks",
    "write_csv",
    "write_xlsx",
    "write_xlsx_sheets",
    "xlsx_bytes",
    "xlsx_sheets_bytes",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows of one worksheet besides its header (Excel's limit is 1,048,576 with the header);
#: longer exports continue on further sheets ("结果 (2)", …), each with the header.
XLSX_MAX_ROWS = 1_048_575
BOM = b"\xef\xbb\xbf"
CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact
LIST_SEPARATOR = "；"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` reads a mapping row (or an ``int`` position of a sequence row),
    ``header`` is what the office sees (Chinese), ``format`` turns the raw value into the
    cell's value (e.g. a department code into its name), ``width`` sets an XLSX column width."""

    key: str | int
    header: str
    format: Callable[[Any], Any] | None = None
    width: float | None = None

    def value(self, row: Mapping[str, Any] | Sequence[Any]) -> Any:
        raw = row.get(self.key) if isinstance(row, Mapping) else row[self.key]  # type: ignore[index]
        return self.format(raw) if self.format is not None else raw


def _china_time(value: datetime) -> datetime:
    """A naive datetime in China time (aware values are converted; naive ones are taken as is)."""
    if value.tzinfo is not None:
        value = value.astimezone(CHINA).replace(tzinfo=None)
    return value.replace(microsecond=0)


def cell_text(value: Any) -> str:
    """The text of a cell (the CSV rendering; XLSX keeps numbers and dates typed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Enum):
        return cell_text(value.value)
    if isinstance(value, datetime):
        return _china_time(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return LIST_SEPARATOR.join(cell_text(v) for v in items)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _safe_text(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value: Any) -> str:
    text = cell_text(value)
    if isinstance(value, str) or not isinstance(value, (int, float, Decimal)):
        return _safe_text(text)
    return text


def csv_chunks(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any] | Sequence[Any]], *, rows_per_chunk: int = 1000
) -> Iterator[bytes]:
    """The CSV as chunks of bytes: a BOM and the header first, then ``rows_per_chunk`` rows a
    chunk (CRLF line ends, as Excel writes them)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_safe_text(c.header) for c in columns])
    yield BOM + buf.getvalue().encode("utf-8")
    pending = 0
    buf.seek(0)
    buf.truncate()
    for row in rows:
        writer.writerow([_csv_cell(c.value(row)) for c in columns])
        pending += 1
        if pending >= rows_per_chunk:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            pending = 0
    if pending:
        yield buf.getvalue().encode("utf-8")


def write_csv(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any] | Sequence[Any]], out: IO[bytes] | str | Path
) -> int:
    """Write the CSV to a binary file (or a path); returns the number of data rows."""
    counted = _Counted(rows)
    if isinstance(out, (str, Path)):
        with open(out, "wb") as f:
            for chunk in csv_chunks(columns, counted):
                f.write(chunk)
    else:
        for chunk in csv_chunks(columns, counted):
            out.write(chunk)
    return counted.n


class _Counted:
    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.n += 1
            yield row


def _xlsx_value(value: Any) -> Any:
    """A typed cell value: numbers and dates stay numbers and dates, the rest is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Enum):
        return _xlsx_value(value.value)
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return _china_time(value)
    if isinstance(value, date):
        return value
    return _XML_ILLEGAL.sub("", cell_text(value))


def _sheet_title(title: str, n: int) -> str:
    base = _SHEET_ILLEGAL.sub("_", title).strip("'") or "Sheet"
    suffix = f" ({n})" if n > 1 else ""
    return base[: 31 - len(suffix)] + suffix


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table of a workbook: its title, its columns and its rows (any iterable, consumed once)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any] | Sequence[Any]]


def write_xlsx(
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    out: IO[bytes] | str | Path,
    *,
    sheet: str = "结果",
    max_rows_per_sheet: int = XLSX_MAX_ROWS,
) -> int:
    """Write an XLSX workbook (openpyxl, write-only: rows stream to a temporary file, not to
    memory); returns the number of data rows. Blocking: call it off the event loop."""
    return write_xlsx_sheets([Sheet(sheet, columns, rows)], out, max_rows_per_sheet=max_rows_per_sheet)


def write_xlsx_sheets(
    sheets: Iterable[Sheet], out: IO[bytes] | str | Path, *, max_rows_per_sheet: int = XLSX_MAX_ROWS
) -> int:
    """Write several tables into one workbook, each on its own sheet in order (a table past the row
    limit continues on further sheets, "标题 (2)", …, each with the header); returns the number of
    data rows in all. Blocking: call it off the event loop."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if max_rows_per_sheet < 1:
        raise ValueError("max_rows_per_sheet must be at least 1")
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    ws: Any = None

    def text_cell(value: str, **style: Any) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        for k, v in style.items():
            setattr(cell, k, v)
        return cell

    def new_sheet(table: Sheet, n: int) -> None:
        nonlocal ws
        ws = wb.create_sheet(_sheet_title(table.title, n))
        for i, c in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = c.width or max(10, min(60, 2.2 * len(c.header) + 2))
        ws.freeze_panes = "A2"
        ws.append([text_cell(_XML_ILLEGAL.sub("", c.header), font=bold) for c in table.columns])

    def data_cell(value: Any) -> Any:
        typed = _xlsx_value(value)
        if isinstance(typed, str):
            return text_cell(typed)
        cell = WriteOnlyCell(ws, value=typed)
        if isinstance(typed, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(typed, date):
            cell.number_format = "yyyy-mm-dd"
        return cell

    total = 0
    for table in sheets:
        parts = 1
        new_sheet(table, parts)
        on_sheet = 0
        for row in table.rows:
            if on_sheet >= max_rows_per_sheet:
                parts += 1
                new_sheet(table, parts)
                on_sheet = 0
            ws.append([data_cell(c.value(row)) for c in table.columns])
            on_sheet += 1
            total += 1
    wb.save(str(out) if isinstance(out, Path) else out)
    return total


def xlsx_bytes(columns: Sequence[Column], rows: Iterable[Mapping[str, Any] | Sequence[Any]], **kw: Any) -> bytes:
    """:func:`write_xlsx` into memory (small exports; larger ones write to a temporary file)."""
    buf = io.BytesIO()
    write_xlsx(columns, rows, buf, **kw)
    return buf.getvalue()


def xlsx_sheets_bytes(sheets: Iterable[Sheet], **kw: Any) -> bytes:
    """:func:`write_xlsx_sheets` into memory (small workbooks, such as a report)."""
    buf = io.BytesIO()
    write_xlsx_sheets(sheets, buf, **kw)
    return buf.getvalue()


def content_disposition(filename: str, fallback: str | None = None) -> str:
    """An attachment header for a file name that may be Chinese (RFC 6266 / RFC 5987):
    an ASCII fallback (``fallback``, else the name with every other character replaced) plus
    ``filename*``."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", fallback or filename).strip("_") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
