"""The README's walkthrough runs as written: its bash block, against the e2e stack.

Only the first three lines (where the services are and whose tokens) are swapped for the
stack's; every other line runs exactly as a reader would paste it. A broken curl, a renamed
field or a changed rule makes this test fail, so the README cannot drift from the API.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from .world import World

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- readme-walkthrough:begin -->\n```bash\n(.*?)```\n<!-- readme-walkthrough:end -->", re.S)


def walkthrough() -> list[str]:
    match = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no walkthrough block between its markers"
    return match.group(1).splitlines()


def test_the_readme_walkthrough_runs_as_written(http, urls, tokens, tmp_path):
    assert shutil.which("curl"), "curl is needed by the README and by this test"
    World(http=http, urls=urls, tokens=tokens).departments()  # what `make run`'s demo county provides
    lines = walkthrough()
    head = lines[:3]
    assert head[0].startswith("REG=http://127.0.0.1:8001 PLN=http://127.0.0.1:8002 SMP=http://127.0.0.1:8003")
    assert head[1].startswith('AUTH="Authorization: Bearer $(make -s token)"')
    assert head[2].startswith('AUDITOR="Authorization: Bearer $(make -s token ROLE=auditor)"')
    stack_head = [
        f"REG={urls['registry']} PLN={urls['planning']} SMP={urls['sampling']}",
        f"AUTH='Authorization: {tokens.admin['Authorization']}'",
        f"AUDITOR='Authorization: {tokens.auditor['Authorization']}'",
    ]
    # the reader's working directory is the repository root; bundle.json lands in a scratch copy of it
    for name in ("tests", "tools"):
        (tmp_path / name).symlink_to(ROOT / name)
    script = "\n".join(stack_head + lines[3:]) + "\n"
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        check=False,
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}"
    out = run.stdout.splitlines()
    assert out[0] == "300", run.stdout[-2000:]  # the sample file's rows, all valid
    # the draw executed after the entropy, and the standalone verifier confirmed its bundle
    assert out[-3:-1] == ["executed", "OK"] and out[-1].startswith("draw-v1 objects draw"), run.stdout[-2000:]
    assert (tmp_path / "bundle.json").stat().st_size > 0
