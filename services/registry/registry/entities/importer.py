"""Reading entity directory files as county offices have them (CSV or XLSX, Chinese headers).

Pure parsing and row validation, no database: :class:`RowValidator` turns one row into
the tuple staged by ``COPY`` or into a list of :class:`RowError`. Harmless variants are
normalised (lower-case codes, stray spaces, full-width characters, ``2024/1/5`` dates,
``A类``, department names or short names); everything else is reported by line.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from jointcheck.codes import (
    CodeValueError,
    InvalidUSCC,
    normalize_division_code,
    normalize_industry_code,
    normalize_uscc,
    parse_credit_class,
    parse_date_loose,
    parse_entity_type,
    parse_registration_status,
    validate_uscc,
)
from registry.entities.schemas import RowError

#: Template columns, in order: (field, Chinese header, required, description).
COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("uscc", "统一社会信用代码", True, "18 位，GB 32100-2015 校验"),
    ("name", "市场主体名称", True, ""),
    ("entity_type", "市场主体类型", True, "企业 / 个体工商户 / 农民专业合作社 / 其他（或具体企业类型）"),
    ("industry_code", "行业代码", True, "GB/T 4754-2017，如 F5265 或 5265"),
    ("industry_name", "行业名称", False, "仅供阅读，不导入"),
    ("address", "住所（经营场所）", False, ""),
    ("division_code", "所在行政区划", False, "GB/T 2260 六位代码；空则取信用代码第 3–8 位"),
    ("registered_on", "成立日期", False, "2024-01-05、2024/1/5、20240105 均可"),
    ("status", "登记状态", True, "存续 / 注销 / 吊销 / 撤销 / 迁出"),
    ("credit_class", "信用风险分类", False, "A / B / C / D，空为未分类"),
    ("departments", "监管部门", False, "部门名称或代码，多个用 ; 分隔"),
    ("tags", "标签", False, "多个用 ; 分隔"),
)

HEADER_ALIASES: dict[str, str] = {
    "统一社会信用代码": "uscc",
    "信用代码": "uscc",
    "社会信用代码": "uscc",
    "uscc": "uscc",
    "市场主体名称": "name",
    "名称": "name",
    "企业名称": "name",
    "主体名称": "name",
    "name": "name",
    "市场主体类型": "entity_type",
    "主体类型": "entity_type",
    "企业类型": "entity_type",
    "类型": "entity_type",
    "entity_type": "entity_type",
    "行业代码": "industry_code",
    "国民经济行业代码": "industry_code",
    "industry_code": "industry_code",
    "行业名称": "industry_name",
    "industry_name": "industry_name",
    "住所（经营场所）": "address",
    "住所(经营场所)": "address",
    "住所": "address",
    "经营场所": "address",
    "地址": "address",
    "address": "address",
    "所在行政区划": "division_code",
    "行政区划": "division_code",
    "行政区划代码": "division_code",
    "division_code": "division_code",
    "成立日期": "registered_on",
    "登记日期": "registered_on",
    "registered_on": "registered_on",
    "登记状态": "status",
    "经营状态": "status",
    "status": "status",
    "信用风险分类": "credit_class",
    "信用风险等级": "credit_class",
    "风险分类": "credit_class",
    "credit_class": "credit_class",
    "监管部门": "departments",
    "departments": "departments",
    "标签": "tags",
    "tags": "tags",
}
REQUIRED = tuple(f for f, _, req, _ in COLUMNS if req and f != "division_code")
_SPLIT = re.compile(r"[;；,，、|/]")
MAX_ERRORS_PER_ROW = 12

#: Columns of the staging table, in COPY order.
STAGING_COLUMNS = (
    "line",
    "uscc",
    "name",
    "entity_type",
    "industry_code",
    "division_code",
    "address",
    "status",
    "registered_on",
    "credit_class",
    "departments",
    "tags",
    "legacy_code",
)


class FileError(ValueError):
    """The file as a whole cannot be read (encoding, headers, format)."""

    def __init__(self, detail: str, detail_zh: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh


@dataclass(frozen=True)
class ImportLimits:
    """What one import may cost, whatever the file claims (see ``registry.config``)."""

    max_rows: int = 20_000_000
    max_cell_chars: int = 32_767
    max_record_chars: int = 1 << 20
    max_seconds: float = 3600.0
    max_errors: int = 1000
    xlsx_max_uncompressed_bytes: int = 2 << 30
    xlsx_max_shared_strings: int = 4 << 20
    xlsx_max_shared_string_chars: int = 64 << 20


class LimitExceeded(FileError):
    """The file passes one of :class:`ImportLimits`; reading stops at once."""

    def __init__(self, limit: str, what: str, what_zh: str) -> None:
        super().__init__(f"the file exceeds the import limit on {what} ({limit})", f"文件超出导入限制：{what_zh}")
        self.limit = limit


class RowErrors:
    """The first ``limit`` row errors by line, and how many there were in all.

    Memory stays bounded however many rows are bad; ``rows`` counts rejected rows.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.first: list[RowError] = []
        self.total = 0
        self.rows = 0

    def add_row(self, errors: list[RowError]) -> None:
        self.rows += 1
        self.total += len(errors)
        first = self.first
        if len(first) < self.limit:
            if not first or errors[0].line >= first[-1].line:
                first.extend(errors)
            else:
                for e in errors:
                    bisect.insort(first, e, key=_line)
            del first[self.limit :]
        elif self.limit and errors[0].line < first[-1].line:
            for e in errors:
                bisect.insort(first, e, key=_line)
            del first[self.limit :]

    def merge(self, other: RowErrors) -> None:
        self.rows += other.rows
        self.total += other.total
        for e in other.first:
            if len(self.first) < self.limit or e.line < self.first[-1].line:
                bisect.insort(self.first, e, key=_line)
                del self.first[self.limit :]


def _line(e: RowError) -> int:
    return e.line


def _clean_header(h: Any) -> str:
    s = "" if h is None else str(h)
    return s.replace("\ufeff", "").strip().replace(" ", "").replace("\u3000", "")


def map_headers(header: list[Any]) -> dict[str, int]:
    """Column index of each known field; unknown columns are ignored."""
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        key = HEADER_ALIASES.get(_clean_header(h)) or HEADER_ALIASES.get(_clean_header(h).lower())
        if key and key not in index:
            index[key] = i
    missing = [f for f in REQUIRED if f not in index]
    if missing:
        labels = {f: zh for f, zh, _, _ in COLUMNS}
        raise FileError(
            f"missing required columns: {', '.join(labels[m] + ' (' + m + ')' for m in missing)}",
            f"缺少必填列：{'、'.join(labels[m] for m in missing)}",
        )
    return index


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, else GB18030 (Excel on Chinese Windows)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the sample's end
            return "utf-8"
        return "gb18030"


def iter_csv(
    raw: IO[bytes], limits: ImportLimits, *, deadline: float | None = None
) -> Iterator[tuple[int, list[str], bool]]:
    """(line number, cells, holds a NUL?) of each record; the header is line 1."""
    head = raw.read(65536)
    raw.seek(0)
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    yield from read_records(text, limits, encoding=encoding, deadline=deadline)


def read_records(
    text: IO[str], limits: ImportLimits, *, encoding: str, first_line: int = 1, deadline: float | None = None
) -> Iterator[tuple[int, list[str], bool]]:
    """CSV records of a text stream with bounded memory: no record longer than
    ``max_record_chars`` (however its lines are quoted), no field longer than
    ``max_cell_chars``, no more than ``max_rows`` records, no longer than ``max_seconds``.
    The third item flags a NUL character, which PostgreSQL text cannot hold."""
    deadline = deadline if deadline is not None else time.monotonic() + limits.max_seconds
    max_chars = limits.max_record_chars
    state = [0, False]  # characters of the record being read, NUL seen

    def lines() -> Iterator[str]:
        for line in text:
            state[0] += len(line)
            if state[0] > max_chars:
                raise LimitExceeded("record_chars", "characters in a row", "单行字符数")
            if "\x00" in line:
                state[1] = True
            yield line

    reader = csv.reader(lines())
    rows, max_rows, check_every = 0, limits.max_rows, 10_000
    try:
        # Process-wide, but every import of a process reads with the same limits.
        csv.field_size_limit(limits.max_cell_chars)
        for cells in reader:
            yield first_line + reader.line_num - 1, cells, state[1]
            state[0], state[1] = 0, False
            rows += 1
            if rows % check_every == 0:
                if rows > max_rows:
                    raise LimitExceeded("rows", "rows", "行数")
                if time.monotonic() > deadline:
                    raise LimitExceeded("seconds", "processing time", "处理时间")
        if rows > max_rows:
            raise LimitExceeded("rows", "rows", "行数")
    except UnicodeDecodeError:
        line = first_line + reader.line_num - 1
        raise FileError(
            f"the file is not valid {encoding} after line {line}", f"第 {line} 行之后的内容不是有效的 {encoding} 编码"
        ) from None
    except csv.Error as exc:
        line = first_line + reader.line_num - 1
        if "field larger than field limit" in str(exc):
            raise LimitExceeded("cell_chars", "characters in a cell", "单元格字符数") from None
        raise FileError(f"CSV syntax error at line {line}: {exc}", f"第 {line} 行 CSV 格式错误") from None


def iter_xlsx(
    raw: IO[bytes], limits: ImportLimits, *, deadline: float | None = None
) -> Iterator[tuple[int, list[str], bool]]:
    """(row number, cells, False) of the first worksheet, streamed (XML cannot hold NUL)."""
    from registry.entities import xlsx

    for number, cells in xlsx.iter_rows(raw, limits, deadline=deadline):
        yield number, cells, False


def is_xlsx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


_OK = object()


def _memo(parse: Any) -> Any:
    """Cache a field parser: directory files repeat the same few values endlessly.

    The cached callable returns ``(value, None)`` or ``(None, (detail, detail_zh))``.
    """
    cache: dict[str, tuple[Any, tuple[str, str] | None]] = {}

    def run(raw: str) -> tuple[Any, tuple[str, str] | None]:
        hit = cache.get(raw)
        if hit is None:
            try:
                hit = (parse(raw), None)
            except CodeValueError as exc:
                hit = (None, (exc.detail, exc.detail_zh))
            if len(cache) < 100_000:
                cache[raw] = hit
        return hit

    return run


def _maybe_date(raw: str) -> date | None:
    return parse_date_loose(raw) if raw else None


def _credit(raw: str) -> str | None:
    cc = parse_credit_class(raw)
    return cc.value if cc is not None else None


@dataclass
class RowValidator:
    """Validates and normalises rows; remembers USCCs seen to report duplicates.

    Hot path of bulk imports (a million rows): field parsers are memoised and the USCC
    check runs on a fast path; anything unusual falls back to the full validators,
    which give the precise reasons.
    """

    index: dict[str, int]
    department_codes: dict[str, str]
    legacy_codes: frozenset[str] = frozenset()
    #: first line of each code, keyed by :func:`code_key` (a million rows: keep it small)
    seen: dict[int | str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._width = max(self.index.values()) + 1
        self._type = _memo(lambda r: parse_entity_type(r).value)
        self._industry = _memo(normalize_industry_code)
        self._division = _memo(normalize_division_code)
        self._status = _memo(lambda r: parse_registration_status(r).value)
        self._date = _memo(_maybe_date)
        self._credit = _memo(_credit)
        self._departments: dict[str, tuple[list[str], list[str]]] = {}
        self._tags: dict[str, list[str]] = {}
        self._names = {i: f for f, i in self.index.items()}
        self._cols = tuple(
            self.index.get(f, -1)
            for f in (
                "uscc",
                "name",
                "entity_type",
                "industry_code",
                "division_code",
                "address",
                "status",
                "registered_on",
                "credit_class",
                "departments",
                "tags",
            )
        )

    def _uscc(self, raw: str) -> tuple[str, bool, tuple[str, str] | None]:
        """(canonical code, legacy?, error)."""
        code = raw.upper() if raw.isascii() and " " not in raw else normalize_uscc(raw)
        try:
            validate_uscc(code)
        except InvalidUSCC as exc:
            if exc.reason == "check" and code in self.legacy_codes:
                return code, True, None
            return code, False, (exc.detail, exc.detail_zh)
        return code, False, None

    def _split_departments(self, raw: str) -> tuple[list[str], list[str]]:
        hit = self._departments.get(raw)
        if hit is None:
            codes: set[str] = set()
            unknown: list[str] = []
            for part in _SPLIT.split(raw):
                part = part.strip()
                if not part:
                    continue
                code = self.department_codes.get(part) or self.department_codes.get(part.upper())
                if code is None:
                    unknown.append(part)
                else:
                    codes.add(code)
            hit = (sorted(codes), unknown)
            self._departments[raw] = hit
        return hit

    def __call__(self, line: int, cells: list[str], nul: bool = False) -> tuple | list[RowError]:
        """The staged tuple of a good row, or the errors of a bad one. ``nul``: the record
        holds a NUL character somewhere (PostgreSQL text cannot), reported by column."""
        if len(cells) < self._width:
            cells = cells + [""] * (self._width - len(cells))
        c_uscc, c_name, c_type, c_ind, c_div, c_addr, c_status, c_date, c_credit, c_dept, c_tags = self._cols
        errors: list[RowError] | None = None

        def bad(field_name: str, value: str, detail: str, detail_zh: str) -> None:
            nonlocal errors
            if errors is None:
                errors = []
            errors.append(RowError(line=line, field=field_name, value=value[:100], reason=detail, reason_zh=detail_zh))

        if nul:
            for i, cell in enumerate(cells):
                if "\x00" in cell:
                    bad(
                        self._names.get(i, f"column {i + 1}"),
                        cell.replace("\x00", "\\0"),
                        f"column {i + 1} contains a NUL character",
                        f"第 {i + 1} 列含有 NUL 字符",
                    )
                    cells[i] = cell.replace("\x00", "")

        raw_uscc = cells[c_uscc].strip()
        uscc, legacy = "", False
        if not raw_uscc:
            bad("uscc", raw_uscc, "missing", "缺少统一社会信用代码")
        else:
            uscc, legacy, err = self._uscc(raw_uscc)
            if err:
                bad("uscc", raw_uscc, *err)
            key = code_key(uscc)
            first = self.seen.get(key)
            if first is not None:
                bad("uscc", raw_uscc, f"duplicate of line {first}", f"与第 {first} 行重复")
            else:
                self.seen[key] = line
        name = cells[c_name].strip()
        if not name:
            bad("name", name, "missing", "缺少市场主体名称")
        elif len(name) > 256 or "\t" in name or "\n" in name:
            bad("name", name, "longer than 256 characters or contains a tab/newline", "名称过长或含制表符/换行")
        raw = cells[c_type].strip()
        entity_type, err = self._type(raw)
        if err:
            bad("entity_type", raw, *err)
        raw = cells[c_ind].strip()
        industry, err = self._industry(raw)
        if err:
            bad("industry_code", raw, *err)
        raw = (cells[c_div].strip() if c_div >= 0 else "") or (uscc[2:8] if len(uscc) == 18 else "")
        division, err = self._division(raw)
        if err:
            bad("division_code", raw, *err)
        raw = cells[c_status].strip()
        status, err = self._status(raw)
        if err:
            bad("status", raw, *err)
        raw = cells[c_date].strip() if c_date >= 0 else ""
        registered, err = self._date(raw)
        if err:
            bad("registered_on", raw, *err)
        raw = cells[c_credit].strip() if c_credit >= 0 else ""
        credit, err = self._credit(raw)
        if err:
            bad("credit_class", raw, *err)
        departments: list[str] = []
        raw = cells[c_dept].strip() if c_dept >= 0 else ""
        if raw:
            departments, unknown = self._split_departments(raw)
            for part in unknown:
                bad("departments", part, f"unknown department {part!r}", f"部门“{part}”不存在")
        tags: list[str] = []
        raw = cells[c_tags].strip() if c_tags >= 0 else ""
        if raw:
            tags = self._tags.get(raw)  # type: ignore[assignment]
            if tags is None:
                tags = sorted({t.strip() for t in _SPLIT.split(raw) if t.strip()})
                self._tags[raw] = tags
            if any(len(t) > 64 for t in tags):
                bad("tags", raw, "a tag has at most 64 characters", "标签过长")
        if errors:
            return errors[:MAX_ERRORS_PER_ROW]
        address = cells[c_addr].strip()[:500] if c_addr >= 0 else ""
        return (
            line,
            uscc,
            name,
            entity_type,
            industry,
            division,
            address,
            status,
            registered,
            credit,
            departments,
            tags,
            legacy,
        )


def code_key(code: str) -> int | str:
    """A compact dictionary key for a code: an 18-character alphanumeric code as the
    integer it spells in base 36 (half the memory of the string), anything else as is."""
    if len(code) == 18 and code.isascii() and code.isalnum():
        return int(code, 36)
    return code


def code_of_key(key: int | str) -> str:
    """The code a :func:`code_key` stands for."""
    if isinstance(key, str):
        return key
    digits = []
    while key:
        key, d = divmod(key, 36)
        digits.append("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[d])
    return "".join(reversed(digits)).rjust(18, "0")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A value escaped for PostgreSQL's COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _array_literal(items: list[str]) -> str:
    quoted = ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items)
    return copy_text("{" + quoted + "}")


NULL = "\\N"


class CopyLineWriter:
    """Turns validated row tuples into COPY text lines (in ``STAGING_COLUMNS`` order).

    Building text in the parsing thread leaves the event loop only bytes to forward,
    and lets PostgreSQL's C parser do the rest.
    """

    def __init__(self) -> None:
        self._arrays: dict[tuple[str, ...], str] = {}

    def _array(self, items: list[str]) -> str:
        key = tuple(items)
        hit = self._arrays.get(key)
        if hit is None:
            hit = _array_literal(items)
            if len(self._arrays) < 100_000:
                self._arrays[key] = hit
        return hit

    def line(self, row: tuple) -> str:
        (
            line,
            uscc,
            name,
            entity_type,
            industry,
            division,
            address,
            status,
            registered,
            credit,
            departments,
            tags,
            legacy,
        ) = row
        return (
            f"{line}\t{uscc}\t{copy_text(name)}\t{entity_type}\t{industry}\t{division}\t{copy_text(address)}\t"
            f"{status}\t{registered or NULL}\t{credit or NULL}\t{self._array(departments)}\t{self._array(tags)}\t"
            f"{'t' if legacy else 'f'}\n"
        )


def template_csv() -> bytes:
    """The import template: header row and one example row, UTF-8 with BOM (opens in Excel)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([zh for _, zh, _, _ in COLUMNS])
    w.writerow(
        [
            "91411523MA0000004J",
            "新县新集镇示例饭店有限公司",
            "有限责任公司",
            "H6210",
            "正餐服务",
            "河南省信阳市新县新集镇1号",
            "411523",
            "2020-05-01",
            "存续",
            "B",
            "市场监督管理局;消防救援大队",
            "食品经营许可",
        ]
    )
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名录库"
    ws.append([zh for _, zh, _, _ in COLUMNS])
    ws.append(
        [
            "91411523MA0000004J",
            "新县新集镇示例饭店有限公司",
            "有限责任公司",
            "H6210",
            "正餐服务",
            "河南省信阳市新县新集镇1号",
            "411523",
            "2020-05-01",
            "存续",
            "B",
            "市场监督管理局;消防救援大队",
            "食品经营许可",
        ]
    )
    notes = wb.create_sheet("说明")
    notes.append(["列名", "必填", "说明"])
    for _, zh, req, desc in COLUMNS:
        notes.append([zh, "是" if req else "否", desc])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
