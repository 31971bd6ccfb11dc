#!/usr/bin/env python3
"""Mutation testing of the pure cores with mutmut 3 (``make mutation``; docs/mutation.md).

mutmut names a mutant after its file's path relative to the directory it runs in (only a
leading ``src/`` is dropped), while the tests import ``jointcheck.…`` and ``planning.…``.
So each module is run in a scratch directory laid out the way mutmut expects:
``src/jointcheck`` (a copy of shared/jointcheck), ``src/planning`` (a copy of
services/planning/planning), ``tests/…`` (only that module's pure unit tests), and a
pyproject.toml holding the mutmut and pytest settings. Nothing in the worktree changes.

Prints one line per module, ``module: killed/total = score % (target ≥ T %)``, lists the
surviving mutants, and exits 1 if a module misses its target.

    python tools/mutation.py                      # every module
    python tools/mutation.py uscc workdays        # some of them
    python tools/mutation.py --list               # the modules, their tests and targets
    JC_MUTATION_WORKERS=2 python tools/mutation.py   # parallel mutants (default 1)
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The verifier's own checks: every function verify_bundle() / the CLI runs to decide
# OK or FAILED, apart from the draw algorithm itself (whose mutants change the result,
# which the binding vectors catch; it is measured as "drawv1-rest").
VERIFIER_FUNCTIONS = (
    "main",
    "_emit",
    "verify_bundle",
    "_verify",
    "_parse_announcement",
    "_loads",
    "_check_entropy",
    "_check_inputs",
    "_run",
    "_secret_bytes",
    "_first_diff",
    "_summary",
    "_show",
    "_to_bytes",
    "_chunks",
    "_lines_ok",
    "_file_lines",
    "_bytes_check",
    "_bytes_lines",
    "_fail_line",
    "_split_fields",
    "_frame_precheck",
    "_diagnose_frame",
    "_check_frame_strata",
    "validate_rule",
    "validate_strata",
    "validate_team_rules",
    "_check_name",
    "_is_int",
)
# the rest of drawv1 that runs in one process (the process pool path needs >= 100,000
# frame lines and is covered by tests/unit/test_draw_vectors.py with a lowered threshold)
DRAW_REST_FUNCTIONS = (
    "u",
    "lp",
    "sha256_hex",
    "hmac_sha256",
    "_check_json_value",
    "canonical_json",
    "make_file",
    "parse_file",
    "check_file",
    "commitment_of",
    "derive_keys",
    "sample_size",
    "ticket",
    "_pads",
    "_threshold",
    "_scan",
    "_scan_chunk",
    "_scan_range",
    "_frame_ok",
    "_frame_size_if_ok",
    "_fixed_layout",
    "draw_objects",
    "_draw_objects",
    "_h",
    "_parse_named",
    "assign_teams",
    "_check_kind",
    "build_announcement",
    "execute",
    "make_bundle",
)


@dataclass
class Module:
    name: str
    source: str  # path under src/ in the scratch directory
    tests: list[str]
    target: float
    functions: tuple[str, ...] = ()  # only mutants of these functions (empty: all)
    packages: list[str] = field(default_factory=lambda: ["jointcheck"])

    @property
    def dotted(self) -> str:
        return self.source[: -len(".py")].replace("/", ".")


DRAW_TESTS = [
    "tests/unit/test_draw_vectors.py",
    "tests/unit/test_verifier_checks.py",
    "tests/unit/test_draw_chunk_checks.py",
]
MODULES = [
    Module("drawv1-verifier", "jointcheck/draw/drawv1.py", DRAW_TESTS, 98.0, VERIFIER_FUNCTIONS),
    # informational (no target); the property tests are left out: minutes per mutant
    Module("drawv1-rest", "jointcheck/draw/drawv1.py", DRAW_TESTS, 0.0, DRAW_REST_FUNCTIONS),
    Module("uscc", "jointcheck/codes/uscc.py", ["tests/unit/test_uscc.py"], 95.0),
    Module("workdays", "jointcheck/workdays.py", ["tests/unit/test_workdays.py"], 95.0),
    Module(
        "rules", "planning/tasks/rules.py", ["tests/planning/test_rules.py"], 95.0, packages=["jointcheck", "planning"]
    ),
    Module(
        "replay-checks",
        "audit/replays/checks.py",
        ["tests/unit/test_replay_checks.py"],
        95.0,
        packages=["jointcheck", "audit"],
    ),
]
DEFAULT = ["drawv1-verifier", "uscc", "workdays", "rules", "replay-checks"]
PACKAGE_DIRS = {
    "jointcheck": ROOT / "shared" / "jointcheck",
    "planning": ROOT / "services" / "planning" / "planning",
    "audit": ROOT / "services" / "audit" / "audit",
}
PER_TEST_TIMEOUT = 20  # seconds: a mutant that loops fails (pytest-timeout) instead of hanging


def _pyproject(m: Module) -> str:
    def toml_list(items):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return f"""\
[tool.mutmut]
source_paths = ["src"]
only_mutate = ["src/{m.source}"]
pytest_add_cli_args_test_selection = {toml_list(m.tests)}
pytest_add_cli_args = {
        toml_list(["-p", "no:cacheprovider", "-p", "no:randomly", "-q", f"--timeout={PER_TEST_TIMEOUT}"])
    }
timeout_multiplier = 5.0
use_git_change_detection = false
track_dependencies = false

[tool.pytest.ini_options]
asyncio_mode = "auto"
addopts = "-ra --import-mode=importlib"
markers = ["e2e: runs every service as a real process over loopback"]
"""


def _stage(m: Module, work: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for pkg in m.packages:
        shutil.copytree(PACKAGE_DIRS[pkg], work / "src" / pkg, ignore=ignore)
    for t in m.tests:
        dest = work / t
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / t, dest)
    # hypothesis: no example database, derandomised (a mutant's verdict must not be luck)
    (work / "tests" / "conftest.py").write_text(
        "from hypothesis import settings\n"
        "settings.register_profile('mutation', derandomize=True, deadline=None, database=None)\n"
        "settings.load_profile('mutation')\n"
    )
    (work / "pyproject.toml").write_text(_pyproject(m))


def _function_of(key: str, dotted: str) -> str | None:
    rest = key[len(dotted) + 1 :] if key.startswith(dotted + ".") else None
    if rest is None or not rest.startswith("x_"):
        return None
    return rest[2:].rpartition("__mutmut_")[0]


def _mutant_sources(path: Path) -> dict[str, str]:
    """Source of every function in mutmut's mutated copy of a file, by name."""
    text = path.read_text()
    lines = text.splitlines()
    out = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # the def line too (defaults are mutated), with the name normalised
            body = lines[node.lineno - 1 : node.end_lineno]
            body[0] = body[0].replace(node.name, "f", 1)
            out[node.name] = "\n".join(body)
    return out


def _natural(key: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def run_module(m: Module, workers: int, keep: bool) -> tuple[int, int, list[str], float]:
    work = Path(tempfile.mkdtemp(prefix=f"jc-mutation-{m.name}-"))
    t0 = time.monotonic()
    try:
        _stage(m, work)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
        mutmut = [sys.executable, "-m", "mutmut"]
        selection = [f"{m.dotted}.x_{f}__mutmut_*" for f in m.functions]
        log = work / "mutmut.log"
        with open(log, "w") as out:
            proc = subprocess.run(
                [*mutmut, "run", "--max-children", str(workers), *selection],
                cwd=work,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        res = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work, env=env, capture_output=True, text=True)
        statuses = {}
        for line in res.stdout.splitlines():
            mt = re.fullmatch(r"\s*(\S+): (.+)", line)
            if mt and mt.group(1).startswith(m.dotted + "."):
                statuses[mt.group(1)] = mt.group(2).strip()
        if m.functions:
            statuses = {k: v for k, v in statuses.items() if _function_of(k, m.dotted) in m.functions}
        if proc.returncode != 0 or not statuses:
            sys.stdout.write(log.read_text()[-4000:])
            raise SystemExit(f"{m.name}: mutmut failed (exit {proc.returncode}); scratch dir {work}")
        killed = sum(1 for v in statuses.values() if v in ("killed", "timeout"))
        sources = _mutant_sources(work / "mutants" / "src" / m.source)
        survivors = []
        for k, v in sorted(statuses.items(), key=lambda kv: _natural(kv[0])):
            if v not in ("killed", "timeout"):
                fn = k.rpartition(".")[2]
                orig = sources.get(fn.rpartition("__mutmut_")[0] + "__mutmut_orig", "")
                changed = [
                    ln
                    for ln in difflib.unified_diff(
                        orig.splitlines(), sources.get(fn, "").splitlines(), lineterm="", n=0
                    )
                    if ln[:1] in "+-" and ln[:3] not in ("+++", "---")
                ]
                survivors.append(f"{k} [{v}]\n        " + "\n        ".join(ln.strip() for ln in changed[:4]))
        return killed, len(statuses), survivors, time.monotonic() - t0
    finally:
        if keep:
            print(f"   (scratch directory kept: {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("modules", nargs="*", help=f"default: {' '.join(DEFAULT)}; also: drawv1-rest")
    p.add_argument("--list", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the scratch directories")
    p.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    args = p.parse_args(argv)
    by_name = {m.name: m for m in MODULES}
    if args.list:
        for m in MODULES:
            print(f"{m.name}: src/{m.source} ≥ {m.target:g} %, tests {' '.join(m.tests)}")
        return 0
    names = args.modules or DEFAULT
    unknown = [n for n in names if n not in by_name]
    if unknown:
        p.error(f"unknown module(s) {', '.join(unknown)} (see --list)")
    workers = int(os.environ.get("JC_MUTATION_WORKERS", "1"))
    lines, missed = [], []
    t_all = time.monotonic()
    for n in names:
        m = by_name[n]
        print(f"== {m.name}: mutating src/{m.source} with {' '.join(m.tests)}", flush=True)
        killed, total, survivors, secs = run_module(m, workers, args.keep)
        score = 100.0 * killed / total
        ok = score >= m.target
        line = (
            f"{m.name}: {killed}/{total} = {score:.1f} %"
            + (f" (target ≥ {m.target:g} %{'' if ok else ', MISSED'})" if m.target else "")
            + f" in {secs / 60:.1f} min"
        )
        print(line, flush=True)
        for s in survivors:
            print(f"   survived: {s}")
        lines.append(line)
        if not ok:
            missed.append(m.name)
    print(f"\nmutation scores ({(time.monotonic() - t_all) / 60:.1f} min):")
    for line in lines:
        print(f"  {line}")
    if missed and not args.no_fail:
        print(f"target missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
