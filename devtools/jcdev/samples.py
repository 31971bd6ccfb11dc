"""The sample directory files under ``tests/data/`` (``make samples`` rewrites them).

Three files of the demo county, as county offices exchange them: the same rows (seed
:data:`SEED`; row *i* does not depend on the file's length) in Excel's "CSV UTF-8" (with
BOM), in GB18030 and as XLSX. They hold no bad row: every one must import.
"""

from __future__ import annotations

import csv
from pathlib import Path

from jointcheck.demo import county

SEED = 411523

#: file name → (rows, encoding); ``None`` encoding: XLSX.
SAMPLES: dict[str, tuple[int, str | None]] = {
    "entities-sample.csv": (300, "utf-8-sig"),
    "entities-sample-gb18030.csv": (100, "gb18030"),
    "entities-sample.xlsx": (200, None),
}


def read_rows(path: Path) -> list[list[str]]:
    """Header and rows of a sample file, every cell as text ("" for blank)."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            rows = [["" if v is None else str(v) for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
        width = len(rows[0]) if rows else 0  # read-only sheets drop trailing blank cells
        return [r + [""] * (width - len(r)) for r in rows]
    encoding = "gb18030" if "gb18030" in path.name else "utf-8-sig"
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def expected_rows(name: str) -> list[list[str]]:
    """What the sample file ``name`` must hold: the header and its generated rows."""
    n, _ = SAMPLES[name]
    return [list(county.ENTITY_HEADERS), *county.entity_rows(n, seed=SEED)]


def write_samples(directory: Path) -> list[Path]:
    """Write every sample file into ``directory``; return the files that changed.

    An XLSX file embeds its write time, so an existing one is rewritten only when its cells
    differ from what the generator gives now.
    """
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, (n, encoding) in SAMPLES.items():
        path = directory / name
        if path.exists() and read_rows(path) == expected_rows(name):
            continue
        if encoding is None:
            county.write_entities_xlsx(path, n, seed=SEED)
        else:
            county.write_entities_csv(path, n, seed=SEED, encoding=encoding)
        changed.append(path)
    return changed
