"""Industry (GB/T 4754-2017) and division (GB/T 2260) codes, controlled terms, loose dates,
and the shared sample directory files read with these parsers."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcheck.codes import (
    SECTION_DIVISIONS,
    SECTION_LABELS,
    CodeValueError,
    CreditClass,
    EntityType,
    InvalidDate,
    InvalidDivisionCode,
    InvalidIndustryCode,
    RegistrationStatus,
    UnknownTerm,
    division_prefix_matches,
    entity_type_for_uscc,
    industry_prefix_matches,
    is_valid_division_code,
    is_valid_industry_code,
    normalize_division_code,
    normalize_industry_code,
    normalize_uscc,
    parse_credit_class,
    parse_date_loose,
    parse_entity_type,
    parse_registration_status,
    section_for_division,
    validate_division_code,
    validate_industry_code,
    validate_uscc,
)

FAST = settings(max_examples=60, deadline=None, database=None)
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data"  # tests/data: `make samples` writes them
SAMPLE_HEADERS = [
    "统一社会信用代码", "市场主体名称", "市场主体类型", "行业代码", "行业名称", "住所（经营场所）",
    "所在行政区划", "成立日期", "登记状态", "信用风险分类", "监管部门", "标签",
]  # fmt: skip

# --------------------------------------------------------------------------- industry

OFFICIAL_RANGES = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}  # fmt: skip


def test_section_ranges_are_the_official_ones():
    assert SECTION_DIVISIONS == OFFICIAL_RANGES
    assert set(SECTION_LABELS) == set(OFFICIAL_RANGES)


@pytest.mark.parametrize("division", range(1, 98))
def test_every_division_has_its_section(division):
    expected = next(s for s, (lo, hi) in OFFICIAL_RANGES.items() if lo <= division <= hi)
    assert section_for_division(f"{division:02d}") == expected
    assert normalize_industry_code(f"{division:02d}") == f"{expected}{division:02d}"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("F5251", "F5251"),
        ("f5251 ", "F5251"),
        ("5251", "F5251"),
        (" F 5251\u3000", "F5251"),
        ("Ｆ５２５１", "F5251"),
        ("F", "F"),
        ("h", "H"),
        ("F52", "F52"),
        ("525", "F525"),
        ("0111", "A0111"),
        ("A0111", "A0111"),
        ("R9011", "R9011"),
        ("9013", "R9013"),
        ("P8399", "P8399"),
        ("T97", "T97"),
        (5251, "F5251"),
    ],
)
def test_industry_normalisation(raw, canonical):
    assert normalize_industry_code(raw) == canonical
    assert is_valid_industry_code(canonical)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("G5251", "section_mismatch"),  # division 52 is section F
        ("A5251", "section_mismatch"),
        ("Z5251", "section"),
        ("U", "section"),
        ("F5", "length"),
        ("F52511", "length"),
        ("5", "length"),
        ("98", "division"),
        ("F00", "division"),
        ("", "format"),
        ("F-5251", "format"),
        ("52F", "format"),
        (None, "type"),
    ],
)
def test_industry_rejections(raw, reason):
    with pytest.raises(InvalidIndustryCode) as info:
        normalize_industry_code(raw)
    assert info.value.reason == reason
    assert info.value.detail_zh
    assert isinstance(info.value, ValueError)


def test_validate_industry_code_wants_canonical_form():
    validate_industry_code("F5251")
    for raw in ("f5251", "5251", "F5251 "):
        assert not is_valid_industry_code(raw)
        with pytest.raises(InvalidIndustryCode):
            validate_industry_code(raw)


@pytest.mark.parametrize(
    ("code", "prefix", "matches"),
    [
        ("F5251", "F", True),
        ("F5251", "F52", True),
        ("F5251", "52", True),
        ("F5251", "F525", True),
        ("F5251", "F5251", True),
        ("f5251", "f52", True),
        ("F5251", "F5265", False),
        ("F5251", "F51", False),
        ("F5251", "H", False),
        ("H6110", "H61", True),
        ("H6190", "H611", False),
        ("F52", "F5251", False),
    ],
)
def test_industry_prefix(code, prefix, matches):
    assert industry_prefix_matches(code, prefix) is matches


industry_codes = st.builds(
    lambda d, rest: normalize_industry_code(f"{d:02d}{rest}"),
    st.integers(1, 97),
    st.text("0123456789", max_size=2),
)


@FAST
@given(industry_codes, st.sampled_from(["lower", "bare", "spaced", "fullwidth"]))
def test_industry_variants_normalise_back(code, variant):
    raw = {
        "lower": code.lower(),
        "bare": code[1:],
        "spaced": f" {code} ",
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) for c in code),
    }[variant]
    assert normalize_industry_code(raw) == code
    for k in (1, 3, 4, 5):  # section, division, group, class
        if k <= len(code):
            assert industry_prefix_matches(code, code[:k])


# --------------------------------------------------------------------------- divisions


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("411523", "411523"),
        (" 411523 ", "411523"),
        ("４１１５２３", "411523"),
        ("411523.0", "411523"),
        (411523, "411523"),
        (411523.0, "411523"),
        ("110000", "110000"),
        ("820000", "820000"),
        ("419001", "419001"),
    ],
)
def test_division_normalisation(raw, canonical):
    assert normalize_division_code(raw) == canonical
    assert is_valid_division_code(canonical)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("41152", "format"),
        ("4115230", "format"),
        ("41152X", "format"),
        ("000000", "zero"),
        ("999999", "province"),
        ("101523", "province"),
        ("831523", "province"),
        ("160000", "province"),
        ("410023", "structure"),
        ("", "format"),
        (True, "type"),
        (None, "type"),
    ],
)
def test_division_rejections(raw, reason):
    with pytest.raises(InvalidDivisionCode) as info:
        normalize_division_code(raw)
    assert info.value.reason == reason


def test_validate_division_code_is_strict_about_form():
    validate_division_code("411523")
    for raw in (" 411523", "411523.0", "４１１５２３"):
        with pytest.raises(InvalidDivisionCode):
            validate_division_code(raw)


@pytest.mark.parametrize(
    ("code", "prefix", "matches"),
    [
        ("411523", "41", True),
        ("411523", "4115", True),
        ("411523", "411523", True),
        ("411523", "410000", True),
        ("411523", "411500", True),
        ("411523", 41, True),
        (411523, "4115", True),
        ("411523", "42", False),
        ("411523", "420000", False),
        ("411523", "4116", False),
        ("411502", "411523", False),
    ],
)
def test_division_prefix(code, prefix, matches):
    assert division_prefix_matches(code, prefix) is matches


@pytest.mark.parametrize("prefix", ["4", "411", "41152", "99", "", "abc"])
def test_division_prefix_rejections(prefix):
    with pytest.raises(InvalidDivisionCode):
        division_prefix_matches("411523", prefix)


# --------------------------------------------------------------------------- terms

ENTITY_TYPE_TERMS = {
    EntityType.ENTERPRISE: [
        "企业", "有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "分公司", "非公司企业法人",
        "有限责任公司（自然人投资或控股）", "有限责任公司(自然人独资)", "股份有限公司（非上市、自然人投资或控股）",
        "有限责任公司分公司", "普通合伙企业", "集体所有制", "全民所有制", " 有限责任公司 ", "enterprise",
    ],
    EntityType.INDIVIDUAL_BUSINESS: ["个体工商户", "个体", "个体户", "individual_business"],
    EntityType.FARMERS_COOPERATIVE: ["农民专业合作社", "合作社", "农民专业合作社分社", "farmers_cooperative"],
    EntityType.OTHER: ["其他", "other"],
}  # fmt: skip


@pytest.mark.parametrize(("term", "expected"), [(t, e) for e, terms in ENTITY_TYPE_TERMS.items() for t in terms])
def test_entity_types(term, expected):
    assert parse_entity_type(term) is expected


STATUS_TERMS = {
    RegistrationStatus.ACTIVE: ["存续", "在营", "开业", "在业", "存续（在营、开业、在册）", " 存续 "],
    RegistrationStatus.DEREGISTERED: ["注销", "已注销", "吊销，已注销"],
    RegistrationStatus.REVOKED: ["吊销", "被吊销", "吊销，未注销", "吊销,未注销"],
    RegistrationStatus.CANCELLED: ["撤销", "被撤销"],
    RegistrationStatus.MOVED_OUT: ["迁出", "已迁出"],
}


@pytest.mark.parametrize(("term", "expected"), [(t, e) for e, terms in STATUS_TERMS.items() for t in terms])
def test_registration_statuses(term, expected):
    assert parse_registration_status(term) is expected


CREDIT_TERMS = {
    CreditClass.A: ["A", "a", "A类", "a类", "Ａ", "Ａ类", " A ", "A级", "低风险", "信用风险低"],
    CreditClass.B: ["B", "b", "B类", "一般风险"],
    CreditClass.C: ["C", "C类", "较高风险"],
    CreditClass.D: ["D", "d", "D类", "高风险"],
    None: ["", " ", "未分类", "无", "-", None],
}


@pytest.mark.parametrize(("term", "expected"), [(t, e) for e, terms in CREDIT_TERMS.items() for t in terms])
def test_credit_classes(term, expected):
    assert parse_credit_class(term) is expected


@pytest.mark.parametrize(
    ("parser", "term"),
    [
        (parse_entity_type, "待定"),
        (parse_entity_type, ""),
        (parse_registration_status, "待核实"),
        (parse_registration_status, ""),
        (parse_credit_class, "E"),
        (parse_credit_class, "中风险"),
        (parse_credit_class, "AB"),
    ],
)
def test_unknown_terms(parser, term):
    with pytest.raises(UnknownTerm) as info:
        parser(term)
    assert isinstance(info.value, CodeValueError)
    assert info.value.detail_zh


def test_labels_and_values():
    assert EntityType.INDIVIDUAL_BUSINESS.label == "个体工商户"
    assert EntityType.FARMERS_COOPERATIVE.label == "农民专业合作社"
    assert RegistrationStatus.ACTIVE.label == "存续"
    assert RegistrationStatus.REVOKED.label == "吊销"
    assert [c.value for c in CreditClass] == ["A", "B", "C", "D"]
    assert "较高" in CreditClass.C.label
    assert EntityType("enterprise") is EntityType.ENTERPRISE
    for enum_cls in (EntityType, RegistrationStatus, CreditClass):
        assert all(member.label for member in enum_cls)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-05",
        "2024-1-5",
        "2024/1/5",
        "2024/01/05",
        "2024.1.5",
        "20240105",
        "2024年1月5日",
        "2024年01月05日",
        "2024年1月5",
        "２０２４年１月５日",
        " 2024-01-05 ",
        "2024/1/5 0:00",
        "2024-01-05 00:00:00",
        "2024-01-05T08:30:00",
        dt.date(2024, 1, 5),
        dt.datetime(2024, 1, 5, 12, 0),
    ],
)
def test_loose_dates(raw):
    assert parse_date_loose(raw) == dt.date(2024, 1, 5)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2023-02-30", "calendar"),
        ("2024-13-01", "calendar"),
        ("20241301", "calendar"),
        ("2021年2月29日", "calendar"),
        ("0000-00-00", "range"),
        ("1850-01-01", "range"),
        ("不详", "format"),
        ("", "format"),
        ("2024-01", "format"),
        ("05/01/2024", "format"),
        ("45296", "format"),
        (45296, "type"),
    ],
)
def test_loose_date_rejections(raw, reason):
    with pytest.raises(InvalidDate) as info:
        parse_date_loose(raw)
    assert info.value.reason == reason


@FAST
@given(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), st.sampled_from(["iso", "slash", "dot", "compact", "zh"]))
def test_loose_dates_roundtrip(day, style):
    raw = {
        "iso": day.isoformat(),
        "slash": f"{day.year}/{day.month}/{day.day}",
        "dot": f"{day.year}.{day.month}.{day.day}",
        "compact": day.strftime("%Y%m%d"),
        "zh": f"{day.year}年{day.month}月{day.day}日",
    }[style]
    assert parse_date_loose(raw) == day


# --------------------------------------------------------------------------- sample files


def parse_row(row: dict) -> dict:
    """Parse one directory row with the library's parsers (raises on the first bad field)."""
    code = normalize_uscc(row["统一社会信用代码"] or "")
    validate_uscc(code)
    name = (row["市场主体名称"] or "").strip()
    if not name:
        raise ValueError("empty name")
    entity_type = parse_entity_type(row["市场主体类型"] or "")
    implied = entity_type_for_uscc(code)
    if implied is not None and implied is not entity_type:
        raise ValueError(f"type {entity_type} contradicts code category {implied}")
    departments = [d.strip() for d in (row["监管部门"] or "").split(";") if d.strip()]
    return {
        "uscc": code,
        "name": name,
        "entity_type": entity_type,
        "industry": normalize_industry_code(row["行业代码"] or ""),
        "division": normalize_division_code(row["所在行政区划"] or ""),
        "established": parse_date_loose(row["成立日期"] or ""),
        "status": parse_registration_status(row["登记状态"] or ""),
        "credit": parse_credit_class(row["信用风险分类"]),
        "departments": departments,
    }


def _sample_rows(name: str):
    path = SAMPLE_DIR / name
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        header = [str(h) for h in rows[0]]
        body = [["" if v is None else v for v in r] for r in rows[1:]]
    else:
        encoding = "gb18030" if "gb18030" in name else "utf-8-sig"
        with path.open(encoding=encoding, newline="") as f:
            header, *body = list(csv.reader(f))
    return header, [dict(zip(header, r)) for r in body]


@pytest.mark.parametrize("name", ["entities-sample.csv", "entities-sample-gb18030.csv", "entities-sample.xlsx"])
def test_sample_files_parse(name):
    header, rows = _sample_rows(name)
    assert header == SAMPLE_HEADERS
    failures = []
    for line, row in enumerate(rows, start=2):
        try:
            parsed = parse_row(row)
        except (ValueError, TypeError) as exc:
            failures.append((line, str(exc)))
            continue
        assert parsed["division"] == "411523"
        assert parsed["departments"]
    # the shipped samples contain no bad row; a change there should be noticed here
    assert failures == []
    assert len({parse_row(r)["uscc"] for r in rows}) == len(rows)
