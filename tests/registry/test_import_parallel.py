"""The multi-process import path gives exactly what the single-thread path gives."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
import pytest_asyncio

from jcdev.testing import service_settings
from jointcheck.demo import bad_lines, write_entities_csv
from registry.entities.parallel_import import split_points
from registry.main import create_app

from .conftest import uscc


@pytest.fixture(scope="module")
def parallel_app(service_database_urls):
    return create_app(
        service_settings("registry", service_database_urls["registry"], import_workers=3, import_parallel_min_bytes=0)
    )


@pytest_asyncio.fixture
async def parallel(parallel_app, clean_databases):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=parallel_app), base_url="http://p.test") as c:
        yield c


async def _import(client, headers, content: bytes, **params):
    return await client.post("/v1/entities/import", params=params, files={"file": ("f.csv", content)}, headers=headers)


async def test_bad_rows_reported_identically(clients, parallel, tokens, departments, tmp_path):
    path = tmp_path / "f.csv"
    write_entities_csv(path, 3000, seed=21, bad_fraction=0.1, messy_fraction=0.2)
    content = path.read_bytes()
    one = await _import(clients.registry, tokens.admin, content)
    many = await _import(parallel, tokens.admin, content)
    assert one.status_code == many.status_code == 422
    assert one.json()["errors"] == many.json()["errors"]
    assert {e["line"] for e in many.json()["errors"]} == set(bad_lines(3000, seed=21, bad_fraction=0.1))
    out = (await _import(parallel, tokens.admin, content, mode="valid_rows")).json()
    assert (out["rows"], out["inserted"], out["rejected"]) == (3000, 2700, 300)
    again = (await _import(clients.registry, tokens.admin, content, mode="valid_rows")).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2700)


async def test_duplicates_across_ranges_and_quoted_newlines(parallel, tokens, departments, tmp_path):
    path = tmp_path / "f.csv"
    write_entities_csv(path, 900, seed=22, encoding="gb18030")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))
    rows[450][5] = '河南省信阳市新县\n新集镇"多行"地址'  # a quoted newline, near a split point
    rows[800][0] = rows[10][0]  # the same code in the first and the last range
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    content = buf.getvalue().encode("gb18030")
    assert len(split_points(_write(tmp_path, content), 3, content.index(b"\n") + 1)) == 3
    r = await _import(parallel, tokens.admin, content)
    assert r.status_code == 422
    dup_line = 801 + 1  # the quoted newline above it shifts physical lines by one
    assert [(e["line"], e["reason"]) for e in r.json()["errors"]] == [(dup_line, "duplicate of line 11")]
    out = (await _import(parallel, tokens.admin, content, mode="valid_rows")).json()
    assert (out["inserted"], out["rejected"]) == (899, 1)
    e = (await parallel.get(f"/v1/entities/{rows[450][0]}", headers=tokens.admin)).json()
    assert e["address"] == '河南省信阳市新县\n新集镇"多行"地址'


async def test_small_or_broken_files(parallel, tokens, departments):
    header = "统一社会信用代码,市场主体名称,市场主体类型,行业代码,登记状态\n"
    assert (await _import(parallel, tokens.admin, header.encode())).json()["code"] == "empty_file"
    broken = (header + f"{uscc(1)},甲,企业,H6210,存续\n").encode() + b"\xff\xfe\x00bad\n"
    r = await _import(parallel, tokens.admin, broken)
    assert r.status_code == 422 and r.json()["code"] == "invalid_file"


def _write(tmp_path, content: bytes) -> str:
    p = tmp_path / "split.csv"
    p.write_bytes(content)
    return str(p)
