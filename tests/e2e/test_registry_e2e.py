"""Registry over real HTTP: import a directory file, then fetch its frame."""

from __future__ import annotations

import hashlib

from jointcheck.demo import departments, write_entities_csv


def test_import_then_frame(http, urls, tokens, tmp_path):
    base = urls["registry"]
    for d in departments():
        r = http.post(
            f"{base}/v1/departments",
            json={"code": d.code, "name": d.name, "short_name": d.short_name},
            headers=tokens.admin,
        )
        assert r.status_code in (201, 409), r.text
    path = tmp_path / "county.csv"
    write_entities_csv(path, 2000, seed=31)
    r = http.post(
        f"{base}/v1/entities/import",
        files={"file": ("county.csv", path.read_bytes(), "text/csv")},
        headers=tokens.admin,
    )
    assert r.status_code == 200, r.text[:500]
    imported = r.json()
    assert imported["inserted"] == 2000 and imported["version"]
    frame = http.post(
        f"{base}/v1/frames", json={"scope": {"statuses": []}, "as_of": imported["version"]}, headers=tokens.service
    )
    assert frame.status_code == 200
    lines = frame.content.decode().splitlines()
    assert len(lines) == int(frame.headers["x-frame-lines"])
    imported_usccs = {row.split(",")[0] for row in path.read_text(encoding="utf-8-sig").splitlines()[1:]}
    assert imported_usccs <= {line.split("\t")[0] for line in lines}  # the e2e registry is shared by other tests
    assert lines == sorted(lines, key=str.encode) and all(len(line.split("\t")) == 2 for line in lines)
    assert hashlib.sha256(frame.content).hexdigest() == frame.headers["x-frame-sha256"]
    assert int(frame.headers["x-registry-version"]) == imported["version"]
