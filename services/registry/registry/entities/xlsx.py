"""Streaming reader of an XLSX file's first worksheet, safe against zip and XML bombs.

A workbook is a zip of XML parts; a few megabytes can expand to gigabytes of shared
strings or rows. Instead of loading the workbook, this reader decompresses the parts
through expat in 64 KiB chunks and gives up with :class:`~registry.entities.importer.LimitExceeded`
as soon as any of :class:`~registry.entities.importer.ImportLimits` is passed:
decompressed bytes, shared strings (count and characters, kept compactly), rows,
characters of a cell and of a row, wall time. DTDs are refused outright (an XLSX never
has one; entity expansion is the classic XML bomb).

Cells come out as strings the way ``openpyxl`` (``data_only``) renders them: numbers
without a needless ``.0``, date-formatted numbers as ``YYYY-MM-DD``, booleans as
``True``/``False``.
"""

from __future__ import annotations

import posixpath
import time
import zipfile
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import IO, Any
from xml.parsers import expat

from registry.entities.importer import FileError, ImportLimits, LimitExceeded

CHUNK = 64 << 10
SMALL_PART = 16 << 20  # workbook, relationships, styles
_BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_STRINGS_PER_CHUNK = 4096


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Budget:
    """Decompressed bytes and wall time, shared by every part of one file."""

    def __init__(self, limits: ImportLimits, deadline: float) -> None:
        self.left = limits.xlsx_max_uncompressed_bytes
        self.deadline = deadline

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise LimitExceeded("xlsx_uncompressed_bytes", "decompressed size", "解压后大小")
        if time.monotonic() > self.deadline:
            raise LimitExceeded("seconds", "processing time", "处理时间")


def _parser(
    start: Callable[..., Any] | None = None,
    end: Callable[..., Any] | None = None,
    text: Callable[..., Any] | None = None,
) -> Any:
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = CHUNK
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_doctype(*_: Any) -> None:
        raise FileError("the XLSX file contains a DTD", "XLSX 文件含 DTD，拒绝读取")

    p.StartDoctypeDeclHandler = no_doctype
    p.EntityDeclHandler = no_doctype
    if start:
        p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    return p


def _feed(zf: zipfile.ZipFile, name: str, parser: Any, budget: _Budget, *, cap: int | None = None) -> Iterator[None]:
    """Decompress ``name`` into ``parser`` chunk by chunk; yields after each chunk."""
    seen = 0
    with zf.open(name) as member:
        while True:
            chunk = member.read(CHUNK)
            if not chunk:
                break
            budget.take(len(chunk))
            seen += len(chunk)
            if cap is not None and seen > cap:
                raise LimitExceeded("xlsx_uncompressed_bytes", f"size of {name}", f"{name} 的大小")
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError as exc:
                raise FileError(f"broken XML in {name}: {exc}", f"XLSX 文件中 {name} 的 XML 有误") from None
            yield
    try:
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise FileError(f"broken XML in {name}: {exc}", f"XLSX 文件中 {name} 的 XML 有误") from None


def _parse_small(zf: zipfile.ZipFile, name: str, budget: _Budget, start: Callable[..., Any]) -> None:
    for _ in _feed(zf, name, _parser(start=start), budget, cap=SMALL_PART):
        pass


class SharedStrings:
    """The shared-string table, stored compactly: strings joined in chunks plus offsets."""

    def __init__(self, limits: ImportLimits) -> None:
        self.max_count = limits.xlsx_max_shared_strings
        self.max_chars = limits.xlsx_max_shared_string_chars
        self.max_cell = limits.max_cell_chars
        self.chars = 0
        self.count = 0
        self._chunks: list[str] = []
        self._pending: list[str] = []
        self._starts = array("I")
        self._pos = 0

    def add(self, s: str) -> None:
        if len(s) > self.max_cell:
            raise LimitExceeded("cell_chars", "characters in a cell", "单元格字符数")
        self.count += 1
        self.chars += len(s)
        if self.count > self.max_count:
            raise LimitExceeded("xlsx_shared_strings", "shared strings", "共享字符串数")
        if self.chars > self.max_chars:
            raise LimitExceeded("xlsx_shared_string_chars", "characters in shared strings", "共享字符串总字符数")
        self._starts.append(self._pos)
        self._pos += len(s)
        self._pending.append(s)
        if len(self._pending) == _STRINGS_PER_CHUNK:
            self._chunks.append("".join(self._pending))
            self._pending = []
            self._pos = 0

    def finish(self) -> None:
        if self._pending:
            self._chunks.append("".join(self._pending))
            self._pending = []

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < self.count:
            raise IndexError(i)
        c = i // _STRINGS_PER_CHUNK
        chunk = self._chunks[c]
        nxt = i + 1
        end = self._starts[nxt] if nxt < self.count and nxt % _STRINGS_PER_CHUNK else len(chunk)
        return chunk[self._starts[i] : end]


def _read_shared_strings(zf: zipfile.ZipFile, name: str, limits: ImportLimits, budget: _Budget) -> SharedStrings:
    table = SharedStrings(limits)
    add = table.add
    max_cell = limits.max_cell_chars
    parts: list[str] = []
    in_t = in_rph = False
    size = 0

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal in_t, in_rph, size
        tag = _LOCAL.get(tag) or _local(tag)
        if tag == "t":
            in_t = not in_rph
        elif tag == "si":
            parts.clear()
            size = 0
        elif tag == "rPh":  # phonetic hints are not part of the value
            in_rph = True

    def end(tag: str) -> None:
        nonlocal in_t, in_rph
        tag = _LOCAL.get(tag) or _local(tag)
        if tag == "t":
            in_t = False
        elif tag == "si":
            add(parts[0] if len(parts) == 1 else "".join(parts))
        elif tag == "rPh":
            in_rph = False

    def text(data: str) -> None:
        nonlocal size
        if in_t:
            size += len(data)
            if size > max_cell:
                raise LimitExceeded("cell_chars", "characters in a cell", "单元格字符数")
            parts.append(data)

    for _ in _feed(zf, name, _parser(start, end, text), budget):
        pass
    table.finish()
    return table


_LOCAL = {t: t for t in ("si", "t", "r", "rPh", "row", "c", "v", "is", "f", "sst", "sheetData")}


def _relationships(zf: zipfile.ZipFile, budget: _Budget) -> dict[str, tuple[str, str]]:
    """Workbook relationships: id → (type, part name)."""
    rels: dict[str, tuple[str, str]] = {}
    name = "xl/_rels/workbook.xml.rels"
    if name not in zf.NameToInfo:
        return rels

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            rels[attrs["Id"]] = (attrs.get("Type", ""), path)

    _parse_small(zf, name, budget, start)
    return rels


def _workbook(zf: zipfile.ZipFile, budget: _Budget) -> tuple[str | None, bool]:
    """(relationship id of the first sheet, 1904 date system?)."""
    found: dict[str, Any] = {"sheet": None, "date1904": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "sheet" and found["sheet"] is None:
            found["sheet"] = next((v for k, v in attrs.items() if _local(k) == "id"), None)
        elif tag == "workbookPr":
            found["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    if "xl/workbook.xml" in zf.NameToInfo:
        _parse_small(zf, "xl/workbook.xml", budget, start)
    return found["sheet"], found["date1904"]


def _is_date_format(code: str) -> bool:
    out, quoted, bracket = [], False, False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        elif ch == "[":
            bracket = True
        elif ch == "]":
            bracket = False
        elif not quoted and not bracket:
            out.append(ch.lower())
    plain = "".join(out)
    return any(c in plain for c in "dmy") and "general" not in plain


def _date_styles(zf: zipfile.ZipFile, name: str | None, budget: _Budget) -> set[int]:
    """Indexes of the cell styles (``s``) that format numbers as dates."""
    if not name or name not in zf.NameToInfo:
        return set()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    state = {"in_cellxfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "numFmt":
            try:
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            except ValueError:
                pass
        elif tag == "cellXfs":
            state["in_cellxfs"] = True
        elif tag == "xf" and state["in_cellxfs"]:
            try:
                xfs.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xfs.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            state["in_cellxfs"] = False

    p = _parser(start, end)
    for _ in _feed(zf, name, p, budget, cap=SMALL_PART):
        pass
    return {i for i, f in enumerate(xfs) if f in _BUILTIN_DATE_FORMATS or (f in custom and _is_date_format(custom[f]))}


def _number(text: str) -> str:
    try:
        return str(int(text))
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return text
    return str(int(f)) if f.is_integer() else str(f)


def _excel_date(text: str, date1904: bool) -> str:
    try:
        serial = float(text)
        base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        if not date1904 and serial < 60:  # Excel's phantom 1900-02-29
            serial += 1
        return (base + timedelta(days=serial)).strftime("%Y-%m-%d")
    except (ValueError, OverflowError):
        return _number(text)


def _column(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


MAX_COLUMNS = 16384  # Excel's own limits
MAX_ROWS = 1_048_576


def iter_rows(
    raw: IO[bytes], limits: ImportLimits, *, deadline: float | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the first worksheet, as strings, streamed."""
    budget = _Budget(limits, deadline if deadline is not None else time.monotonic() + limits.max_seconds)
    try:
        zf = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileError("not a readable XLSX file", "不是可读取的 XLSX 文件") from None
    with zf:
        rels = _relationships(zf, budget)
        sheet_id, date1904 = _workbook(zf, budget)
        sheet = rels.get(sheet_id or "", ("", ""))[1] or "xl/worksheets/sheet1.xml"
        by_type = {t.rpartition("/")[2]: p for t, p in rels.values()}
        strings_part = by_type.get("sharedStrings") or "xl/sharedStrings.xml"
        if sheet not in zf.NameToInfo:
            raise FileError("not a readable XLSX file: no worksheet", "不是可读取的 XLSX 文件：没有工作表")
        date_styles = _date_styles(zf, by_type.get("styles") or "xl/styles.xml", budget)
        shared = (
            _read_shared_strings(zf, strings_part, limits, budget)
            if strings_part in zf.NameToInfo
            else SharedStrings(limits)
        )
        yield from _iter_sheet(zf, sheet, shared, date_styles, date1904, limits, budget)


def _iter_sheet(
    zf: zipfile.ZipFile,
    name: str,
    shared: SharedStrings,
    date_styles: set[int],
    date1904: bool,
    limits: ImportLimits,
    budget: _Budget,
) -> Iterator[tuple[int, list[str]]]:
    done: list[tuple[int, list[str]]] = []
    st: dict[str, Any] = {
        "row": 0,
        "cells": None,
        "col": 0,
        "type": "n",
        "style": 0,
        "in_v": False,
        "in_is_t": False,
        "in_is": False,
        "text": [],
        "size": 0,
        "row_chars": 0,
        "rows": 0,
    }
    max_cell, max_row = limits.max_cell_chars, limits.max_record_chars
    max_rows = min(limits.max_rows, MAX_ROWS)

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "c":
            ref = attrs.get("r")
            st["col"] = _column(ref) if ref else len(st["cells"] or [])
            if st["col"] >= MAX_COLUMNS or st["col"] < 0:
                raise FileError(f"cell reference {ref!r} is outside a worksheet", f"单元格引用 {ref!r} 超出工作表范围")
            st["type"] = attrs.get("t", "n")
            try:
                st["style"] = int(attrs.get("s", "0"))
            except ValueError:
                st["style"] = 0
            st["text"] = []
            st["size"] = 0
        elif tag == "v":
            st["in_v"] = True
        elif tag == "is":
            st["in_is"] = True
        elif tag == "t" and st["in_is"]:
            st["in_is_t"] = True
        elif tag == "row":
            st["rows"] += 1
            if st["rows"] > max_rows:
                raise LimitExceeded("rows", "rows", "行数")
            try:
                st["row"] = int(attrs.get("r", "0")) or st["row"] + 1
            except ValueError:
                st["row"] += 1
            st["cells"] = []
            st["row_chars"] = 0

    def end(tag: str) -> None:
        tag = _local(tag)
        if tag == "v":
            st["in_v"] = False
        elif tag == "t":
            st["in_is_t"] = False
        elif tag == "is":
            st["in_is"] = False
        elif tag == "c":
            cells = st["cells"]
            if cells is None:
                return
            raw = "".join(st["text"])
            kind = st["type"]
            if kind == "s":
                try:
                    value = shared[int(raw)]
                except (ValueError, IndexError):
                    raise FileError(
                        f"row {st['row']}: shared string {raw!r} does not exist",
                        f"第 {st['row']} 行引用了不存在的共享字符串",
                    ) from None
            elif kind in ("str", "inlineStr", "e"):
                value = raw
            elif kind == "b":
                value = "True" if raw.strip() in ("1", "true") else ("False" if raw else "")
            elif kind == "d":
                value = raw[:10]
            elif raw == "":
                value = ""
            elif st["style"] in date_styles:
                value = _excel_date(raw, date1904)
            else:
                value = _number(raw)
            if len(value) > max_cell:
                raise LimitExceeded("cell_chars", "characters in a cell", "单元格字符数")
            st["row_chars"] += len(value)
            if st["row_chars"] > max_row:
                raise LimitExceeded("record_chars", "characters in a row", "单行字符数")
            col = st["col"]
            if col >= len(cells):
                cells.extend([""] * (col - len(cells) + 1))
            cells[col] = value
        elif tag == "row":
            done.append((st["row"], st["cells"]))
            st["cells"] = None

    def text(data: str) -> None:
        if st["in_v"] or st["in_is_t"]:
            st["size"] += len(data)
            if st["size"] > max_cell:
                raise LimitExceeded("cell_chars", "characters in a cell", "单元格字符数")
            st["text"].append(data)

    for _ in _feed(zf, name, _parser(start, end, text), budget):
        if done:
            yield from done
            done.clear()
    yield from done
