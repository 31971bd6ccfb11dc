"""A synthetic but realistic county for demos, tests and benchmarks: Xin County (新县).

新县 (GB/T 2260 ``411523``) is a county of 信阳市, Henan. Everything generated here is
fictitious — names, codes, people — but shaped like the directory files county offices
exchange (see ``tests/data/entities-sample.csv``, written from this module): the same Chinese headers, the same
supervising departments per industry, valid unified social credit codes.

Every generator is deterministic for a given ``seed`` (``random.Random``; no global
state). :func:`entities` is a generator costing a few microseconds per row, so it scales
to millions of rows; codes are unique because the organisation part embeds a permuted
row counter (no set of issued codes is kept).

Test support: ``bad_fraction`` corrupts that share of rows in ways an importer must
reject (:data:`BAD_KINDS`, positions from :func:`bad_lines`); ``messy_fraction`` rewrites
that share of rows in harmless ways an importer must accept and normalise back to the
clean row (:data:`MESSY_KINDS`, positions from :func:`messy_lines`). Neither changes the
other rows: row *i* is the same with and without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from bisect import bisect
from collections.abc import Iterator
from itertools import accumulate
from typing import NamedTuple

from jointcheck.codes.classification import SECTION_DIVISIONS
from jointcheck.codes.uscc import USCC_ALPHABET, USCC_WEIGHTS

__all__ = [
    "BAD_KINDS",
    "COUNTY_PLACES",
    "DIVISION_CODE",
    "ENTITY_HEADERS",
    "INDUSTRIES",
    "MESSY_KINDS",
    "TOWNS",
    "Department",
    "Industry",
    "Place",
    "bad_lines",
    "departments",
    "entities",
    "entity_rows",
    "experts",
    "inspectors",
    "messy_lines",
    "write_entities_csv",
    "write_entities_xlsx",
]

DIVISION_CODE = "411523"
_ADDRESS_PREFIX = "河南省信阳市新县"

#: Header row of the sample directory files, in order.
ENTITY_HEADERS: tuple[str, ...] = (
    "统一社会信用代码",
    "市场主体名称",
    "市场主体类型",
    "行业代码",
    "行业名称",
    "住所（经营场所）",
    "所在行政区划",
    "成立日期",
    "登记状态",
    "信用风险分类",
    "监管部门",
    "标签",
)


class Department(NamedTuple):
    """A member unit of the joint-meeting (联席会议成员单位)."""

    code: str
    name: str
    short_name: str


_DEPARTMENTS: tuple[Department, ...] = (
    Department("SCJG", "市场监督管理局", "市场监管局"),
    Department("SWJ", "商务局", "商务局"),
    Department("YJGL", "应急管理局", "应急局"),
    Department("XFJY", "消防救援大队", "消防大队"),
    Department("STHJ", "生态环境局", "环境局"),
    Department("WGLJ", "文化广电和旅游局", "文广旅局"),
    Department("GAJ", "公安局", "公安局"),
    Department("WJW", "卫生健康委员会", "卫健委"),
    Department("YBJ", "医疗保障局", "医保局"),
    Department("JTJ", "教育体育局", "教体局"),
)
_DEPT_CODE = {d.name: d.code for d in _DEPARTMENTS}

#: Towns and townships (乡镇) of Xin County with relative weights (the seat 新集镇 is largest).
TOWNS: tuple[tuple[str, int], ...] = (
    ("新集镇", 30),
    ("沙窝镇", 6),
    ("吴陈河镇", 5),
    ("苏河镇", 4),
    ("八里畈镇", 6),
    ("周河乡", 5),
    ("陡山河乡", 3),
    ("浒湾乡", 4),
    ("千斤乡", 4),
    ("卡房乡", 5),
    ("郭家河乡", 4),
    ("陈店乡", 4),
    ("泗店乡", 4),
    ("箭厂河乡", 4),
    ("田铺乡", 5),
    ("香山湖管理区", 3),
)


class Industry(NamedTuple):
    """An industry as it appears in the directory, with who supervises it."""

    code: str
    name: str
    weight: int
    departments: tuple[str, ...]
    tags: tuple[str, ...]
    words: tuple[str, ...]


_PETROL = ("商务局", "应急管理局", "消防救援大队", "生态环境局", "市场监督管理局")
_HOTEL = ("文化广电和旅游局", "公安局", "消防救援大队", "卫生健康委员会")
_VENUE = ("文化广电和旅游局", "公安局", "消防救援大队")
_RESTAURANT = ("市场监督管理局", "消防救援大队", "卫生健康委员会")

#: Industries of a county directory, weighted (per mille, roughly) like a tourist county.
#: Names are GB/T 4754-2017 labels except where the sample files use another (F5251).
INDUSTRIES: tuple[Industry, ...] = (
    Industry("F5265", "机动车燃油零售", 30, _PETROL, ("成品油零售许可", "危险化学品经营许可"), ("加油站",)),
    Industry("F5266", "机动车燃气零售", 3, _PETROL, ("燃气经营许可",), ("加气站",)),
    Industry("F5251", "药品零售", 50, ("市场监督管理局", "医疗保障局"), ("药品经营许可",), ("大药房", "药店", "医药超市")),
    Industry("H6210", "正餐服务", 100, _RESTAURANT, ("食品经营许可",), ("饭店", "酒家", "餐厅", "农家菜馆")),
    Industry("H6220", "快餐服务", 50, ("市场监督管理局", "消防救援大队"), ("食品经营许可",), ("快餐店", "快餐")),
    Industry("H6231", "茶馆服务", 20, ("市场监督管理局", "消防救援大队"), ("食品经营许可",), ("茶馆", "茶社")),
    Industry("H6241", "餐饮配送服务", 5, ("市场监督管理局", "卫生健康委员会"), ("食品经营许可",), ("餐饮配送中心",)),
    Industry("H6291", "小吃服务", 60, ("市场监督管理局",), ("食品经营许可",), ("小吃店", "面馆", "早点铺")),
    Industry("H6110", "旅游饭店", 20, _HOTEL, ("特种行业许可", "公共场所卫生许可"), ("宾馆", "大酒店")),
    Industry("H6129", "其他一般旅馆", 30, _HOTEL, ("特种行业许可", "公共场所卫生许可"), ("旅馆", "旅社", "招待所")),
    Industry("H6190", "其他住宿业", 60, _VENUE, ("特种行业许可",), ("民宿", "客栈")),
    Industry("R9011", "歌舞厅娱乐活动", 15, _VENUE, ("娱乐经营许可",), ("KTV", "歌厅")),
    Industry("R9013", "网吧活动", 10, _VENUE, ("网络文化经营许可",), ("网吧", "网咖")),
    Industry("P8399", "其他未列明教育", 30, ("教育体育局", "市场监督管理局", "消防救援大队"), ("办学许可",), ("培训学校", "培训中心")),
    Industry("F5211", "百货零售", 40, ("市场监督管理局", "消防救援大队"), ("食品经营许可",), ("百货商店", "商行")),
    Industry("F5212", "超级市场零售", 60, ("市场监督管理局", "消防救援大队"), ("食品经营许可",), ("超市", "购物广场")),
    Industry("F5213", "便利店零售", 100, ("市场监督管理局",), ("食品经营许可",), ("便利店", "小卖部")),
    Industry("F5226", "酒、饮料及茶叶零售", 60, ("市场监督管理局",), ("食品经营许可",), ("茶叶店", "茶行", "毛尖茶庄")),
    Industry("F5232", "服装零售", 80, ("市场监督管理局",), (), ("服装店", "服饰")),
    Industry("O8040", "理发及美容服务", 70, ("卫生健康委员会", "市场监督管理局"), ("公共场所卫生许可",), ("理发店", "美发店", "美容院")),
    Industry("O8051", "洗浴服务", 10, ("卫生健康委员会", "公安局", "消防救援大队"), ("公共场所卫生许可",), ("浴池", "洗浴中心")),
    Industry("C1411", "糕点、面包制造", 15, ("市场监督管理局", "生态环境局"), ("食品生产许可",), ("食品厂", "糕点坊")),
)  # fmt: skip

# Entity categories: (USCC category, weight, [(市场主体类型, weight, name suffix)]).
_TYPES = (
    ("1", 62, (("有限责任公司", 90, "有限公司"), ("个人独资企业", 6, ""), ("股份有限公司", 2, "股份有限公司"), ("合伙企业", 2, ""))),
    ("2", 28, (("个体工商户", 1, ""),)),
    ("3", 10, (("农民专业合作社", 1, ""),)),
)  # fmt: skip
_STATUSES = (("存续", 850), ("注销", 100), ("吊销", 35), ("迁出", 10), ("撤销", 5))
_CREDIT = (("A", 40), ("B", 35), ("C", 15), ("D", 5), ("", 5))

_NAME_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_NAME_MIDS = "记兴顺家氏"
_TRADE_NAMES = ("大别山", "红都", "将军", "金兰", "豫南", "鑫源", "红旭", "聚贤", "悦来", "山水", "福满", "老街", "香山", "江淮", "潢河")  # fmt: skip

_FIRST_DAY = dt.date(2005, 1, 1)
_LAST_DAY = dt.date(2025, 12, 31)

_P = 31**7  # capacity of the 7 varying organisation-code characters (≈ 2.75e10 rows)
_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}


def _cum(weights) -> list[int]:
    return list(accumulate(weights))


def _pick(seq, cum, u: float):
    """Weighted pick from uniform ``u`` in [0, 1)."""
    return seq[bisect(cum, u * cum[-1], 0, len(cum) - 1)]


def _digit_table(width: int, weights: tuple[int, ...]) -> list[tuple[str, int]]:
    """All ``31**width`` base-31 strings with their weighted value sums (mod 31)."""
    table: list[tuple[str, int]] = [("", 0)]
    for w in weights:
        table = [(s + ch, (t + v * w) % 31) for s, t in table for v, ch in enumerate(USCC_ALPHABET)]
    return table


_tables: tuple | None = None


def _code_tables():
    # Organisation part = "MA" + 7 base-31 characters, split 2 + 2 + 3 for table look-ups.
    global _tables
    if _tables is None:
        w = USCC_WEIGHTS
        _tables = (_digit_table(2, w[10:12]), _digit_table(2, w[12:14]), _digit_table(3, w[14:17]))
    return _tables


def _permutation(seed: int | str) -> tuple[int, int]:
    """Parameters of the bijection ``i → (a*i + b) mod 31**7`` that scatters the counter."""
    rnd = random.Random(f"jointcheck.demo.uscc:{seed}")
    a = rnd.randrange(1, _P)
    while a % 31 == 0:
        a = rnd.randrange(1, _P)
    return a, rnd.randrange(_P)


class Place(NamedTuple):
    """Where generated entities are: a division (GB/T 2260), the prefix of their names (the
    place as people say it) and of their addresses, and a relative weight."""

    division: str
    name_prefix: str
    address_prefix: str
    weight: int


#: Xin County's places: its towns and townships, all in division 411523.
COUNTY_PLACES: tuple[Place, ...] = tuple(Place(DIVISION_CODE, f"新县{t}", f"{_ADDRESS_PREFIX}{t}", w) for t, w in TOWNS)


def entity_rows(
    n: int,
    seed: int | str = 2024,
    *,
    places: tuple[Place, ...] = COUNTY_PLACES,
    start: int = 0,
    code_seed: int | str | None = None,
) -> Iterator[list[str]]:
    """Clean entity rows as lists of strings in :data:`ENTITY_HEADERS` order (the fast path).

    ``places`` spreads them over divisions (Xin County's towns by default; see
    :mod:`jointcheck.demo.province`). ``start`` offsets the row counter the codes are made
    from: blocks of one file are generated with the same ``code_seed`` (the codes' bijection)
    and disjoint counter ranges, so they never share a code, each with its own ``seed``."""
    if n < 0 or start < 0:
        raise ValueError("n and start must be >= 0")
    if start + n > _P:
        raise ValueError(f"at most {_P} unique entities per generator")
    top_t, mid_t, lo_t = _code_tables()
    a, b = _permutation(seed if code_seed is None else code_seed)
    rnd = random.Random(seed)
    r = rnd.random

    divisions = sorted({p.division for p in places})
    towns = [(p.name_prefix, p.address_prefix, divisions.index(p.division)) for p in places]
    town_cum = _cum(p.weight for p in places)
    inds = [(i.code, i.name, ";".join(i.departments), ";".join(i.tags), i.words, len(i.words)) for i in INDUSTRIES]
    ind_cum = _cum(i.weight for i in INDUSTRIES)

    # Per category: its USCC prefix and check-sum base in every division (index as in ``towns``).
    categories = []
    for cat, _, subtypes in _TYPES:
        per_division = []
        for division in divisions:
            prefix = f"9{cat}{division}MA"
            per_division.append((prefix, sum(_VALUE[ch] * w for ch, w in zip(prefix, USCC_WEIGHTS))))
        categories.append((per_division, [(t, s) for t, _, s in subtypes], _cum(w for _, w, _ in subtypes)))
    cat_cum = _cum(w for _, w, _ in _TYPES)

    trades = [s + m for s in _NAME_SURNAMES for m in _NAME_MIDS]
    trades += list(_TRADE_NAMES) * (len(trades) // (4 * len(_TRADE_NAMES)))  # about a fifth
    n_trades = len(trades)
    days = (_LAST_DAY - _FIRST_DAY).days + 1
    dates = [(_FIRST_DAY + dt.timedelta(days=k)).isoformat() for k in range(days)]
    statuses = [s for s, _ in _STATUSES]
    status_cum = _cum(w for _, w in _STATUSES)
    credits = [c for c, _ in _CREDIT]
    credit_cum = _cum(w for _, w in _CREDIT)
    alphabet = USCC_ALPHABET
    last_ind, last_cat, last_town = len(ind_cum) - 1, len(cat_cum) - 1, len(town_cum) - 1
    last_status, last_credit = len(status_cum) - 1, len(credit_cum) - 1
    ind_total, cat_total, town_total = ind_cum[-1], cat_cum[-1], town_cum[-1]
    status_total, credit_total = status_cum[-1], credit_cum[-1]
    d5, d3 = 31**5, 31**3

    for i in range(start, start + n):
        code_i, ind_name, depts, tags, words, n_words = inds[bisect(ind_cum, r() * ind_total, 0, last_ind)]
        per_division, subtypes, sub_cum = categories[bisect(cat_cum, r() * cat_total, 0, last_cat)]
        type_name, suffix = subtypes[bisect(sub_cum, r() * sub_cum[-1], 0, len(sub_cum) - 1)]
        town_name, town_addr, division_i = towns[bisect(town_cum, r() * town_total, 0, last_town)]
        prefix, base = per_division[division_i]

        top, rest = divmod((a * i + b) % _P, d5)
        mid, lo = divmod(rest, d3)
        top_s, top_v = top_t[top]
        mid_s, mid_v = mid_t[mid]
        lo_s, lo_v = lo_t[lo]
        body = prefix + top_s + mid_s + lo_s
        code = body + alphabet[-(base + top_v + mid_v + lo_v) % 31]

        word = words[int(r() * n_words)]
        yield [
            code,
            f"{town_name}{trades[int(r() * n_trades)]}{word}{suffix}",
            type_name,
            code_i,
            ind_name,
            f"{town_addr}{int(r() * 300) + 1}号",
            divisions[division_i],
            dates[int(r() * days)],
            statuses[bisect(status_cum, r() * status_total, 0, last_status)],
            credits[bisect(credit_cum, r() * credit_total, 0, last_credit)],
            depts,
            tags,
        ]


# --------------------------------------------------------------------------- test rows

#: Defects injected by ``bad_fraction``; each makes exactly one field unparseable.
BAD_KINDS: tuple[str, ...] = (
    "uscc_check",  # wrong check character
    "uscc_character",  # I/O/S/V/Z inside the code
    "uscc_length",  # a character missing
    "industry_section",  # unknown section letter (U–Z)
    "industry_mismatch",  # section letter does not match the division
    "date",  # impossible or unreadable date
    "empty_name",
    "entity_type",
    "status",
    "credit_class",
    "division",
)

#: Harmless variants injected by ``messy_fraction``; each normalises back to the clean row.
MESSY_KINDS: tuple[str, ...] = (
    "uscc_lower",
    "uscc_spaces",
    "uscc_fullwidth",
    "industry_lower",
    "industry_no_letter",
    "date_slash",
    "date_chinese",
    "date_compact",
    "credit_suffix",
    "credit_words",
    "status_synonym",
    "type_synonym",
    "padding",
)

_FULLWIDTH = {c: chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _plan(n: int, seed: int, fraction: float, kinds: tuple[str, ...], salt: str) -> dict[int, tuple[str, int]]:
    """Row index → (kind, parameter), exactly ``round(n * fraction)`` rows, kinds in rotation."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be within [0, 1]")
    k = round(n * fraction)
    if not k:
        return {}
    rnd = random.Random(f"jointcheck.demo.{salt}:{seed}:{n}")
    rows = rnd.sample(range(n), k)
    return {row: (kinds[j % len(kinds)], rnd.randrange(1 << 30)) for j, row in enumerate(rows)}


def _plans(n: int, seed: int, bad_fraction: float, messy_fraction: float):
    bad = _plan(n, seed, bad_fraction, BAD_KINDS, "bad")
    messy = _plan(n, seed, messy_fraction, MESSY_KINDS, "messy")
    for row in bad.keys() & messy.keys():
        del messy[row]  # a bad row stays simply bad
    return bad, messy


def bad_lines(n: int, seed: int = 2024, bad_fraction: float = 0.1) -> dict[int, str]:
    """Line numbers (header = line 1, first row = line 2) of the bad rows → defect kind.

    Matches ``entities(n, seed, bad_fraction=...)`` and the files written with the same
    arguments. Ordered by line number.
    """
    plan = _plan(n, seed, bad_fraction, BAD_KINDS, "bad")
    return {row + 2: plan[row][0] for row in sorted(plan)}


def messy_lines(n: int, seed: int = 2024, messy_fraction: float = 0.1, bad_fraction: float = 0.0) -> dict[int, str]:
    """Line numbers of the harmlessly varied rows → variant kind (bad rows excluded)."""
    _, plan = _plans(n, seed, bad_fraction, messy_fraction)
    return {row + 2: plan[row][0] for row in sorted(plan)}


def _spoil(row: list[str], kind: str, p: int) -> None:
    """Make one field of ``row`` invalid (in place)."""
    if kind == "uscc_check":
        code = row[0]
        row[0] = code[:17] + USCC_ALPHABET[(_VALUE[code[17]] + 1 + p % 30) % 31]
    elif kind == "uscc_character":
        pos = 9 + p % 9
        row[0] = row[0][:pos] + "IOSVZ"[p % 5] + row[0][pos + 1 :]
    elif kind == "uscc_length":
        row[0] = row[0][:17]
    elif kind == "industry_section":
        row[3] = "UVWXYZ"[p % 6] + row[3][1:]
    elif kind == "industry_mismatch":
        wrong = [s for s in SECTION_DIVISIONS if s != row[3][0]]
        row[3] = wrong[p % len(wrong)] + row[3][1:]
    elif kind == "date":
        row[7] = ("2023-02-30", "2024-13-01", "20241301", "不详", "2021年2月29日", "0000-00-00")[p % 6]
    elif kind == "empty_name":
        row[1] = ("", "  ", "\u3000")[p % 3]
    elif kind == "entity_type":
        row[2] = ("待定", "不详", "？")[p % 3]
    elif kind == "status":
        row[8] = ("待核实", "未知", "正在办理")[p % 3]
    elif kind == "credit_class":
        row[9] = ("E", "E类", "Z", "中风险")[p % 4]
    elif kind == "division":
        row[6] = ("41152", "4115230", "999999", "41152X")[p % 4]
    else:  # pragma: no cover - guarded by BAD_KINDS
        raise AssertionError(kind)


_CREDIT_WORDS = {"A": "低风险", "B": "一般风险", "C": "较高风险", "D": "高风险", "": "未分类"}
_STATUS_WORDS = {"存续": "在营", "注销": "已注销", "吊销": "被吊销", "撤销": "被撤销", "迁出": "已迁出"}
_TYPE_WORDS = {
    "有限责任公司": "有限责任公司（自然人投资或控股）",
    "个体工商户": "个体",
    "农民专业合作社": "合作社",
    "个人独资企业": "企业",
    "股份有限公司": "股份有限公司（非上市、自然人投资或控股）",
    "合伙企业": "普通合伙企业",
}


def _vary(row: list[str], kind: str, p: int) -> None:
    """Rewrite one field of ``row`` in a harmless, normalisable way (in place)."""
    if kind == "uscc_lower":
        row[0] = row[0].lower()
    elif kind == "uscc_spaces":
        cut = 2 + p % 14
        row[0] = f" {row[0][:cut]} {row[0][cut:]}\u3000"
    elif kind == "uscc_fullwidth":
        row[0] = row[0].translate(_FULLWIDTH)
    elif kind == "industry_lower":
        row[3] = row[3].lower() + " "
    elif kind == "industry_no_letter":
        row[3] = row[3][1:]
    elif kind in ("date_slash", "date_chinese", "date_compact"):
        y, m, d = row[7].split("-")
        row[7] = {
            "date_slash": f"{y}/{int(m)}/{int(d)}",
            "date_chinese": f"{y}年{int(m)}月{int(d)}日",
            "date_compact": f"{y}{m}{d}",
        }[kind]
    elif kind == "credit_suffix":
        row[9] = f"{row[9]}类" if row[9] else "未分类"
    elif kind == "credit_words":
        row[9] = _CREDIT_WORDS[row[9]]
    elif kind == "status_synonym":
        row[8] = _STATUS_WORDS[row[8]]
    elif kind == "type_synonym":
        row[2] = _TYPE_WORDS[row[2]]
    elif kind == "padding":
        row[1] = f" {row[1]} "
        row[5] = f"{row[5]}\u3000"
    else:  # pragma: no cover - guarded by MESSY_KINDS
        raise AssertionError(kind)


def _rows(n: int, seed: int, bad_fraction: float, messy_fraction: float) -> Iterator[list[str]]:
    bad, messy = _plans(n, seed, bad_fraction, messy_fraction)
    if not bad and not messy:
        yield from entity_rows(n, seed)
        return
    for i, row in enumerate(entity_rows(n, seed)):
        hit = bad.get(i)
        if hit is not None:
            _spoil(row, *hit)
        else:
            hit = messy.get(i)
            if hit is not None:
                _vary(row, *hit)
        yield row


def entities(
    n: int,
    seed: int = 2024,
    bad_fraction: float = 0.0,
    *,
    messy_fraction: float = 0.0,
) -> Iterator[dict[str, str]]:
    """Yield ``n`` directory rows keyed by the sample file's Chinese headers.

    Codes are valid and unique (``9`` + category 1/2/3 matching 市场主体类型 + ``411523`` +
    ``MA`` + 7 characters + check). Credit classes ≈ A 40 %, B 35 %, C 15 %, D 5 %,
    none 5 %; status mostly 存续. Empty fields are ``""``. See the module docstring for
    ``bad_fraction`` / ``messy_fraction``.
    """
    headers = ENTITY_HEADERS
    for row in _rows(n, seed, bad_fraction, messy_fraction):
        yield dict(zip(headers, row))


def write_entities_csv(
    path: str | os.PathLike[str],
    n: int,
    seed: int = 2024,
    encoding: str = "utf-8-sig",
    *,
    bad_fraction: float = 0.0,
    messy_fraction: float = 0.0,
) -> int:
    """Write the header row and ``n`` rows as CSV (CRLF, like Excel); return ``n``.

    ``encoding="utf-8-sig"`` (BOM, Excel's "CSV UTF-8") or ``"gb18030"`` (Excel on a
    Chinese Windows desktop).
    """
    with open(path, "w", encoding=encoding, newline="", buffering=1 << 20) as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(ENTITY_HEADERS)
        separators = len(ENTITY_HEADERS) - 1
        write = f.write
        # Plain joining is three times faster than csv.writer; rows that would need
        # quoting (none with the built-in vocabulary) still go through csv.writer.
        for row in _rows(n, seed, bad_fraction, messy_fraction):
            line = ",".join(row)
            if line.count(",") != separators or '"' in line or "\n" in line or "\r" in line:
                writer.writerow(row)
            else:
                write(line + "\r\n")
    return n


def write_entities_xlsx(
    path: str | os.PathLike[str],
    n: int,
    seed: int = 2024,
    *,
    bad_fraction: float = 0.0,
    messy_fraction: float = 0.0,
    sheet_title: str = "名录库",
) -> int:
    """Write the header row and ``n`` rows to an XLSX sheet (all cells text, empty → blank)."""
    from openpyxl import Workbook  # imported here: only this writer needs it

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    ws.append(list(ENTITY_HEADERS))
    for row in _rows(n, seed, bad_fraction, messy_fraction):
        ws.append([v if v != "" else None for v in row])
    wb.save(path)
    return n


# --------------------------------------------------------------------------- people


def departments() -> list[Department]:
    """The joint-meeting member units that supervise the demo industries.

    The eight of the brief plus 医疗保障局 (YBJ) and 教育体育局 (JTJ), which the sample
    files name as supervisors of pharmacies and training schools.
    """
    return list(_DEPARTMENTS)


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯俊峰斌亮晨宁欣婷雪琳晶波海燕鑫丹蕾新国志春兰梅东锋永福成荣"  # fmt: skip

_SPECIALTIES = {
    "SCJG": ("食品安全", "药品", "特种设备", "价格监管", "计量", "产品质量", "广告监管"),
    "SWJ": ("成品油流通", "商贸流通"),
    "YJGL": ("安全生产", "危险化学品"),
    "XFJY": ("消防安全", "消防设施"),
    "STHJ": ("环境监测", "油气回收", "危险废物"),
    "WGLJ": ("文化市场", "旅游市场", "网络文化"),
    "GAJ": ("治安管理", "特种行业"),
    "WJW": ("公共场所卫生", "生活饮用水卫生"),
    "YBJ": ("医保基金",),
    "JTJ": ("校外培训", "办学资质"),
}
_DEPT_WEIGHTS = {"SCJG": 4, "XFJY": 2, "WGLJ": 2, "GAJ": 2}


def _person_name(rnd: random.Random, taken: set[str]) -> str:
    while True:
        name = rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.choice((1, 2, 2))))
        if name not in taken:
            taken.add(name)
            return name


def inspectors(n: int = 60, seed: int = 2024) -> list[dict]:
    """``n`` enforcement inspectors (执法检查人员) spread over :func:`departments`.

    Keys: ``inspector_id`` (INS0001…), ``name``, ``department_code``, ``certificate_no``
    (执法证号: 411523 + issue year + serial, e.g. 41152320240001), ``specialties``
    (list of Chinese tags), ``division_code`` (411523), ``status`` (``active``, about one
    in twenty ``on_leave``). The first three of each department are always active, so
    every department can field two officers once ``n >= 30``.
    """
    rnd = random.Random(f"jointcheck.demo.inspectors:{seed}")
    codes = [d.code for d in _DEPARTMENTS]
    cum = _cum(_DEPT_WEIGHTS.get(c, 1) for c in codes)
    guaranteed = [c for _ in range(3) for c in codes]
    taken: set[str] = set()
    result = []
    for k in range(n):
        dept = guaranteed[k] if k < len(guaranteed) else _pick(codes, cum, rnd.random())
        specs = _SPECIALTIES[dept]
        specialties = rnd.sample(specs, min(len(specs), rnd.choice((1, 1, 2))))
        on_leave = k >= len(guaranteed) and rnd.random() < 0.05
        result.append(
            {
                "inspector_id": f"INS{k + 1:04d}",
                "name": _person_name(rnd, taken),
                "department_code": dept,
                "certificate_no": f"{DIVISION_CODE}{rnd.randrange(2018, 2025)}{k + 1:04d}",
                "specialties": specialties,
                "division_code": DIVISION_CODE,
                "status": "on_leave" if on_leave else "active",
            }
        )
    return result


_EXPERT_FIELDS = {
    "消防安全": (("信阳市消防救援支队", "高级工程师"), ("河南省消防协会", "工程师")),
    "食品安全": (("信阳市食品药品检验检测中心", "主任技师"), ("信阳农林学院", "副教授")),
    "药品": (("信阳市食品药品检验检测中心", "主任药师"), ("新县人民医院", "副主任药师")),
    "特种设备": (("信阳市特种设备检验所", "高级工程师"),),
    "危险化学品": (("信阳师范大学化学化工学院", "教授"), ("信阳市安全生产技术服务中心", "高级工程师")),
    "环境保护": (("信阳市生态环境监测中心", "高级工程师"),),
    "公共卫生": (("新县疾病预防控制中心", "副主任医师"), ("新县人民医院", "主任医师")),
}


def experts(n: int = 20, seed: int = 2024) -> list[dict]:
    """``n`` members of the expert pool (专家库); fictitious people, plausible employers.

    Keys: ``expert_id`` (EXP001…), ``name``, ``field`` (消防安全, 食品安全, 药品, 特种设备,
    危险化学品, 环境保护, 公共卫生 — rotated so every field is covered once ``n >= 7``),
    ``organisation``, ``title`` (职称), ``status`` (``active``, about one in ten ``inactive``).
    """
    rnd = random.Random(f"jointcheck.demo.experts:{seed}")
    fields = list(_EXPERT_FIELDS)
    taken: set[str] = set()
    result = []
    for k in range(n):
        field = fields[k % len(fields)]
        organisation, title = rnd.choice(_EXPERT_FIELDS[field])
        result.append(
            {
                "expert_id": f"EXP{k + 1:03d}",
                "name": _person_name(rnd, taken),
                "field": field,
                "organisation": organisation,
                "title": title,
                "status": "inactive" if rnd.random() < 0.1 else "active",
            }
        )
    return result
