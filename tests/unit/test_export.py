"""jointcheck.export: CSV with a BOM and XLSX (write-only), read back as a county office's Excel would."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest
from openpyxl import load_workbook

from jointcheck.export import (
    BOM,
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    Column,
    Sheet,
    cell_text,
    content_disposition,
    csv_chunks,
    write_csv,
    write_xlsx,
    write_xlsx_sheets,
    xlsx_bytes,
    xlsx_sheets_bytes,
)


class Outcome(Enum):
    OK = "合格"


COLUMNS = [
    Column("uscc", "统一社会信用代码"),
    Column("name", "市场主体名称"),
    Column("departments", "检查部门", format=lambda ds: [{"SCJG": "市场监管局"}.get(d, d) for d in ds]),
    Column("inspected_on", "检查日期"),
    Column("approved_at", "审核时间"),
    Column("late", "是否逾期"),
    Column("items", "检查事项数"),
    Column("score", "得分"),
    Column("outcome", "结果"),
    Column("note", "备注"),
]
ROWS = [
    {
        "uscc": "91411523MA0000001X",
        "name": "新县示范餐饮有限公司",
        "departments": ["SCJG", "XFJY"],
        "inspected_on": date(2025, 10, 9),
        "approved_at": datetime(2025, 10, 30, 2, 3, 4, 567, tzinfo=UTC),  # 10:03:04 in China
        "late": False,
        "items": 3,
        "score": Decimal("9.5"),
        "outcome": Outcome.OK,
        "note": '=HYPERLINK("http://evil")',
    },
    {
        "uscc": "91411523MA0000002Y",
        "name": '逗号,引号"和\n换行',
        "departments": [],
        "inspected_on": None,
        "approved_at": None,
        "late": True,
        "items": 0,
        "score": -1.0,
        "outcome": None,
        "note": "-无\x00",
    },
]


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def test_csv_has_a_bom_chinese_headers_and_every_value_rendered():
    data = b"".join(csv_chunks(COLUMNS, ROWS))
    table = _read_csv(data)
    assert table[0] == [c.header for c in COLUMNS]
    assert table[1] == [
        "91411523MA0000001X",
        "新县示范餐饮有限公司",
        "市场监管局；XFJY",
        "2025-10-09",
        "2025-10-30 10:03:04",
        "否",
        "3",
        "9.5",
        "合格",
        '\'=HYPERLINK("http://evil")',  # shown as text by a spreadsheet, never run
    ]
    assert table[2] == ["91411523MA0000002Y", '逗号,引号"和\n换行', "", "", "", "是", "0", "-1", "", "'-无\x00"]
    assert len(table) == 3 and b"\r\n" in data
    assert data.decode("utf-8-sig").encode("gb18030")  # every character exists in Excel's Chinese code page


def test_csv_streams_in_chunks_and_reads_sequence_rows():
    cols = [Column(0, "序号"), Column(1, "名称")]
    rows = ([i, f"主体{i}"] for i in range(2500))  # a generator: consumed once, never listed
    chunks = list(csv_chunks(cols, rows, rows_per_chunk=1000))
    assert len(chunks) == 1 + 3  # header, then 1000 + 1000 + 500 rows
    table = _read_csv(b"".join(chunks))
    assert table[0] == ["序号", "名称"] and table[-1] == ["2499", "主体2499"] and len(table) == 2501


def test_write_csv_to_a_path_counts_rows(tmp_path):
    path = tmp_path / "结果.csv"
    assert write_csv(COLUMNS, ROWS, path) == 2
    assert _read_csv(path.read_bytes())[1][1] == "新县示范餐饮有限公司"
    buf = io.BytesIO()
    assert write_csv(COLUMNS, [], buf) == 0 and _read_csv(buf.getvalue()) == [[c.header for c in COLUMNS]]


def test_xlsx_reads_back_with_headers_types_and_formulas_as_text():
    data = xlsx_bytes(COLUMNS, ROWS, sheet="检查结果")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["检查结果"]
    ws = wb["检查结果"]
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[0] == [c.header for c in COLUMNS]
    assert values[1] == [
        "91411523MA0000001X",
        "新县示范餐饮有限公司",
        "市场监管局；XFJY",
        datetime(2025, 10, 9),  # a real date cell
        datetime(2025, 10, 30, 10, 3, 4),
        "否",
        3,
        9.5,
        "合格",
        '=HYPERLINK("http://evil")',
    ]
    assert ws.cell(row=2, column=10).data_type == "s"  # a string cell, not a formula
    assert ws.cell(row=2, column=4).number_format == "yyyy-mm-dd"
    assert values[2][1] == '逗号,引号"和\n换行' and values[2][9] == "-无"  # NUL dropped: XML cannot hold it
    assert values[2][2] is None and values[2][3] is None and values[2][7] == -1
    assert ws.freeze_panes == "A2"


def test_xlsx_continues_on_further_sheets_past_the_row_limit(tmp_path):
    cols = [Column("n", "序号")]
    path = tmp_path / "大.xlsx"
    assert write_xlsx(cols, ({"n": i} for i in range(7)), path, sheet="结果/汇总:2025", max_rows_per_sheet=3) == 7
    wb = load_workbook(path)
    assert wb.sheetnames == ["结果_汇总_2025", "结果_汇总_2025 (2)", "结果_汇总_2025 (3)"]
    got = [[c.value for c in row] for ws in wb for row in ws.iter_rows()]
    assert got == [["序号"], [0], [1], [2], ["序号"], [3], [4], [5], ["序号"], [6]]
    with pytest.raises(ValueError):
        write_xlsx(cols, [], io.BytesIO(), max_rows_per_sheet=0)


def test_several_tables_go_to_one_workbook_each_on_its_own_sheets():
    tables = [
        Sheet("汇总", [Column("item", "项目"), Column("value", "数值")], [{"item": "=合计", "value": 3}]),
        Sheet("明细", [Column(0, "序号"), Column(1, "日期")], ((i, date(2025, 1, i + 1)) for i in range(3))),
        Sheet("空表", [Column("x", "无数据")], []),
    ]
    wb = load_workbook(io.BytesIO(xlsx_sheets_bytes(tables, max_rows_per_sheet=2)))
    assert wb.sheetnames == ["汇总", "明细", "明细 (2)", "空表"]
    assert [[c.value for c in row] for row in wb["汇总"].iter_rows()] == [["项目", "数值"], ["=合计", 3]]
    assert wb["汇总"]["A2"].data_type == "s"  # text, never a formula
    assert [r[0] for r in wb["明细 (2)"].iter_rows(values_only=True)] == ["序号", 2]
    assert wb["明细"]["B2"].value == datetime(2025, 1, 1)
    assert [[c.value for c in row] for row in wb["空表"].iter_rows()] == [["无数据"]]
    assert write_xlsx_sheets(tables[:1], io.BytesIO()) == 1


def test_cell_text_and_headers_for_downloads():
    assert (
        cell_text(None) == "" and cell_text(True) == "是" and cell_text(2.0) == "2" and cell_text({"b", "a"}) == "a；b"
    )
    header = content_disposition("餐饮联合抽查-检查结果.xlsx")
    assert header.startswith('attachment; filename="') and "filename*=UTF-8''%E9%A4%90" in header
    assert header.isascii()
    assert CSV_MEDIA_TYPE.startswith("text/csv") and XLSX_MEDIA_TYPE.endswith("spreadsheetml.sheet")
