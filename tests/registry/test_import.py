"""Bulk import of directory files: validation by line, all-or-nothing, idempotent upserts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from jointcheck.demo import bad_lines, write_entities_csv, write_entities_xlsx

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data"  # tests/data: `make samples` writes them


async def _import(clients, headers, content: bytes, filename="entities.csv", **params):
    return await clients.registry.post(
        "/v1/entities/import", params=params, files={"file": (filename, content)}, headers=headers
    )


async def _count(clients, tokens) -> int:
    r = await clients.registry.post("/v1/frames/counts", json={"scope": {"statuses": []}}, headers=tokens.admin)
    return r.json()["total"]


def _csv(tmp_path, n, **kw) -> bytes:
    path = tmp_path / "f.csv"
    write_entities_csv(path, n, **kw)
    return path.read_bytes()


async def test_ten_percent_bad_rows_are_all_reported_and_nothing_is_imported(clients, tokens, departments, tmp_path):
    n = 500
    content = _csv(tmp_path, n, seed=7, bad_fraction=0.1)
    expected_bad = set(bad_lines(n, seed=7, bad_fraction=0.1))
    assert len(expected_bad) == 50
    r = await _import(clients, tokens.admin, content)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected"
    body = r.json()
    assert body["rows"] == n and body["rejected"] == 50
    assert {e["line"] for e in body["errors"]} == expected_bad
    assert all(e["reason"] and e["field"] for e in body["errors"])
    assert await _count(clients, tokens) == 0


async def test_valid_rows_mode_imports_the_good_rows(clients, tokens, departments, tmp_path):
    n = 300
    content = _csv(tmp_path, n, seed=8, bad_fraction=0.1)
    r = await _import(clients, tokens.admin, content, mode="valid_rows")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["rows"], out["inserted"], out["rejected"], out["changed"]) == (n, 270, 30, True)
    assert {e["line"] for e in out["errors"]} == set(bad_lines(n, seed=8, bad_fraction=0.1))
    assert await _count(clients, tokens) == 270


async def test_reimport_changes_nothing_and_messy_variants_normalise(clients, tokens, departments, tmp_path):
    clean = _csv(tmp_path, 400, seed=9)
    first = (await _import(clients, tokens.admin, clean)).json()
    assert (first["inserted"], first["updated"], first["unchanged"], first["changed"]) == (400, 0, 0, True)
    again = (await _import(clients, tokens.admin, clean)).json()
    # a re-import is a success that changes nothing: the registry already holds the file at that version
    assert (again["inserted"], again["updated"], again["unchanged"], again["changed"]) == (0, 0, 400, False)
    assert again["registry_version"] == first["registry_version"]
    # the names before API 0.2.0, kept (deprecated) for one release
    assert (first["committed"], first["version"], again["committed"], again["version"]) == (
        True,
        first["registry_version"],
        False,
        None,
    )
    messy = _csv(tmp_path, 400, seed=9, messy_fraction=0.3)
    assert messy != clean
    out = (await _import(clients, tokens.admin, messy)).json()
    assert (out["updated"], out["unchanged"], out["errors"]) == (0, 400, [])


async def test_changed_rows_become_new_versions(clients, tokens, departments, tmp_path):
    clean = _csv(tmp_path, 50, seed=10)
    v1 = (await _import(clients, tokens.admin, clean)).json()["registry_version"]
    rows = list(csv.reader(io.StringIO(clean.decode("utf-8-sig"))))
    rows[5][9] = "D" if rows[5][9] != "D" else "A"
    rows[6][1] = rows[6][1] + "（新）"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    out = (await _import(clients, tokens.admin, buf.getvalue().encode("utf-8"))).json()
    assert (out["inserted"], out["updated"], out["unchanged"]) == (0, 2, 48)
    history = (await clients.registry.get(f"/v1/entities/{rows[5][0]}/history", headers=tokens.admin)).json()
    assert out["changed"] and [h["version"] for h in history] == [v1, out["registry_version"]]
    assert history[1]["change_reason"] == "import"


@pytest.mark.parametrize(
    "name, rows", [("entities-sample.csv", 300), ("entities-sample-gb18030.csv", 100), ("entities-sample.xlsx", 200)]
)
async def test_the_county_sample_files_import(clients, tokens, departments, name, rows):
    r = await _import(clients, tokens.admin, (SAMPLE_DIR / name).read_bytes(), filename=name)
    assert r.status_code == 200, r.text[:2000]
    assert r.json()["inserted"] == rows
    e = (await clients.registry.get("/v1/entities/93411523MAEKF5P5JF", headers=tokens.admin)).json()
    assert (e["name"], e["entity_type"], e["industry_code"], e["status"], e["credit_class"]) == (
        "新县新集镇郭氏医药超市",
        "farmers_cooperative",
        "F5251",
        "active",
        "A",
    )
    assert e["departments"] == ["SCJG", "YBJ"]


async def test_xlsx_and_gb18030_of_the_same_rows_change_nothing(clients, tokens, departments):
    await _import(clients, tokens.admin, (SAMPLE_DIR / "entities-sample.csv").read_bytes())
    for name in ("entities-sample-gb18030.csv", "entities-sample.xlsx"):
        out = (await _import(clients, tokens.admin, (SAMPLE_DIR / name).read_bytes(), filename=name)).json()
        assert out["inserted"] == out["updated"] == 0 and out["changed"] is False


async def test_generated_xlsx_imports(clients, tokens, departments, tmp_path):
    path = tmp_path / "f.xlsx"
    write_entities_xlsx(path, 120, seed=11)
    out = (await _import(clients, tokens.admin, path.read_bytes(), filename="f.xlsx")).json()
    assert out["inserted"] == 120


async def test_dry_run_writes_nothing(clients, tokens, departments, tmp_path):
    out = (await _import(clients, tokens.admin, _csv(tmp_path, 30, seed=12), dry_run="true")).json()
    assert (out["inserted"], out["changed"], out["version"]) == (30, False, None)
    assert await _count(clients, tokens) == 0


@pytest.mark.parametrize(
    "content, code",
    [
        ("名称,地址\n甲,乙\n".encode(), "invalid_file"),
        (b"", "invalid_file"),
        ("统一社会信用代码,市场主体名称,市场主体类型,行业代码,登记状态\n".encode(), "empty_file"),
        (b"PK\x03\x04 definitely not a workbook", "invalid_file"),
    ],
)
async def test_unreadable_files_are_422(clients, tokens, departments, content, code):
    r = await _import(clients, tokens.admin, content)
    assert r.status_code == 422 and r.json()["code"] == code, r.text


async def test_duplicates_within_a_file_are_reported(clients, tokens, departments, tmp_path):
    lines = _csv(tmp_path, 5, seed=13).decode("utf-8-sig").splitlines()
    content = "\n".join(lines + [lines[2]]).encode()
    r = await _import(clients, tokens.admin, content)
    assert r.status_code == 422
    assert [(e["line"], e["reason"]) for e in r.json()["errors"]] == [(7, "duplicate of line 3")]


async def test_officer_imports_only_their_departments_entities(clients, tokens, departments):
    content = (SAMPLE_DIR / "entities-sample.csv").read_bytes()
    r = await _import(clients, tokens.officer("YBJ"), content, mode="valid_rows")
    out = r.json()
    assert out["inserted"] > 0 and out["rejected"] > 0
    assert all(e["field"] == "departments" for e in out["errors"])
    listed = (await clients.registry.get("/v1/entities", params={"limit": 1000}, headers=tokens.admin)).json()["items"]
    assert listed and all("YBJ" in e["departments"] for e in listed)
    assert (await _import(clients, tokens.auditor, content)).status_code == 403


async def test_template_and_export_round_trip(clients, tokens, departments, tmp_path):
    template = await clients.registry.get("/v1/entities/import/template")
    assert template.status_code == 200 and template.content.startswith(b"\xef\xbb\xbf")
    assert (await _import(clients, tokens.admin, template.content)).json()["inserted"] == 1
    xlsx = await clients.registry.get("/v1/entities/import/template", params={"format": "xlsx"})
    assert xlsx.content.startswith(b"PK")
    await _import(clients, tokens.admin, _csv(tmp_path, 60, seed=14))
    exported = await clients.registry.get("/v1/entities/export", headers=tokens.auditor)
    assert exported.status_code == 200 and exported.content.count(b"\r\n") == 62
    again = (await _import(clients, tokens.admin, exported.content)).json()
    assert (again["unchanged"], again["inserted"], again["updated"]) == (61, 0, 0)
    exported_xlsx = await clients.registry.get(
        "/v1/entities/export", params={"format": "xlsx", "industry_prefixes": "F"}, headers=tokens.auditor
    )
    out = (await _import(clients, tokens.admin, exported_xlsx.content, filename="x.xlsx")).json()
    assert out["inserted"] == 0 and out["updated"] == 0 and out["unchanged"] > 0


async def test_backslashes_and_quotes_survive_the_copy_path(clients, tokens, departments):
    from .conftest import uscc

    content = (
        "统一社会信用代码,市场主体名称,市场主体类型,行业代码,住所（经营场所）,登记状态,监管部门,标签\n"
        f'{uscc(77)},"新县\\测试""引号""店",企业,H6210,"路\\N 号",存续,市场监督管理局,"许可\\证;甲""乙"\n'
    ).encode()
    r = await _import(clients, tokens.admin, content)
    assert r.status_code == 200, r.text
    e = (await clients.registry.get(f"/v1/entities/{uscc(77)}", headers=tokens.admin)).json()
    assert e["name"] == '新县\\测试"引号"店' and e["address"] == "路\\N 号"
    assert e["tags"] == sorted(["许可\\证", '甲"乙'])
    assert e["registered_on"] is None and e["credit_class"] is None
