"""A synthetic province for scale benchmarks and demos: Henan (河南省), every county-level division.

Henan has more than ten million market entities; a provincial platform draws over all of
them. :func:`province_rows` spreads entities over Henan's 157 county-level divisions
(GB/T 2260 codes as of 2024, with their prefectures), weighted roughly by population
(approximate weights, not statistics). Everything else — names, codes, industries, the
USCC shape — is :mod:`jointcheck.demo.county`'s, so every row is one the importer accepts
and every code embeds the row's own division.

A file is made of blocks of :data:`BLOCK_ROWS` rows; block *k* has its own random stream
and its own range of the code counter (one bijection for the whole file), so blocks can be
written by several processes at once and the file is the same whatever the process count.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from jointcheck.demo.county import ENTITY_HEADERS, Place, entity_rows

__all__ = ["BLOCK_ROWS", "HENAN_DIVISIONS", "PREFECTURES", "henan_places", "province_rows", "write_province_csv"]

BLOCK_ROWS = 250_000

#: Prefecture-level cities of Henan by the first four digits of their divisions' codes.
PREFECTURES: dict[str, str] = {
    "4101": "郑州市",
    "4102": "开封市",
    "4103": "洛阳市",
    "4104": "平顶山市",
    "4105": "安阳市",
    "4106": "鹤壁市",
    "4107": "新乡市",
    "4108": "焦作市",
    "4109": "濮阳市",
    "4110": "许昌市",
    "4111": "漯河市",
    "4112": "三门峡市",
    "4113": "南阳市",
    "4114": "商丘市",
    "4115": "信阳市",
    "4116": "周口市",
    "4117": "驻马店市",
    "4190": "",  # 济源市: a county-level city directly under the province
}

#: (GB/T 2260 code, name, relative weight ≈ ten-thousands of residents, rounded).
HENAN_DIVISIONS: tuple[tuple[str, str, int], ...] = (
    ("410102", "中原区", 90), ("410103", "二七区", 80), ("410104", "管城回族区", 80), ("410105", "金水区", 170),
    ("410106", "上街区", 15), ("410108", "惠济区", 50), ("410122", "中牟县", 120), ("410181", "巩义市", 80),
    ("410182", "荥阳市", 70), ("410183", "新密市", 80), ("410184", "新郑市", 110), ("410185", "登封市", 70),
    ("410202", "龙亭区", 30), ("410203", "顺河回族区", 30), ("410204", "鼓楼区", 20), ("410205", "禹王台区", 20),
    ("410212", "祥符区", 60), ("410221", "杞县", 90), ("410222", "通许县", 50), ("410223", "尉氏县", 80),
    ("410225", "兰考县", 70), ("410302", "老城区", 20), ("410303", "西工区", 40), ("410304", "瀍河回族区", 20),
    ("410305", "涧西区", 50), ("410307", "偃师区", 60), ("410308", "孟津区", 50), ("410311", "洛龙区", 70),
    ("410323", "新安县", 50), ("410324", "栾川县", 30), ("410325", "嵩县", 50), ("410326", "汝阳县", 40),
    ("410327", "宜阳县", 60), ("410328", "洛宁县", 40), ("410329", "伊川县", 70), ("410402", "新华区", 40),
    ("410403", "卫东区", 30), ("410404", "石龙区", 5), ("410411", "湛河区", 30), ("410421", "宝丰县", 50),
    ("410422", "叶县", 70), ("410423", "鲁山县", 80), ("410425", "郏县", 50), ("410481", "舞钢市", 30),
    ("410482", "汝州市", 100), ("410502", "文峰区", 50), ("410503", "北关区", 30), ("410505", "殷都区", 40),
    ("410506", "龙安区", 30), ("410522", "安阳县", 70), ("410523", "汤阴县", 40), ("410526", "滑县", 110),
    ("410527", "内黄县", 70), ("410581", "林州市", 90), ("410602", "鹤山区", 10), ("410603", "山城区", 20),
    ("410611", "淇滨区", 40), ("410621", "浚县", 60), ("410622", "淇县", 30), ("410702", "红旗区", 40),
    ("410703", "卫滨区", 20), ("410704", "凤泉区", 10), ("410711", "牧野区", 30), ("410721", "新乡县", 30),
    ("410724", "获嘉县", 40), ("410725", "原阳县", 60), ("410726", "延津县", 40), ("410727", "封丘县", 70),
    ("410781", "卫辉市", 40), ("410782", "辉县市", 80), ("410783", "长垣市", 80), ("410802", "解放区", 30),
    ("410803", "中站区", 10), ("410804", "马村区", 10), ("410811", "山阳区", 30), ("410821", "修武县", 20),
    ("410822", "博爱县", 40), ("410823", "武陟县", 60), ("410825", "温县", 40), ("410882", "沁阳市", 40),
    ("410883", "孟州市", 40), ("410902", "华龙区", 70), ("410922", "清丰县", 60), ("410923", "南乐县", 40),
    ("410926", "范县", 50), ("410927", "台前县", 30), ("410928", "濮阳县", 90), ("411002", "魏都区", 50),
    ("411003", "建安区", 70), ("411024", "鄢陵县", 50), ("411025", "襄城县", 70), ("411081", "禹州市", 110),
    ("411082", "长葛市", 70), ("411102", "源汇区", 30), ("411103", "郾城区", 50), ("411104", "召陵区", 40),
    ("411121", "舞阳县", 50), ("411122", "临颍县", 60), ("411202", "湖滨区", 30), ("411203", "陕州区", 30),
    ("411221", "渑池县", 30), ("411224", "卢氏县", 30), ("411281", "义马市", 10), ("411282", "灵宝市", 70),
    ("411302", "宛城区", 90), ("411303", "卧龙区", 90), ("411321", "南召县", 50), ("411322", "方城县", 90),
    ("411323", "西峡县", 40), ("411324", "镇平县", 80), ("411325", "内乡县", 60), ("411326", "淅川县", 60),
    ("411327", "社旗县", 50), ("411328", "唐河县", 110), ("411329", "新野县", 60), ("411330", "桐柏县", 40),
    ("411381", "邓州市", 130), ("411402", "梁园区", 80), ("411403", "睢阳区", 70), ("411421", "民权县", 70),
    ("411422", "睢县", 70), ("411423", "宁陵县", 50), ("411424", "柘城县", 80), ("411425", "虞城县", 90),
    ("411426", "夏邑县", 90), ("411481", "永城市", 120), ("411502", "浉河区", 60), ("411503", "平桥区", 70),
    ("411521", "罗山县", 50), ("411522", "光山县", 60), ("411523", "新县", 30), ("411524", "商城县", 50),
    ("411525", "固始县", 100), ("411526", "潢川县", 60), ("411527", "淮滨县", 60), ("411528", "息县", 80),
    ("411602", "川汇区", 60), ("411603", "淮阳区", 100), ("411621", "扶沟县", 60), ("411622", "西华县", 70),
    ("411623", "商水县", 90), ("411624", "沈丘县", 90), ("411625", "郸城县", 100), ("411627", "太康县", 110),
    ("411628", "鹿邑县", 90), ("411681", "项城市", 100), ("411702", "驿城区", 80), ("411721", "西平县", 60),
    ("411722", "上蔡县", 100), ("411723", "平舆县", 70), ("411724", "正阳县", 60), ("411725", "确山县", 40),
    ("411726", "泌阳县", 80), ("411727", "汝南县", 60), ("411728", "遂平县", 40), ("411729", "新蔡县", 80),
    ("419001", "济源市", 70),
)  # fmt: skip

#: Generic towns and streets, each division gets these (weights within a division).
_TOWNS: tuple[tuple[str, int], ...] = (
    ("城关镇", 5),
    ("东城街道", 3),
    ("西城街道", 3),
    ("新华路街道", 2),
    ("工业园区", 1),
)


def henan_places() -> tuple[Place, ...]:
    """Every division's towns as :class:`~jointcheck.demo.county.Place` (name prefix: the division's
    short name; address prefix: province, prefecture, division, town)."""
    places = []
    total = sum(w for _, w in _TOWNS)
    for code, name, weight in HENAN_DIVISIONS:
        city = PREFECTURES[code[:4]]
        short = name.removesuffix("回族区") if name.endswith("回族区") else name if len(name) <= 2 else name[:-1]
        for town, w in _TOWNS:
            places.append(Place(code, f"{short}{town}", f"河南省{city}{name}{town}", max(1, weight * w * 10 // total)))
    return tuple(places)


def province_rows(n: int, seed: int = 2024, *, start_block: int = 0) -> Iterator[list[str]]:
    """``n`` clean rows over Henan from block ``start_block`` on, in :data:`ENTITY_HEADERS` order."""
    places = henan_places()
    block = start_block
    while n > 0:
        take = min(n, BLOCK_ROWS)
        yield from entity_rows(
            take, f"henan:{seed}:{block}", places=places, start=block * BLOCK_ROWS, code_seed=f"henan:{seed}"
        )
        n -= take
        block += 1


def _write_blocks(path: str, n: int, seed: int, first_block: int, with_header: bool) -> int:
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 20) as f:
        if with_header:
            f.write("\ufeff" + ",".join(ENTITY_HEADERS) + "\r\n")
        writer = csv.writer(f, lineterminator="\r\n")
        write, separators = f.write, len(ENTITY_HEADERS) - 1
        for row in province_rows(n, seed, start_block=first_block):
            line = ",".join(row)
            if line.count(",") != separators or '"' in line:
                writer.writerow(row)
            else:
                write(line + "\r\n")
    return n


def write_province_csv(path: str | os.PathLike[str], n: int, seed: int = 2024, *, workers: int | None = None) -> int:
    """Write a Henan-wide directory file of ``n`` rows (UTF-8 with BOM, CRLF, the sample headers).

    ``workers`` processes (default: every CPU) each write a run of whole blocks; the parts are
    then concatenated, so the file does not depend on ``workers``. Returns ``n``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    blocks = max(1, -(-n // BLOCK_ROWS))
    workers = max(1, min(workers or os.cpu_count() or 1, blocks))
    per = -(-blocks // workers)
    runs = []  # (first block, rows)
    for w in range(workers):
        first = w * per
        rows = min(n, (first + per) * BLOCK_ROWS) - first * BLOCK_ROWS
        if rows > 0 or w == 0:
            runs.append((first, max(rows, 0)))
    target = Path(path)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        parts = [str(Path(tmp) / f"part-{i}.csv") for i in range(len(runs))]
        if len(runs) == 1:
            _write_blocks(parts[0], runs[0][1], seed, runs[0][0], True)
        else:
            with ProcessPoolExecutor(max_workers=len(runs)) as pool:
                futures = [
                    pool.submit(_write_blocks, part, rows, seed, first, i == 0)
                    for i, (part, (first, rows)) in enumerate(zip(parts, runs))
                ]
                for fut in futures:
                    fut.result()
        with open(target, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
    return n
