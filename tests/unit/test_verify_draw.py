"""The standalone verifier, run as a subprocess exactly as an outsider would run it:

python tools/verify_draw.py bundle.json
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jointcheck.draw import build_announcement, make_bundle, verify_bundle

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_draw_vectors import (
    COMMITMENT,
    ENTROPY,
    SECRET,
    TEAM_RULES,
    vector_bundle,
    vector_teams_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = ROOT / "tools" / "verify_draw.py"


def run(data, tmp_path: Path, *extra: str, stdin: bytes | None = None):
    """Write ``data`` (dict → JSON, str, or bytes) to a file and run the verifier on it."""
    path = tmp_path / "bundle.json"
    if isinstance(data, (dict, list)):
        data = json.dumps(data, ensure_ascii=False)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    args = [sys.executable, str(VERIFIER), *extra, "-" if stdin is not None else str(path)]
    # a clean environment: the verifier must not need the project on sys.path
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    proc = subprocess.run(args, input=stdin, capture_output=True, timeout=60, cwd=str(tmp_path), env=env)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out
    return proc.returncode, out, err


def assert_fails(data, tmp_path, check: str):
    code, out, err = run(data, tmp_path)
    assert code == 1, (out, err)
    assert out.startswith(f"FAILED: {check}: "), out
    assert len(out.strip().splitlines()) == 1, out
    return out


def objects_bundle() -> dict:
    return vector_bundle()


def teams_bundle() -> dict:
    inputs = vector_teams_inputs()
    ann = build_announcement("teams", COMMITMENT, inputs, entropy_source="witness dice", team=TEAM_RULES)
    return make_bundle("vector-teams", ann, SECRET, ENTROPY, inputs)


def with_announcement(bundle: dict, **changes) -> dict:
    ann = json.loads(bundle["announcement"])
    ann.update(changes)
    b = copy.deepcopy(bundle)
    b["announcement"] = json.dumps(ann, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b


def frame_lines(bundle: dict) -> list[str]:
    return bundle["inputs"]["frame"].split("\n")[:-1]


def with_frame(bundle: dict, text: str) -> dict:
    b = copy.deepcopy(bundle)
    b["inputs"]["frame"] = text
    return b


# --------------------------------------------------------------------------- the happy path


def test_verifier_is_a_symlink_to_the_single_implementation():
    assert VERIFIER.is_symlink()
    assert os.readlink(VERIFIER) == "../shared/jointcheck/draw/drawv1.py"
    assert VERIFIER.resolve() == (ROOT / "shared" / "jointcheck" / "draw" / "drawv1.py").resolve()
    source = VERIFIER.read_text()
    assert "import jointcheck" not in source and "from jointcheck" not in source


def test_vector_bundle_ok(tmp_path):
    code, out, err = run(objects_bundle(), tmp_path)
    assert code == 0, (out, err)
    lines = out.splitlines()
    assert lines[0] == "OK"
    assert "8 selected" in lines[1] and "1 alternate" in lines[1]
    assert len(lines) == 2


def test_teams_bundle_ok(tmp_path):
    code, out, _ = run(teams_bundle(), tmp_path)
    assert code == 0, out
    assert out.splitlines()[0] == "OK"
    assert "4 team(s)" in out and "4 unassigned" in out


def test_stdin_and_workers(tmp_path):
    data = json.dumps(objects_bundle()).encode()
    code, out, _ = run(b"", tmp_path, stdin=data)
    assert code == 0 and out.startswith("OK"), out
    code, out, _ = run(data, tmp_path, "-j", "2")
    assert code == 0 and out.startswith("OK"), out


def test_usage_and_unreadable_file(tmp_path):
    proc = subprocess.run([sys.executable, str(VERIFIER)], capture_output=True, timeout=60)
    assert proc.returncode == 2 and b"usage" in proc.stderr and b"Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, str(VERIFIER), str(tmp_path / "missing.json")], capture_output=True, timeout=60
    )
    assert proc.returncode == 1 and proc.stdout.startswith(b"FAILED: bundle: cannot read")
    assert b"Traceback" not in proc.stderr


def test_larger_frame(tmp_path):
    from jointcheck.draw import commitment_of, make_file

    frame = make_file([("91411523MA%08d" % n, "ABCDU"[n * 7 % 5]) for n in range(60_000)])
    strata = {c: {"ratio": "0.03", "alternates": 3} for c in "ABCDU"}
    ann = build_announcement(
        "objects",
        commitment_of(SECRET),
        {"frame": frame},
        entropy_source="beacon",
        strata=strata,
        context={"task_id": "T-2024-001", "registry_version": 7},
    )
    b = make_bundle("big", ann, SECRET, "beacon round 123", {"frame": frame})
    assert len(b["result"]["selected"]) == 1800 and len(b["result"]["alternates"]) == 15
    code, out, _ = run(b, tmp_path)
    assert code == 0 and out.startswith("OK"), out
    lines = frame.split("\n")[:-1]
    lines[-1] = lines[-1][:-1] + ("A" if lines[-1][-1] != "A" else "B")
    assert_fails(with_frame(b, "\n".join(lines) + "\n"), tmp_path, "frame_sha256")


# --------------------------------------------------------------------------- tampering: objects


def test_wrong_secret(tmp_path):
    b = objects_bundle()
    b["secret"] = "ff" + b["secret"][2:]
    assert_fails(b, tmp_path, "commitment")


def test_altered_announcement(tmp_path):
    b = objects_bundle()
    assert_fails(with_announcement(b, entropy_source="witness dice (recast)"), tmp_path, "result")
    assert_fails(
        with_announcement(
            b,
            strata={
                "A": {"ratio": "0.4"},
                "B": {"min": 2, "ratio": "0.2"},
                "C": {"count": 3},
                "D": {"alternates": 1, "max": 2, "ratio": "1"},
            },
        ),
        tmp_path,
        "result",
    )
    assert_fails(with_announcement(b, commitment="00" * 32), tmp_path, "commitment")
    assert_fails(with_announcement(b, frame_sha256="00" * 32), tmp_path, "frame_sha256")
    assert_fails(with_announcement(b, algorithm="draw-v2"), tmp_path, "announcement")
    assert_fails(with_announcement(b, kind="experts"), tmp_path, "kind")
    # a whitespace change alters H(announcement), hence the keys
    b2 = copy.deepcopy(b)
    b2["announcement"] = b["announcement"].replace(",", ", ", 1)
    assert_fails(b2, tmp_path, "result")


def test_altered_entropy(tmp_path):
    b = objects_bundle()
    b["entropy"] = "witness dice: 3 1 4 1 5 9 2 7"
    assert_fails(b, tmp_path, "result")
    b["entropy"] = ""
    assert_fails(b, tmp_path, "entropy")


def test_frame_line_removed(tmp_path):
    b = objects_bundle()
    lines = frame_lines(b)
    out = assert_fails(with_frame(b, "\n".join(lines[1:]) + "\n"), tmp_path, "frame_sha256")
    assert "hashes to" in out


def test_frame_line_added(tmp_path):
    b = objects_bundle()
    lines = sorted(frame_lines(b) + ["91411523MA0000099X\tA"])
    assert_fails(with_frame(b, "\n".join(lines) + "\n"), tmp_path, "frame_sha256")


def test_frame_reordered(tmp_path):
    b = objects_bundle()
    lines = frame_lines(b)
    lines[3], lines[4] = lines[4], lines[3]
    out = assert_fails(with_frame(b, "\n".join(lines) + "\n"), tmp_path, "frame")
    assert "line 5" in out and "order" in out


def test_frame_line_duplicated(tmp_path):
    b = objects_bundle()
    lines = frame_lines(b)
    lines.insert(7, lines[7])
    out = assert_fails(with_frame(b, "\n".join(lines) + "\n"), tmp_path, "frame")
    assert "duplicate" in out


def test_frame_without_trailing_lf(tmp_path):
    b = objects_bundle()
    assert_fails(with_frame(b, b["inputs"]["frame"][:-1]), tmp_path, "frame")


def test_frame_with_crlf_or_empty_line(tmp_path):
    b = objects_bundle()
    assert_fails(with_frame(b, b["inputs"]["frame"].replace("\n", "\r\n")), tmp_path, "frame")
    assert_fails(with_frame(b, b["inputs"]["frame"] + "\n"), tmp_path, "frame")
    assert_fails(with_frame(b, "x\ty\tz\n"), tmp_path, "frame")


def test_frame_size_wrong(tmp_path):
    b = objects_bundle()
    out = assert_fails(with_announcement(b, frame_size=21), tmp_path, "frame_size")
    assert "21" in out and "20" in out
    assert_fails(with_announcement(b, frame_size="20"), tmp_path, "frame_size")


def test_selected_id_swapped(tmp_path):
    b = objects_bundle()
    b["result"]["selected"][2]["id"] = "91411523MA0000001A"
    out = assert_fails(b, tmp_path, "result")
    assert "selected[2].id" in out


def test_ticket_altered(tmp_path):
    b = objects_bundle()
    t = b["result"]["selected"][0]["ticket"]
    b["result"]["selected"][0]["ticket"] = t[:-1] + ("0" if t[-1] != "0" else "1")
    out = assert_fails(b, tmp_path, "result")
    assert "selected[0].ticket" in out


def test_alternate_removed(tmp_path):
    b = objects_bundle()
    b["result"]["alternates"] = []
    out = assert_fails(b, tmp_path, "result")
    assert "alternates" in out


def test_selected_reordered_or_extended(tmp_path):
    b = objects_bundle()
    sel = b["result"]["selected"]
    sel[0], sel[1] = sel[1], sel[0]
    assert_fails(b, tmp_path, "result")
    b = objects_bundle()
    b["result"]["selected"].append(dict(b["result"]["alternates"][0]))
    assert_fails(b, tmp_path, "result")


def test_sizes_altered(tmp_path):
    b = objects_bundle()
    b["result"]["sizes"]["A"]["population"] = 6
    assert_fails(b, tmp_path, "result")
    b = objects_bundle()
    b["result"]["sizes"]["A"]["sample"] = 1.0  # type-strict: 1.0 is not the integer 1
    assert_fails(b, tmp_path, "result")
    b = objects_bundle()
    b["result"]["extra"] = []
    assert_fails(b, tmp_path, "result")


# --------------------------------------------------------------------------- tampering: teams


def test_teams_member_swapped(tmp_path):
    b = teams_bundle()
    b["result"]["teams"][0]["inspectors"][2] = "INS007"
    assert_fails(b, tmp_path, "result")
    b = teams_bundle()
    members = b["result"]["teams"][0]["inspectors"]
    members[0], members[1] = members[1], members[0]  # pick order matters (lead first)
    assert_fails(b, tmp_path, "result")


def test_teams_unassigned_altered(tmp_path):
    b = teams_bundle()
    b["result"]["unassigned"][0]["reason"] = "fewer than 3 eligible inspectors"
    assert_fails(b, tmp_path, "result")
    b = teams_bundle()
    del b["result"]["unassigned"][1]
    assert_fails(b, tmp_path, "result")


def test_teams_pool_and_constraints_tampered(tmp_path):
    b = teams_bundle()
    b["inputs"]["pool"] = b["inputs"]["pool"].replace("INS004\tYJGL", "INS004\tSCJG")
    assert_fails(b, tmp_path, "pool_sha256")
    b = teams_bundle()
    b["inputs"]["constraints"] = "\n".join(b["inputs"]["constraints"].split("\n")[1:])
    assert_fails(b, tmp_path, "constraints_sha256")
    b = teams_bundle()
    b["inputs"]["constraints"] = ""
    assert_fails(b, tmp_path, "constraints_sha256")
    b = teams_bundle()
    b["inputs"]["entities"] = b["inputs"]["entities"].split("\n", 1)[1]
    assert_fails(b, tmp_path, "entities_sha256")
    b = teams_bundle()
    pool = b["inputs"]["pool"].split("\n")[:-1]
    b["inputs"]["pool"] = "\n".join(reversed(pool)) + "\n"
    assert_fails(b, tmp_path, "pool")
    b = teams_bundle()
    b["inputs"]["frame"] = "x\tA\n"
    assert_fails(b, tmp_path, "inputs")
    b = teams_bundle()
    del b["inputs"]["pool"]
    assert_fails(b, tmp_path, "inputs")


def test_teams_rules_tampered(tmp_path):
    b = teams_bundle()
    assert_fails(with_announcement(b, team={**TEAM_RULES, "max_load": 3}), tmp_path, "result")
    assert_fails(with_announcement(b, team={**TEAM_RULES, "max_load": 0}), tmp_path, "team")


# --------------------------------------------------------------------------- wrong envelope


def test_wrong_kind(tmp_path):
    b = objects_bundle()
    b["kind"] = "teams"
    assert_fails(b, tmp_path, "kind")
    b["kind"] = "lottery"
    assert_fails(b, tmp_path, "kind")


def test_wrong_format(tmp_path):
    b = objects_bundle()
    b["format"] = "draw-bundle/2"
    assert_fails(b, tmp_path, "format")
    del b["format"]
    assert_fails(b, tmp_path, "format")


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b'{"format": ',
        b"[1, 2, 3]",
        b'"draw-bundle/1"',
        b"null",
        b"\xff\xfe{}",
        b"\xef\xbb\xbf{}",
        b"[" * 100000 + b"]" * 100000,
        b'{"format": "draw-bundle/1", "format": "draw-bundle/1"}',
        b'{"format": NaN}',
    ],
)
def test_not_a_bundle(data, tmp_path):
    assert_fails(data, tmp_path, "bundle")


def test_invalid_utf8_inside(tmp_path):
    raw = json.dumps(objects_bundle()).encode().replace(b"witness dice: 3", b"witness dice: \xff3")
    assert_fails(raw, tmp_path, "bundle")


def test_missing_keys(tmp_path):
    for key in ("kind", "announcement", "secret", "entropy", "inputs", "result"):
        b = objects_bundle()
        del b[key]
        out = assert_fails(b, tmp_path, "bundle")
        assert key in out
    b = objects_bundle()
    del b["inputs"]["frame"]
    assert_fails(b, tmp_path, "inputs")
    b = objects_bundle()
    b["announcement"] = json.dumps({k: v for k, v in json.loads(b["announcement"]).items() if k != "strata"})
    assert_fails(b, tmp_path, "strata")


@pytest.mark.parametrize("secret", ["xyz", "00" * 31, "00" * 33, "0x" + "00" * 31, "AB" * 32, "", "g" * 64])
def test_secret_not_hex(secret, tmp_path):
    b = objects_bundle()
    b["secret"] = secret
    assert_fails(b, tmp_path, "secret")


@pytest.mark.parametrize(
    "key, value, check",
    [
        ("secret", 123, "secret"),
        ("secret", None, "secret"),
        ("entropy", 31415926, "entropy"),
        ("entropy", ["dice"], "entropy"),
        ("announcement", 5, "announcement"),
        ("announcement", {"algorithm": "draw-v1"}, "announcement"),
        ("announcement", "not json", "announcement"),
        ("announcement", "[]", "announcement"),
        ("kind", 1, "kind"),
        ("format", 1, "format"),
        ("inputs", "x\tA\n", "inputs"),
        ("inputs", {"frame": 5}, "frame"),
        ("inputs", {"frame": None}, "frame"),
        ("inputs", {"frame": ["x\tA"]}, "frame"),
        ("result", [], "result"),
        ("result", None, "result"),
        ("result", {"selected": 1, "alternates": [], "sizes": {}}, "result"),
        ("result", {"selected": [7], "alternates": [], "sizes": {}}, "result"),
    ],
)
def test_wrong_types(key, value, check, tmp_path):
    b = objects_bundle()
    b[key] = value
    assert_fails(b, tmp_path, check)


def test_lone_surrogates_and_odd_json(tmp_path):
    b = objects_bundle()
    text = json.dumps(b).replace("witness dice: 3", "witness dice: \\ud800")
    assert_fails(text, tmp_path, "entropy")
    text = json.dumps(with_frame(b, "x\ud800\tA\n"))
    assert_fails(text, tmp_path, "frame")
    b2 = with_announcement(b, frame_size=True)
    assert_fails(b2, tmp_path, "frame_size")
    b3 = with_announcement(b, strata={"A": {"ratio": 0.2}})
    assert_fails(b3, tmp_path, "strata")
    b4 = with_announcement(b, strata={"A": {"ratio": "0.2"}})  # strata B, C, D without rules
    assert_fails(b4, tmp_path, "strata")
    b5 = copy.deepcopy(b)
    b5["announcement"] = b["announcement"][:-1] + ',"kind":"objects"}'
    assert_fails(b5, tmp_path, "announcement")  # duplicate key


def test_unprintable_and_huge_values_are_reported_safely(tmp_path):
    b = objects_bundle()
    text = json.dumps(b).replace('"kind": "objects"', '"kind": "\\ud800"')
    assert_fails(text, tmp_path, "kind")
    b2 = copy.deepcopy(b)
    b2["secret"] = "z" * 1_000_000
    out = assert_fails(b2, tmp_path, "secret")
    assert len(out) < 400
    b3 = with_announcement(b, strata={"A": {"ratio": "0." + "1" * 5000}})
    assert_fails(b3, tmp_path, "strata")
    strata = json.loads(b["announcement"])["strata"]
    b4 = with_announcement(b, strata={**strata, "A": {"count": 10**4000}})
    out = assert_fails(b4, tmp_path, "result")  # a valid (if odd) rule: all 5 of A are selected
    assert len(out) < 400


def test_in_process_api_never_raises():
    for junk in (
        None,
        5,
        1.5,
        [],
        {},
        "",
        b"",
        b"\xff",
        {"format": "draw-bundle/1"},
        object(),
        {
            "format": "draw-bundle/1",
            "kind": "objects",
            "announcement": b"{}",
            "secret": b"",
            "entropy": "",
            "inputs": {},
            "result": {},
        },
    ):
        ok, message = verify_bundle(junk)
        assert ok is False and ": " in message
