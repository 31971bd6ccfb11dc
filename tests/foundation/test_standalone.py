"""The repository stands alone: nothing in it refers outside the checkout, the library
knows no service, and the draw-v1 specification it points to is here, with the vectors
the code computes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jcdev.services import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", ".data", ".hypothesis", "__pycache__", "build", "dist", "node_modules"}

# Written so that this file does not match itself.
ABSOLUTE = re.compile("(?<![\\w.])/(?:work|home|Users|root|mnt)/" + "|[A-Za-z]:\\\\Users\\\\")
UP = re.compile(r"(?:\.\./)+")
PARENTS = re.compile(r"\.parents\[(\d+)\]")
REPO_PATH = re.compile(
    r"(?<![\w./-])((?:shared|services|tests|docs|tools|deploy|bench|devtools)/[\w./-]*\w\.(?:md|py|csv|xlsx|toml|ini|sql|json))\b"
)


def tracked_files() -> list[Path]:
    """The files git tracks (every file outside the ignored directories without git)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        return [ROOT / p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for dirpath, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")]
            found += [Path(dirpath) / f for f in filenames]
        return found


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError):
        return None


def outside_references(path: Path, text: str) -> list[str]:
    """What in ``text`` (the content of ``path``) points outside the repository."""
    rel = path.relative_to(ROOT)
    depth = len(rel.parts) - 1  # directories between the root and the file
    found = [f"absolute path {m.group(0)!r}" for m in ABSOLUTE.finditer(text)]
    found += [
        f"{m.group(0)!r} climbs {len(m.group(0)) // 3} levels from depth {depth}"
        for m in UP.finditer(text)
        if len(m.group(0)) // 3 > depth
    ]
    if path.suffix == ".py":
        found += [f"{m.group(0)} is above the repository" for m in PARENTS.finditer(text) if int(m.group(1)) > depth]
    found += [
        f"{m.group(1)} does not exist in the repository"
        for m in REPO_PATH.finditer(text)
        if not (ROOT / m.group(1)).exists()
    ]
    return found


def test_nothing_refers_outside_the_repository():
    problems = []
    for path in tracked_files():
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(ROOT) or not target.exists():
                problems.append(f"{path.relative_to(ROOT)}: symlink to {os.readlink(path)} leaves the repository")
            continue
        text = _text(path)
        if text is not None:
            problems += [f"{path.relative_to(ROOT)}: {p}" for p in outside_references(path, text)]
    assert problems == []


# (The examples are split with `+`, which the formatter keeps, so this file does not trip its own check.)
@pytest.mark.parametrize(
    "text, where, expected",
    [
        ("see ../shared/" + "docs/draw-spec.md", ("README.md",), 1),
        ("see ../shared/" + "docs/draw-spec.md", ("docs", "x", "y.md"), 0),
        ("Path(__file__).resolve().parents[" + "3] / 'shared' / 'data'", ("tests", "unit", "t.py"), 1),
        ("Path(__file__).resolve().parents[2]", ("tests", "unit", "t.py"), 0),
        ("open('" + "/wor" + "k/shared/data/a.csv')", ("tests", "t.py"), 1),
        ("docs/draw-spec.md and tests/data/entities-sample.csv", ("README.md",), 0),
        ("shared/" + "data/entities-sample.csv", ("README.md",), 1),
    ],
)
def test_the_reference_check_catches_what_it_should(text, where, expected):
    assert len(outside_references(ROOT.joinpath(*where), text)) == expected


def test_the_library_imports_no_service_and_no_development_code():
    """Every module of jointcheck imported in a clean interpreter pulls in nothing of ours."""
    code = (
        "import importlib, json, pkgutil, sys, jointcheck\n"
        "for m in pkgutil.walk_packages(jointcheck.__path__, 'jointcheck.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT / "docs")
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "jointcheck" in loaded
    assert loaded & {*SERVICE_NAMES, "gsxt_emulator", "jcdev", "tests"} == set()


def test_the_verifier_points_to_the_specification_in_this_repository():
    verifier = (ROOT / "tools" / "verify_draw.py").read_text(encoding="utf-8")
    assert "docs/draw-spec.md" in verifier
    assert (ROOT / "docs" / "draw-spec.md").is_file()


def test_the_specification_prints_the_vectors_the_code_computes():
    from jointcheck.codes.uscc import USCC_ALPHABET, USCC_WEIGHTS
    from jointcheck.draw import (
        assign_teams,
        build_announcement,
        commitment_of,
        derive_keys,
        draw_objects,
        make_file,
        sha256_hex,
    )

    spec = (ROOT / "docs" / "draw-spec.md").read_text(encoding="utf-8")

    def uscc(prefix: str) -> str:
        total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(prefix, USCC_WEIGHTS))
        return prefix + USCC_ALPHABET[(31 - total % 31) % 31]

    secret = bytes.fromhex(re.search(r"\| secret \| `([0-9a-f]{64})` \|", spec).group(1))
    entropy = re.search(r"\| entropy \| `([^`]+)` \|", spec).group(1)
    frame = make_file([(uscc("91411523MA%07d" % n), "ABCD"[n % 4]) for n in range(20)])
    strata = {
        "A": {"ratio": "0.2"},
        "B": {"min": 2, "ratio": "0.2"},
        "C": {"count": 3},
        "D": {"alternates": 1, "max": 2, "ratio": "1"},
    }
    announcement = build_announcement(
        "objects", commitment_of(secret), {"frame": frame}, entropy_source="witness dice", strata=strata
    )
    k_sample, k_assign = derive_keys(announcement, secret, entropy)
    result = draw_objects(k_sample, frame, strata)
    expected = [
        f"| commitment | `{commitment_of(secret)}` |",
        f"| frame_sha256 | `{sha256_hex(frame)}` |",
        f"| H(announcement) | `{sha256_hex(announcement)}` |",
        f"| K_sample | `{k_sample.hex()}` |",
        f"| K_assign | `{k_assign.hex()}` |",
        "\n" + announcement.decode() + "\n",
        ", ".join(f"{s} {v['population']} → {v['sample']}" for s, v in sorted(result["sizes"].items())),
        "\n".join(f"| {r['id']} | {r['stratum']} | {r['ticket']} |" for r in result["selected"]),
        *(f"| {r['id']} | {r['stratum']} | {r['ticket']} |" for r in result["alternates"]),
    ]
    teams = assign_teams(
        k_assign,
        make_file([r["id"] for r in result["selected"]]),
        make_file([("INS%03d" % n, ["SCJG", "YJGL", "XFJY"][n % 3]) for n in range(9)]),
        make_file([("conflict", "INS000", "91411523MA0000004J"), ("previous", "INS003", "91411523MA0000004J")]),
        {"required_departments": ["SCJG", "YJGL"], "team_size": 3, "max_load": 2},
    )
    expected.append("\n".join(f"| {t['entity']} | {', '.join(t['inspectors'])} |" for t in teams["teams"]))
    expected.append(", ".join(u["entity"] for u in teams["unassigned"]) + ".")
    assert {u["reason"] for u in teams["unassigned"]} == {"no eligible inspector from department SCJG"}
    missing = [e for e in expected if e not in spec]
    assert missing == []
