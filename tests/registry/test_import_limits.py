"""Issue 9: imports that respect other departments' entities, bounded costs, hostile files.

One test per defect: department scope on every write path, XLSX bombs, errors without
bound, the upload limit, NUL bytes, and a client that leaves in the middle of an import.
"""

from __future__ import annotations

import asyncio
import io
import socket
import time
import zipfile

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from jcdev.testing import LiveServer, service_settings
from jointcheck.demo import write_entities_csv
from registry.main import create_app

from .conftest import entity_body, uscc

HEADER = "统一社会信用代码,市场主体名称,市场主体类型,行业代码,登记状态,监管部门\n"


async def _import(client, headers, content: bytes, filename="entities.csv", **params):
    return await client.post("/v1/entities/import", params=params, files={"file": (filename, content)}, headers=headers)


def _row(n: int, name: str | None = None, departments: str = "SCJG") -> str:
    return f"{uscc(n)},{name or f'新县测试{n}号店'},企业,H6210,存续,{departments}\n"


# ------------------------------------------------------------------ 1. other departments' entities


async def test_officers_change_only_entities_their_department_supervises_on_every_path(clients, tokens, departments):
    created = await clients.registry.post(
        "/v1/entities", json=entity_body(1, departments=["SWJ"], tags=["原标签"]), headers=tokens.admin
    )
    assert created.status_code == 201
    before = created.json()
    row = f"{uscc(1)},新名称,企业,F5265,存续,GAJ;SWJ;YJGL\n"
    content = (HEADER + _row(2, departments="GAJ") + row).encode()

    # import, all or nothing: the row is a bad row with its line and reason; nothing is written
    r = await _import(clients.registry, tokens.officer("GAJ"), content)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected", r.text
    assert [(e["line"], e["field"]) for e in r.json()["errors"]] == [(3, "departments")]
    assert "GAJ" in r.json()["errors"][0]["reason"] and r.json()["rejected"] == 1
    # valid rows: the others' entity is reported and left alone
    r = await _import(clients.registry, tokens.officer("GAJ"), content, mode="valid_rows")
    assert r.status_code == 200 and (r.json()["inserted"], r.json()["updated"], r.json()["rejected"]) == (1, 0, 1)
    after = (await clients.registry.get(f"/v1/entities/{uscc(1)}", headers=tokens.admin)).json()
    assert (after["name"], after["departments"], after["version"]) == (before["name"], ["SWJ"], before["version"])

    # a supervising officer may not add or remove another department, by import or by PATCH
    swj = (HEADER + f"{uscc(1)},新名称,企业,F5265,存续,SWJ;YJGL\n").encode()
    r = await _import(clients.registry, tokens.officer("SWJ"), swj)
    assert r.status_code == 422 and r.json()["errors"][0]["line"] == 2
    etag = created.headers["etag"]
    for body in ({"departments": ["SWJ", "YJGL"]}, {"departments": ["GAJ", "SWJ"], "name": "甲"}):
        p = await clients.registry.patch(
            f"/v1/entities/{uscc(1)}", json=body, headers=tokens.officer("SWJ") | {"If-Match": etag}
        )
        assert p.status_code == 403 and p.json()["code"] == "department_scope", p.text
    p = await clients.registry.patch(
        f"/v1/entities/{uscc(1)}", json={"name": "甲"}, headers=tokens.officer("GAJ") | {"If-Match": etag}
    )
    assert p.status_code == 403
    # while its own changes go through, by import and by PATCH
    ok = await _import(
        clients.registry, tokens.officer("SWJ"), (HEADER + f"{uscc(1)},新名称,企业,F5265,存续,SWJ\n").encode()
    )
    assert ok.status_code == 200 and ok.json()["updated"] == 1

    # create: re-creating another department's deleted entity is a change to it
    now = await clients.registry.get(f"/v1/entities/{uscc(1)}", headers=tokens.admin)
    d = await clients.registry.delete(
        f"/v1/entities/{uscc(1)}", params={"reason": "注销"}, headers=tokens.admin | {"If-Match": now.headers["etag"]}
    )
    assert d.status_code == 204
    again = await clients.registry.post(
        "/v1/entities", json=entity_body(1, departments=["GAJ"]), headers=tokens.officer("GAJ")
    )
    assert again.status_code == 403 and again.json()["code"] == "department_scope"

    # credit classes: the same rule (the route admits admins and services, who are not bound)
    sync = await clients.registry.post(
        "/v1/entities/credit-classes",
        headers=tokens.service,
        json={"items": [{"uscc": uscc(2), "credit_class": "A", "classified_at": "2026-01-01T00:00:00Z"}]},
    )
    assert sync.status_code == 200 and sync.json()["updated"] == 1


# ------------------------------------------------------------------ 6. XLSX bombs


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
#: the parts of a minimal workbook Excel and openpyxl open (besides strings and sheet)
XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}


def _xlsx(shared: list[tuple[str, int]], rows: int = 1, extra_rows: int = 0) -> bytes:
    """A workbook whose shared-string table holds ``count`` copies of each string, and a
    sheet of a header, ``rows`` data rows and ``extra_rows`` empty rows."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, content in XLSX_PARTS.items():
            z.writestr(name, content)
        with z.open("xl/sharedStrings.xml", "w") as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for s, count in shared:
                f.write(f"<si><t>{s}</t></si>".encode() * count)
            f.write(b"</sst>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER.strip().split(","))
            f.write(f'<row r="1">{header}</row>'.encode())
            for i in range(rows):
                f.write(f'<row r="{i + 2}"><c t="s"><v>0</v></c></row>'.encode())
            f.write(b"<row/>" * extra_rows)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


async def test_an_xlsx_bomb_stops_at_the_default_limits(clients, tokens, departments):
    content = _xlsx([("A" * 30_000, 2_300)])  # 300 KB holding 69 M characters of shared strings
    assert len(content) < 1_000_000
    started = time.monotonic()
    r = await _import(clients.registry, tokens.admin, content, filename="bomb.xlsx")
    assert r.status_code == 422 and r.json()["code"] == "import_limit_exceeded", r.text[:500]
    assert r.json()["limit"] == "xlsx_shared_string_chars"
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "bomb, limit",
    [
        (lambda: _xlsx([("", 20_000)]), "xlsx_shared_strings"),
        (lambda: _xlsx([("A", 1)], extra_rows=5_000), "rows"),
        (lambda: _xlsx([("A" * 40_000, 1)]), "cell_chars"),
    ],
)
async def test_xlsx_limits_are_configurable(small, tokens, departments, bomb, limit):
    r = await _import(small, tokens.admin, bomb(), filename="bomb.xlsx")
    assert r.status_code == 422 and r.json()["code"] == "import_limit_exceeded", r.text[:500]
    assert r.json()["limit"] == limit


# ------------------------------------------------------------------ 7. errors without bound


async def test_errors_are_bounded_and_counted(clients, tokens, departments):
    bad = HEADER + "".join(f"{uscc(n)},,企业,H6210,存续,SCJG\n" for n in range(2500))  # every name missing
    r = await _import(clients.registry, tokens.admin, bad.encode())
    body = r.json()
    assert r.status_code == 422 and body["code"] == "import_rejected"
    assert (body["rows"], body["rejected"], body["errors_total"]) == (2500, 2500, 2500)
    assert [e["line"] for e in body["errors"]] == list(range(2, 1002))
    assert len(r.content) < 400_000


@pytest.fixture(scope="module")
def small_limits_app(service_database_urls):
    return create_app(
        service_settings(
            "registry",
            service_database_urls["registry"],
            import_max_errors=5,
            import_max_bytes=20_000,
            import_max_rows=1000,
            import_xlsx_max_shared_strings=10_000,
        )
    )


@pytest_asyncio.fixture
async def small(small_limits_app, clean_databases):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small_limits_app), base_url="http://s.test") as c:
        yield c


async def test_error_bound_is_configurable(small, tokens, departments):
    bad = HEADER + "".join(f"{uscc(n)},,企业,H6210,存续,SCJG\n" for n in range(40))
    r = await _import(small, tokens.admin, bad.encode(), mode="valid_rows")
    assert r.status_code == 200
    assert (len(r.json()["errors"]), r.json()["errors_total"], r.json()["rejected"]) == (5, 40, 40)


# ------------------------------------------------------------------ 8. upload limit


async def test_uploads_over_the_limit_are_413(small, tokens, departments):
    content = (HEADER + "".join(_row(n) for n in range(400))).encode()
    assert len(content) > 20_000
    r = await _import(small, tokens.admin, content)
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    assert r.headers["content-type"].startswith("application/problem+json")

    async def chunked():  # no Content-Length: the limit holds while streaming
        boundary = b"b0undary"
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="f.csv"\r\n\r\n'
        for i in range(0, len(content), 4096):
            yield content[i : i + 4096]
        yield b"\r\n--" + boundary + b"--\r\n"

    r = await small.post(
        "/v1/entities/import",
        content=chunked(),
        headers=tokens.admin | {"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    under = await _import(small, tokens.admin, (HEADER + _row(1)).encode())
    assert under.status_code == 200 and under.json()["inserted"] == 1


# ------------------------------------------------------------------ 9. NUL bytes


async def test_a_nul_in_a_cell_is_a_bad_row(clients, tokens, departments):
    content = (
        HEADER + _row(1) + _row(2, name="新县\x00测试店") + f"{uscc(3)},店,企业,H6210,存续,SCJG,备注\x00\n"
    ).encode()
    r = await _import(clients.registry, tokens.admin, content)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected", r.text
    assert [(e["line"], e["field"]) for e in r.json()["errors"]] == [(3, "name"), (4, "column 7")]
    ok = await _import(clients.registry, tokens.admin, content, mode="valid_rows")
    assert ok.status_code == 200 and (ok.json()["inserted"], ok.json()["rejected"]) == (1, 2)


# ------------------------------------------------------------------ 6. the client leaves


def _raw_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_work_stops_when_the_client_leaves(service_database_urls, clean_databases, tokens, departments, tmp_path):
    path = tmp_path / "big.csv"
    write_entities_csv(path, 400_000, seed=5)
    content = path.read_bytes()
    app = create_app(service_settings("registry", service_database_urls["registry"], import_workers=1))
    server = LiveServer(app).start()
    dsn = _raw_dsn(service_database_urls["registry"])
    try:
        boundary = "leaving"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        body_len = len(head) + len(content) + len(tail)
        token = tokens.admin["Authorization"]
        request = (
            f"POST /v1/entities/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {token}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {body_len}\r\n\r\n"
        ).encode()
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(request + head + content + tail)
        conn = await asyncpg.connect(dsn)
        try:
            copying = False
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not copying:  # the import is under way
                copying = bool(
                    await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY%'"
                        " AND state = 'active'"
                    )
                )
                await asyncio.sleep(0.05)
            assert copying
            sock.close()
            left = time.monotonic()
            busy = True
            while time.monotonic() - left < 10 and busy:
                busy = bool(
                    await conn.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        " AND (state LIKE 'idle in transaction%' OR (state = 'active' AND query NOT LIKE '%pg_stat_activity%'))"
                    )
                )
                await asyncio.sleep(0.1)
            assert not busy, "the import was still running 10 s after the client left"
            await asyncio.sleep(2)
            assert await conn.fetchval("SELECT count(*) FROM entities") == 0
            assert await conn.fetchval("SELECT coalesce(max(version), 0) FROM registry_state") == 0
        finally:
            await conn.close()
    finally:
        server.stop()
