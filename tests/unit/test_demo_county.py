"""The synthetic Xin County: determinism, valid unique codes, sample-like shape, files, test rows."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import pytest

from jointcheck.codes import (
    USCC_ALPHABET,
    USCC_WEIGHTS,
    CreditClass,
    InvalidUSCC,
    RegistrationStatus,
    entity_type_for_uscc,
    is_valid_uscc,
    normalize_division_code,
    normalize_industry_code,
    normalize_uscc,
    parse_credit_class,
    parse_date_loose,
    parse_entity_type,
    parse_registration_status,
    parse_uscc,
    validate_uscc,
)
from jointcheck.demo import (
    BAD_KINDS,
    DIVISION_CODE,
    ENTITY_HEADERS,
    INDUSTRIES,
    MESSY_KINDS,
    TOWNS,
    bad_lines,
    departments,
    entities,
    entity_rows,
    experts,
    inspectors,
    messy_lines,
    write_entities_csv,
    write_entities_xlsx,
)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data"  # tests/data: `make samples` writes them
SAMPLE_HEADERS = (
    "统一社会信用代码", "市场主体名称", "市场主体类型", "行业代码", "行业名称", "住所（经营场所）",
    "所在行政区划", "成立日期", "登记状态", "信用风险分类", "监管部门", "标签",
)  # fmt: skip
BIG = 200_000


def parse_row(row: dict) -> dict:
    """Parse one directory row with the library's parsers (raises on the first bad field)."""
    code = normalize_uscc(row["统一社会信用代码"])
    validate_uscc(code)
    name = row["市场主体名称"].strip()
    if not name:
        raise ValueError("empty name")
    entity_type = parse_entity_type(row["市场主体类型"])
    if entity_type_for_uscc(code) is not entity_type:
        raise ValueError("type contradicts the code's category")
    return {
        "uscc": code,
        "name": name,
        "entity_type": entity_type,
        "industry": normalize_industry_code(row["行业代码"]),
        "address": row["住所（经营场所）"].strip(),
        "division": normalize_division_code(row["所在行政区划"]),
        "established": parse_date_loose(row["成立日期"]),
        "status": parse_registration_status(row["登记状态"]),
        "credit": parse_credit_class(row["信用风险分类"]),
        "departments": row["监管部门"].split(";"),
    }


@pytest.fixture(scope="module")
def big() -> list[list[str]]:
    return list(entity_rows(BIG))


# --------------------------------------------------------------------------- shape


def test_headers_are_the_sample_headers():
    assert ENTITY_HEADERS == SAMPLE_HEADERS
    row = next(entities(1))
    assert tuple(row) == SAMPLE_HEADERS
    with (SAMPLE_DIR / "entities-sample.csv").open(encoding="utf-8-sig", newline="") as f:
        assert tuple(next(csv.reader(f))) == ENTITY_HEADERS


def test_deterministic():
    first = list(itertools.islice(entities(5000, seed=7), 5000))
    assert first == list(entities(5000, seed=7))
    assert first != list(entities(5000, seed=8))
    # a longer run starts with the same rows
    assert list(itertools.islice(entities(10_000, seed=7), 5000)) == first
    assert inspectors(60, 3) == inspectors(60, 3) != inspectors(60, 4)
    assert experts(20, 3) == experts(20, 3)


def test_codes_valid_unique_and_consistent_with_type(big):
    codes = [r[0] for r in big]
    assert len(set(codes)) == BIG
    bad = [c for c in codes if not is_valid_uscc(c)]
    assert bad == []
    for row in big[:20_000]:
        parts = parse_uscc(row[0])
        assert parts.division_code == DIVISION_CODE
        assert parts.organisation_code.startswith("MA")
        assert parts.entity_type is parse_entity_type(row[2])


def test_rows_parse(big):
    for row in big[:20_000]:
        parsed = parse_row(dict(zip(ENTITY_HEADERS, row)))
        assert parsed["division"] == DIVISION_CODE
        assert parsed["name"].startswith("新县")
        assert parsed["address"].startswith("河南省信阳市新县")


def test_distribution(big):
    n = len(big)
    credit = Counter(r[9] for r in big)
    for cls, share in {"A": 0.40, "B": 0.35, "C": 0.15, "D": 0.05, "": 0.05}.items():
        assert abs(credit[cls] / n - share) < 0.01, (cls, credit[cls] / n)
    status = Counter(r[8] for r in big)
    assert status["存续"] / n > 0.8
    assert set(status) <= {"存续", "注销", "吊销", "撤销", "迁出"}
    types = Counter(r[2] for r in big)
    assert 0.2 < types["个体工商户"] / n < 0.35
    assert 0.05 < types["农民专业合作社"] / n < 0.15
    towns = Counter(r[1][2:].split("镇")[0] for r in big if "新集镇" in r[1])
    assert sum(towns.values()) / n > 0.2  # the county seat dominates
    industries = Counter(r[3] for r in big)
    for code in ("F5265", "F5251", "H6210", "H6220", "H6110", "H6190", "R9011", "R9013", "P8399"):
        assert industries[code] > 0.002 * n, code
    assert {r[6] for r in big} == {DIVISION_CODE}
    town_names = {t for t, _ in TOWNS}
    assert all(any(r[1].startswith("新县" + t) for t in town_names) for r in big[:5000])
    dates = sorted({r[7] for r in big})
    assert dates[0] >= "2005-01-01" and dates[-1] <= "2025-12-31"


def _sample_supervisors() -> dict[str, str]:
    with (SAMPLE_DIR / "entities-sample.csv").open(encoding="utf-8-sig", newline="") as f:
        return {r["行业代码"]: r["监管部门"] for r in csv.DictReader(f)}


def test_supervising_departments_and_names_follow_the_sample():
    sample = _sample_supervisors()
    ours = {i.code: i for i in INDUSTRIES}
    for code, depts in sample.items():
        assert code in ours, code
        assert ";".join(ours[code].departments) == depts
    dept_names = {d.name for d in departments()}
    for industry in INDUSTRIES:
        assert set(industry.departments) <= dept_names
        assert normalize_industry_code(industry.code) == industry.code


def test_departments():
    depts = departments()
    codes = [d.code for d in depts]
    assert len(set(codes)) == len(codes) == 10
    assert all(c.isupper() and c.isascii() for c in codes)
    names = {d.name for d in depts}
    for name in ("市场监督管理局", "商务局", "应急管理局", "消防救援大队", "生态环境局",
                 "文化广电和旅游局", "公安局", "卫生健康委员会", "医疗保障局", "教育体育局"):  # fmt: skip
        assert name in names
    code, name, short = depts[0]
    assert (code, name) == ("SCJG", "市场监督管理局") and short


def test_inspectors():
    people = inspectors(60, seed=2024)
    assert len(people) == 60
    assert [p["inspector_id"] for p in people] == [f"INS{k:04d}" for k in range(1, 61)]
    dept_codes = {d.code for d in departments()}
    certs = [p["certificate_no"] for p in people]
    assert len(set(certs)) == 60
    assert all(len(c) == 14 and c.isdigit() and c.startswith("411523") for c in certs)
    assert len({p["name"] for p in people}) == 60
    active = Counter(p["department_code"] for p in people if p["status"] == "active")
    assert set(active) == dept_codes and min(active.values()) >= 2
    statuses = Counter(p["status"] for p in people)
    assert set(statuses) <= {"active", "on_leave"} and statuses["active"] >= 50
    assert any(p["status"] == "on_leave" for p in inspectors(200, seed=2024))
    assert all(p["specialties"] and p["division_code"] == DIVISION_CODE for p in people)


def test_experts():
    pool = experts(20)
    assert len(pool) == 20 and len({e["expert_id"] for e in pool}) == 20
    assert {"消防安全", "食品安全", "药品", "特种设备", "危险化学品"} <= {e["field"] for e in pool}
    assert all(e["organisation"] and e["status"] in {"active", "inactive"} for e in pool)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_reads_back(tmp_path, encoding):
    path = tmp_path / "entities.csv"
    assert write_entities_csv(path, 2000, seed=11, encoding=encoding) == 2000
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert raw.count(b"\r\n") == 2001
    with path.open(encoding=encoding, newline="") as f:
        back = list(csv.DictReader(f))
    assert back == list(entities(2000, seed=11))


def test_xlsx_reads_back(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "entities.xlsx"
    write_entities_xlsx(path, 500, seed=11)
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    # a write-only sheet drops trailing empty cells, so short rows are padded on reading
    rows = [["" if v is None else v for v in r] + [""] * (12 - len(r)) for r in ws.iter_rows(values_only=True)]
    wb.close()
    assert ws.title == "名录库"
    assert tuple(rows[0]) == ENTITY_HEADERS
    assert [dict(zip(ENTITY_HEADERS, r)) for r in rows[1:]] == list(entities(500, seed=11))


# --------------------------------------------------------------------------- test rows


def test_bad_rows_are_where_declared():
    n, seed = 3000, 5
    declared = bad_lines(n, seed, 0.1)
    assert len(declared) == 300
    assert set(declared.values()) == set(BAD_KINDS)
    assert list(declared) == sorted(declared)
    clean = list(entities(n, seed))
    rejected = {}
    for line, (row, clean_row) in enumerate(zip(entities(n, seed, bad_fraction=0.1), clean), start=2):
        try:
            parse_row(row)
        except ValueError as exc:  # every parser error is a ValueError subclass
            rejected[line] = exc
        if line not in declared:
            assert row == clean_row
        else:
            assert sum(row[k] != clean_row[k] for k in row) == 1  # exactly one field spoiled
    assert set(rejected) == set(declared)
    uscc_kinds = {"uscc_check", "uscc_character", "uscc_length"}
    for line, kind in declared.items():
        assert isinstance(rejected[line], InvalidUSCC) == (kind in uscc_kinds), (line, kind)


def test_bad_rows_in_file(tmp_path):
    path = tmp_path / "bad.csv"
    write_entities_csv(path, 1000, seed=9, bad_fraction=0.05)
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        failing = set()
        for row in reader:
            try:
                parse_row(row)
            except ValueError:
                failing.add(reader.line_num)
    assert failing == set(bad_lines(1000, 9, 0.05))


def test_messy_rows_normalise_to_the_clean_rows():
    n, seed = 3000, 5
    varied = messy_lines(n, seed, 0.2, bad_fraction=0.1)
    assert set(varied.values()) == set(MESSY_KINDS)
    assert not set(varied) & set(bad_lines(n, seed, 0.1))
    clean = list(entities(n, seed))
    rows = entities(n, seed, 0.1, messy_fraction=0.2)
    for line, (row, clean_row) in enumerate(zip(rows, clean), start=2):
        if line in varied:
            assert row != clean_row
            assert parse_row(row) == parse_row(clean_row)


def test_organisation_part_embeds_a_counter():
    # the same rows for any n: uniqueness comes from the row index, not from a set
    assert [r[0] for r in entity_rows(100, 3)] == [r[0] for r in itertools.islice(entity_rows(10**9, 3), 100)]
    codes = [r[0] for r in entity_rows(50, 3)]
    assert all(set(c) <= set(USCC_ALPHABET) for c in codes)
    assert len(USCC_WEIGHTS) == 17


def test_enum_values_cover_generated_terms(big):
    assert {parse_registration_status(s) for s in {r[8] for r in big}} == set(RegistrationStatus)
    assert {parse_credit_class(c) for c in {r[9] for r in big}} == set(CreditClass) | {None}
